/*
 * Overflow-checked arithmetic on values that come from the host or a realm.
 * Every size or address computed from untrusted input goes through these, so a
 * wrapped sum can never pass a bounds check.
 */
#ifndef RMM_CHECKED_MATH_H
#define RMM_CHECKED_MATH_H

#include <stdbool.h>
#include <stdint.h>

/* *out = a + b; false (and *out unspecified) on overflow. */
static inline bool add_u64_overflows(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_add_overflow(a, b, out);
}

static inline bool mul_u64_overflows(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

static inline bool is_aligned(uint64_t value, uint64_t alignment)
{
	return (value & (alignment - 1)) == 0;
}

#endif
