/*
 * The few C library symbols the engine's sources name (or the compiler
 * emits) that a realm image has nowhere else: the sdk's arch layer defines
 * memcpy, memmove, memset and memcmp; these add strlen, memchr and strcmp.
 * Weak, so an sdk that grows its own wins.
 */
#include <stddef.h>

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
