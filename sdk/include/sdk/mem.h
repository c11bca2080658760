/*
 * Memory primitives for realm code, which links no C library. (The calls a
 * compiler emits on its own, memcpy and friends, are defined by sdk/arch's
 * crt; these are the names realm code uses explicitly.)
 */
#ifndef CAEC_SDK_MEM_H
#define CAEC_SDK_MEM_H

#include <stddef.h>

void *sdk_memcpy(void *dst, const void *src, size_t n);
void *sdk_memmove(void *dst, const void *src, size_t n);
void *sdk_memset(void *dst, int c, size_t n);
int sdk_memcmp(const void *a, const void *b, size_t n);
size_t sdk_strlen(const char *s);

#endif
