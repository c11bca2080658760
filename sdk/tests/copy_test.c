/*
 * sdk/copy.h, the copy realms and the channel library move bytes with:
 * every length up to a few KiB and some long ones, every source and
 * destination offset within a cache line, and destinations just past the
 * source modulo 4 KiB (where the routine changes its method), through each
 * of its paths (the AVX2 loop where this CPU has it, the plain one always):
 * the bytes arrive, and nothing before or after the destination changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sdk/copy.h"

#define GUARD 64
#define SPAN  (UINT64_C(1) << 20)

typedef void (*copy_fn)(unsigned char *d, const unsigned char *s, size_t n);

static void via_caec_copy(unsigned char *d, const unsigned char *s, size_t n)
{
	assert_ptr_equal(caec_copy(d, s, n), d);
}

static void via_plain(unsigned char *d, const unsigned char *s, size_t n)
{
	caec_copy_plain(d, s, n);
}

#if defined(__x86_64__)
static void via_avx2(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= 64)
		caec_copy_avx2(d, s, n);
	else
		caec_copy_words(d, s, n);
}
#endif

struct arena {
	unsigned char *mem, *src;
};

static void arena_open(struct arena *a)
{
	a->mem = aligned_alloc(4096, 4 * SPAN);
	assert_non_null(a->mem);
	a->src = a->mem + 4096;
	for (uint64_t i = 0; i < SPAN + 4096; i++)
		a->src[i] = (unsigned char)(i * 131 + (i >> 8) + 1);
}

/* One copy of n bytes from src + soff to a destination dist bytes past it
 * modulo 4 KiB (and a whole SPAN further on): checked byte for byte. */
static void one(const struct arena *a, copy_fn fn, size_t n, unsigned soff, unsigned dist)
{
	const unsigned char *s = a->src + soff;
	unsigned char *d = a->mem + 2 * SPAN + ((uintptr_t)s & 4095) + dist;

	memset(d - GUARD, 0xA5, n + 2 * GUARD);
	fn(d, s, n);
	if (memcmp(d, s, n) != 0)
		fail_msg("%zu bytes, source offset %u, distance %u: the copy differs", n, soff, dist);
	for (unsigned g = 1; g <= GUARD; g++)
		if (d[-(int)g] != 0xA5 || d[n + g - 1] != 0xA5)
			fail_msg("%zu bytes, source offset %u, distance %u: wrote outside", n, soff, dist);
}

static void sweep(copy_fn fn)
{
	struct arena a;
	static const unsigned dists[] = { 0, 8, 24, 63, 64, 65, 200, 319, 320, 321, 2048, 4032, 4095 };
	static const size_t longs[] = { 4096, 4097, 65536 - 8, 65536, 262144 + 24, SPAN };

	arena_open(&a);
	for (size_t n = 0; n <= 1100; n++)
		for (unsigned soff = 0; soff < 64; soff += 7)
			one(&a, fn, n, soff, (unsigned)(n * 37 % 4096));
	for (unsigned k = 0; k < sizeof(dists) / sizeof(dists[0]); k++)
		for (unsigned soff = 0; soff < 64; soff += 9) {
			for (size_t n = 60; n < 300; n += 13)
				one(&a, fn, n, soff, dists[k]);
			for (unsigned l = 0; l < sizeof(longs) / sizeof(longs[0]); l++)
				one(&a, fn, longs[l], soff, dists[k]);
		}
	free(a.mem);
}

static void test_caec_copy(void **state)
{
	(void)state;
	sweep(via_caec_copy);
}

static void test_plain(void **state)
{
	(void)state;
	sweep(via_plain);
}

static void test_avx2(void **state)
{
	(void)state;
#if defined(__x86_64__)
	if (!caec_copy_has_avx2())
		skip();
	sweep(via_avx2);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caec_copy),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_avx2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
