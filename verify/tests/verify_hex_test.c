/*
 * Hex text: strict decoding for reference values, and the padded form every
 * CLI nonce takes (caec realm run --nonce and caec attest verify --nonce).
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "verify/hex.h"

static void strict_decoding(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n;
	assert_int_equal(hex_decode("0xABcd", out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);
	assert_int_equal(hex_decode("abc", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(hex_decode("zz", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(hex_decode("0102030405", out, sizeof(out), &n), -ENOSPC);
}

static void padded_nonce_forms(void **state)
{
	(void)state;
	uint8_t out[64], want[64];
	char full[2 + 128 + 1] = "0x";

	/* A short value fills the front; the rest is zero. */
	memset(out, 0xee, sizeof(out));
	memset(want, 0, sizeof(want));
	want[0] = want[1] = 0xab;
	assert_int_equal(hex_decode_padded("abab", out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(hex_decode_padded("0xABAB", out, sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));

	/* 64 bytes exactly, with or without 0x; 65 is too many. */
	for (int i = 0; i < 64; i++)
		snprintf(full + 2 + 2 * i, 3, "%02x", i);
	assert_int_equal(hex_decode_padded(full, out, sizeof(out)), 0);
	assert_int_equal(out[63], 63);
	assert_int_equal(hex_decode_padded(full + 2, out, sizeof(out)), 0);
	assert_int_equal(out[1], 1);
	char over[2 * 65 + 1];
	memset(over, 'a', sizeof(over) - 1);
	over[sizeof(over) - 1] = '\0';
	assert_int_equal(hex_decode_padded(over, out, sizeof(out)), -ENOSPC);

	/* Refused forms leave nothing behind. */
	static const char *const bad[] = { "", "0x", "abc", "0xzz", "ab cd", "-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(hex_decode_padded(bad[i], out, sizeof(out)), -EINVAL);
		memset(want, 0, sizeof(want));
		assert_memory_equal(out, want, sizeof(want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_decoding),
		cmocka_unit_test(padded_nonce_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
