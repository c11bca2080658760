/*
 * What the engine takes from the C library, in one place, so that the same
 * sources build for a host program and for a realm (LLM_REALM), which links
 * no C library at all.
 *
 * The host build maps every name to the C library's function (static inline,
 * so the generated code and the results are the ones the engine always had).
 * The realm build uses the engine's own versions: the math functions of
 * port_math.c (evaluated in double and rounded once, within one ulp of the
 * correctly rounded result; tests/test_port_math.c holds them against
 * libm), the sdk's formatter and heap, and a stable merge sort in place of
 * qsort (glibc's qsort is a merge sort too, so equal keys keep the order
 * they have on the host). sqrtf, lrintf and fabsf are single instructions
 * there, exact like libm's.
 */
#ifndef LLM_PORT_H
#define LLM_PORT_H

#include <stdarg.h>
#include <stddef.h>

/* The realm versions, always compiled (the native test calls them). */
float llm_port_expf(float x);
float llm_port_logf(float x);
float llm_port_powf(float x, float y);
float llm_port_sinf(float x);
float llm_port_cosf(float x);
float llm_port_fmaxf(float a, float b);
float llm_port_fminf(float a, float b);
float llm_port_fabsf(float x);
/* Nearest integer, ties to even (the default rounding mode's nearbyintf). */
float llm_port_nearbyintf(float x);
/* qsort's contract, stable; scratch from alloc (NULL: sorts in place with
 * insertion sort, still stable). */
void llm_port_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *),
		   void *(*alloc)(size_t), void (*release)(void *));

#ifdef LLM_REALM

#include "sdk/format.h"
#include "sdk/heap.h"

#if defined(__x86_64__)
#include <immintrin.h>
static inline float llm_sqrtf(float x)
{
	return _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x)));
}
/* cvtss2si rounds by MXCSR, nearest-even unless changed: lrintf's rule. */
static inline long llm_lrintf(float x)
{
	return (long)_mm_cvtss_si64(_mm_set_ss(x));
}
#elif defined(__aarch64__)
static inline float llm_sqrtf(float x)
{
	float r;
	__asm__("fsqrt %s0, %s1" : "=w"(r) : "w"(x));
	return r;
}
static inline long llm_lrintf(float x)
{
	long r;
	__asm__("frintx %s1, %s1\n\tfcvtzs %x0, %s1" : "=r"(r), "+w"(x));
	return r;
}
#else
#error "the realm build of the engine needs sqrtf and lrintf for this architecture"
#endif

#define llm_expf llm_port_expf
#define llm_logf llm_port_logf
#define llm_powf llm_port_powf
#define llm_sinf llm_port_sinf
#define llm_cosf llm_port_cosf
#define llm_fmaxf llm_port_fmaxf
#define llm_fminf llm_port_fminf
#define llm_fabsf llm_port_fabsf
#define llm_nearbyintf llm_port_nearbyintf

static inline void llm_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	llm_port_sort(base, n, size, cmp, sdk_malloc, sdk_free);
}

static inline void llm_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	sdk_vsnprintf(buf, cap, fmt, ap);
}
#define llm_snprintf sdk_snprintf

/* align is a power of two; NULL when the heap has no room. */
static inline void *llm_sys_alloc(size_t size, size_t align)
{
	return sdk_aligned_alloc(align, size ? size : 1);
}
static inline void llm_sys_free(void *p)
{
	sdk_free(p);
}

#else /* the host build: the C library */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static inline float llm_expf(float x) { return expf(x); }
static inline float llm_logf(float x) { return logf(x); }
static inline float llm_powf(float x, float y) { return powf(x, y); }
static inline float llm_sinf(float x) { return sinf(x); }
static inline float llm_cosf(float x) { return cosf(x); }
static inline float llm_sqrtf(float x) { return sqrtf(x); }
static inline float llm_fmaxf(float a, float b) { return fmaxf(a, b); }
static inline float llm_fminf(float a, float b) { return fminf(a, b); }
static inline float llm_fabsf(float x) { return fabsf(x); }
static inline long llm_lrintf(float x) { return lrintf(x); }
static inline float llm_nearbyintf(float x) { return nearbyintf(x); }

static inline void llm_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	qsort(base, n, size, cmp);
}

static inline void llm_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	vsnprintf(buf, cap, fmt, ap);
}
#define llm_snprintf snprintf

static inline void *llm_sys_alloc(size_t size, size_t align)
{
	void *p = NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	return posix_memalign(&p, align, size ? size : 1) == 0 ? p : NULL;
}
static inline void llm_sys_free(void *p)
{
	free(p);
}

#endif
#endif
