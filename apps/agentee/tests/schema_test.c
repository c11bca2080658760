/* Tool schemas: what a schema may say, and arguments checked against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"

static const char trip[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"city\":{\"type\":\"string\",\"maxLength\":8},"
	"\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":14},"
	"\"price\":{\"type\":\"number\"},"
	"\"quiet\":{\"type\":\"boolean\"},"
	"\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":2},"
	"\"style\":{\"type\":\"string\",\"enum\":[\"slow\",\"fast\"]}},"
	"\"required\":[\"city\",\"days\"]}";

static const char *check(const char *args)
{
	static char why[128];
	struct tool_schema s;
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;
	const char *perr;

	assert_int_equal(schema_parse(trip, strlen(trip), &s, &perr), 0);
	assert_int_equal(rjson_parse(args, strlen(args), nodes, SCHEMA_MAX_NODES, &d, NULL), RJSON_OK);
	if (schema_check(&s, &d, 0, why, sizeof(why)) == 0)
		return "ok";
	return why;
}

static void test_accepts(void **state)
{
	(void)state;
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3}"), "ok");
	assert_string_equal(check("{\"city\":\"R\\u00f6m\",\"days\":14,\"price\":1.5e3,\"quiet\":false,"
				  "\"tags\":[\"a\",\"b\"],\"style\":\"fast\"}"),
			    "ok");
	/* Escapes make the raw text longer than its value: 8 bytes decoded. */
	assert_string_equal(check("{\"city\":\"\\u0041BCDEFGH\",\"days\":1}"), "ok");
}

static void test_refuses(void **state)
{
	(void)state;
	assert_string_equal(check("{\"days\":3}"), "missing argument \"city\"");
	assert_string_equal(check("{\"city\":\"Rome\"}"), "missing argument \"days\"");
	assert_string_equal(check("{\"city\":3,\"days\":3}"), "\"city\" must be a string");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3.5}"), "\"days\" must be a whole number");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":\"3\"}"), "\"days\" must be a whole number");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":0}"), "\"days\" is out of range");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":15}"), "\"days\" is out of range");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":99999999999999999999}"),
			    "\"days\" must be a whole number");
	assert_string_equal(check("{\"city\":\"Amsterdam\",\"days\":3}"), "\"city\" is too long");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"style\":\"lazy\"}"),
			    "\"style\" is not one of the allowed values");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"quiet\":1}"), "\"quiet\" must be true or false");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"tags\":[\"a\",1]}"),
			    "\"tags\" must be an array of strings");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"tags\":[\"a\",\"b\",\"c\"]}"),
			    "\"tags\" has too many items");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"price\":\"1\"}"), "\"price\" must be a number");
	assert_string_equal(check("{\"city\":\"Rome\",\"days\":3,\"rm\":\"-rf\"}"),
			    "the tool takes no argument \"rm\"");
	assert_string_equal(check("[1]"), "the arguments are not a JSON object");
}

static const char *parse(const char *schema)
{
	struct tool_schema s;
	const char *why = "ok";

	if (schema_parse(schema, strlen(schema), &s, &why) == 0)
		return "ok";
	return why;
}

static void test_schema_errors(void **state)
{
	(void)state;
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{}}"), "ok");
	assert_string_equal(parse("[]"), "the schema is not a JSON object");
	assert_string_equal(parse("{\"type\":\"array\",\"properties\":{}}"),
			    "the schema must be {\"type\": \"object\", \"properties\": {...}}");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{},\"oneOf\":[]}"),
			    "the schema uses a keyword this agent does not check");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"x\"}}}"),
			    "a property uses a schema keyword this agent does not check");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"thing\"}}}"),
			    "a property's type is not string, number, integer, boolean or array");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{}}}"),
			    "a property has no \"type\" string");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\"}}}"),
			    "an array property needs \"items\": {\"type\": \"string\"}");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"minimum\":1}}}"),
			    "a property's keyword does not fit its type");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":3,"
				  "\"maximum\":1}}}"),
			    "a property's minimum is above its maximum");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"enum\":[]}}}"),
			    "\"enum\" must list 1 to 8 strings");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
				  "\"required\":[\"b\"]}"),
			    "\"required\" names a property twice or one the schema does not declare");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
				  "\"required\":[\"a\",\"a\"]}"),
			    "\"required\" names a property twice or one the schema does not declare");
	assert_string_equal(parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
				  "\"b\":{\"type\":\"string\"},\"c\":{\"type\":\"string\"},\"d\":{\"type\":\"string\"},"
				  "\"e\":{\"type\":\"string\"},\"f\":{\"type\":\"string\"},\"g\":{\"type\":\"string\"},"
				  "\"h\":{\"type\":\"string\"},\"i\":{\"type\":\"string\"}}}"),
			    "the schema has more than 8 properties");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_schema_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
