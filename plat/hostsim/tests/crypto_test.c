/* Hashes, entropy and panic as the monitor gets them from hostsim. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plat/plat.h"
#include "test_support.h"

/* FIPS 180-2 example digests of "abc". */
static const uint8_t sha256_abc[32] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
	0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};
static const uint8_t sha384_abc[48] = {
	0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69, 0x9a, 0xc6, 0x50, 0x07,
	0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63, 0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed,
	0x80, 0x86, 0x07, 0x2b, 0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7,
};
static const uint8_t sha512_abc[64] = {
	0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba, 0xcc, 0x41, 0x73, 0x49, 0xae, 0x20, 0x41, 0x31,
	0x12, 0xe6, 0xfa, 0x4e, 0x89, 0xa9, 0x7e, 0xa2, 0x0a, 0x9e, 0xee, 0xe6, 0x4b, 0x55, 0xd3, 0x9a,
	0x21, 0x92, 0x99, 0x2a, 0x27, 0x4f, 0xc1, 0xa8, 0x36, 0xba, 0x3c, 0x23, 0xa3, 0xfe, 0xeb, 0xbd,
	0x45, 0x4d, 0x44, 0x23, 0x64, 0x3c, 0xe8, 0x0e, 0x2a, 0x9a, 0xc9, 0x4f, 0xa5, 0x4c, 0xa4, 0x9f,
};

static const struct {
	enum plat_hash_alg alg;
	size_t size;
	const uint8_t *abc;
} algs[] = {
	{ PLAT_HASH_SHA256, 32, sha256_abc },
	{ PLAT_HASH_SHA384, 48, sha384_abc },
	{ PLAT_HASH_SHA512, 64, sha512_abc },
};

static void known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		uint8_t out[PLAT_HASH_MAX_SIZE];
		assert_int_equal(plat_hash_size(algs[i].alg), algs[i].size);
		assert_true(plat_hash(algs[i].alg, "abc", 3, out));
		assert_memory_equal(out, algs[i].abc, algs[i].size);

		struct plat_hash_ctx ctx;
		memset(out, 0, sizeof(out));
		assert_true(plat_hash_init(&ctx, algs[i].alg));
		assert_true(plat_hash_update(&ctx, "a", 1));
		assert_true(plat_hash_update(&ctx, "", 0));
		assert_true(plat_hash_update(&ctx, "bc", 2));
		assert_true(plat_hash_final(&ctx, out));
		assert_memory_equal(out, algs[i].abc, algs[i].size);
	}
}

static void incremental_equals_one_shot(void **state)
{
	(void)state;
	static uint8_t data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	const size_t chunks[] = { 1, 63, 64, 65, 127, 128, 4096, 9999 };

	for (size_t a = 0; a < 3; a++) {
		uint8_t one[PLAT_HASH_MAX_SIZE], inc[PLAT_HASH_MAX_SIZE];
		assert_true(plat_hash(algs[a].alg, data, sizeof(data), one));
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct plat_hash_ctx ctx;
			assert_true(plat_hash_init(&ctx, algs[a].alg));
			for (size_t off = 0; off < sizeof(data); off += chunks[c]) {
				size_t n = sizeof(data) - off < chunks[c] ? sizeof(data) - off : chunks[c];
				assert_true(plat_hash_update(&ctx, data + off, n));
			}
			assert_true(plat_hash_final(&ctx, inc));
			assert_memory_equal(inc, one, algs[a].size);
		}
	}
}

static void bad_algorithm_and_misuse_fail(void **state)
{
	(void)state;
	uint8_t out[PLAT_HASH_MAX_SIZE];
	struct plat_hash_ctx ctx;
	enum plat_hash_alg bad = (enum plat_hash_alg)7;

	assert_int_equal(plat_hash_size(bad), 0);
	assert_false(plat_hash(bad, "abc", 3, out));
	assert_false(plat_hash_init(&ctx, bad));
	assert_false(plat_hash_update(&ctx, "abc", 3)); /* no context after a failed init */
	assert_false(plat_hash_final(&ctx, out));
	/* final releases the context: a second final or update fails. */
	assert_true(plat_hash_init(&ctx, PLAT_HASH_SHA256));
	assert_true(plat_hash_final(&ctx, out));
	static const uint8_t sha256_empty_prefix[4] = { 0xe3, 0xb0, 0xc4, 0x42 };
	assert_memory_equal(out, sha256_empty_prefix, 4);
	assert_false(plat_hash_final(&ctx, out));
	assert_false(plat_hash_update(&ctx, "x", 1));
}

static void entropy_fills_and_differs(void **state)
{
	(void)state;
	uint8_t a[300], b[300];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_true(plat_entropy(a, sizeof(a)));
	assert_true(plat_entropy(b, sizeof(b)));
	assert_memory_not_equal(a, b, sizeof(a));
	/* All zero 32-byte tail would be a 2^-256 event: the buffer was filled to the end. */
	uint8_t zero[32] = { 0 };
	assert_memory_not_equal(a + sizeof(a) - 32, zero, 32);
	assert_true(plat_entropy(a, 0));
}

static void panic_child(void *arg)
{
	plat_panic(arg);
}

static void panic_aborts_with_reason(void **state)
{
	(void)state;
	assert_true(death_test(panic_child, "granule refcount underflow", SIGABRT,
			       "rmm: panic: granule refcount underflow"));
	assert_true(death_test(panic_child, NULL, SIGABRT, "rmm: panic: (no reason given)"));
}

static void tlbi_calls_are_accepted(void **state)
{
	(void)state;
	/* Nothing to observe until realm windows exist; they must not crash. */
	plat_s2_tlbi_ipa(1, 0x1000, 0x1000);
	plat_s2_tlbi_vmid(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(incremental_equals_one_shot),
		cmocka_unit_test(bad_algorithm_and_misuse_fail),
		cmocka_unit_test(entropy_fills_and_differs),
		cmocka_unit_test(panic_aborts_with_reason),
		cmocka_unit_test(tlbi_calls_are_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
