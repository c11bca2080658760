/*
 * caec bench llm: inference throughput of the llm engine against the
 * machine's memory bandwidth.
 *
 * Token generation in a llama model is a chain of matrix-vector products
 * that read every weight once per token, so it is bound by memory
 * bandwidth; the benchmark therefore reports, besides tokens/s, the bytes
 * of weights and KV cache read per second and what fraction of a measured
 * streaming-read bandwidth that is. Models have llama2.c's "stories" shapes
 * (15M: dim 288, 6 layers, 6 heads; 110M: dim 768, 12 layers, 12 heads;
 * vocabulary 32000) with random weights built in memory, in F32 and Q8_0.
 * The prompt goes through in one batched pass, as caec llm run feeds it.
 * With -m the user's own model files are measured instead; every model and
 * thread count is run -r times (a fresh prompt each time, interleaved over
 * the models so that a burst on a shared machine hits them alike) and
 * reported as min / median / max, with the process's peak memory.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <pthread.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "llm/context.h"
#include "llm/random_model.h"
#include "llm/sampler.h"

#define CMD "bench llm" /* messages start "caec bench llm: " */

struct bench_model {
	const char *name;
	uint32_t dim, hidden, layers, heads, seq_len;
	enum llm_dtype dtype;
	bool quick; /* part of --quick */
};

static const struct bench_model models[] = {
	{ "stories15M", 288, 768, 6, 6, 256, LLM_DTYPE_F32, true },
	{ "stories15M", 288, 768, 6, 6, 256, LLM_DTYPE_Q8_0, true },
	{ "stories110M", 768, 2048, 12, 12, 1024, LLM_DTYPE_F32, false },
	{ "stories110M", 768, 2048, 12, 12, 1024, LLM_DTYPE_Q8_0, false },
};

/* Prompt tokens of a full run (--quick: one batch of LLM_MAX_BATCH). */
#define BENCH_MAX_PROMPT 128

#define BENCH_MAX_REPEATS 100
#define BENCH_MAX_MODELS  16
#define BENCH_MAX_THREAD_COUNTS 8

struct bench_stat {
	double min, median, max;
};

struct bench_result {
	const struct bench_model *spec; /* a built-in model, or NULL */
	const char *file;               /* -m: the model's file */
	enum llm_dtype dtype;
	uint64_t params, weight_bytes;
	unsigned threads;
	unsigned prompt_tokens, gen_tokens;
	unsigned repeats;
	double prompt_tps, gen_tps, gflops, gbs; /* medians */
	double prompt_runs[BENCH_MAX_REPEATS], gen_runs[BENCH_MAX_REPEATS];
	struct bench_stat prompt, gen;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- streaming-read memory bandwidth ---- */

struct stream_job {
	const uint64_t *p;
	size_t n;
	uint64_t sum; /* kept so the reads cannot be optimised away */
};

#if defined(__x86_64__)
/* 256-bit loads, as the engine's kernels use, so that the measurement is
 * bound by memory and not by load issue rate. */
__attribute__((target("avx2"))) static uint64_t stream_read_avx2(const uint64_t *p, size_t n)
{
	__m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
	for (size_t i = 0; i + 16 <= n; i += 16) {
		a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
		b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 4)));
		c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 8)));
		d = _mm256_add_epi64(d, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 12)));
	}
	a = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
	uint64_t out[4];
	_mm256_storeu_si256((__m256i *)(void *)out, a);
	return out[0] ^ out[1] ^ out[2] ^ out[3];
}
#endif

static void *stream_read(void *arg)
{
	struct stream_job *j = arg;
#if defined(__x86_64__)
	if (llm_isa_available(LLM_ISA_AVX2)) {
		j->sum = stream_read_avx2(j->p, j->n);
		return NULL;
	}
#endif
	uint64_t s[8] = { 0 };
	for (size_t i = 0; i + 8 <= j->n; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += j->p[i + k];
	j->sum = s[0] ^ s[1] ^ s[2] ^ s[3] ^ s[4] ^ s[5] ^ s[6] ^ s[7];
	return NULL;
}

/* Best of several passes of n_threads threads each reading its slice. */
static double memory_bandwidth_gbs(size_t bytes, unsigned n_threads)
{
	size_t words = bytes / 8;
	uint64_t *buf = malloc(words * 8);
	if (!buf)
		return 0;
	for (size_t i = 0; i < words; i++)
		buf[i] = i * 0x9e3779b97f4a7c15ull; /* touch every page before timing */
	struct stream_job jobs[64];
	pthread_t th[64];
	size_t per = words / n_threads / 16 * 16;
	double best = 0;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now_s();
		for (unsigned t = 0; t < n_threads; t++) {
			jobs[t] = (struct stream_job){ buf + t * per, per, 0 };
			if (t > 0 && pthread_create(&th[t], NULL, stream_read, &jobs[t]) != 0)
				stream_read(&jobs[t]);
		}
		stream_read(&jobs[0]);
		for (unsigned t = 1; t < n_threads; t++)
			pthread_join(th[t], NULL);
		double dt = now_s() - t0;
		double gbs = (double)(per * n_threads * 8) / dt / 1e9;
		best = gbs > best ? gbs : best;
	}
	free(buf);
	return best;
}

/* ---- one model ---- */

static uint64_t matvec_flops(const struct llm_model *m)
{
	const struct llm_config *c = &m->config;
	uint64_t per_layer = 2ull * c->dim * c->dim + 2ull * c->kv_dim * c->dim + 3ull * c->hidden_dim * c->dim;
	return 2 * (per_layer * c->n_layers + (uint64_t)c->vocab_size * c->dim);
}

/* Attention work and KV bytes for tokens at positions [p0, p1). */
static void attention_cost(const struct llm_config *c, unsigned p0, unsigned p1, double *flops, double *bytes)
{
	double positions = 0;
	for (unsigned p = p0; p < p1; p++)
		positions += p + 1;
	*flops = positions * 4.0 * c->dim * c->n_layers;
	*bytes = positions * 2.0 * 4.0 * c->kv_dim * c->n_layers;
}

/* A model under test: built in memory (a built-in shape) or mapped from -m. */
struct bench_subject {
	const struct bench_model *spec;
	const char *file;
	struct llm_model *model;
	void *image;
	size_t size;
};

static int subject_load(struct bench_subject *s, struct llm_err *err)
{
	if (s->file)
		return llm_model_load_file(&s->model, s->file, NULL, NULL, err);
	const struct bench_model *b = s->spec;
	struct llm_random_model_spec spec = { b->dim, b->hidden, b->layers, b->heads, b->heads, 32000,
					      b->seq_len, b->dtype, 42, false, false };
	if (llm_random_model_gguf(&spec, NULL, &s->image, &s->size, err))
		return -1;
	return llm_model_load_memory(&s->model, s->image, s->size, NULL, 0, NULL, err);
}

static void subject_free(struct bench_subject *s)
{
	llm_model_free(s->model);
	if (s->image)
		llm_free(NULL, s->image, s->size);
	s->model = NULL;
	s->image = NULL;
}

static const char *subject_name(const struct bench_subject *s)
{
	return s->file ? s->file : s->spec->name;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct bench_stat stat_of(const double *runs, unsigned n)
{
	double v[BENCH_MAX_REPEATS];
	memcpy(v, runs, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct bench_stat){ v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1] };
}

/* One timed run (prompt, then generation) on model s with threads. */
static int bench_once(const struct bench_subject *s, unsigned threads, int isa, unsigned n_prompt, unsigned n_gen,
		      unsigned run, struct bench_result *r)
{
	const struct llm_model *m = s->model;
	const struct llm_config *cfg = &m->config;
	struct llm_context *c = NULL;
	struct llm_context_params p;
	struct llm_err err;

	llm_context_params_default(&p);
	p.n_threads = threads; /* 0: the engine's default for this model */
	p.isa = isa;
	p.max_seq = n_prompt + n_gen;
	if (p.max_seq > cfg->seq_len)
		return cli_usage_error(CMD, "%s: -p %u and -n %u exceed its context of %u tokens", subject_name(s), n_prompt,
				       n_gen, cfg->seq_len);
	if (llm_context_create(&c, m, &p, NULL, &err))
		return cli_fail(CMD, "%s: %s", subject_name(s), err.msg);
	struct llm_rng rng;
	llm_rng_seed(&rng, 7 + run);
	const float *logits;
	uint32_t prompt[BENCH_MAX_PROMPT];
	for (unsigned i = 0; i < n_prompt; i++)
		prompt[i] = (uint32_t)(llm_rng_next(&rng) % cfg->vocab_size);
	double t0 = now_s();
	llm_forward_batch(c, prompt, n_prompt, 0, &logits); /* as caec llm run feeds a prompt */
	double t1 = now_s();
	for (unsigned i = 0; i < n_gen; i++)
		llm_forward(c, llm_argmax(logits, cfg->vocab_size), n_prompt + i, &logits);
	double t2 = now_s();

	r->threads = llm_context_threads(c);
	r->prompt_runs[run] = n_prompt / (t1 - t0);
	r->gen_runs[run] = n_gen / (t2 - t1);
	llm_context_free(c);
	return CLI_OK;
}

static void bench_finish(const struct bench_subject *s, unsigned n_prompt, unsigned n_gen, unsigned repeats,
			 struct bench_result *r)
{
	const struct llm_model *m = s->model;
	double att_flops, att_bytes;

	attention_cost(&m->config, n_prompt, n_prompt + n_gen, &att_flops, &att_bytes);
	r->spec = s->spec;
	r->file = s->file;
	r->dtype = m->layers[0].wq.type;
	r->params = llm_model_params(m);
	r->weight_bytes = llm_model_weight_bytes(m);
	r->prompt_tokens = n_prompt;
	r->gen_tokens = n_gen;
	r->repeats = repeats;
	r->prompt = stat_of(r->prompt_runs, repeats);
	r->gen = stat_of(r->gen_runs, repeats);
	r->prompt_tps = r->prompt.median;
	r->gen_tps = r->gen.median;
	double gen_s = n_gen / r->gen_tps;
	r->gflops = ((double)matvec_flops(m) * n_gen + att_flops) / gen_s / 1e9;
	r->gbs = ((double)r->weight_bytes * n_gen + att_bytes) / gen_s / 1e9;
}

static void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: caec bench llm [-m MODEL]... [-r N] [-p N] [-n N] [-t LIST] [--quick] [--json]\n"
		"\n"
		"Measures prompt and generation tokens/s of the inference engine, achieved\n"
		"GFLOP/s and GB/s, against the machine's streaming-read memory bandwidth\n"
		"(read by as many threads as CPUs), and the process's peak memory while the\n"
		"models ran. Without -m: random-weight llama models\n"
		"of the stories15M and stories110M shapes in F32 and Q8_0, built in memory.\n"
		"  -m, --model FILE   a model file (GGUF or llama2.c) to measure instead;\n"
		"                     repeat -m for several\n"
		"  -r, --repeat N     timed runs of each model and thread count (default 3;\n"
		"                     --quick 1); min / median / max are reported\n"
		"  -p, --prompt N     prompt tokens, in one batched pass (default 128, at\n"
		"                     most %u; --quick %u)\n"
		"  -n, --gen N        generated tokens (default 64; --quick 16)\n"
		"  --quick            only the 15M models, fewer tokens (a few seconds)\n"
		"  --json             JSON on stdout (the table goes to stderr), with \"error\"\n"
		"                     when the benchmark failed\n"
		"  --isa NAME         the kernels: portable, avx2 or avx512 (default: the best\n"
		"                     this CPU runs)\n"
		"  -t, --threads LIST threads including the caller, e.g. 1,2 (each model\n"
		"                     runs with each). Default: what 'caec llm run' picks for\n"
		"                     each model (one per %llu KiB of weights read per token, at\n"
		"                     most the CPUs this process may run on); a count above\n"
		"                     the CPUs is lowered with a note\n"
		"\n" CLI_EXIT_CODES,
		BENCH_MAX_PROMPT, LLM_MAX_BATCH, (unsigned long long)(LLM_WEIGHT_BYTES_PER_THREAD >> 10));
}

static const char *result_name(const struct bench_result *r)
{
	if (r->spec)
		return r->spec->name;
	const char *slash = strrchr(r->file, '/');
	return slash ? slash + 1 : r->file;
}

static void print_table(FILE *out, const struct bench_result *r, size_t n, double bw, unsigned bw_threads,
			const char *isa, long peak_kib)
{
	fprintf(out, "llm inference, %s kernels; streaming-read memory bandwidth %.1f GB/s (%u thread%s); "
		     "peak memory %.1f MiB\n",
		isa, bw, bw_threads, bw_threads == 1 ? "" : "s", peak_kib / 1024.0);
	fprintf(out, "%-20s %-5s %8s %9s %3s %3s %22s %22s %8s %6s\n", "model", "type", "params", "weights", "thr",
		"runs", "prompt tok/s min/med/max", "gen tok/s min/med/max", "GB/s", "% bw");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-20.20s %-5s %7.1fM %7.1fMB %3u %3u %7.0f/%7.0f/%6.0f %7.1f/%7.1f/%6.1f %8.2f %5.0f%%\n",
			result_name(&r[i]), llm_dtype_name(r[i].dtype), r[i].params / 1e6, r[i].weight_bytes / 1e6,
			r[i].threads, r[i].repeats, r[i].prompt.min, r[i].prompt.median, r[i].prompt.max, r[i].gen.min,
			r[i].gen.median, r[i].gen.max, r[i].gbs, bw > 0 ? 100 * r[i].gbs / bw : 0);
}

struct bench_run {
	bool quick, json;
	unsigned threads[BENCH_MAX_THREAD_COUNTS]; /* 0: each model's default */
	unsigned num_threads;
	bool threads_default; /* no -t: each model's default */
	unsigned cpus;
	const char *files[BENCH_MAX_MODELS];
	unsigned num_files;
	unsigned repeats, prompt, gen; /* 0: the defaults */
	int isa;                       /* -1: the best this CPU has */
};

static json_t *stat_json(const struct bench_stat *st)
{
	json_t *j = json_object();
	json_object_set_new(j, "min", json_real(st->min));
	json_object_set_new(j, "median", json_real(st->median));
	json_object_set_new(j, "max", json_real(st->max));
	return j;
}

static json_t *results_json(const struct bench_run *run, const struct bench_result *r, size_t n, double bw,
			    const char *isa, long peak_kib)
{
	json_t *j = json_object(), *models_j = json_array();
	json_object_set_new(j, "benchmark", json_string("llm"));
	json_object_set_new(j, "quick", json_boolean(run->quick));
	json_object_set_new(j, "threads_default", json_boolean(run->threads_default));
	json_object_set_new(j, "peak_rss_bytes", json_integer((json_int_t)peak_kib * 1024));
	json_object_set_new(j, "cpus", json_integer(run->cpus));
	json_object_set_new(j, "isa", json_string(isa));
	json_object_set_new(j, "memory_bandwidth_gbs", json_real(bw));
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_object();
		json_object_set_new(m, "name", json_string(result_name(&r[i])));
		json_object_set_new(m, "file", r[i].file ? json_string(r[i].file) : json_null());
		json_object_set_new(m, "dtype", json_string(llm_dtype_name(r[i].dtype)));
		json_object_set_new(m, "repeats", json_integer(r[i].repeats));
		json_object_set_new(m, "prompt_tps", stat_json(&r[i].prompt));
		json_object_set_new(m, "gen_tps", stat_json(&r[i].gen));
		json_object_set_new(m, "params", json_integer((json_int_t)r[i].params));
		json_object_set_new(m, "weight_bytes", json_integer((json_int_t)r[i].weight_bytes));
		json_object_set_new(m, "threads", json_integer(r[i].threads));
		json_object_set_new(m, "prompt_tokens", json_integer(r[i].prompt_tokens));
		json_object_set_new(m, "gen_tokens", json_integer(r[i].gen_tokens));
		json_object_set_new(m, "prompt_tokens_per_s", json_real(r[i].prompt_tps));
		json_object_set_new(m, "gen_tokens_per_s", json_real(r[i].gen_tps));
		json_object_set_new(m, "gflops", json_real(r[i].gflops));
		json_object_set_new(m, "gbs", json_real(r[i].gbs));
		json_object_set_new(m, "bandwidth_fraction", json_real(bw > 0 ? r[i].gbs / bw : 0));
		json_array_append_new(models_j, m);
	}
	json_object_set_new(j, "models", models_j);
	return j;
}

enum { OPT_QUICK, OPT_JSON, OPT_THREADS, OPT_HELP, OPT_MODEL, OPT_REPEAT, OPT_PROMPT, OPT_GEN, OPT_ISA, NUM_OPTS };

static const struct cli_option bench_options[NUM_OPTS] = {
	[OPT_QUICK] = { "--quick", NULL, false },
	[OPT_JSON] = { "--json", NULL, false },
	[OPT_THREADS] = { "--threads", "-t", true },
	[OPT_HELP] = { "--help", "-h", false },
	[OPT_MODEL] = { "--model", "-m", true },
	[OPT_REPEAT] = { "--repeat", "-r", true },
	[OPT_PROMPT] = { "--prompt", "-p", true },
	[OPT_GEN] = { "--gen", "-n", true },
	[OPT_ISA] = { "--isa", NULL, true },
};

static bool thread_count_ok(uint64_t v)
{
	return v >= 1 && v <= UINT32_MAX;
}

static int parse_bench(int argc, char **argv, struct bench_run *run)
{
	struct cli_parser p;
	uint64_t u;
	cli_parser_init(&p, CMD, bench_options, NUM_OPTS, argc, argv);
	for (;;) {
		int opt = cli_next(&p);
		if (opt == CLI_ARG_END)
			return CLI_OK;
		if (opt == CLI_ARG_BAD)
			return CLI_USAGE;
		if (opt == CLI_ARG)
			return cli_usage_error(CMD, "unexpected argument '%s' (try 'caec %s --help')", p.value, CMD);
		if (opt == OPT_QUICK) {
			run->quick = true;
		} else if (opt == OPT_JSON) {
			run->json = true;
		} else if (opt == OPT_THREADS) {
			uint64_t list[BENCH_MAX_THREAD_COUNTS];
			int rc = cli_parse_size_list(&p, list, BENCH_MAX_THREAD_COUNTS, &run->num_threads, thread_count_ok,
						     "thread counts of 1 or more, e.g. 1,2 (at most 8 of them)");
			if (rc != CLI_OK)
				return rc;
			for (unsigned i = 0; i < run->num_threads; i++)
				run->threads[i] = (unsigned)list[i];
		} else if (opt == OPT_MODEL) {
			if (run->num_files == BENCH_MAX_MODELS)
				return cli_usage_error(CMD, "at most %u -m models", BENCH_MAX_MODELS);
			int rc = cli_check_input(CMD, "-m", p.value);
			if (rc != CLI_OK)
				return rc;
			run->files[run->num_files++] = p.value;
		} else if (opt == OPT_REPEAT) {
			if (!cli_parse_u64(p.value, BENCH_MAX_REPEATS, &u) || u == 0)
				return cli_bad_value(&p, "a repeat count from 1 to 100");
			run->repeats = (unsigned)u;
		} else if (opt == OPT_PROMPT) {
			if (!cli_parse_u64(p.value, BENCH_MAX_PROMPT, &u) || u == 0)
				return cli_bad_value(&p, "a prompt length from 1 to 128 tokens");
			run->prompt = (unsigned)u;
		} else if (opt == OPT_ISA) {
			run->isa = -1;
			for (int k = LLM_ISA_PORTABLE; k <= LLM_ISA_AVX512; k++)
				if (!strcmp(p.value, llm_isa_name((enum llm_isa)k)))
					run->isa = k;
			if (run->isa < 0)
				return cli_bad_value(&p, "portable, avx2 or avx512");
			if (!llm_isa_available((enum llm_isa)run->isa))
				return cli_usage_error(CMD, "--isa %s: this CPU cannot run those kernels", p.value);
		} else if (opt == OPT_GEN) {
			if (!cli_parse_u64(p.value, 4096, &u) || u == 0)
				return cli_bad_value(&p, "a number of tokens from 1 to 4096");
			run->gen = (unsigned)u;
		}
	}
}

/* --json anywhere among the arguments, for a failure before they are all read. */
static bool json_requested(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

static int bench_llm(int argc, char **argv)
{
	struct bench_run run = { .cpus = llm_cpus_available(), .isa = -1 };
	if (cli_wants_help(argc, argv)) {
		bench_usage(stdout);
		return CLI_OK;
	}
	int rc = parse_bench(argc, argv, &run);
	if (rc) {
		if (json_requested(argc, argv))
			cli_print_json(NULL, true);
		return rc;
	}
	unsigned most = run.cpus < LLM_MAX_THREADS ? run.cpus : LLM_MAX_THREADS;
	for (unsigned i = 0; i < run.num_threads; i++)
		if (run.threads[i] > most) {
			fprintf(stderr, "caec bench llm: --threads %u lowered to %u: %s\n", run.threads[i], most,
				most == run.cpus ? "this process may run on no more CPUs" : "the engine runs at most that many");
			run.threads[i] = most;
		}
	run.threads_default = run.num_threads == 0;
	if (run.threads_default)
		run.num_threads = 1; /* threads[0] = 0: each model's default */
	unsigned repeats = run.repeats ? run.repeats : run.quick ? 1 : 3;
	unsigned n_prompt = run.prompt ? run.prompt : run.quick ? LLM_MAX_BATCH : BENCH_MAX_PROMPT;
	unsigned n_gen = run.gen ? run.gen : run.quick ? 16 : 64;
	const char *isa = llm_isa_name(run.isa < 0 ? llm_isa_best() : (enum llm_isa)run.isa);

	/* The subjects: -m files, or the built-in shapes. */
	static struct bench_subject subjects[BENCH_MAX_MODELS];
	size_t ns = 0;
	struct llm_err err;
	if (run.num_files) {
		for (unsigned i = 0; i < run.num_files; i++)
			subjects[ns++] = (struct bench_subject){ .file = run.files[i] };
	} else {
		for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
			if (!run.quick || models[i].quick)
				subjects[ns++] = (struct bench_subject){ .spec = &models[i] };
	}
	for (size_t i = 0; i < ns && rc == CLI_OK; i++)
		if (subject_load(&subjects[i], &err) != 0)
			rc = run.num_files ? cli_usage_error(CMD, "%s", err.msg)
					   : cli_fail(CMD, "%s: %s", subjects[i].spec->name, err.msg);
	size_t bw_bytes = run.quick ? (64u << 20) : (512u << 20);
	double bw = 0;
	static struct bench_result res[BENCH_MAX_MODELS * BENCH_MAX_THREAD_COUNTS];
	size_t n = ns * run.num_threads;
	memset(res, 0, sizeof(res));
	/* Interleaved: repeat k of every model and thread count, then k + 1. */
	for (unsigned k = 0; k < repeats && rc == CLI_OK; k++) {
		if (!run.json)
			fprintf(stderr, "caec bench llm: round %u of %u (%zu model%s x %u thread count%s)...\n", k + 1, repeats,
				ns, ns == 1 ? "" : "s", run.num_threads, run.num_threads == 1 ? "" : "s");
		for (size_t i = 0; i < ns && rc == CLI_OK; i++)
			for (unsigned t = 0; t < run.num_threads && rc == CLI_OK; t++)
				rc = bench_once(&subjects[i], run.threads[t], run.isa, n_prompt, n_gen, k,
					       &res[i * run.num_threads + t]);
	}
	/* The peak before the bandwidth test's buffer: the models' own. */
	struct rusage ru;
	long peak_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
	if (rc == CLI_OK) {
		for (size_t i = 0; i < ns; i++)
			for (unsigned t = 0; t < run.num_threads; t++)
				bench_finish(&subjects[i], n_prompt, n_gen, repeats, &res[i * run.num_threads + t]);
		/* Best of two: on a shared machine one measurement alone can
		 * land in someone else's burst. */
		bw = memory_bandwidth_gbs(bw_bytes, most);
		double again = memory_bandwidth_gbs(bw_bytes, most);
		bw = again > bw ? again : bw;
		print_table(run.json ? stderr : stdout, res, n, bw, most, isa, peak_kib);
	}
	if (run.json)
		cli_print_json(results_json(&run, res, rc == CLI_OK ? n : 0, bw, isa, peak_kib), rc != CLI_OK);
	for (size_t i = 0; i < ns; i++)
		subject_free(&subjects[i]);
	return rc;
}

int cmd_bench(int argc, char **argv)
{
	static const struct cli_subcommand benchmarks[] = { { "llm", bench_llm }, { "csm", bench_csm },
							      { "channel", bench_channel } };
	static const struct cli_command bench = {
		.name = "bench",
		.usage = "usage: caec bench <what> [options]\n\nbenchmarks:\n"
			 "  llm      llama inference throughput vs. memory bandwidth (caec bench llm --help)\n"
			 "  csm      confidential shared memory: create/attach time, memory saved (caec bench csm --help)\n"
			 "  channel  messages over CSM vs. host-visible memory vs. the raw ring (caec bench channel --help)\n\n"
			 CLI_EXIT_CODES,
		.noun = "benchmark",
		.subcommands = benchmarks,
		.num_subcommands = sizeof(benchmarks) / sizeof(benchmarks[0]),
	};
	return cli_dispatch(&bench, argc, argv);
}
