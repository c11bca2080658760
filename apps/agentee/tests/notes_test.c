/* The notes tool: public notes read back, private ones never. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "notes.h"

static struct notes store;
static char out[16384];

static const char *call(const char *args)
{
	long n = notes_tool(&store, args, strlen(args), out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

static int setup(void **state)
{
	(void)state;
	notes_init(&store);
	return 0;
}

static void test_public(void **state)
{
	(void)state;
	assert_string_equal(call("{\"op\":\"add\",\"title\":\"Packing\",\"text\":\"passport, charger\"}"),
			    "{\"added\":\"Packing\"}");
	assert_string_equal(call("{\"op\":\"get\",\"title\":\"packing\"}"),
			    "{\"title\":\"Packing\",\"text\":\"passport, charger\"}");
	assert_string_equal(call("{\"op\":\"search\",\"query\":\"CHARGER\"}"), "{\"matches\":[\"Packing\"]}");
	assert_string_equal(call("{\"op\":\"search\",\"query\":\"umbrella\"}"), "{\"matches\":[]}");
	assert_string_equal(call("{\"op\":\"add\",\"title\":\"PACKING\",\"text\":\"x\"}"),
			    "{\"error\":\"a note with that title exists (delete it first)\"}");
	assert_string_equal(call("{\"op\":\"delete\",\"title\":\"Packing\"}"), "{\"deleted\":\"Packing\"}");
	assert_string_equal(call("{\"op\":\"get\",\"title\":\"Packing\"}"), "{\"error\":\"no note has that title\"}");
	assert_string_equal(call("{\"op\":\"list\"}"), "{\"notes\":[]}");
}

static void test_private(void **state)
{
	(void)state;
	call("{\"op\":\"add\",\"title\":\"Door code\",\"text\":\"4711-SECRET\",\"private\":true}");
	assert_string_equal(call("{\"op\":\"get\",\"title\":\"Door code\"}"),
			    "{\"title\":\"Door code\",\"private\":true}");
	assert_string_equal(call("{\"op\":\"list\"}"), "{\"notes\":[{\"title\":\"Door code\",\"private\":true}]}");
	/* Never searched: a query cannot spell the secret out. */
	assert_string_equal(call("{\"op\":\"search\",\"query\":\"4711\"}"), "{\"matches\":[]}");
	assert_string_equal(call("{\"op\":\"check\",\"title\":\"Door code\",\"text\":\"4711-SECRET\"}"),
			    "{\"match\":true}");
	assert_string_equal(call("{\"op\":\"check\",\"title\":\"Door code\",\"text\":\"4711-SECRE\"}"),
			    "{\"match\":false}");
	assert_string_equal(call("{\"op\":\"check\",\"title\":\"Door code\",\"text\":\"\"}"), "{\"match\":false}");
	assert_null(strstr(out, "4711"));
}

static void test_refusals(void **state)
{
	(void)state;
	assert_string_equal(call("{\"op\":\"add\",\"title\":\"x\"}"), "{\"error\":\"add needs \\\"title\\\" and \\\"text\\\"\"}");
	assert_string_equal(call("{\"op\":\"add\",\"title\":\"a\\\"b\",\"text\":\"x\"}"),
			    "{\"error\":\"a title is printable text without quotes or backslashes\"}");
	assert_string_equal(call("{\"op\":\"burn\"}"), "{\"error\":\"\\\"op\\\" is not one of the allowed values\"}");
	assert_string_equal(call("{\"title\":\"x\"}"), "{\"error\":\"missing argument \\\"op\\\"\"}");
	assert_string_equal(call("{\"op\":\"get\"}"), "{\"error\":\"get needs \\\"title\\\"\"}");
	assert_string_equal(call("{\"op\":\"search\"}"), "{\"error\":\"search needs \\\"query\\\"\"}");
	assert_string_equal(call("{\"op\":\"check\",\"title\":\"nope\",\"text\":\"1\"}"),
			    "{\"error\":\"no note has that title\"}");
	/* Full store: the 65th note is refused, the others stay. */
	char req[256], want[256];
	/* Titles of the longest length allowed, for the size bound below. */
	for (int i = 0; i < NOTES_MAX; i++) {
		snprintf(req, sizeof(req), "{\"op\":\"add\",\"title\":\"%063d\",\"text\":\"t%d\"}", i, i);
		assert_non_null(strstr(call(req), "added"));
	}
	assert_string_equal(call("{\"op\":\"add\",\"title\":\"more\",\"text\":\"x\"}"),
			    "{\"error\":\"the notes store is full (64 notes)\"}");
	snprintf(req, sizeof(req), "{\"op\":\"get\",\"title\":\"%063d\"}", 63);
	snprintf(want, sizeof(want), "{\"title\":\"%063d\",\"text\":\"t63\"}", 63);
	assert_string_equal(call(req), want);
	/* The longest list fits the documented 8 KiB. */
	call("{\"op\":\"list\"}");
	assert_true(strlen(out) < 8192);
	notes_wipe(&store);
	assert_string_equal(call("{\"op\":\"list\"}"), "{\"notes\":[]}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_public, setup),
		cmocka_unit_test_setup(test_private, setup),
		cmocka_unit_test_setup(test_refusals, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
