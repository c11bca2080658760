/*
 * A stable sort with qsort's contract (port.h). Bottom-up merge sort over
 * scratch of n elements when the allocator gives it, else insertion sort:
 * both keep equal elements in their input order, as glibc's qsort (a merge
 * sort while it can allocate) does, so a comparison that ties sorts the
 * same way in a realm as on the host.
 */
#include <stdint.h>

#include "port.h"

static void copy_bytes(unsigned char *d, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static void insertion_sort(unsigned char *b, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			for (size_t k = 0; k < size; k++) {
				unsigned char t = b[(j - 1) * size + k];
				b[(j - 1) * size + k] = b[j * size + k];
				b[j * size + k] = t;
			}
}

void llm_port_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *),
		   void *(*alloc)(size_t), void (*release)(void *))
{
	unsigned char *a = base, *tmp = NULL;
	size_t bytes;

	if (n < 2 || size == 0)
		return;
	if (alloc && !__builtin_mul_overflow(n, size, &bytes))
		tmp = alloc(bytes);
	if (!tmp) {
		insertion_sort(a, n, size, cmp);
		return;
	}
	unsigned char *src = a, *dst = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				/* <= 0 takes the left run's element first: stability. */
				if (cmp(src + i * size, src + j * size) <= 0)
					copy_bytes(dst + k++ * size, src + i++ * size, size);
				else
					copy_bytes(dst + k++ * size, src + j++ * size, size);
			}
			copy_bytes(dst + k * size, src + i * size, (mid - i) * size);
			k += mid - i;
			copy_bytes(dst + k * size, src + j * size, (hi - j) * size);
		}
		unsigned char *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		copy_bytes(a, src, n * size);
	release(tmp);
}
