/* The realm-side formatter, run natively: every conversion, flag and edge. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "sdk/format.h"

static void expect(const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	size_t n = sdk_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_integers(void **state)
{
	(void)state;
	expect("0 -1 42 -2147483648", "%d %d %i %d", 0, -1, 42, (int)INT32_MIN);
	expect("4294967295", "%u", 4294967295u);
	expect("ff FF 0", "%x %X %x", 255u, 255u, 0u);
	expect("-9223372036854775808", "%lld", (long long)INT64_MIN);
	expect("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	expect("123456789012", "%zu", (size_t)123456789012ull);
	expect("-1 255", "%hhd %hhu", 255, 255);
	expect("-1 65535", "%hd %hu", 65535, 65535);
	expect("0x1000", "%p", (void *)0x1000);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	expect("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
	expect("-0042", "%05d", -42);
	expect("00ab", "%04x", 0xab);
	expect("   ab", "%*x", 5, 0xab);
	expect("ab   |", "%*x|", -5, 0xab);
	expect("  hi|hi  |h", "%4s|%-4s|%.1s", "hi", "hi", "hi");
	expect("hel", "%.*s", 3, "hello");
	expect("  x", "%3c", 'x');
	expect("(null)", "%s", (char *)NULL);
}

static void test_literals_and_unknown(void **state)
{
	(void)state;
	expect("100%", "100%%");
	expect("a%qb", "a%qb");
	expect("end", "end%");
	expect("", "");
}

static void test_truncation(void **state)
{
	char buf[6];

	(void)state;
	assert_int_equal(sdk_snprintf(buf, sizeof(buf), "%s", "hello world"), 11);
	assert_string_equal(buf, "hello");
	assert_int_equal(sdk_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	assert_int_equal(sdk_snprintf(NULL, 0, "%d", 12345), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_literals_and_unknown),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
