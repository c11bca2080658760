/* The calculator tool: exact decimal answers, the usual precedence, and a
 * clear error for every bad input, never a crash. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calc.h"

static const char *eval(const char *e)
{
	static char out[64];
	int64_t v;
	struct calc_error err;

	if (calc_eval(e, strlen(e), &v, &err) != 0) {
		snprintf(out, sizeof(out), "error: %s @%zu", err.why, err.offset);
		return out;
	}
	assert_true(calc_format(v, out, sizeof(out)) > 0);
	return out;
}

static void test_answers(void **state)
{
	(void)state;
	assert_string_equal(eval("0.1 + 0.2"), "0.3");
	assert_string_equal(eval("2 + 3 * 4"), "14");
	assert_string_equal(eval("(2 + 3) * 4"), "20");
	assert_string_equal(eval("-2^2"), "-4");
	assert_string_equal(eval("(-2)^2"), "4");
	assert_string_equal(eval("2^3^2"), "512");
	assert_string_equal(eval("2^-1"), "error: the power must be a whole number from 0 to 64 @2");
	assert_string_equal(eval("10 / 4"), "2.5");
	assert_string_equal(eval("1 / 3"), "0.333333");
	assert_string_equal(eval("2 / 3"), "0.666667");
	assert_string_equal(eval("-2 / 3"), "-0.666667");
	assert_string_equal(eval("17 % 5"), "2");
	assert_string_equal(eval("- -3"), "3");
	assert_string_equal(eval("1500 * 3 / 4.5"), "1000");
	assert_string_equal(eval("0.000001 * 0.5"), "0");
	assert_string_equal(eval("999999999999.999999"), "999999999999.999999");
	assert_string_equal(eval("  7  "), "7");
}

static void test_errors(void **state)
{
	char deep[100], longer[600];

	(void)state;
	assert_string_equal(eval("1 / 0"), "error: division by zero @2");
	assert_string_equal(eval("1 % (2-2)"), "error: remainder by zero @2");
	assert_string_equal(eval("1 +"), "error: a number or '(' expected @3");
	assert_string_equal(eval("(1 + 2"), "error: ')' expected @6");
	assert_string_equal(eval("1 2"), "error: an operator or the end expected @2");
	assert_string_equal(eval("abc"), "error: a number or '(' expected @0");
	assert_string_equal(eval(""), "error: a number or '(' expected @0");
	assert_string_equal(eval("1000000000000"), "error: a number too large @13");
	assert_string_equal(eval("99999999999 * 99999999999"), "error: a number too large @25");
	assert_string_equal(eval("-999999999999 - 1"), "error: a number too large @17");
	assert_string_equal(eval("10^64"), "error: a number too large @5");
	assert_string_equal(eval("1.1234567"), "error: more than 6 decimal places @8");
	assert_string_equal(eval("1..2"), "error: an operator or the end expected @2");
	memset(deep, '(', 40);
	strcpy(deep + 40, "1");
	assert_string_equal(eval(deep), "error: nested too deeply @33");
	memset(deep, '-', 40);
	strcpy(deep + 40, "1");
	assert_string_equal(eval(deep), "error: nested too deeply @33");
	memset(longer, '1', 520);
	longer[520] = 0;
	assert_string_equal(eval(longer), "error: the expression is longer than 512 characters @512");
}

static void test_tool_json(void **state)
{
	char resp[256];
	static const struct { const char *args, *resp; } cases[] = {
		{ "{\"expression\": \"3 * (2 + 0.5)\"}", "{\"result\":\"7.5\"}" },
		{ "{\"expression\": \"1/0\"}", "{\"error\":\"division by zero at character 2\"}" },
		{ "{\"expr\": \"1\"}", "{\"error\":\"missing \\\"expression\\\" (a string)\"}" },
		{ "{\"expression\": 5}", "{\"error\":\"missing \\\"expression\\\" (a string)\"}" },
		{ "{\"expression\": \"1\", \"x\": 2}", "{\"error\":\"only \\\"expression\\\" is allowed\"}" },
		{ "[1]", "{\"error\":\"the arguments are not a JSON object\"}" },
		{ "{\"expression\": \"1\"", "{\"error\":\"the arguments are not a JSON object\"}" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = calc_tool(cases[i].args, strlen(cases[i].args), resp, sizeof(resp));
		assert_true(n > 0);
		assert_string_equal(resp, cases[i].resp);
	}
	assert_int_equal(calc_tool("{\"expression\": \"1\"}", 19, resp, 5), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tool_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
