/*
 * Writes tokens of the test producer (token_builder.c) for the CLI tests,
 * each differing from a valid, secured one in one respect:
 *   platform.pem        the platform public key that signs them all
 *   secured.cbor        lifecycle 0x3003; nonce 0x5a x 64
 *   debug.cbor          lifecycle 0x5000 (recoverable-cca-platform-rot-debug, as hostsim's)
 *   decommissioned.cbor lifecycle 0x6000
 *   meas64.cbor         64-byte RIM and REMs under "sha-256" (as some third-party tokens)
 *   short-nonce.cbor    challenge ab ab then 62 zero bytes ("--nonce abab")
 * Usage: make_test_tokens DIR
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "token_builder.h"

static const char *out_dir;

static void write_file(const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void make_tokens(void **state)
{
	(void)state;
	static uint8_t buf[16384];
	EVP_PKEY *cpak = EVP_EC_gen("P-384"), *rak = EVP_EC_gen("P-384");
	assert_non_null(cpak);
	assert_non_null(rak);
	struct tb_options o;
	char path[4096];
	snprintf(path, sizeof(path), "%s/platform.pem", out_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, cpak), 1);
	assert_int_equal(fclose(f), 0);

	tb_defaults(&o, cpak, rak);
	write_file("secured.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	o.lifecycle = 0x5000;
	write_file("debug.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	o.lifecycle = 0x6000;
	write_file("decommissioned.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	tb_defaults(&o, cpak, rak);
	o.meas_len = 64;
	write_file("meas64.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	tb_defaults(&o, cpak, rak);
	memset(o.nonce, 0, sizeof(o.nonce));
	o.nonce[0] = o.nonce[1] = 0xab;
	write_file("short-nonce.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	EVP_PKEY_free(cpak);
	EVP_PKEY_free(rak);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_test_tokens DIR\n");
		return 2;
	}
	out_dir = argv[1];
	const struct CMUnitTest tests[] = { cmocka_unit_test(make_tokens) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
