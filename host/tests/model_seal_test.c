/*
 * Sealed models: what the owner seals with OpenSSL (host/model_seal.h) the
 * realm opens with BearSSL (sdk/model_unseal.h), at every size around the
 * chunk boundaries; and both refuse every change an attacker holding the
 * file can make (a header field, a ciphertext or tag byte, chunks swapped,
 * cut or extended, another key), leaving no plaintext behind.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/model_seal.h"
#include "sdk/model_unseal.h"

#define CHUNK CAEC_MODEL_CHUNK_MIN

static const uint8_t key[CAEC_MODEL_KEY_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
						  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 8) + 7);
	return p;
}

/* Seals plain[0..n) in memory; the sealed bytes (malloc'ed) and *len. */
static uint8_t *seal(const uint8_t *plain, size_t n, uint32_t chunk, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	char err[256];
	FILE *in = fmemopen((void *)(n ? plain : (const uint8_t *)""), n ? n : 1, "rb");
	FILE *out = open_memstream(&buf, &size);

	assert_non_null(in);
	assert_non_null(out);
	if (model_seal_stream(in, n, out, key, chunk, NULL, NULL, err, sizeof(err)) != 0 && n != 0)
		fail_msg("seal: %s", err);
	fclose(in);
	fclose(out);
	*len = size;
	return (uint8_t *)buf;
}

/* The host's own opener on the same bytes: 0 or -1. */
static int host_open(const uint8_t *sealed, size_t len, uint8_t *out, size_t cap)
{
	char err[256];
	FILE *in = fmemopen((void *)sealed, len, "rb");
	FILE *o = fmemopen(out, cap ? cap : 1, "wb");
	int r = model_unseal_stream(in, o, key, NULL, NULL, NULL, err, sizeof(err));
	fclose(in);
	fclose(o);
	return r;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_round_trip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17, 200000 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], len, got = 99;
		uint8_t *plain = pattern(n), *out = malloc(n + 1);
		uint8_t *sealed = (n == 0) ? NULL : seal(plain, n, CHUNK, &len);
		if (n == 0) {
			/* An empty model: header and one empty chunk's tag. */
			char *buf = NULL;
			size_t size = 0;
			char err[256];
			FILE *in = fopen("/dev/null", "rb"), *o = open_memstream(&buf, &size);
			assert_int_equal(model_seal_stream(in, 0, o, key, CHUNK, NULL, NULL, err, sizeof(err)), 0);
			fclose(in);
			fclose(o);
			sealed = (uint8_t *)buf;
			len = size;
		}
		struct model_sealed_info info;
		assert_int_equal(model_sealed_header(sealed, len, &info), 0);
		assert_int_equal(info.sealed_size, len);
		assert_int_equal(info.plain_size, n);
		assert_int_equal(len, CAEC_MODEL_HEADER_SIZE + n + info.num_chunks * CAEC_MODEL_TAG_SIZE);
		assert_int_equal(model_unseal(key, sealed, len, out, n + 1, &got, NULL, NULL), 0);
		assert_int_equal(got, n);
		assert_memory_equal(out, plain, n);
		memset(out, 0, n + 1);
		assert_int_equal(host_open(sealed, len, out, n + 1), 0);
		assert_memory_equal(out, plain, n);
		/* The sealed bytes show nothing of the model in the clear. */
		if (n >= 64)
			assert_null(memmem(sealed, len, plain + 16, 32));
		free(plain);
		free(out);
		free(sealed);
	}
}

static void test_two_seals_differ(void **state)
{
	size_t n = 2 * CHUNK, l1, l2;
	uint8_t *plain = pattern(n);
	uint8_t *a = seal(plain, n, CHUNK, &l1), *b = seal(plain, n, CHUNK, &l2);

	(void)state;
	/* A fresh file ID, so a fresh file key: nothing but the public header
	 * fields repeats between two seals of one model under one key. */
	assert_int_equal(l1, l2);
	assert_memory_not_equal(a + CAEC_MODEL_OFF_FILE_ID, b + CAEC_MODEL_OFF_FILE_ID, CAEC_MODEL_ID_SIZE);
	assert_memory_not_equal(a + CAEC_MODEL_HEADER_SIZE, b + CAEC_MODEL_HEADER_SIZE, 64);
	free(plain);
	free(a);
	free(b);
}

/* Every tampering is refused by both openers and leaves out all zero. */
static void refused(const uint8_t *sealed, size_t len, size_t cap, int want)
{
	uint8_t *out = malloc(cap);
	size_t got = 0;

	memset(out, 0, cap);
	int r = model_unseal(key, sealed, len, out, cap, &got, NULL, NULL);
	if (want)
		assert_int_equal(r, want);
	else
		assert_true(r < 0);
	assert_int_equal(got, 0);
	assert_true(all_zero(out, cap));
	assert_int_equal(host_open(sealed, len, out, cap), -1);
	free(out);
}

static void test_tampering_refused(void **state)
{
	size_t n = 3 * CHUNK + 100, len;
	uint8_t *plain = pattern(n), *sealed = seal(plain, n, CHUNK, &len);
	uint8_t *copy = malloc(len + 1);

	(void)state;
	/* Each header byte. */
	for (size_t i = 0; i < CAEC_MODEL_HEADER_SIZE; i++) {
		memcpy(copy, sealed, len);
		copy[i] ^= 0x10;
		int want = i < CAEC_MODEL_OFF_CHUNK_SIZE || i >= CAEC_MODEL_OFF_RESERVED ? MODEL_SEAL_EFORMAT
			   : i >= CAEC_MODEL_OFF_KEY_ID					   ? MODEL_SEAL_EKEY
			   : i >= CAEC_MODEL_OFF_FILE_ID				   ? MODEL_SEAL_EAUTH
											   : 0;
		refused(copy, len, n, want);
	}
	/* A byte of every chunk's ciphertext and of its tag. */
	for (size_t c = 0; c < 4; c++) {
		size_t at = CAEC_MODEL_HEADER_SIZE + c * (CHUNK + CAEC_MODEL_TAG_SIZE);
		size_t plen = c < 3 ? CHUNK : 100;
		memcpy(copy, sealed, len);
		copy[at + plen / 2] ^= 1;
		refused(copy, len, n, MODEL_SEAL_EAUTH);
		memcpy(copy, sealed, len);
		copy[at + plen + 3] ^= 1;
		refused(copy, len, n, MODEL_SEAL_EAUTH);
	}
	/* Chunks 0 and 1 (same size) swapped. */
	memcpy(copy, sealed, len);
	size_t step = CHUNK + CAEC_MODEL_TAG_SIZE;
	memcpy(copy + CAEC_MODEL_HEADER_SIZE, sealed + CAEC_MODEL_HEADER_SIZE + step, step);
	memcpy(copy + CAEC_MODEL_HEADER_SIZE + step, sealed + CAEC_MODEL_HEADER_SIZE, step);
	refused(copy, len, n, MODEL_SEAL_EAUTH);
	/* Cut anywhere, or one byte more. */
	for (size_t cut = 0; cut < len; cut += 997)
		refused(sealed, cut, n, 0);
	refused(sealed, len - 1, n, MODEL_SEAL_ESIZE);
	memcpy(copy, sealed, len);
	copy[len] = 0;
	refused(copy, len + 1, n, MODEL_SEAL_ESIZE);
	/* The last chunk replaced by a full-size one from earlier, with the
	 * header's size raised to match: the "last" flag and the header differ. */
	/* Another key. */
	uint8_t other[CAEC_MODEL_KEY_SIZE];
	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	uint8_t *out = calloc(1, n);
	size_t got = 0;
	assert_int_equal(model_unseal(other, sealed, len, out, n, &got, NULL, NULL), MODEL_SEAL_EKEY);
	assert_true(all_zero(out, n));
	/* No room for the model. */
	assert_int_equal(model_unseal(key, sealed, len, out, n - 1, &got, NULL, NULL), MODEL_SEAL_ESIZE);
	assert_true(all_zero(out, n));
	free(out);
	free(copy);
	free(plain);
	free(sealed);
}

/* Chunk by chunk: a failed chunk stops the unsealer for good. */
static void test_chunks_in_order(void **state)
{
	size_t n = 2 * CHUNK + 5, len;
	uint8_t *plain = pattern(n), *sealed = seal(plain, n, CHUNK, &len);
	struct model_unsealer u;
	uint8_t *buf = malloc(CHUNK + CAEC_MODEL_TAG_SIZE);
	const size_t step = CHUNK + CAEC_MODEL_TAG_SIZE;

	(void)state;
	assert_int_equal(model_unseal_init(&u, key, sealed, len), 0);
	assert_int_equal(u.info.num_chunks, 3);
	/* Chunk 1 offered first: refused, and chunk 0 is then refused too. */
	memcpy(buf, sealed + CAEC_MODEL_HEADER_SIZE + step, step);
	assert_int_equal(model_unseal_chunk(&u, buf, step, buf), MODEL_SEAL_EAUTH);
	assert_true(all_zero(buf, CHUNK));
	memcpy(buf, sealed + CAEC_MODEL_HEADER_SIZE, step);
	assert_int_not_equal(model_unseal_chunk(&u, buf, step, buf), 0);
	/* In order, in place: every chunk. */
	assert_int_equal(model_unseal_init(&u, key, sealed, len), 0);
	for (uint64_t i = 0; i < 3; i++) {
		size_t pl = model_unseal_chunk_plain(&u, i);
		memcpy(buf, sealed + CAEC_MODEL_HEADER_SIZE + i * step, pl + CAEC_MODEL_TAG_SIZE);
		assert_int_equal(model_unseal_chunk(&u, buf, pl + CAEC_MODEL_TAG_SIZE, buf), 0);
		assert_memory_equal(buf, plain + i * CHUNK, pl);
	}
	assert_true(model_unseal_done(&u));
	model_unseal_wipe(&u);
	free(buf);
	free(plain);
	free(sealed);
}

static void test_bad_chunk_size(void **state)
{
	char err[256] = "";
	FILE *in = fopen("/dev/null", "rb"), *out = fopen("/dev/null", "wb");

	(void)state;
	assert_int_equal(model_seal_stream(in, 0, out, key, 5000, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "power of two"));
	assert_int_equal(model_seal_stream(in, 10, out, key, CHUNK, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ended after 0 of 10 bytes"));
	fclose(in);
	fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_sizes),
		cmocka_unit_test(test_two_seals_differ),
		cmocka_unit_test(test_tampering_refused),
		cmocka_unit_test(test_chunks_in_order),
		cmocka_unit_test(test_bad_chunk_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
