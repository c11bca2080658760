/* The bundled tool model (apps/agentee/model/tool-q8_0.gguf) under the C
 * engine, driven by the agent runtime exactly as the agent realm drives the
 * llm realm: the agent renders the ChatML conversation, the engine encodes
 * it with its control tokens and answers greedily up to <|im_end|>. For
 * requests the model was not trained on, its first reply must be the
 * expected tool call, which the agent accepts (schema-valid) and runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "calc.h"
#include "llm/context.h"
#include "llm/model.h"
#include "llm/sampler.h"
#include "llm/tokenizer.h"
#include "notes.h"
#include "planner.h"

#define MODEL_PATH "apps/agentee/model/tool-q8_0.gguf"
#define MAX_TOKENS 192 /* the agent realm's generate limit */
#define CONV_CAP   (64u << 10)

struct harness {
	struct llm_model *m;
	struct notes store;
	char first_reply[AGENT_REPLY_MAX];
	unsigned n_generate;
	char first_args[AGENT_REPLY_MAX];
	unsigned n_calls;
};

static long generate(void *ctx, const char *prompt, size_t len, char *out, size_t cap, const char **why)
{
	struct harness *h = ctx;
	const struct llm_tokenizer *tok = h->m->tokenizer;
	uint32_t *ids = calloc(len + 2, sizeof(*ids));
	size_t n = 0;
	struct llm_context_params p;
	struct llm_context *c = NULL;
	struct llm_err err;
	long out_len = -1;

	*why = "the engine failed";
	llm_context_params_default(&p);
	p.n_threads = 1;
	if (!ids || llm_tokenizer_encode_flags(tok, prompt, len, LLM_ENCODE_BOS | LLM_ENCODE_SPECIAL, ids, len + 2, &n) ||
	    n + MAX_TOKENS > h->m->config.seq_len || llm_context_create(&c, h->m, &p, NULL, &err))
		goto done;
	const float *logits = NULL;
	for (size_t i = 0; i < n; i++)
		if (llm_forward(c, ids[i], (uint32_t)i, &logits))
			goto done;
	size_t o = 0;
	uint32_t prev = ids[n - 1];
	for (unsigned g = 0; g < MAX_TOKENS; g++) {
		uint32_t next = llm_argmax(logits, h->m->config.vocab_size);
		if (next == tok->eos_id)
			break;
		size_t plen;
		const char *piece = llm_tokenizer_piece(tok, prev, next, &plen);
		if (!piece || o + plen >= cap)
			goto done;
		memcpy(out + o, piece, plen);
		o += plen;
		prev = next;
		if (llm_forward(c, next, (uint32_t)(n + g), &logits))
			goto done;
	}
	out[o] = 0;
	if (h->n_generate++ == 0)
		snprintf(h->first_reply, sizeof(h->first_reply), "%s", out);
	out_len = (long)o;
done:
	llm_context_free(c);
	free(ids);
	return out_len;
}

static long call_tool(void *ctx, unsigned tool, const char *args, size_t len, char *out, size_t cap,
		      const char **why)
{
	struct harness *h = ctx;
	(void)why;
	if (h->n_calls++ == 0)
		snprintf(h->first_args, sizeof(h->first_args), "%.*s", (int)len, args);
	if (tool == 0)
		return calc_tool(args, len, out, cap);
	if (tool == 1)
		return planner_tool(args, len, out, cap);
	return notes_tool(&h->store, args, len, out, cap);
}

/* The agent realm's tools and system prompt (realms/agent_realm.c). */
static const struct agent_tool tools[] = {
	{ "calculator", "exact arithmetic on an expression", calc_schema, { 0 } },
	{ "planner", "a day-by-day trip plan for a city", planner_schema, { 0 } },
	{ "notes", "the user's notes (add, get, list, search, check)", notes_schema, { 0 } },
};

static struct harness h;
static struct agent ag;
static char conv[CONV_CAP];

static int setup(void **state)
{
	struct llm_err err;
	const char *why = NULL;
	(void)state;
	memset(&h, 0, sizeof(h));
	if (llm_model_load_file(&h.m, MODEL_PATH, NULL, NULL, &err)) {
		fprintf(stderr, "tool_model_test: %s: %s\n", MODEL_PATH, err.msg);
		return -1;
	}
	notes_init(&h.store);
	struct agent_ops ops = { generate, call_tool, &h };
	if (agent_init(&ag, conv, sizeof(conv), "You are a helpful assistant.", tools, 3, 4, &ops, &why)) {
		fprintf(stderr, "tool_model_test: %s\n", why);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	llm_model_free(h.m);
	return 0;
}

/* One new conversation: the user's request, the model's first reply. */
static void turn(const char *user, char *answer, size_t cap, struct agent_turn *t)
{
	agent_reset(&ag);
	h.n_generate = h.n_calls = 0;
	h.first_reply[0] = h.first_args[0] = 0;
	agent_turn(&ag, user, answer, cap, t);
}

/* The markers are single control tokens only when asked for, as the llm
 * realm asks: otherwise the text "<|im_start|>" is ordinary bytes. */
static void test_control_tokens(void **state)
{
	const struct llm_tokenizer *tok = h.m->tokenizer;
	static const char text[] = "<|im_start|>user\nHi<|im_end|>\n";
	uint32_t ids[64];
	size_t n, n_plain;
	(void)state;
	assert_int_equal(llm_tokenizer_encode_flags(tok, text, sizeof(text) - 1, LLM_ENCODE_BOS | LLM_ENCODE_SPECIAL,
						    ids, 64, &n), 0);
	assert_true(n >= 4);
	size_t len;
	assert_non_null(llm_tokenizer_piece(tok, 0, ids[0], &len));
	assert_int_equal(len, 0); /* a control token: decodes to nothing */
	assert_int_not_equal(ids[0], ids[n - 2]);
	assert_int_equal(ids[n - 2], tok->eos_id); /* <|im_end|> ends a reply */
	assert_int_equal(llm_tokenizer_encode_flags(tok, text, sizeof(text) - 1, LLM_ENCODE_BOS, ids, 64, &n_plain), 0);
	assert_true(n_plain > n + 6);
}

/* Requests the builder never trained on (make_tool_model.py's held-out set
 * draws them the same way) and the calls the model makes for them. */
static void expect_call(const char *user, unsigned tool, const char *call, const char *args)
{
	char answer[AGENT_REPLY_MAX];
	struct agent_turn t;
	turn(user, answer, sizeof(answer), &t);
	assert_string_equal(h.first_reply, call);
	assert_true(t.steps >= 1);
	assert_int_equal(t.calls[0], tool);
	assert_int_equal(t.kind[0], AGENT_STEP_CALL); /* the agent accepted and ran it */
	assert_string_equal(h.first_args, args);
}

static void test_calculator_call(void **state)
{
	(void)state;
	expect_call("Calculate 6 ^ 3.", 0, "{\"tool\": \"calculator\", \"arguments\": {\"expression\": \"6 ^ 3\"}}",
		    "{\"expression\": \"6 ^ 3\"}");
}

static void test_planner_call(void **state)
{
	(void)state;
	expect_call("What should I do in Barcelona in 5 days?", 1,
		    "{\"tool\": \"planner\", \"arguments\": {\"city\": \"Barcelona\", \"days\": 5}}",
		    "{\"city\": \"Barcelona\", \"days\": 5}");
}

static void test_notes_call(void **state)
{
	(void)state;
	expect_call("Please list my notes.", 2, "{\"tool\": \"notes\", \"arguments\": {\"op\": \"list\"}}",
		    "{\"op\": \"list\"}");
}

/* A missing model file is refused with a message, not a crash. */
static void test_missing_model(void **state)
{
	struct llm_model *m = NULL;
	struct llm_err err;
	(void)state;
	assert_int_not_equal(llm_model_load_file(&m, "apps/agentee/model/no-such-model.gguf", NULL, NULL, &err), 0);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_tokens),
		cmocka_unit_test(test_calculator_call),
		cmocka_unit_test(test_planner_call),
		cmocka_unit_test(test_notes_call),
		cmocka_unit_test(test_missing_model),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
