/*
 * caec llm run: generate text with the llama-family engine (apps/llm).
 *
 * The prompt (text encoded with BOS, or ids as given) is fed position by
 * position, then tokens are sampled and streamed until -n tokens, the end
 * of the context, or a token that ends the sequence: EOS, or BOS, which
 * llama2.c-style models emit where one text ends and the next begins.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "llm/context.h"
#include "llm/json_out.h"
#include "llm/sampler.h"

#define CMD "llm run" /* messages start "caec llm run: " */

struct run_opts {
	const char *model, *tokenizer, *prompt, *prompt_ids;
	unsigned long n, threads;
	double temp, top_p;
	unsigned long long seed;
	bool seed_set, json;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: caec llm run MODEL [--tokenizer FILE] (--prompt TEXT | --prompt-ids 1,2,3)\n"
		"                    [-n N] [--temp T] [--top-p P] [--seed S] [--threads N] [--json]\n"
		"\n"
		"Runs a llama2.c checkpoint (tokenizer from --tokenizer) or a GGUF model (F32, F16,\n"
		"Q8_0; tokenizer inside) and streams the generated text.\n"
		"  -n N          tokens to generate (default 64; stops early at end of sequence)\n"
		"  --temp T      sampling temperature, 0 = greedy (default 1.0)\n"
		"  --top-p P     nucleus sampling threshold in (0, 1], 1 = off (default 0.9)\n"
		"  --seed S      random seed (default: from the clock)\n"
		"  --threads N   worker threads including the caller (default: all CPUs)\n"
		"  --json        print {\"ids\": [...], \"text\": \"...\", \"tokens_per_s\": ...} instead\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A finite number, nothing after it. */
static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	if (!s || !*s)
		return false;
	*out = strtod(s, &end);
	return !errno && !*end && isfinite(*out);
}

/* Returns CLI_OK or CLI_USAGE (with the message printed). */
static int parse_run(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){ .n = 64, .temp = 1.0, .top_p = 0.9 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		bool takes_value = true;
		if (!strcmp(a, "--json")) {
			o->json = true;
			takes_value = false;
		} else if (a[0] != '-') {
			if (o->model)
				return cli_usage_error(CMD, "unexpected argument '%s' (one MODEL only)", a);
			o->model = a;
			takes_value = false;
		} else if (!v) {
			return cli_usage_error(CMD, "%s needs a value (try --help)", a);
		} else if (!strcmp(a, "--tokenizer")) {
			o->tokenizer = v;
		} else if (!strcmp(a, "--prompt")) {
			o->prompt = v;
		} else if (!strcmp(a, "--prompt-ids")) {
			o->prompt_ids = v;
		} else if (!strcmp(a, "-n")) {
			if (!cli_parse_u64(v, 1u << 20, &u))
				goto bad;
			o->n = (unsigned long)u;
		} else if (!strcmp(a, "--threads")) {
			if (!cli_parse_u64(v, 64, &u) || u == 0)
				goto bad;
			o->threads = (unsigned long)u;
		} else if (!strcmp(a, "--seed")) {
			if (!cli_parse_u64(v, UINT64_MAX, &u))
				goto bad;
			o->seed = u;
			o->seed_set = true;
		} else if (!strcmp(a, "--temp")) {
			if (!parse_double(v, &o->temp) || o->temp < 0)
				goto bad;
		} else if (!strcmp(a, "--top-p")) {
			if (!parse_double(v, &o->top_p) || o->top_p <= 0 || o->top_p > 1)
				goto bad;
		} else {
			return cli_usage_error(CMD, "unknown option '%s' (try --help)", a);
		}
		if (takes_value)
			i++;
		continue;
bad:
		return cli_usage_error(CMD, "invalid value '%s' for %s (try --help)", v, a);
	}
	if (!o->model)
		return cli_usage_error(CMD, "no MODEL given (try --help)");
	if (!!o->prompt == !!o->prompt_ids)
		return cli_usage_error(CMD, "give exactly one of --prompt and --prompt-ids");
	if (!o->seed_set)
		o->seed = (unsigned long long)time(NULL);
	return CLI_OK;
}

/* The prompt as ids (malloc'ed); CLI_OK, or the failure already reported. */
static int prompt_tokens(const struct run_opts *o, const struct llm_model *m, uint32_t **ids, size_t *n)
{
	if (o->prompt) {
		if (!m->tokenizer)
			return cli_usage_error(CMD, "%s has no tokenizer: pass --tokenizer FILE or use --prompt-ids",
					       o->model);
		size_t len = strlen(o->prompt);
		*ids = calloc(len + 2, sizeof(**ids));
		if (!*ids || llm_tokenizer_encode(m->tokenizer, o->prompt, len, true, *ids, len + 2, n)) {
			fprintf(stderr, "caec llm run: cannot encode the prompt\n");
			return CLI_FAIL;
		}
		return CLI_OK;
	}
	const char *s = o->prompt_ids;
	size_t cap = strlen(s) / 2 + 1;
	*ids = calloc(cap, sizeof(**ids));
	*n = 0;
	if (!*ids)
		return CLI_FAIL;
	while (*s) {
		unsigned long long v;
		char *end;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno || v >= m->config.vocab_size || (*end && *end != ',') || *n == cap)
			return cli_usage_error(CMD, "--prompt-ids needs ids below %u separated by commas (near '%s')",
					       m->config.vocab_size, s);
		(*ids)[(*n)++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	if (*n == 0)
		return cli_usage_error(CMD, "--prompt-ids is empty");
	return CLI_OK;
}

static void emit_piece(const struct llm_model *m, uint32_t prev, uint32_t id)
{
	size_t len;
	const char *p = m->tokenizer ? llm_tokenizer_piece(m->tokenizer, prev, id, &len) : NULL;
	if (p)
		fwrite(p, 1, len, stdout);
	else
		printf("[%u]", id);
	fflush(stdout);
}

struct generation {
	uint32_t *ids;
	size_t n;
	double tokens_per_s;
};

static int generate(const struct run_opts *o, const struct llm_model *m, struct llm_context *c,
		    const uint32_t *prompt, size_t n_prompt, struct generation *g)
{
	struct llm_sampler *s;
	if (llm_sampler_create(&s, m->config.vocab_size, (float)o->temp, (float)o->top_p, o->seed, NULL)) {
		fprintf(stderr, "caec llm run: out of memory\n");
		return CLI_FAIL;
	}
	float *scratch = malloc((size_t)m->config.vocab_size * sizeof(float));
	g->ids = calloc(o->n + 1, sizeof(*g->ids));
	int rc = !scratch || !g->ids ? CLI_FAIL : CLI_OK;
	const float *logits = NULL;
	for (size_t i = 0; i < n_prompt && rc == CLI_OK; i++) {
		if (llm_forward(c, prompt[i], (uint32_t)i, &logits))
			rc = CLI_FAIL;
		if (!o->json && o->prompt_ids) /* a text prompt was echoed as given */
			emit_piece(m, i ? prompt[i - 1] : UINT32_MAX, prompt[i]);
	}
	uint32_t pos = (uint32_t)n_prompt, prev = prompt[n_prompt - 1];
	double t0 = now_s();
	size_t forwards = 0;
	while (rc == CLI_OK && g->n < o->n) {
		memcpy(scratch, logits, (size_t)m->config.vocab_size * sizeof(float));
		uint32_t next = llm_sample(s, scratch);
		if (m->tokenizer && (next == m->tokenizer->eos_id || next == m->tokenizer->bos_id))
			break;
		g->ids[g->n++] = next;
		if (!o->json)
			emit_piece(m, prev, next);
		prev = next;
		if (g->n == o->n || pos >= llm_context_max_seq(c))
			break;
		if (llm_forward(c, next, pos++, &logits))
			rc = CLI_FAIL;
		forwards++;
	}
	double dt = now_s() - t0;
	g->tokens_per_s = forwards && dt > 0 ? (double)forwards / dt : 0;
	if (rc != CLI_OK)
		fprintf(stderr, "caec llm run: inference failed\n");
	free(scratch);
	llm_sampler_free(s);
	return rc;
}

static void print_json(const struct llm_model *m, const uint32_t *prompt, size_t n_prompt,
		       const struct generation *g)
{
	printf("{\"ids\": [");
	for (size_t i = 0; i < g->n; i++)
		printf(i ? ", %u" : "%u", g->ids[i]);
	printf("], \"text\": ");
	size_t cap = 64, len = 0;
	char *text = malloc(cap);
	uint32_t prev = prompt[n_prompt - 1];
	for (size_t i = 0; text && i < g->n && m->tokenizer; i++) {
		size_t n;
		const char *p = llm_tokenizer_piece(m->tokenizer, prev, g->ids[i], &n);
		prev = g->ids[i];
		if (!p)
			continue;
		while (cap - len < n) {
			char *bigger = realloc(text, cap * 2);
			if (!bigger)
				break;
			text = bigger;
			cap *= 2;
		}
		if (cap - len >= n) {
			memcpy(text + len, p, n);
			len += n;
		}
	}
	llm_json_write_string(stdout, text ? text : "", text ? len : 0);
	printf(", \"tokens_per_s\": %.2f}\n", g->tokens_per_s);
	free(text);
}

static int cmd_llm_run(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		run_usage(stdout);
		return CLI_OK;
	}
	struct run_opts o;
	int rc = parse_run(argc, argv, &o);
	if (rc)
		return rc;
	struct llm_model *m;
	struct llm_err err;
	if (llm_model_load_file(&m, o.model, o.tokenizer, NULL, &err)) {
		fprintf(stderr, "caec llm run: %s\n", err.msg);
		return CLI_FAIL;
	}
	uint32_t *prompt = NULL;
	size_t n_prompt = 0;
	struct llm_context *c = NULL;
	struct generation g = { 0 };
	rc = prompt_tokens(&o, m, &prompt, &n_prompt);
	if (rc == CLI_OK && n_prompt >= m->config.seq_len)
		rc = cli_usage_error(CMD, "the prompt (%zu tokens) does not fit the model's context of %u",
				     n_prompt, m->config.seq_len);
	if (rc == CLI_OK) {
		struct llm_context_params p;
		llm_context_params_default(&p);
		p.n_threads = (unsigned)o.threads;
		if (llm_context_create(&c, m, &p, NULL, &err)) {
			fprintf(stderr, "caec llm run: %s\n", err.msg);
			rc = CLI_FAIL;
		}
	}
	if (rc == CLI_OK) {
		if (!o.json && o.prompt)
			fputs(o.prompt, stdout);
		rc = generate(&o, m, c, prompt, n_prompt, &g);
		if (rc == CLI_OK && o.json)
			print_json(m, prompt, n_prompt, &g);
		else if (rc == CLI_OK) {
			printf("\n");
			fflush(stdout); /* the text first, then the figures on stderr */
			fprintf(stderr, "caec llm run: %zu tokens, %.1f tokens/s\n", g.n, g.tokens_per_s);
		}
	}
	free(g.ids);
	free(prompt);
	llm_context_free(c);
	llm_model_free(m);
	return rc;
}

int cmd_llm(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = { { "run", cmd_llm_run } };
	static const struct cli_command llm = {
		.name = "llm",
		.usage = "usage: caec llm run MODEL ...   (caec llm run --help for the options)\n",
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&llm, argc, argv);
}
