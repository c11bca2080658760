/* The itinerary planner: plans that follow the request, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "planner.h"
#include "sdk/rjson.h"

static char out[8192];

static const char *plan(const char *args)
{
	long n = planner_tool(args, strlen(args), out, sizeof(out));
	assert_true(n > 0);
	return out;
}

static void parsed(const char *args, struct rjson_doc *d, struct rjson_node *nodes, size_t max)
{
	plan(args);
	assert_int_equal(rjson_parse(out, strlen(out), nodes, (uint32_t)max, d, NULL), RJSON_OK);
}

static int64_t num(const struct rjson_doc *d, uint32_t obj, const char *key)
{
	int64_t v;
	assert_true(rjson_int(d, rjson_get(d, obj, key), &v));
	return v;
}

static void test_shape(void **state)
{
	static struct rjson_node nodes[1024];
	struct rjson_doc d;
	(void)state;

	parsed("{\"city\":\"paris\",\"days\":3,\"style\":\"packed\",\"interests\":[\"Food\"]}", &d, nodes, 1024);
	assert_true(rjson_string_is(&d, rjson_get(&d, 0, "city"), "Paris"));
	uint32_t days = rjson_get(&d, 0, "days");
	assert_int_equal(d.nodes[days].children, 3);
	int64_t total = 0, n = 0;
	char seen[16][64];
	for (uint32_t day = rjson_first(&d, days); day; day = d.nodes[day].next) {
		n++;
		assert_int_equal(num(&d, day, "day"), n);
		uint32_t items = rjson_get(&d, day, "items");
		assert_int_equal(d.nodes[items].children, 4); /* packed */
		int64_t cost = 0;
		for (uint32_t it = rjson_first(&d, items); it; it = d.nodes[it].next) {
			cost += num(&d, it, "cost");
			char name[64];
			assert_true(rjson_string(&d, rjson_get(&d, it, "name"), name, sizeof(name)) > 0);
			/* No sight twice in a trip. */
			for (int k = 0; k < 16 && seen[k][0]; k++)
				assert_string_not_equal(seen[k], name);
			for (int k = 0; k < 16; k++)
				if (!seen[k][0]) {
					strcpy(seen[k], name);
					break;
				}
		}
		assert_int_equal(num(&d, day, "cost"), cost);
		total += cost;
	}
	assert_int_equal(num(&d, 0, "total_cost"), total);
	/* Food first: the two food sights open day 1. */
	assert_non_null(strstr(out, "\"items\":[{\"name\":\"Marche des Enfants Rouges lunch\""));
}

static void test_budget(void **state)
{
	static struct rjson_node nodes[1024];
	struct rjson_doc d;
	(void)state;

	parsed("{\"city\":\"Tokyo\",\"days\":5,\"budget\":60,\"style\":\"balanced\"}", &d, nodes, 1024);
	assert_true(num(&d, 0, "total_cost") <= 60);
	assert_int_equal(num(&d, 0, "budget"), 60);
	parsed("{\"city\":\"Rome\",\"days\":4,\"budget\":0}", &d, nodes, 1024);
	assert_int_equal(num(&d, 0, "total_cost"), 0);
	/* A long trip runs out of sights: free walks fill the days. */
	parsed("{\"city\":\"Barcelona\",\"days\":14,\"style\":\"packed\"}", &d, nodes, 1024);
	assert_non_null(strstr(out, "A stroll down La Rambla"));
	/* Deterministic. */
	char first[8192];
	strcpy(first, plan("{\"city\":\"Rome\",\"days\":4,\"budget\":300,\"interests\":[\"history\",\"art\"]}"));
	assert_string_equal(first, plan("{\"city\":\"Rome\",\"days\":4,\"budget\":300,\"interests\":[\"history\",\"art\"]}"));
}

static void test_refusals(void **state)
{
	(void)state;
	assert_string_equal(plan("{\"city\":\"Atlantis\",\"days\":2}"),
			    "{\"error\":\"the planner has no data for that city (it knows Paris, Rome, Tokyo, London, "
			    "Barcelona)\"}");
	assert_string_equal(plan("{\"city\":\"Paris\",\"days\":0}"), "{\"error\":\"\\\"days\\\" is out of range\"}");
	assert_string_equal(plan("{\"city\":\"Paris\"}"), "{\"error\":\"missing argument \\\"days\\\"\"}");
	assert_string_equal(plan("{\"city\":\"Paris\",\"days\":2,\"style\":\"frantic\"}"),
			    "{\"error\":\"\\\"style\\\" is not one of the allowed values\"}");
	assert_string_equal(plan("not json"), "{\"error\":\"the arguments are not JSON\"}");
	/* Too small an answer buffer: -1, never a write past it. */
	char tiny[32];
	memset(tiny, 'x', sizeof(tiny));
	assert_int_equal(planner_tool("{\"city\":\"Paris\",\"days\":3}", 26, tiny, 16), -1);
	assert_int_equal(tiny[16], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
