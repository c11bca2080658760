/* Memory primitives (see mem.h): the compiler's own memcpy, memmove and
 * memset, which sdk/arch defines for realm code (string instructions where
 * the CPU has fast ones) and the C library for native builds. */
#include "sdk/mem.h"

#include <stdint.h>

void *sdk_memcpy(void *dst, const void *src, size_t n)
{
	return __builtin_memcpy(dst, src, n);
}

void *sdk_memmove(void *dst, const void *src, size_t n)
{
	return __builtin_memmove(dst, src, n);
}

void *sdk_memset(void *dst, int c, size_t n)
{
	return __builtin_memset(dst, c, n);
}

int sdk_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t sdk_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
