/* The CBOR encoder against the examples of RFC 8949 Appendix A (every one
 * without floating point or indefinite lengths), and its failure modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cbor_enc.h"

/* Hex string -> bytes; returns the count. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void expect(const struct cbor_enc *e, const char *hex)
{
	uint8_t want[256];
	size_t n = unhex(hex, want);

	assert_true(cbor_enc_ok(e));
	assert_int_equal(e->len, n);
	assert_memory_equal(e->buf, want, n);
}

#define ENC(buf, e) \
	uint8_t buf[256]; \
	struct cbor_enc e; \
	cbor_enc_init(&e, buf, sizeof(buf))

static void unsigned_integers(void **state)
{
	static const struct {
		uint64_t v;
		const char *hex;
	} cases[] = {
		{ 0, "00" }, { 1, "01" }, { 10, "0a" }, { 23, "17" }, { 24, "1818" }, { 25, "1819" },
		{ 100, "1864" }, { 1000, "1903e8" }, { 1000000, "1a000f4240" },
		{ UINT64_C(1000000000000), "1b000000e8d4a51000" },
		{ UINT64_MAX, "1bffffffffffffffff" },
		/* Head-size boundaries (shortest form on both sides). */
		{ 255, "18ff" }, { 256, "190100" }, { 65535, "19ffff" }, { 65536, "1a00010000" },
		{ UINT32_MAX, "1affffffff" }, { UINT64_C(0x100000000), "1b0000000100000000" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ENC(buf, e);
		cbor_enc_uint(&e, cases[i].v);
		expect(&e, cases[i].hex);
		assert_int_equal(cbor_enc_head_size(cases[i].v), e.len);
	}
}

static void negative_integers(void **state)
{
	static const struct {
		int64_t v;
		const char *hex;
	} cases[] = {
		{ -1, "20" }, { -10, "29" }, { -100, "3863" }, { -1000, "3903e7" },
		{ INT64_MIN, "3b7fffffffffffffff" }, { 5, "05" }, { -24, "37" }, { -25, "3818" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ENC(buf, e);
		cbor_enc_int(&e, cases[i].v);
		expect(&e, cases[i].hex);
	}
	/* -18446744073709551616: beyond int64_t, through the head. */
	ENC(buf, e);
	cbor_enc_head(&e, CBOR_MAJOR_NINT, UINT64_MAX);
	expect(&e, "3bffffffffffffffff");
}

static void simple_values(void **state)
{
	(void)state;
	{ ENC(b, e); cbor_enc_bool(&e, false); expect(&e, "f4"); }
	{ ENC(b, e); cbor_enc_bool(&e, true); expect(&e, "f5"); }
	{ ENC(b, e); cbor_enc_null(&e); expect(&e, "f6"); }
	{ ENC(b, e); cbor_enc_simple(&e, CBOR_SIMPLE_UNDEFINED); expect(&e, "f7"); }
	{ ENC(b, e); cbor_enc_simple(&e, 16); expect(&e, "f0"); }
	{ ENC(b, e); cbor_enc_simple(&e, 255); expect(&e, "f8ff"); }
	/* 24..31 are not well-formed simple values. */
	for (unsigned v = 24; v < 32; v++) {
		ENC(b, e);
		cbor_enc_simple(&e, (uint8_t)v);
		assert_false(cbor_enc_ok(&e));
		assert_int_equal(e.len, 0);
	}
}

static void tags(void **state)
{
	(void)state;
	{
		ENC(b, e);
		cbor_enc_tag(&e, 0);
		cbor_enc_cstr(&e, "2013-03-21T20:04:00Z");
		expect(&e, "c074323031332d30332d32315432303a30343a30305a");
	}
	{
		ENC(b, e);
		cbor_enc_tag(&e, 1);
		cbor_enc_uint(&e, 1363896240);
		expect(&e, "c11a514b67b0");
	}
	{
		static const uint8_t d[] = { 1, 2, 3, 4 };
		ENC(b, e);
		cbor_enc_tag(&e, 23);
		cbor_enc_bstr(&e, d, sizeof(d));
		expect(&e, "d74401020304");
	}
	{
		static const uint8_t d[] = { 0x64, 0x49, 0x45, 0x54, 0x46 };
		ENC(b, e);
		cbor_enc_tag(&e, 24);
		cbor_enc_bstr(&e, d, sizeof(d));
		expect(&e, "d818456449455446");
	}
	{
		ENC(b, e);
		cbor_enc_tag(&e, 32);
		cbor_enc_cstr(&e, "http://www.example.com");
		expect(&e, "d82076687474703a2f2f7777772e6578616d706c652e636f6d");
	}
	{ /* The CCA collection tags. */
		ENC(b, e);
		cbor_enc_tag(&e, 907);
		cbor_enc_tag(&e, 399);
		cbor_enc_tag(&e, 18);
		expect(&e, "d9038bd9018fd2");
	}
}

static void strings(void **state)
{
	static const uint8_t d[] = { 1, 2, 3, 4 };
	(void)state;
	{ ENC(b, e); cbor_enc_bstr(&e, NULL, 0); expect(&e, "40"); }
	{ ENC(b, e); cbor_enc_bstr(&e, d, 4); expect(&e, "4401020304"); }
	{ ENC(b, e); cbor_enc_cstr(&e, ""); expect(&e, "60"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "a"); expect(&e, "6161"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "IETF"); expect(&e, "6449455446"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "\"\\"); expect(&e, "62225c"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "\xc3\xbc"); expect(&e, "62c3bc"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "\xe6\xb0\xb4"); expect(&e, "63e6b0b4"); }
	{ ENC(b, e); cbor_enc_cstr(&e, "\xf0\x90\x85\x91"); expect(&e, "64f0908591"); }
	{ ENC(b, e); cbor_enc_tstr(&e, "abc", 2); expect(&e, "626162"); }
	{ /* A 24-byte string takes the one-byte length form. */
		uint8_t z[24] = { 0 };
		ENC(b, e);
		cbor_enc_bstr(&e, z, sizeof(z));
		assert_int_equal(e.len, 26);
		assert_int_equal(b[0], 0x58);
		assert_int_equal(b[1], 24);
	}
}

static void containers(void **state)
{
	(void)state;
	{ ENC(b, e); cbor_enc_array(&e, 0); expect(&e, "80"); }
	{
		ENC(b, e);
		cbor_enc_array(&e, 3);
		for (unsigned i = 1; i <= 3; i++)
			cbor_enc_uint(&e, i);
		expect(&e, "83010203");
	}
	{
		ENC(b, e);
		cbor_enc_array(&e, 3);
		cbor_enc_uint(&e, 1);
		cbor_enc_array(&e, 2);
		cbor_enc_uint(&e, 2);
		cbor_enc_uint(&e, 3);
		cbor_enc_array(&e, 2);
		cbor_enc_uint(&e, 4);
		cbor_enc_uint(&e, 5);
		expect(&e, "8301820203820405");
	}
	{
		ENC(b, e);
		cbor_enc_array(&e, 25);
		for (unsigned i = 1; i <= 25; i++)
			cbor_enc_uint(&e, i);
		expect(&e, "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
	}
	{ ENC(b, e); cbor_enc_map(&e, 0); expect(&e, "a0"); }
	{
		ENC(b, e);
		cbor_enc_map(&e, 2);
		cbor_enc_uint(&e, 1);
		cbor_enc_uint(&e, 2);
		cbor_enc_uint(&e, 3);
		cbor_enc_uint(&e, 4);
		expect(&e, "a201020304");
	}
	{
		ENC(b, e);
		cbor_enc_map(&e, 2);
		cbor_enc_cstr(&e, "a");
		cbor_enc_uint(&e, 1);
		cbor_enc_cstr(&e, "b");
		cbor_enc_array(&e, 2);
		cbor_enc_uint(&e, 2);
		cbor_enc_uint(&e, 3);
		expect(&e, "a26161016162820203");
	}
	{
		ENC(b, e);
		cbor_enc_array(&e, 2);
		cbor_enc_cstr(&e, "a");
		cbor_enc_map(&e, 1);
		cbor_enc_cstr(&e, "b");
		cbor_enc_cstr(&e, "c");
		expect(&e, "826161a161626163");
	}
	{
		ENC(b, e);
		cbor_enc_map(&e, 5);
		for (char c = 'a'; c <= 'e'; c++) {
			char k[2] = { c, 0 }, v[2] = { (char)(c - 'a' + 'A'), 0 };
			cbor_enc_cstr(&e, k);
			cbor_enc_cstr(&e, v);
		}
		expect(&e, "a56161614161626142616361436164614461656145");
	}
}

/* An item that does not fit writes nothing past the end, fails the encoder
 * for good, and len still counts the whole encoding. */
static void overflow_is_sticky_and_counted(void **state)
{
	uint8_t buf[8];
	struct cbor_enc e;
	static const uint8_t d[10] = { 0 };

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	cbor_enc_init(&e, buf, 4);
	cbor_enc_uint(&e, 1000);            /* 3 bytes: fits */
	cbor_enc_bstr(&e, d, sizeof(d));    /* head fits, the content does not */
	assert_false(cbor_enc_ok(&e));
	cbor_enc_uint(&e, 0);               /* would fit, but the encoder failed */
	assert_int_equal(e.len, 3 + 1 + 10 + 1);
	assert_int_equal(buf[0], 0x19);
	assert_int_equal(buf[3], 0x4a);     /* the bstr head made it, */
	for (size_t i = 4; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee); /* nothing beyond cap was touched */
	assert_null(cbor_enc_reserve(&e, 1));
}

static void counting_pass_sizes_the_encoding(void **state)
{
	uint8_t buf[64];
	struct cbor_enc count, e;

	(void)state;
	cbor_enc_init(&count, NULL, 123); /* cap ignored without a buffer */
	cbor_enc_init(&e, buf, sizeof(buf));
	for (struct cbor_enc *x = &count; x; x = x == &count ? &e : NULL) {
		cbor_enc_map(x, 1);
		cbor_enc_uint(x, 44237);
		cbor_enc_cstr(x, "sha-256");
	}
	assert_true(cbor_enc_ok(&e));
	assert_int_equal(count.len, e.len);
	assert_int_equal(e.len, 1 + 3 + 8);
}

static void reserve_hands_out_room(void **state)
{
	uint8_t buf[4];
	struct cbor_enc e;
	uint8_t *p;

	(void)state;
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, 3);
	p = cbor_enc_reserve(&e, 3);
	assert_ptr_equal(p, buf + 1);
	memcpy(p, "xyz", 3);
	assert_true(cbor_enc_ok(&e));
	assert_null(cbor_enc_reserve(&e, 1)); /* full */
	assert_false(cbor_enc_ok(&e));
	assert_int_equal(e.len, 5);
	/* Reserving nothing is not a failure. */
	cbor_enc_init(&e, buf, sizeof(buf));
	assert_null(cbor_enc_reserve(&e, 0));
	assert_true(cbor_enc_ok(&e));
	/* raw bytes */
	cbor_enc_raw(&e, "ab", 2);
	assert_true(cbor_enc_ok(&e));
	assert_memory_equal(buf, "ab", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsigned_integers),
		cmocka_unit_test(negative_integers),
		cmocka_unit_test(simple_values),
		cmocka_unit_test(tags),
		cmocka_unit_test(strings),
		cmocka_unit_test(containers),
		cmocka_unit_test(overflow_is_sticky_and_counted),
		cmocka_unit_test(counting_pass_sizes_the_encoding),
		cmocka_unit_test(reserve_hands_out_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
