/*
 * The copy routine realm code and the channel library move bytes with
 * (sdk/arch's memcpy is this one; the channel code calls it directly so
 * that its native build, the raw-ring floor, copies exactly as realms do).
 *
 * On x86-64 long copies use REP MOVSB, which cores with ERMS/FSRM run at
 * cache speed, except when the destination lies less than 64 bytes past
 * the source modulo 4 KiB: this CPU (AMD EPYC) then runs REP MOVSB some 30
 * times slower (4 KiB aliasing between the loads and the stores), so those
 * copies take a 64-byte SSE2 loop instead. Short copies move 8 bytes at a
 * time. Elsewhere: a word loop.
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

static inline void *caec_copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

#if defined(__x86_64__)
	if (n >= 128 && (((uintptr_t)d - (uintptr_t)s) & 4095) >= 64) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return dst;
	}
#endif
	caec_copy_words(d, s, n);
	return dst;
}

#endif
