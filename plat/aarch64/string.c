/*
 * The four routines a freestanding C compiler may call on its own (GCC
 * documents that it can emit calls to memcpy, memmove, memset and memcmp even
 * with -ffreestanding). Byte loops: simple and obviously right; a board port
 * that copies a lot would vectorise them.
 */
#include <stddef.h>
#include <stdint.h>

/* Keep the compiler from recognising these loops as calls to themselves. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL_IDIOMS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL_IDIOMS
#endif

NO_LIBCALL_IDIOMS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL_IDIOMS void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* dst is below src or past its end: a forward copy never reads
		 * a byte it has already overwritten. */
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

NO_LIBCALL_IDIOMS void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

NO_LIBCALL_IDIOMS int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}
