/*
 * The bounded CBOR reader refuses everything outside its contract with a
 * reason and an offset: truncation, indefinite lengths, reserved encodings,
 * lengths and counts larger than the input, nesting past the limit, invalid
 * UTF-8, trailing bytes; and the writer round-trips every head size.
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/cbor.h"

static struct cbor_error check(const uint8_t *buf, size_t len)
{
	struct cbor_error err;
	cbor_check_well_formed(buf, len, &err);
	return err;
}

#define EXPECT_ERR(code_, offset_, ...)                                        \
	do {                                                                   \
		static const uint8_t in[] = { __VA_ARGS__ };                   \
		struct cbor_error e = check(in, sizeof(in));                   \
		assert_int_equal(e.code, (code_));                             \
		assert_int_equal(e.offset, (offset_));                         \
		assert_non_null(e.reason);                                     \
	} while (0)

static void well_formed_items(void **state)
{
	(void)state;
	static const uint8_t items[][12] = {
		{ 0x00 }, { 0x17 }, { 0x18, 0x18 }, { 0x39, 0x01, 0x00 }, { 0x40 }, { 0x62, 'h', 'i' },
		{ 0x82, 0x01, 0x02 }, { 0xa1, 0x01, 0x02 }, { 0xd8, 0x12, 0x80 }, { 0xf5 },
		{ 0xf8, 0x20 }, { 0xf9, 0x3c, 0x00 }, { 0xfb, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	static const size_t lens[] = { 1, 1, 2, 3, 1, 3, 3, 3, 3, 1, 2, 3, 9 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct cbor_error e = check(items[i], lens[i]);
		assert_int_equal(e.code, CBOR_OK);
	}
}

static void malformed_items(void **state)
{
	(void)state;
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0x18);                    /* head cut short */
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0x1b, 0, 0, 0);
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0x43, 1, 2);              /* bstr longer than input */
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0, 0); /* 2^63 pairs */
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0xa2, 0x01, 0x02);        /* map count vs input */
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 2, 0x82, 0x01, 0x82, 0x01);  /* inner array short */
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0, 0xc1);                    /* tag without content */
	EXPECT_ERR(CBOR_ERR_INDEFINITE, 0, 0x5f, 0x41, 0x00, 0xff);
	EXPECT_ERR(CBOR_ERR_INDEFINITE, 0, 0x9f, 0xff);
	EXPECT_ERR(CBOR_ERR_INDEFINITE, 0, 0xbf, 0xff);
	EXPECT_ERR(CBOR_ERR_INDEFINITE, 1, 0x81, 0xff);             /* stray break */
	EXPECT_ERR(CBOR_ERR_INDEFINITE, 0, 0x1f);
	EXPECT_ERR(CBOR_ERR_RESERVED, 0, 0x1c);
	EXPECT_ERR(CBOR_ERR_RESERVED, 0, 0xfe);
	EXPECT_ERR(CBOR_ERR_BAD_SIMPLE, 0, 0xf8, 0x1f);
	EXPECT_ERR(CBOR_ERR_TRAILING, 1, 0x01, 0x02);
	EXPECT_ERR(CBOR_ERR_TRUNCATED, 0);                          /* empty input */
}

static void nesting_limit(void **state)
{
	(void)state;
	uint8_t buf[64];
	/* CBOR_MAX_DEPTH nested arrays are fine, one more is not. */
	memset(buf, 0x81, CBOR_MAX_DEPTH);
	buf[CBOR_MAX_DEPTH] = 0x00;
	assert_int_equal(check(buf, CBOR_MAX_DEPTH + 1).code, CBOR_OK);
	memset(buf, 0x81, CBOR_MAX_DEPTH + 1);
	buf[CBOR_MAX_DEPTH + 1] = 0x00;
	struct cbor_error e = check(buf, CBOR_MAX_DEPTH + 2);
	assert_int_equal(e.code, CBOR_ERR_TOO_DEEP);
	assert_int_equal(e.offset, CBOR_MAX_DEPTH);
	/* Tags count as nesting too. */
	memset(buf, 0xc1, 40);
	buf[40] = 0;
	assert_int_equal(check(buf, 41).code, CBOR_ERR_TOO_DEEP);
}

static void deep_input_beyond_limit_is_bounded(void **state)
{
	(void)state;
	/* A megabyte of nested arrays: refused quickly, no recursion. */
	size_t n = CBOR_MAX_INPUT;
	uint8_t *buf = malloc(n);
	memset(buf, 0x81, n);
	assert_int_equal(check(buf, n).code, CBOR_ERR_TOO_DEEP);
	struct cbor_error e = check(buf, n + 1);
	assert_int_equal(e.code, CBOR_ERR_TOO_LARGE);
	free(buf);
}

static void utf8_validation(void **state)
{
	(void)state;
	static const uint8_t good[] = { 0x67, 'e', 0xc3, 0xa9, 0xe2, 0x82, 0xac, 'x' };
	struct cbor_reader r;
	const char *s;
	size_t n;
	cbor_reader_init(&r, good, sizeof(good));
	assert_int_equal(cbor_read_tstr(&r, &s, &n), 0);
	assert_int_equal(n, 7);
	static const uint8_t *const bad[] = {
		(const uint8_t *)"\xc0\xaf",         /* overlong */
		(const uint8_t *)"\xed\xa0\x80",     /* surrogate */
		(const uint8_t *)"\xf4\x90\x80\x80", /* above U+10FFFF */
		(const uint8_t *)"\xe2\x82",         /* cut short */
		(const uint8_t *)"\xff",
	};
	static const size_t bad_len[] = { 2, 3, 4, 2, 1 };
	for (size_t i = 0; i < 5; i++)
		assert_false(cbor_utf8_valid(bad[i], bad_len[i]));
	static const uint8_t bad_tstr[] = { 0x62, 0xc0, 0xaf };
	cbor_reader_init(&r, bad_tstr, sizeof(bad_tstr));
	assert_int_not_equal(cbor_read_tstr(&r, &s, &n), 0);
	assert_int_equal(r.err.code, CBOR_ERR_UTF8);
}

static void typed_reads(void **state)
{
	(void)state;
	struct cbor_reader r;
	int64_t i;
	uint64_t u;
	static const uint8_t neg[] = { 0x38, 0x22 }; /* -35 */
	cbor_reader_init(&r, neg, sizeof(neg));
	assert_int_equal(cbor_read_int(&r, &i), 0);
	assert_int_equal(i, -35);
	assert_true(cbor_at_end(&r));

	static const uint8_t big_neg[] = { 0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0 }; /* -2^63-1 */
	cbor_reader_init(&r, big_neg, sizeof(big_neg));
	assert_int_not_equal(cbor_read_int(&r, &i), 0);
	assert_int_equal(r.err.code, CBOR_ERR_RANGE);

	static const uint8_t min_neg[] = { 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	cbor_reader_init(&r, min_neg, sizeof(min_neg));
	assert_int_equal(cbor_read_int(&r, &i), 0);
	assert_true(i == INT64_MIN);

	static const uint8_t text[] = { 0x61, 'a' };
	cbor_reader_init(&r, text, sizeof(text));
	assert_int_not_equal(cbor_read_uint(&r, &u), 0);
	assert_int_equal(r.err.code, CBOR_ERR_TYPE);
	/* The reader stays failed, and the first error is kept. */
	assert_int_not_equal(cbor_read_int(&r, &i), 0);
	assert_int_equal(r.err.code, CBOR_ERR_TYPE);
	assert_true(cbor_failed(&r));

	static const uint8_t skip_me[] = { 0xa1, 0x01, 0x82, 0x41, 0x00, 0x60, 0x07 };
	const uint8_t *span;
	size_t span_len;
	cbor_reader_init(&r, skip_me, sizeof(skip_me));
	assert_int_equal(cbor_skip(&r, &span, &span_len), 0);
	assert_ptr_equal(span, skip_me);
	assert_int_equal(span_len, 6);
	assert_int_equal(cbor_read_uint(&r, &u), 0);
	assert_int_equal(u, 7);
}

static void writer_round_trip(void **state)
{
	(void)state;
	static const uint64_t values[] = { 0, 23, 24, 255, 256, 65535, 65536, 0xffffffffu,
					   0x100000000ull, UINT64_MAX };
	static const size_t sizes[] = { 1, 1, 2, 2, 3, 3, 5, 5, 9, 9 };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint8_t buf[16];
		struct cbor_writer w;
		size_t len;
		cbor_writer_init(&w, buf, sizeof(buf));
		cbor_put_uint(&w, values[i]);
		assert_int_equal(cbor_writer_finish(&w, &len), 0);
		assert_int_equal(len, sizes[i]);
		struct cbor_reader r;
		uint64_t u;
		cbor_reader_init(&r, buf, len);
		assert_int_equal(cbor_read_uint(&r, &u), 0);
		assert_true(u == values[i]);
	}
	uint8_t small[4];
	struct cbor_writer w;
	size_t len;
	cbor_writer_init(&w, small, sizeof(small));
	cbor_put_bstr(&w, "hello", 5);
	assert_int_equal(cbor_writer_finish(&w, &len), -ENOSPC);
	cbor_writer_init(&w, small, sizeof(small));
	cbor_put_int(&w, INT64_MIN);
	assert_int_equal(cbor_writer_finish(&w, &len), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(well_formed_items),
		cmocka_unit_test(malformed_items),
		cmocka_unit_test(nesting_limit),
		cmocka_unit_test(deep_input_beyond_limit_is_bounded),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(typed_reads),
		cmocka_unit_test(writer_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
