/*
 * The copy routine realm code and the channel library move bytes with
 * (sdk/arch's memcpy is this one; the channel code calls it directly so
 * that its native build, the raw-ring floor, copies exactly as realms do).
 *
 * What a copy costs on x86-64 depends on where the destination lies
 * relative to the source, and a channel's copies land wherever the ring
 * stands: a sweep of every 8-byte distance modulo 4 KiB on this machine
 * (AMD EPYC, Zen 3) finds REP MOVSB at cache speed for most distances but
 * 5 to 30 times slower when the destination is less than about 300 bytes
 * past the source (4 KiB aliasing between loads and stores); the C
 * library's memcpy, which uses REP MOVSB from 2 KiB up, inherits that. A
 * loop of 32-byte AVX2 loads and aligned stores is at cache speed at every
 * distance (its worst case within 1.7x of its best, REP MOVSB's 26x), so
 * where the CPU and the OS have AVX2 copies of 64 bytes and more take it.
 * Without AVX2: REP MOVSB except at those near distances, where a 64-byte
 * SSE2 loop goes. Short copies move 8 bytes at a time. Elsewhere: a word
 * loop.
 */
#ifndef CAEC_SDK_COPY_H
#define CAEC_SDK_COPY_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t caec_v16 __attribute__((vector_size(16), aligned(1)));

static inline void caec_copy_words(unsigned char *d, const unsigned char *s, size_t n)
{
	while (n >= 64) {
		caec_v16 a, b, c, e;
		__builtin_memcpy(&a, s, 16);
		__builtin_memcpy(&b, s + 16, 16);
		__builtin_memcpy(&c, s + 32, 16);
		__builtin_memcpy(&e, s + 48, 16);
		__builtin_memcpy(d, &a, 16);
		__builtin_memcpy(d + 16, &b, 16);
		__builtin_memcpy(d + 32, &c, 16);
		__builtin_memcpy(d + 48, &e, 16);
		d += 64, s += 64, n -= 64;
	}
	while (n >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
		d += 8, s += 8, n -= 8;
	}
	while (n--)
		*d++ = *s++;
}

#if defined(__x86_64__)
#include <cpuid.h>

typedef uint8_t caec_v32u __attribute__((vector_size(32), aligned(1)));
typedef uint8_t caec_v32a __attribute__((vector_size(32), aligned(32)));

/* n >= 64. The first and last 32 bytes unaligned, the rest in aligned
 * 32-byte stores (the overlap is written twice, with the same bytes). */
__attribute__((target("avx2"))) static inline void caec_copy_avx2(unsigned char *d, const unsigned char *s,
								   size_t n)
{
	caec_v32u head, tail;

	__builtin_memcpy(&head, s, 32);
	__builtin_memcpy(&tail, s + n - 32, 32);
	unsigned char *end = d + n - 32;
	size_t skip = 32 - ((uintptr_t)d & 31);
	unsigned char *a = d + skip;
	const unsigned char *b = s + skip;
	while (a + 128 <= end) {
		caec_v32u x0, x1, x2, x3;
		__builtin_memcpy(&x0, b, 32);
		__builtin_memcpy(&x1, b + 32, 32);
		__builtin_memcpy(&x2, b + 64, 32);
		__builtin_memcpy(&x3, b + 96, 32);
		*(caec_v32a *)(void *)a = (caec_v32a)x0;
		*(caec_v32a *)(void *)(a + 32) = (caec_v32a)x1;
		*(caec_v32a *)(void *)(a + 64) = (caec_v32a)x2;
		*(caec_v32a *)(void *)(a + 96) = (caec_v32a)x3;
		a += 128, b += 128;
	}
	while (a < end) {
		caec_v32u x;
		__builtin_memcpy(&x, b, 32);
		*(caec_v32a *)(void *)a = (caec_v32a)x;
		a += 32, b += 32;
	}
	__builtin_memcpy(d, &head, 32);
	__builtin_memcpy(end, &tail, 32);
}

/* AVX2 in the CPU (CPUID 7.EBX[5]) and its registers saved by the OS
 * (OSXSAVE, and XCR0 has the SSE and AVX state). Asked once per caller's
 * file: 1 yes, -1 no. */
static inline int caec_copy_has_avx2(void)
{
	static int known;
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (k == 0) {
		unsigned a, b, c, d;
		int yes = 0;
		if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27)) && (c & (1u << 28))) {
			unsigned lo, hi;
			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			if ((lo & 6u) == 6u && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5)))
				yes = 1;
		}
		k = yes ? 1 : -1;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	return k > 0;
}
#endif

/* The copy without AVX2 (every CPU; tests call it directly). */
static inline void caec_copy_plain(unsigned char *d, const unsigned char *s, size_t n)
{
#if defined(__x86_64__)
	if (n >= 128 && (((uintptr_t)d - (uintptr_t)s) & 4095) >= 320) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return;
	}
#endif
	caec_copy_words(d, s, n);
}

static inline void *caec_copy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
	if (n >= 64 && caec_copy_has_avx2()) {
		caec_copy_avx2(dst, src, n);
		return dst;
	}
#endif
	caec_copy_plain(dst, src, n);
	return dst;
}

#endif
