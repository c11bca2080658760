/* Constrained decoding for tool calls: what the recogniser lets through is
 * exactly what the agent accepts, piece by piece. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calc.h"
#include "notes.h"
#include "planner.h"
#include "schema.h"
#include "tool_grammar.h"

static struct tool_schema schemas[4];
static struct tg_tools tools;

static const char price_schema[] =
	"{\"type\":\"object\",\"properties\":{\"price\":{\"type\":\"number\"},\"ok\":{\"type\":\"boolean\"},"
	"\"n\":{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120},"
	"\"k\":{\"type\":\"integer\",\"minimum\":5,\"maximum\":14}},\"required\":[\"price\"]}";

static int setup(void **state)
{
	const char *why;
	const char *src[4] = { calc_schema, planner_schema, notes_schema, price_schema };
	static const char *names[4] = { "calculator", "planner", "notes", "shop" };
	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(schema_parse(src[i], strlen(src[i]), &schemas[i], &why), 0);
		tools.names[i] = names[i];
		tools.schemas[i] = &schemas[i];
	}
	tools.n = 4;
	return 0;
}

/* Feeds s whole; how many bytes were accepted one at a time before the
 * first refusal (strlen(s) if none), and *g after them. */
static size_t accepted(const char *s, struct tool_grammar *g)
{
	tg_init(g, &tools);
	size_t i = 0;
	while (s[i] && tg_feed(g, s + i, 1))
		i++;
	return i;
}

static void complete(const char *s)
{
	struct tool_grammar g;
	assert_int_equal(accepted(s, &g), strlen(s));
	assert_true(tg_complete(&g));
	assert_true(tg_may_end(&g));
	/* What the recogniser completes, the agent's checker accepts. */
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;
	char why[160];
	assert_int_equal(rjson_parse(s, strlen(s), nodes, SCHEMA_MAX_NODES, &d, NULL), RJSON_OK);
	uint32_t args = rjson_get(&d, 0, "arguments");
	assert_int_equal(schema_check(&schemas[g.tool], &d, args, why, sizeof(why)), 0);
}

/* s is refused exactly at byte `at`. */
static void refused_at(const char *s, size_t at)
{
	struct tool_grammar g;
	size_t got = accepted(s, &g);
	if (got != at)
		print_error("%s: refused at %zu, expected %zu\n", s, got, at);
	assert_int_equal(got, at);
}

static void test_valid_calls(void **state)
{
	(void)state;
	complete("{\"tool\": \"calculator\", \"arguments\": {\"expression\": \"(3 + 4) * 2.5\"}}");
	complete("{\"tool\":\"planner\",\"arguments\":{\"city\":\"Rome\",\"days\":4,\"budget\":300,"
		 "\"interests\":[\"art\",\"food\"],\"style\":\"relaxed\"}}");
	complete("{ \"tool\" : \"planner\" ,\n \"arguments\" : { \"days\" : 14 , \"city\" : \"Tokyo\" ,"
		 " \"interests\" : [ ] } }  ");
	complete("{\"tool\":\"notes\",\"arguments\":{\"op\":\"list\"}}");
	complete("{\"tool\":\"notes\",\"arguments\":{\"op\":\"add\",\"title\":\"a \\\"b\\\" \\u00e9\",\"text\":\"caf\xc3\xa9\","
		 "\"private\":true}}");
	complete("{\"tool\":\"shop\",\"arguments\":{\"price\":-0.5e+3,\"ok\":false,\"n\":-5}}");
	complete("{\"tool\":\"shop\",\"arguments\":{\"price\":0,\"n\":120}}");
	complete("{\"tool\":\"shop\",\"arguments\":{\"price\":0,\"k\":14}}");
	complete("{\"tool\":\"shop\",\"arguments\":{\"price\":0,\"k\":5,\"n\":0}}");
	complete("{\"tool\":\"shop\",\"arguments\":{\"price\":12.25E2}}");
}

static void test_free_text(void **state)
{
	struct tool_grammar g;
	(void)state;
	assert_int_equal(accepted("  It is 17.5. {not a call}", &g), 26);
	assert_true(tg_free_text(&g));
	assert_true(tg_may_end(&g));
	tg_init(&g, &tools);
	assert_true(tg_may_end(&g)); /* an empty reply */
	assert_true(tg_feed(&g, " {", 2));
	assert_false(tg_may_end(&g)); /* a call begun must be finished */
	/* A call required: no free text, no empty reply. */
	tg_init(&g, &tools);
	tg_require_call(&g);
	assert_false(tg_may_end(&g));
	assert_false(tg_feed(&g, "It", 2));
	static const char req[] = " \n{\"tool\":\"notes\",\"arguments\":{\"op\":\"list\"}}";
	assert_true(tg_feed(&g, req, sizeof(req) - 1));
	assert_true(tg_complete(&g));
}

static void test_refusals(void **state)
{
	(void)state;
	refused_at("{\"tool\": \"weather\"", 10);                  /* no such tool */
	refused_at("{\"tool\": \"calc\", ", 14);                   /* a name's prefix is not a name */
	refused_at("{\"tool\": \"calculator\", \"args\"", 27);     /* "arguments" is the key */
	refused_at("{\"name\": ", 2);
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"city\":\"Rome\"}", 44); /* days is required */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"city\":\"a\",\"city\"", 43);  /* a key twice */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"town\"", 32);              /* not declared */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"days\":15", 39);           /* > maximum at once */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"days\":0,", 38);           /* 0 can never reach 1 */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"days\":01", 38);           /* 0 alone cannot grow */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"days\":-1", 38);           /* minimum 1 */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"days\":\"3\"", 38);        /* a string for an integer */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"style\":\"lazy\"", 40);    /* enum */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"style\":\"relax\"}", 45);  /* an enum's prefix */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"style\":\"\\u0072", 40);   /* escapes in an enum */
	refused_at("{\"tool\":\"planner\",\"arguments\":{\"interests\":[1", 44);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1.}", 38);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":-}", 37);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"ok\":tru}", 46);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"n\":-6", 43);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"n\":121", 44);
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,}", 38);             /* trailing comma */
	/* No dead ends: no comma once every argument is written, */
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"1\",", 50);
	/* a prefix refused once no finished number fits. */
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"k\":2", 42);   /* 2, 2x, 2xx: none in 5..14 */
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"k\":1}", 43);  /* 1 < 5, and it ended */
	refused_at("{\"tool\":\"shop\",\"arguments\":{\"price\":1,\"k\":15", 43);
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"a\x01", 49); /* control character */
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"\\ud800", 51); /* surrogate: at its second digit */
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"\\q", 49);
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"\xc0\xaf", 48); /* overlong */
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"\xed\xa0\x80", 49); /* UTF-8 surrogate */
	refused_at("{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"1\"}} x", 53); /* after the call */
	/* Blanks: TG_MAX_BLANKS in a row, not one more. */
	char bl[128] = "{\"tool\":";
	memset(bl + 8, ' ', TG_MAX_BLANKS + 1);
	bl[8 + TG_MAX_BLANKS + 1] = 0;
	refused_at(bl, 8 + TG_MAX_BLANKS);
	/* A string without maxLength: TG_STRING_MAX bytes (an interest). */
	char il[1024] = "{\"tool\":\"planner\",\"arguments\":{\"interests\":[\"";
	size_t il0 = strlen(il);
	memset(il + il0, 'a', TG_STRING_MAX + 1);
	il[il0 + TG_STRING_MAX + 1] = 0;
	refused_at(il, il0 + TG_STRING_MAX);
	/* maxLength: 40 bytes of city, the 41st refused. */
	char s[128] = "{\"tool\":\"planner\",\"arguments\":{\"city\":\"";
	size_t n = strlen(s);
	memset(s + n, 'a', 41);
	s[n + 41] = 0;
	refused_at(s, n + 40);
	/* An escape or a multi-byte character only with room to finish it. */
	s[n + 38] = '\\';
	s[n + 39] = 0;
	refused_at(s, n + 38);
	s[n + 38] = '\xe2'; /* a 3-byte character at byte 38 of 40 */
	s[n + 39] = 0;
	refused_at(s, n + 38);
	s[n + 37] = '\xe2'; /* at byte 37 it fits exactly */
	s[n + 38] = '\x82';
	s[n + 39] = '\xac';
	s[n + 40] = '"';
	s[n + 41] = 0;
	refused_at(s, n + 41);
	/* maxItems 8 of interests: the 9th string refused at its quote. */
	char t[256] = "{\"tool\":\"planner\",\"arguments\":{\"interests\":[";
	for (int i = 0; i < 9; i++)
		strcat(t, i ? ",\"x\"" : "\"x\"");
	refused_at(t, strlen(t) - 3);
}

static void test_pieces(void **state)
{
	static const char call[] = "{\"tool\": \"planner\", \"arguments\": {\"city\": \"Paris\", \"days\": 3, "
				   "\"interests\": [\"food\", \"art\"], \"style\": \"packed\"}}";
	struct tool_grammar g, before;
	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		tg_init(&g, &tools);
		size_t i = 0;
		while (i < sizeof(call) - 1) {
			size_t k = 1 + (size_t)rand() % 6;
			if (k > sizeof(call) - 1 - i)
				k = sizeof(call) - 1 - i;
			/* A wrong piece is refused and changes nothing. */
			if (i) {
				before = g;
				assert_false(tg_feed(&g, "\"zzz", 4) && tg_feed(&g, "\x01", 1));
				g = before;
			}
			assert_true(tg_feed(&g, call + i, k));
			i += k;
		}
		assert_true(tg_complete(&g));
	}
	/* A refused piece leaves the state as it was. */
	tg_init(&g, &tools);
	assert_true(tg_feed(&g, "{\"tool\": \"cal", 13));
	before = g;
	assert_false(tg_feed(&g, "cx", 2));
	assert_memory_equal(&g, &before, sizeof(g));
	assert_true(tg_feed(&g, "culator\"", 8));
	/* A multi-byte character split across pieces. */
	tg_init(&g, &tools);
	static const char head[] = "{\"tool\":\"notes\",\"arguments\":{\"op\":\"get\",\"title\":\"caf\xc3";
	assert_true(tg_feed(&g, head, sizeof(head) - 1));
	assert_false(tg_may_end(&g));
	assert_true(tg_feed(&g, "\xa9\"}}", 4));
	assert_true(tg_complete(&g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_calls),
		cmocka_unit_test(test_free_text),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
