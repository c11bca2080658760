/*
 * The four routines a freestanding compiler may call on its own, and what
 * realm programs copy with: memcpy is sdk/copy.h's caec_copy (string
 * instructions where they are fast), memset REP STOSB for long runs. Weak:
 * if the portable sdk brings its own, those win.
 */
#include <stddef.h>
#include <stdint.h>

#include "sdk/copy.h"

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
	return caec_copy(dst, src, n);
}

__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) /* no overlap that a forward copy breaks */
		return memcpy(dst, src, n);
	while (n >= 8) {
		uint64_t w;
		n -= 8;
		__builtin_memcpy(&w, s + n, 8);
		__builtin_memcpy(d + n, &w, 8);
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

__attribute__((weak)) void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

#if defined(__x86_64__)
	if (n >= 128) {
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
		return dst;
	}
#endif
	uint64_t w = (unsigned char)c * UINT64_C(0x0101010101010101);
	while (n >= 8) {
		__builtin_memcpy(d, &w, 8);
		d += 8, n -= 8;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}
