/* Memory primitives (see mem.h). Plain byte loops: realm code moves little
 * data, and a loop cannot end up calling the library it replaces. */
#include "sdk/mem.h"

#include <stdint.h>

void *sdk_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *sdk_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n)
		return sdk_memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *sdk_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
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
