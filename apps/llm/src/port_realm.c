/*
 * The few C library symbols the engine's sources name (or the compiler
 * emits) that a realm image has nowhere else: the sdk's arch layer defines
 * memcpy, memmove, memset and memcmp; these add strlen, memchr and strcmp.
 * Weak, so an sdk that grows its own wins.
 *
 * The math functions port.h routes are here under their C names too, as a
 * safety net: a call that reaches libm's name anyway (new code that calls
 * expf directly, or the errno path gcc emits beside an inlined sqrtss)
 * links to the port's version instead of leaving the image unlinkable.
 */
#include <stddef.h>

#include "port.h"

__attribute__((weak)) size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

__attribute__((weak)) void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

__attribute__((weak)) int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

__attribute__((weak)) float expf(float x) { return llm_port_expf(x); }
__attribute__((weak)) float logf(float x) { return llm_port_logf(x); }
__attribute__((weak)) float powf(float x, float y) { return llm_port_powf(x, y); }
__attribute__((weak)) float sinf(float x) { return llm_port_sinf(x); }
__attribute__((weak)) float cosf(float x) { return llm_port_cosf(x); }
__attribute__((weak)) float sqrtf(float x) { return llm_sqrtf(x); }
__attribute__((weak)) float fabsf(float x) { return llm_port_fabsf(x); }
__attribute__((weak)) float fmaxf(float a, float b) { return llm_port_fmaxf(a, b); }
__attribute__((weak)) float fminf(float a, float b) { return llm_port_fminf(a, b); }
__attribute__((weak)) float nearbyintf(float x) { return llm_port_nearbyintf(x); }
__attribute__((weak)) long lrintf(float x) { return llm_lrintf(x); }
