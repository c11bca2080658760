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
 */
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <pthread.h>
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

struct bench_result {
	const struct bench_model *spec;
	uint64_t params, weight_bytes;
	unsigned threads;
	unsigned prompt_tokens, gen_tokens;
	double prompt_tps, gen_tps, gflops, gbs;
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

static int bench_one(const struct bench_model *b, unsigned threads, unsigned n_prompt, unsigned n_gen,
		     struct bench_result *r)
{
	struct llm_random_model_spec spec = { b->dim, b->hidden, b->layers, b->heads, b->heads, 32000,
					      b->seq_len, b->dtype, 42, false, false };
	void *image;
	size_t size;
	struct llm_err err;
	if (llm_random_model_gguf(&spec, NULL, &image, &size, &err))
		return cli_fail(CMD, "%s %s: %s", b->name, llm_dtype_name(b->dtype), err.msg);
	struct llm_model *m = NULL;
	struct llm_context *c = NULL;
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = threads; /* 0: the engine's default for this model */
	p.max_seq = n_prompt + n_gen;
	int rc = CLI_OK;
	if (llm_model_load_memory(&m, image, size, NULL, 0, NULL, &err) ||
	    llm_context_create(&c, m, &p, NULL, &err)) {
		rc = cli_fail(CMD, "%s %s: %s", b->name, llm_dtype_name(b->dtype), err.msg);
		goto out;
	}
	struct llm_rng rng;
	llm_rng_seed(&rng, 7);
	const float *logits;
	uint32_t prompt[BENCH_MAX_PROMPT];
	for (unsigned i = 0; i < n_prompt; i++)
		prompt[i] = (uint32_t)(llm_rng_next(&rng) % 32000);
	double t0 = now_s();
	llm_forward_batch(c, prompt, n_prompt, 0, &logits); /* as caec llm run feeds a prompt */
	double t1 = now_s();
	for (unsigned i = 0; i < n_gen; i++)
		llm_forward(c, llm_argmax(logits, 32000), n_prompt + i, &logits);
	double t2 = now_s();

	const struct llm_config *cfg = &m->config;
	double att_flops, att_bytes;
	attention_cost(cfg, n_prompt, n_prompt + n_gen, &att_flops, &att_bytes);
	r->spec = b;
	r->threads = llm_context_threads(c);
	r->params = llm_model_params(m);
	r->weight_bytes = llm_model_weight_bytes(m);
	r->prompt_tokens = n_prompt;
	r->gen_tokens = n_gen;
	r->prompt_tps = n_prompt / (t1 - t0);
	r->gen_tps = n_gen / (t2 - t1);
	r->gflops = ((double)matvec_flops(m) * n_gen + att_flops) / (t2 - t1) / 1e9;
	r->gbs = ((double)r->weight_bytes * n_gen + att_bytes) / (t2 - t1) / 1e9;
out:
	llm_context_free(c);
	llm_model_free(m);
	llm_free(NULL, image, size);
	return rc;
}

static void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: caec bench llm [--quick] [--json] [-t N]\n"
		"\n"
		"Builds random-weight llama models of the stories15M and stories110M shapes\n"
		"in F32 and Q8_0, measures prompt and generation tokens/s, achieved GFLOP/s\n"
		"and GB/s, and compares them with the machine's streaming-read memory\n"
		"bandwidth (read by as many threads as CPUs).\n"
		"  --quick          only the 15M models, fewer tokens (a few seconds)\n"
		"  --json           JSON on stdout (the table goes to stderr), with \"error\"\n"
		"                   when the benchmark failed\n"
		"  -t, --threads N  threads including the caller for every model. Default:\n"
		"                   what 'caec llm run' picks for each model (one per %llu KiB\n"
		"                   of weights read per token, at most the CPUs this process\n"
		"                   may run on); an N above the CPUs is lowered with a note\n"
		"\n" CLI_EXIT_CODES,
		(unsigned long long)(LLM_WEIGHT_BYTES_PER_THREAD >> 10));
}

static void print_table(FILE *out, const struct bench_result *r, size_t n, double bw, unsigned bw_threads,
			const char *isa)
{
	fprintf(out, "llm inference, %s kernels; streaming-read memory bandwidth %.1f GB/s (%u thread%s)\n",
		isa, bw, bw_threads, bw_threads == 1 ? "" : "s");
	fprintf(out, "%-12s %-5s %8s %9s %7s %12s %10s %8s %7s %7s\n", "model", "type", "params", "weights",
		"threads", "prompt tok/s", "gen tok/s", "GFLOP/s", "GB/s", "% bw");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-12s %-5s %7.1fM %7.1fMB %7u %12.1f %10.1f %8.2f %7.2f %6.0f%%\n", r[i].spec->name,
			llm_dtype_name(r[i].spec->dtype), r[i].params / 1e6, r[i].weight_bytes / 1e6, r[i].threads,
			r[i].prompt_tps, r[i].gen_tps, r[i].gflops, r[i].gbs, bw > 0 ? 100 * r[i].gbs / bw : 0);
}

struct bench_run {
	bool quick, json;
	unsigned threads; /* 0: each model's default */
	unsigned cpus;
};

static json_t *results_json(const struct bench_run *run, const struct bench_result *r, size_t n, double bw,
			    const char *isa)
{
	json_t *j = json_object(), *models_j = json_array();
	json_object_set_new(j, "benchmark", json_string("llm"));
	json_object_set_new(j, "quick", json_boolean(run->quick));
	json_object_set_new(j, "threads_default", json_boolean(run->threads == 0));
	json_object_set_new(j, "cpus", json_integer(run->cpus));
	json_object_set_new(j, "isa", json_string(isa));
	json_object_set_new(j, "memory_bandwidth_gbs", json_real(bw));
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_object();
		json_object_set_new(m, "name", json_string(r[i].spec->name));
		json_object_set_new(m, "dtype", json_string(llm_dtype_name(r[i].spec->dtype)));
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

enum { OPT_QUICK, OPT_JSON, OPT_THREADS, OPT_HELP, NUM_OPTS };

static const struct cli_option bench_options[NUM_OPTS] = {
	[OPT_QUICK] = { "--quick", NULL, false },
	[OPT_JSON] = { "--json", NULL, false },
	[OPT_THREADS] = { "--threads", "-t", true },
	[OPT_HELP] = { "--help", "-h", false },
};

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
			if (!cli_parse_u64(p.value, UINT32_MAX, &u) || u == 0)
				return cli_bad_value(&p, "a thread count (1 or more)");
			run->threads = (unsigned)u;
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
	struct bench_run run = { .cpus = llm_cpus_available() };
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
	if (run.threads > most) {
		fprintf(stderr, "caec bench llm: --threads %u lowered to %u: %s\n", run.threads, most,
			most == run.cpus ? "this process may run on no more CPUs" : "the engine runs at most that many");
		run.threads = most;
	}
	const char *isa = llm_isa_name(llm_isa_best());
	/* Measured before and after the models (best of both): on a shared
	 * machine one measurement alone can land in someone else's burst. */
	size_t bw_bytes = run.quick ? (64u << 20) : (512u << 20);
	double bw = memory_bandwidth_gbs(bw_bytes, most);
	struct bench_result res[sizeof(models) / sizeof(models[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]) && rc == CLI_OK; i++) {
		if (run.quick && !models[i].quick)
			continue;
		if (!run.json)
			fprintf(stderr, "caec bench llm: %s %s...\n", models[i].name, llm_dtype_name(models[i].dtype));
		rc = bench_one(&models[i], run.threads, run.quick ? LLM_MAX_BATCH : BENCH_MAX_PROMPT, run.quick ? 16 : 64, &res[n]);
		if (rc == CLI_OK)
			n++;
	}
	if (rc == CLI_OK) {
		double bw_after = memory_bandwidth_gbs(bw_bytes, most);
		bw = bw_after > bw ? bw_after : bw;
		print_table(run.json ? stderr : stdout, res, n, bw, most, isa);
	}
	if (run.json)
		cli_print_json(results_json(&run, res, n, bw, isa), rc != CLI_OK);
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
