/*
 * caec llm run: generate text with the llama-family engine (apps/llm).
 *
 * The prompt (text encoded with BOS, or ids as given) is fed position by
 * position, then tokens are sampled and streamed until -n tokens, the end
 * of the context, or a token that ends the sequence: EOS, or BOS, which
 * llama2.c-style models emit where one text ends and the next begins.
 * Prompt processing and generation are timed apart: they are different
 * workloads, and a user comparing with llama.cpp reads them apart.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "llm/context.h"
#include "llm/json_out.h"
#include "llm/sampler.h"

#define CMD "llm run" /* messages start "caec llm run: " */

#define MAX_PROMPT_FILE (1u << 20) /* far above any context this engine runs */
#define MAX_TOKENS (1u << 20)

enum {
	OPT_MODEL,
	OPT_TOKENIZER,
	OPT_PROMPT,
	OPT_FILE,
	OPT_PROMPT_IDS,
	OPT_N,
	OPT_TEMP,
	OPT_TOP_P,
	OPT_SEED,
	OPT_THREADS,
	OPT_JSON,
	OPT_HELP,
	NUM_OPTS
};

/* The short forms are llama.cpp's, so that its users' habits work here. */
static const struct cli_option run_options[NUM_OPTS] = {
	[OPT_MODEL] = { "--model", "-m", true },
	[OPT_TOKENIZER] = { "--tokenizer", NULL, true },
	[OPT_PROMPT] = { "--prompt", "-p", true },
	[OPT_FILE] = { "--file", "-f", true },
	[OPT_PROMPT_IDS] = { "--prompt-ids", NULL, true },
	[OPT_N] = { "--n-predict", "-n", true },
	[OPT_TEMP] = { "--temp", NULL, true },
	[OPT_TOP_P] = { "--top-p", NULL, true },
	[OPT_SEED] = { "--seed", "-s", true },
	[OPT_THREADS] = { "--threads", "-t", true },
	[OPT_JSON] = { "--json", NULL, false },
	[OPT_HELP] = { "--help", "-h", false },
};

struct run_opts {
	const char *model, *tokenizer, *prompt_ids, *prompt_file;
	const char *prompt; /* the text prompt: -p's, or -f's contents in prompt_buf */
	size_t prompt_len;
	char *prompt_buf;
	unsigned long n;
	unsigned threads;  /* 0: the engine's default for the model */
	double temp, top_p;
	unsigned long long seed;
	bool seed_set, json;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: caec llm run MODEL [--tokenizer FILE] (-p TEXT|-f FILE|--prompt-ids 1,2)\n"
		"           [-n N] [--temp T] [--top-p P] [-s SEED] [-t N] [--json]\n"
		"\n"
		"Runs a llama2.c checkpoint (tokenizer from --tokenizer) or a GGUF model\n"
		"(F32, F16, Q8_0; tokenizer inside) and streams the generated text on stdout;\n"
		"a summary with the prompt and generation rates follows on stderr.\n"
		"  MODEL, -m, --model FILE  the model file\n"
		"  --tokenizer FILE     a llama2.c tokenizer.bin (a GGUF model has its own)\n"
		"  -p, --prompt TEXT    the prompt, encoded with BOS first\n"
		"  -f, --file FILE      the prompt read from FILE ('-': standard input), one\n"
		"                       final newline removed\n"
		"  --prompt-ids 1,2,3   the prompt as token ids, fed as given\n"
		"  -n, --n-predict N    tokens to generate (default 64; fewer at the end of a\n"
		"                       sequence or of the context)\n"
		"  --temp T             sampling temperature, 0 = greedy (default 1.0)\n"
		"  --top-p P            nucleus sampling threshold in (0, 1], 1 = off\n"
		"                       (default 0.9)\n"
		"  -s, --seed S         random seed (default: from the clock)\n"
		"  -t, --threads N      threads including the caller. Default: one per %llu KiB\n"
		"                       of weights a token reads, so one below %llu KiB (too\n"
		"                       little work per thread between synchronisations),\n"
		"                       and never more than the CPUs this process may run\n"
		"                       on (its affinity mask); an N above them is lowered\n"
		"                       to them with a note\n"
		"  --json               one JSON object instead of the text: ids, text,\n"
		"                       prompt_tokens, prompt_tokens_per_s, gen_tokens,\n"
		"                       gen_tokens_per_s, threads, stop, ...; with \"error\"\n"
		"                       when the run failed (\"text\" null without a tokenizer)\n"
		"\n"
		"SIGINT (Ctrl-C) or SIGTERM stops the generation after the current token; the\n"
		"summary (or the JSON, with \"error\") still follows.\n\n" CLI_EXIT_CODES,
		(unsigned long long)(LLM_WEIGHT_BYTES_PER_THREAD >> 10),
		(unsigned long long)(2 * LLM_WEIGHT_BYTES_PER_THREAD >> 10));
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

/* True when --json is among the options, for a failure before they are all
 * read: option values are skipped so that "-p --json" is a prompt. */
static bool json_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return false;
		if (!strcmp(a, "--json"))
			return true;
		for (size_t k = 0; k < NUM_OPTS; k++) {
			const struct cli_option *o = &run_options[k];
			if (o->has_value && (!strcmp(a, o->name) || (o->alias && !strcmp(a, o->alias))))
				i++;
		}
	}
	return false;
}

/* One option's value into o; CLI_OK or CLI_USAGE (printed). */
static int take_option(struct cli_parser *p, int opt, struct run_opts *o)
{
	uint64_t u;

	switch (opt) {
	case OPT_MODEL:
		if (o->model)
			return cli_usage_error(CMD, "one MODEL only ('%s' is extra)", p->value);
		o->model = p->value;
		return CLI_OK;
	case OPT_TOKENIZER:
		o->tokenizer = p->value;
		return CLI_OK;
	case OPT_PROMPT:
		o->prompt = p->value;
		o->prompt_len = strlen(p->value);
		return CLI_OK;
	case OPT_FILE:
		o->prompt_file = p->value;
		return CLI_OK;
	case OPT_PROMPT_IDS:
		o->prompt_ids = p->value;
		return CLI_OK;
	case OPT_N:
		if (!cli_parse_u64(p->value, MAX_TOKENS, &u))
			return cli_bad_value(p, "a token count in 0..1048576");
		o->n = (unsigned long)u;
		return CLI_OK;
	case OPT_TEMP:
		if (!parse_double(p->value, &o->temp) || o->temp < 0)
			return cli_bad_value(p, "a temperature of 0 or more");
		return CLI_OK;
	case OPT_TOP_P:
		if (!parse_double(p->value, &o->top_p) || o->top_p <= 0 || o->top_p > 1)
			return cli_bad_value(p, "a probability in (0, 1]");
		return CLI_OK;
	case OPT_SEED:
		if (!cli_parse_u64(p->value, INT64_MAX, &u)) /* JSON integers are signed 64-bit */
			return cli_bad_value(p, "a seed in 0..2^63-1");
		o->seed = u;
		o->seed_set = true;
		return CLI_OK;
	case OPT_THREADS:
		if (!cli_parse_u64(p->value, UINT32_MAX, &u) || u == 0)
			return cli_bad_value(p, "a thread count (1 or more)");
		o->threads = (unsigned)u;
		return CLI_OK;
	case OPT_JSON:
		o->json = true;
		return CLI_OK;
	}
	return CLI_OK; /* --help was handled before parsing */
}

/* Returns CLI_OK or CLI_USAGE (with the message printed). */
static int parse_run(int argc, char **argv, struct run_opts *o)
{
	struct cli_parser p;
	*o = (struct run_opts){ .n = 64, .temp = 1.0, .top_p = 0.9 };
	cli_parser_init(&p, CMD, run_options, NUM_OPTS, argc, argv);
	for (;;) {
		int opt = cli_next(&p);
		if (opt == CLI_ARG_END)
			break;
		if (opt == CLI_ARG_BAD)
			return CLI_USAGE;
		if (opt == CLI_ARG)
			p.opt = "MODEL";
		int rc = take_option(&p, opt == CLI_ARG ? OPT_MODEL : opt, o);
		if (rc)
			return rc;
	}
	if (!o->model)
		return cli_usage_error(CMD, "no MODEL given (try 'caec %s --help')", CMD);
	int prompts = !!o->prompt + !!o->prompt_file + !!o->prompt_ids;
	if (prompts == 0)
		return cli_usage_error(CMD, "no prompt: give -p TEXT, -f FILE or --prompt-ids");
	if (prompts > 1)
		return cli_usage_error(CMD, "give one prompt only: -p, -f and --prompt-ids exclude each other");
	if (!o->seed_set)
		o->seed = (unsigned long long)time(NULL) & INT64_MAX;
	return CLI_OK;
}

/* Files checked, and -f read, before the model is loaded. */
static int read_inputs(struct run_opts *o)
{
	int rc = cli_check_input(CMD, "MODEL", o->model);
	if (!rc && !strcmp(o->model, "-"))
		rc = cli_usage_error(CMD, "MODEL must be a file (a model is mapped from its path)");
	if (!rc && o->tokenizer)
		rc = cli_check_input(CMD, "--tokenizer", o->tokenizer);
	if (!rc && o->tokenizer && !strcmp(o->tokenizer, "-"))
		rc = cli_usage_error(CMD, "--tokenizer must be a file (it is mapped from its path)");
	if (rc || !o->prompt_file)
		return rc;
	size_t len;
	uint8_t *text = cli_read_input(CMD, "--file", o->prompt_file, MAX_PROMPT_FILE, &len);
	if (!text)
		return CLI_USAGE;
	if (len > MAX_PROMPT_FILE) {
		free(text);
		return cli_usage_error(CMD, "--file %s is larger than %u KiB", o->prompt_file,
				       MAX_PROMPT_FILE >> 10);
	}
	/* An editor's or echo's final newline is not part of the prompt. */
	if (len && text[len - 1] == '\n')
		len--;
	if (len && text[len - 1] == '\r')
		len--;
	o->prompt_buf = (char *)text;
	o->prompt = o->prompt_buf;
	o->prompt_len = len;
	return CLI_OK;
}

/* The prompt as ids (malloc'ed); CLI_OK, or the failure already reported. */
static int prompt_tokens(const struct run_opts *o, const struct llm_model *m, uint32_t **ids, size_t *n)
{
	if (o->prompt) {
		if (!m->tokenizer)
			return cli_usage_error(CMD, "%s has no tokenizer: pass --tokenizer FILE or use --prompt-ids",
					       o->model);
		size_t len = o->prompt_len;
		*ids = calloc(len + 2, sizeof(**ids));
		if (!*ids || llm_tokenizer_encode(m->tokenizer, o->prompt, len, true, *ids, len + 2, n))
			return cli_fail(CMD, "cannot encode the prompt (out of memory)");
		return CLI_OK;
	}
	const char *s = o->prompt_ids;
	size_t cap = strlen(s) / 2 + 1;
	*ids = calloc(cap, sizeof(**ids));
	*n = 0;
	if (!*ids)
		return cli_fail(CMD, "out of memory");
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

/* ---- stopping on a signal ----
 * The first SIGINT or SIGTERM ends the generation after the token being
 * computed (the loops poll the flag); a second one is the default action:
 * the user wants out now. */
static atomic_int stop_signal;

static void on_stop_signal(int sig)
{
	int none = 0;
	if (!atomic_compare_exchange_strong(&stop_signal, &none, sig)) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

struct saved_signals {
	struct sigaction intr, term;
};

static void catch_stop_signals(struct saved_signals *saved)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	atomic_store(&stop_signal, 0);
	sigaction(SIGINT, &sa, &saved->intr);
	sigaction(SIGTERM, &sa, &saved->term);
}

static void restore_stop_signals(const struct saved_signals *saved)
{
	sigaction(SIGINT, &saved->intr, NULL);
	sigaction(SIGTERM, &saved->term, NULL);
}

/* ---- generation ---- */

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

enum stop_reason { STOP_LENGTH, STOP_EOS, STOP_BOS, STOP_CONTEXT, STOP_SIGNAL, STOP_ERROR };

static const char *const stop_names[] = {
	[STOP_LENGTH] = "length", [STOP_EOS] = "eos", [STOP_BOS] = "bos",
	[STOP_CONTEXT] = "context", [STOP_SIGNAL] = "signal", [STOP_ERROR] = "error",
};

struct generation {
	uint32_t *ids;
	size_t n;
	size_t prompt_done;       /* prompt positions fed */
	double prompt_s, gen_s;   /* wall time of each phase */
	size_t gen_forwards;      /* forward passes while generating */
	enum stop_reason stop;
};

/* Tokens per second, or -1 when nothing was timed. */
static double rate(size_t n, double seconds)
{
	return n && seconds > 0 ? (double)n / seconds : -1;
}

/* Feeds the prompt; CLI_OK, or the stop already recorded in g. */
static int feed_prompt(const struct run_opts *o, const struct llm_model *m, struct llm_context *c,
		       const uint32_t *prompt, size_t n_prompt, struct generation *g, const float **logits)
{
	double t0 = now_s();
	/* A batch at a time: each weight is read once per batch, and a signal
	 * is noticed between batches. */
	size_t batch = llm_context_max_batch(c);
	for (size_t i = 0; i < n_prompt;) {
		if (atomic_load(&stop_signal)) {
			g->stop = STOP_SIGNAL;
			break;
		}
		size_t k = n_prompt - i < batch ? n_prompt - i : batch;
		if (llm_forward_batch(c, prompt + i, (uint32_t)k, (uint32_t)i, logits)) {
			g->stop = STOP_ERROR;
			break;
		}
		g->prompt_done += k;
		for (size_t t = i; t < i + k && !o->json && o->prompt_ids; t++) /* a text prompt was echoed as given */
			emit_piece(m, t ? prompt[t - 1] : UINT32_MAX, prompt[t]);
		i += k;
	}
	g->prompt_s = now_s() - t0;
	return g->prompt_done == n_prompt ? CLI_OK : CLI_FAIL;
}

static int generate(const struct run_opts *o, const struct llm_model *m, struct llm_context *c,
		    const uint32_t *prompt, size_t n_prompt, struct generation *g)
{
	struct llm_sampler *s;
	g->stop = STOP_LENGTH;
	if (llm_sampler_create(&s, m->config.vocab_size, (float)o->temp, (float)o->top_p, o->seed, NULL))
		return cli_fail(CMD, "out of memory");
	float *scratch = malloc((size_t)m->config.vocab_size * sizeof(float));
	g->ids = calloc(o->n + 1, sizeof(*g->ids));
	if (!scratch || !g->ids) {
		free(scratch);
		llm_sampler_free(s);
		return cli_fail(CMD, "out of memory");
	}
	const float *logits = NULL;
	int rc = feed_prompt(o, m, c, prompt, n_prompt, g, &logits);
	uint32_t pos = (uint32_t)n_prompt, prev = prompt[n_prompt - 1];
	double t0 = now_s();
	while (rc == CLI_OK && g->n < o->n) {
		if (atomic_load(&stop_signal)) {
			g->stop = STOP_SIGNAL;
			break;
		}
		memcpy(scratch, logits, (size_t)m->config.vocab_size * sizeof(float));
		uint32_t next = llm_sample(s, scratch);
		if (m->tokenizer && (next == m->tokenizer->eos_id || next == m->tokenizer->bos_id)) {
			g->stop = next == m->tokenizer->eos_id ? STOP_EOS : STOP_BOS;
			break;
		}
		g->ids[g->n++] = next;
		if (!o->json)
			emit_piece(m, prev, next);
		prev = next;
		if (g->n == o->n)
			break;
		if (pos >= llm_context_max_seq(c)) {
			g->stop = STOP_CONTEXT;
			break;
		}
		if (llm_forward(c, next, pos++, &logits)) {
			g->stop = STOP_ERROR;
			break;
		}
		g->gen_forwards++;
	}
	g->gen_s = now_s() - t0;
	free(scratch);
	llm_sampler_free(s);
	if (g->stop == STOP_SIGNAL) {
		int sig = atomic_load(&stop_signal);
		cli_set_error("interrupted by %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
		return 128 + sig;
	}
	if (g->stop == STOP_ERROR)
		return cli_fail(CMD, "inference failed at position %u", (unsigned)(g->prompt_done + g->n));
	return CLI_OK;
}

/* ---- results ---- */

struct run_info {
	const struct llm_model *m;
	unsigned threads, cpus;
	bool threads_default;
};

static json_t *rate_json(double r)
{
	return r < 0 ? json_null() : json_real(r);
}

static json_t *result_json(const struct run_opts *o, const struct run_info *ri, const uint32_t *prompt,
			   size_t n_prompt, const struct generation *g)
{
	const struct llm_model *m = ri->m;
	json_t *j = json_object();
	json_t *ids = json_array();
	size_t cap = 64, len = 0;
	char *text = malloc(cap);
	uint32_t prev = n_prompt ? prompt[n_prompt - 1] : UINT32_MAX;
	for (size_t i = 0; i < g->n; i++) {
		json_array_append_new(ids, json_integer(g->ids[i]));
		size_t n;
		const char *p = m->tokenizer ? llm_tokenizer_piece(m->tokenizer, prev, g->ids[i], &n) : NULL;
		prev = g->ids[i];
		while (text && p && cap - len < n) {
			char *bigger = realloc(text, cap * 2);
			if (!bigger)
				free(text);
			text = bigger;
			cap *= 2;
		}
		if (text && p) {
			memcpy(text + len, p, n);
			len += n;
		}
	}
	size_t utf8_len = 0;
	char *utf8 = text ? llm_utf8_repair(text, len, &utf8_len) : NULL;
	free(text);
	json_object_set_new(j, "model", json_string(o->model));
	json_object_set_new(j, "format", json_string(m->format == LLM_FORMAT_GGUF ? "gguf" : "llama2c"));
	json_object_set_new(j, "params", json_integer((json_int_t)llm_model_params(m)));
	json_object_set_new(j, "weight_bytes", json_integer((json_int_t)llm_model_weight_bytes(m)));
	json_object_set_new(j, "threads", json_integer(ri->threads));
	json_object_set_new(j, "threads_default", json_boolean(ri->threads_default));
	json_object_set_new(j, "cpus", json_integer(ri->cpus));
	json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(j, "prompt_tokens", json_integer((json_int_t)g->prompt_done));
	json_object_set_new(j, "prompt_seconds", json_real(g->prompt_s));
	json_object_set_new(j, "prompt_tokens_per_s", rate_json(rate(g->prompt_done, g->prompt_s)));
	json_object_set_new(j, "gen_tokens", json_integer((json_int_t)g->n));
	json_object_set_new(j, "gen_seconds", json_real(g->gen_s));
	json_object_set_new(j, "gen_tokens_per_s", rate_json(rate(g->gen_forwards, g->gen_s)));
	json_object_set_new(j, "stop", json_string(stop_names[g->stop]));
	json_object_set_new(j, "ids", ids);
	/* null without a tokenizer: the ids are all there is. */
	json_object_set_new(j, "text", utf8 && m->tokenizer ? json_stringn(utf8, utf8_len) : json_null());
	free(utf8);
	return j;
}

static void print_rate(double r)
{
	if (r < 0)
		fputs("-", stderr);
	else
		fprintf(stderr, "%.1f", r);
}

static void print_summary(const struct run_info *ri, const struct generation *g)
{
	static const char *const why[] = {
		[STOP_LENGTH] = "-n reached", [STOP_EOS] = "end of sequence", [STOP_BOS] = "end of text",
		[STOP_CONTEXT] = "context full", [STOP_SIGNAL] = "interrupted", [STOP_ERROR] = "failed",
	};
	fprintf(stderr, "caec llm run: prompt %zu tokens at ", g->prompt_done);
	print_rate(rate(g->prompt_done, g->prompt_s));
	fprintf(stderr, " tokens/s; generated %zu tokens at ", g->n);
	print_rate(rate(g->gen_forwards, g->gen_s));
	fprintf(stderr, " tokens/s (%s); %u thread%s", why[g->stop], ri->threads, ri->threads == 1 ? "" : "s");
	if (ri->threads_default)
		fprintf(stderr, " (default for %.1f MiB of weights, %u CPU%s)",
			(double)llm_model_weight_bytes(ri->m) / (1 << 20), ri->cpus, ri->cpus == 1 ? "" : "s");
	fputc('\n', stderr);
}

/* The thread count to run: the default for the model, or -t lowered to the
 * CPUs present (more threads than CPUs only take turns and wait). */
static void choose_threads(const struct run_opts *o, const struct llm_model *m, struct run_info *ri)
{
	ri->cpus = llm_cpus_available();
	ri->threads_default = o->threads == 0;
	if (ri->threads_default) {
		ri->threads = llm_threads_default(m);
		return;
	}
	unsigned most = ri->cpus < LLM_MAX_THREADS ? ri->cpus : LLM_MAX_THREADS;
	ri->threads = o->threads;
	if (ri->threads > most) {
		fprintf(stderr, "caec llm run: --threads %u lowered to %u: %s\n", o->threads, most,
			most == ri->cpus ? "this process may run on no more CPUs"
					 : "the engine runs at most that many");
		ri->threads = most;
	}
}

static int load_model(const struct run_opts *o, struct llm_model **m)
{
	struct llm_err err;
	int rc = llm_model_load_file(m, o->model, o->tokenizer, NULL, &err);
	if (rc == -ENOMEM)
		return cli_fail(CMD, "%s", err.msg);
	if (rc) /* the message names the file at fault */
		return cli_usage_error(CMD, "cannot load %s", err.msg);
	if (o->tokenizer && (*m)->format == LLM_FORMAT_GGUF)
		fprintf(stderr, "caec llm run: note: --tokenizer %s is not used: a GGUF model carries its own\n",
			o->tokenizer);
	return CLI_OK;
}

static int run(struct run_opts *o)
{
	struct llm_model *m = NULL;
	uint32_t *prompt = NULL;
	size_t n_prompt = 0;
	struct llm_context *c = NULL;
	struct generation g = { 0 };
	struct run_info ri = { 0 };
	int rc = read_inputs(o);
	if (!rc)
		rc = load_model(o, &m);
	if (!rc)
		rc = prompt_tokens(o, m, &prompt, &n_prompt);
	if (!rc && n_prompt >= m->config.seq_len)
		rc = cli_usage_error(CMD, "the prompt (%zu tokens) does not fit the model's context of %u",
				     n_prompt, m->config.seq_len);
	if (!rc) {
		choose_threads(o, m, &ri);
		ri.m = m;
		struct llm_context_params p;
		struct llm_err err;
		llm_context_params_default(&p);
		p.n_threads = ri.threads;
		if (llm_context_create(&c, m, &p, NULL, &err))
			rc = cli_fail(CMD, "%s", err.msg);
	}
	bool ran = !rc;
	if (ran) {
		struct saved_signals saved;
		if (!o->json && o->prompt)
			fwrite(o->prompt, 1, o->prompt_len, stdout);
		catch_stop_signals(&saved);
		rc = generate(o, m, c, prompt, n_prompt, &g);
		restore_stop_signals(&saved);
		if (!o->json) {
			printf("\n");
			fflush(stdout); /* the text first, then the figures on stderr */
			if (rc > CLI_USAGE)
				fprintf(stderr, "caec llm run: %s\n", cli_last_error());
			print_summary(&ri, &g);
		}
	}
	if (o->json)
		cli_print_json(ran ? result_json(o, &ri, prompt, n_prompt, &g) : NULL, rc != CLI_OK);
	free(g.ids);
	free(prompt);
	llm_context_free(c);
	llm_model_free(m);
	return rc;
}

static int cmd_llm_run(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		run_usage(stdout);
		return CLI_OK;
	}
	struct run_opts o;
	int rc = parse_run(argc, argv, &o);
	if (rc) {
		if (json_requested(argc, argv))
			cli_print_json(NULL, true);
		return rc;
	}
	rc = run(&o);
	free(o.prompt_buf);
	return rc;
}

int cmd_llm(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = { { "run", cmd_llm_run } };
	static const struct cli_command llm = {
		.name = "llm",
		.usage = "usage: caec llm run MODEL ...   (caec llm run --help for the options)\n\n" CLI_EXIT_CODES,
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&llm, argc, argv);
}
