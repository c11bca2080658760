/* Constrained decoding over a real vocabulary (the tiny model's): with
 * random logits, every masked greedy decode that starts a call ends in a
 * complete call the agent's checker accepts; free text is never masked;
 * end-of-turn only once the call is complete. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calc.h"
#include "llm/model.h"
#include "notes.h"
#include "planner.h"
#include "tool_mask.h"

static struct llm_model *model;
static struct tool_schema schemas[3];
static struct tg_tools tools;

static int setup(void **state)
{
	struct llm_err err;
	const char *why;
	const char *src[3] = { calc_schema, planner_schema, notes_schema };
	static const char *names[3] = { "calculator", "planner", "notes" };
	(void)state;
	if (llm_model_load_file(&model, TINY_DIR "/tiny.bin", TINY_DIR "/tokenizer.bin", NULL, &err) != 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (schema_parse(src[i], strlen(src[i]), &schemas[i], &why) != 0)
			return -1;
		tools.names[i] = names[i];
		tools.schemas[i] = &schemas[i];
	}
	tools.n = 3;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	llm_model_free(model);
	return 0;
}

static uint32_t argmax(const float *v, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static void test_random_decodes_are_valid_calls(void **state)
{
	const struct llm_tokenizer *tok = model->tokenizer;
	uint32_t n = tok->n_vocab;
	float *logits = malloc(n * sizeof(float));
	static char text[65536];
	(void)state;

	assert_non_null(logits);
	srand(2026);
	for (int trial = 0; trial < 30; trial++) {
		struct tool_mask m;
		tool_mask_init(&m, tok, &tools);
		assert_true(tg_feed(&m.g, "{", 1)); /* the reply starts a call */
		size_t len = 1;
		text[0] = '{';
		bool ended = false;
		for (int step = 0; step < 20000 && !ended; step++) {
			for (uint32_t i = 0; i < n; i++)
				logits[i] = (float)rand() / (float)RAND_MAX;
			/* A bias for the end of turn, so trials end soon once they may. */
			if (m.eos != UINT32_MAX)
				logits[m.eos] += 0.5f;
			if (tool_mask_apply(&m, logits) == 0) {
				text[len] = 0;
				print_error("no token fits after: %s\n", text);
				fail();
			}
			uint32_t id = argmax(logits, n);
			assert_false(isinf(logits[id]));
			if (tool_mask_is_end(&m, id)) {
				assert_true(tg_complete(&m.g));
				ended = true;
				break;
			}
			size_t pl;
			const char *p = llm_tokenizer_piece(tok, n, id, &pl);
			assert_true(len + pl < sizeof(text));
			memcpy(text + len, p, pl);
			len += pl;
			tool_mask_accept(&m, id);
		}
		assert_true(ended);
		text[len] = 0;
		/* What the mask let through, the agent accepts. */
		struct rjson_node nodes[SCHEMA_MAX_NODES];
		struct rjson_doc d;
		char why[160];
		assert_int_equal(rjson_parse(text, len, nodes, SCHEMA_MAX_NODES, &d, NULL), RJSON_OK);
		assert_true(m.g.tool >= 0);
		assert_int_equal(schema_check(&schemas[m.g.tool], &d, rjson_get(&d, 0, "arguments"), why, sizeof(why)), 0);
	}
	free(logits);
}

static void test_free_text_untouched(void **state)
{
	const struct llm_tokenizer *tok = model->tokenizer;
	uint32_t n = tok->n_vocab;
	float *logits = calloc(n, sizeof(float));
	struct tool_mask m;
	(void)state;

	tool_mask_init(&m, tok, &tools);
	/* Nothing yet: a call or free text may begin; the end may come. */
	assert_true(tool_mask_apply(&m, logits) > n / 2);
	if (m.eos != UINT32_MAX)
		assert_false(isinf(logits[m.eos]));
	assert_true(tg_feed(&m.g, "Sure", 4));
	memset(logits, 0, n * sizeof(float));
	assert_int_equal(tool_mask_apply(&m, logits), n);
	for (uint32_t i = 0; i < n; i++)
		assert_false(isinf(logits[i]));
	/* Inside a call the end of turn is masked until the call is whole. */
	tool_mask_init(&m, tok, &tools);
	assert_true(tg_feed(&m.g, "{\"tool\":", 8));
	assert_true(tool_mask_apply(&m, logits) < n);
	if (m.eos != UINT32_MAX)
		assert_true(isinf(logits[m.eos]));
	free(logits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_decodes_are_valid_calls),
		cmocka_unit_test(test_free_text_untouched),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
