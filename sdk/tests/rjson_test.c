/* The realm JSON reader and writer (sdk/rjson.h): what RFC 8259 allows is
 * read exactly, everything else refused with its reason; the writer makes
 * valid JSON or says it could not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sdk/rjson.h"

static struct rjson_node nodes[256];

static enum rjson_error parse(const char *s, struct rjson_doc *d)
{
	return rjson_parse(s, strlen(s), nodes, 256, d, NULL);
}

static void test_reads_values(void **state)
{
	struct rjson_doc d;
	char buf[64];
	int64_t v, m;
	int32_t e;

	(void)state;
	assert_int_equal(parse(" {\"tool\": \"calc\", \"args\": {\"expr\": \"1+2\", \"n\": -42, \"x\": 1.25e2},"
			       " \"ok\": true, \"list\": [1, [], {}, null, false]} ", &d), RJSON_OK);
	uint32_t args = rjson_get(&d, 0, "args");
	assert_int_equal(d.nodes[args].type, RJSON_OBJECT);
	assert_true(rjson_string_is(&d, rjson_get(&d, 0, "tool"), "calc"));
	assert_int_equal(rjson_string(&d, rjson_get(&d, args, "expr"), buf, sizeof(buf)), 3);
	assert_string_equal(buf, "1+2");
	assert_true(rjson_int(&d, rjson_get(&d, args, "n"), &v));
	assert_int_equal(v, -42);
	assert_false(rjson_int(&d, rjson_get(&d, args, "x"), &v));
	assert_true(rjson_decimal(&d, rjson_get(&d, args, "x"), &m, &e));
	assert_int_equal(m, 125);
	assert_int_equal(e, 0);
	assert_int_equal(d.nodes[rjson_get(&d, 0, "ok")].type, RJSON_TRUE);
	uint32_t list = rjson_get(&d, 0, "list");
	assert_int_equal(d.nodes[list].children, 5);
	unsigned n = 0;
	for (uint32_t c = rjson_first(&d, list); c; c = d.nodes[c].next)
		n++;
	assert_int_equal(n, 5);
	assert_int_equal(rjson_get(&d, 0, "missing"), 0);
	assert_int_equal(rjson_get(&d, list, "x"), 0);
	/* Escapes, \u pairs, UTF-8. */
	assert_int_equal(parse("\"a\\n\\\"\\u00e9\\ud83d\\ude00\xc3\xa9\"", &d), RJSON_OK);
	assert_int_equal(rjson_string(&d, 0, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "a\n\"\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9", 11);
	assert_int_equal(rjson_string(&d, 0, buf, 5), -1); /* no room */
	/* Integers at the edges. */
	assert_int_equal(parse("[9223372036854775807, -9223372036854775808, 9223372036854775808]", &d), RJSON_OK);
	assert_true(rjson_int(&d, 1, &v) && v == INT64_MAX);
	assert_true(rjson_int(&d, 2, &v) && v == INT64_MIN);
	assert_false(rjson_int(&d, 3, &v));
	assert_int_equal(parse("[0.001, -12.50, 3E-2, 1234567890123456789]", &d), RJSON_OK);
	assert_true(rjson_decimal(&d, 1, &m, &e) && m == 1 && e == -3);
	assert_true(rjson_decimal(&d, 2, &m, &e) && m == -1250 && e == -2);
	assert_true(rjson_decimal(&d, 3, &m, &e) && m == 3 && e == -2);
	assert_false(rjson_decimal(&d, 4, &m, &e)); /* 19 digits */
}

static void test_refuses_what_is_not_json(void **state)
{
	static const struct { const char *text; enum rjson_error err; } bad[] = {
		{ "", RJSON_E_SYNTAX }, { "  ", RJSON_E_SYNTAX }, { "[1,]", RJSON_E_SYNTAX },
		{ "{\"a\":1,}", RJSON_E_SYNTAX }, { "{'a':1}", RJSON_E_SYNTAX }, { "[1 2]", RJSON_E_SYNTAX },
		{ "01", RJSON_E_SYNTAX }, { "1.", RJSON_E_SYNTAX }, { ".5", RJSON_E_SYNTAX }, { "-", RJSON_E_SYNTAX },
		{ "1e", RJSON_E_SYNTAX }, { "+1", RJSON_E_SYNTAX }, { "tru", RJSON_E_SYNTAX }, { "nul", RJSON_E_SYNTAX },
		{ "[1] [2]", RJSON_E_SYNTAX }, { "{\"a\" 1}", RJSON_E_SYNTAX }, { "{1:2}", RJSON_E_SYNTAX },
		{ "\"abc", RJSON_E_SYNTAX }, { "[\"a\\", RJSON_E_SYNTAX }, { "NaN", RJSON_E_SYNTAX },
		{ "/*c*/1", RJSON_E_SYNTAX }, { "\"\\x41\"", RJSON_E_STRING }, { "\"a\tb\"", RJSON_E_STRING },
		{ "\"\\ud800\"", RJSON_E_STRING }, { "\"\\udc00\"", RJSON_E_STRING }, { "\"\\ud800\\u0041\"", RJSON_E_STRING },
		{ "\"\\u12g4\"", RJSON_E_STRING }, { "\"\xc0\xaf\"", RJSON_E_STRING }, { "\"\xed\xa0\x80\"", RJSON_E_STRING },
		{ "\"\xf5\x80\x80\x80\"", RJSON_E_STRING }, { "\"\xe2\x82\"", RJSON_E_STRING }, { "\"\x80\"", RJSON_E_STRING },
		{ "{\"a\":1,\"a\":2}", RJSON_E_DUPLICATE }, { "{\"a\":1,\"\\u0061\":2}", RJSON_E_DUPLICATE },
		{ "{\"x\":{\"a\":1},\"y\":{\"b\":2,\"b\":3}}", RJSON_E_DUPLICATE },
	};
	struct rjson_doc d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum rjson_error e = parse(bad[i].text, &d);
		if (e != bad[i].err)
			fail_msg("'%s': %s, expected %s", bad[i].text, rjson_strerror(e), rjson_strerror(bad[i].err));
		assert_int_equal(d.count, 0);
	}
	/* The same key in two objects is no duplicate; nor are different keys sharing a prefix. */
	assert_int_equal(parse("[{\"a\":1},{\"a\":2,\"ab\":3,\"b\":{\"a\":4}}]", &d), RJSON_OK);
	/* A NUL inside the text is not whitespace. */
	assert_int_equal(rjson_parse("1\0", 2, nodes, 256, &d, NULL), RJSON_E_SYNTAX);
}

static void test_bounds(void **state)
{
	char deep[200];
	struct rjson_doc d;
	size_t at;

	(void)state;
	for (unsigned depth = RJSON_MAX_DEPTH; depth <= RJSON_MAX_DEPTH + 1; depth++) {
		size_t n = 0;
		for (unsigned i = 0; i <= depth; i++)
			deep[n++] = '[';
		for (unsigned i = 0; i <= depth; i++)
			deep[n++] = ']';
		deep[n] = 0;
		assert_int_equal(parse(deep, &d), depth == RJSON_MAX_DEPTH ? RJSON_OK : RJSON_E_DEPTH);
	}
	/* Exactly as many nodes as values: 4 fit in 4, not in 3. */
	assert_int_equal(rjson_parse("[1,2,3]", 7, nodes, 4, &d, NULL), RJSON_OK);
	assert_int_equal(rjson_parse("[1,2,3]", 7, nodes, 3, &d, &at), RJSON_E_NODES);
	assert_int_equal(rjson_parse("[1,2,3]", 7, nodes, 0, &d, NULL), RJSON_E_NODES);
	assert_int_equal(rjson_parse("[1,x]", 5, nodes, 8, &d, &at), RJSON_E_SYNTAX);
	assert_int_equal(at, 3);
}

static void test_writer(void **state)
{
	char buf[256];
	struct rjson_writer w;

	(void)state;
	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_begin_object(&w);
	rjson_key(&w, "tool");
	rjson_str(&w, "say \"hi\"\n\x01");
	rjson_key(&w, "n");
	rjson_i64(&w, INT64_MIN);
	rjson_key(&w, "price");
	rjson_fixed(&w, -12345, 2);
	rjson_key(&w, "small");
	rjson_fixed(&w, 5, 3);
	rjson_key(&w, "list");
	rjson_begin_array(&w);
	rjson_bool(&w, true);
	rjson_null(&w);
	rjson_str(&w, "bad \xff utf8 \xc3\xa9");
	rjson_end_array(&w);
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	assert_true(n > 0);
	assert_string_equal(buf, "{\"tool\":\"say \\\"hi\\\"\\n\\u0001\",\"n\":-9223372036854775808,\"price\":-123.45,"
				 "\"small\":0.005,\"list\":[true,null,\"bad \\ufffd utf8 \xc3\xa9\"]}");
	struct rjson_doc d;
	assert_int_equal(rjson_parse(buf, (size_t)n, nodes, 256, &d, NULL), RJSON_OK);
	/* Too small: -1, and nothing written past the buffer. */
	char small[16];
	memset(small, 'Z', sizeof(small));
	rjson_writer_init(&w, small, 10);
	rjson_str(&w, "a long string that does not fit");
	assert_int_equal(rjson_writer_finish(&w), -1);
	assert_int_equal(small[10], 'Z');
	/* Misuse: a value where a key belongs, a key in an array, unclosed. */
	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_begin_object(&w);
	rjson_i64(&w, 1);
	rjson_end_object(&w);
	assert_int_equal(rjson_writer_finish(&w), -1);
	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_begin_array(&w);
	rjson_key(&w, "k");
	rjson_end_array(&w);
	assert_int_equal(rjson_writer_finish(&w), -1);
	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_begin_array(&w);
	assert_int_equal(rjson_writer_finish(&w), -1);
	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_i64(&w, 1);
	rjson_i64(&w, 2);
	assert_int_equal(rjson_writer_finish(&w), -1);
}

static void test_copy_round_trip(void **state)
{
	static const char *docs[] = {
		"{\"a\": [1, -2.5e3, true, false, null], \"b\\u00e9\": {\"c\": \"\\u0000x\\ud83d\\ude00\"}}",
		"[\"" "0123456789012345678901234567890123456789012345678901234567890123456789"
		"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\\\\\\\"\\n\"]",
	};
	static char out[2048], again[2048];
	static struct rjson_node n2[256];

	(void)state;
	for (size_t k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
		struct rjson_doc d, d2;
		struct rjson_writer w;
		assert_int_equal(parse(docs[k], &d), RJSON_OK);
		rjson_writer_init(&w, out, sizeof(out));
		rjson_copy(&w, &d, 0);
		long n = rjson_writer_finish(&w);
		assert_true(n > 0);
		assert_int_equal(rjson_parse(out, (size_t)n, n2, 256, &d2, NULL), RJSON_OK);
		assert_int_equal(d2.count, d.count);
		rjson_writer_init(&w, again, sizeof(again));
		rjson_copy(&w, &d2, 0);
		assert_int_equal(rjson_writer_finish(&w), n);
		assert_string_equal(again, out);
	}
	/* The long string's euros survive being cut into pieces. */
	assert_non_null(strstr(out, "\xe2\x82\xac\xe2\x82\xac"));
	assert_null(strstr(out, "fffd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_values),
		cmocka_unit_test(test_refuses_what_is_not_json),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_copy_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
