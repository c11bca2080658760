/*
 * caec bench channel: what a message costs between two parties, for each
 * transport, all measured in one run and interleaved size by size:
 *   raw       the channel's ring between two threads of this process, no
 *             monitor: the floor on this machine
 *   csm       two realms, a channel in a confidential shared memory region
 *   ns-plain  the same two realms, the same ring in host-visible memory
 *             with no protection (what CSM must match)
 *   aes-gcm   the same two realms, the host-visible ring, every record
 *             sealed with AES-256-GCM (chan_sealed.h, BearSSL in the realm)
 *   chacha    ... with ChaCha20-Poly1305: what CCA realms must do without CSM
 * Each size is measured in BENCH_ROUNDS rounds, the modes taking turns
 * within each round, and each figure is the median of its rounds' figures:
 * a moment of noise on a busy machine spoils one round of one mode, not the
 * comparison. For each size: round trips (the client sends, the server
 * answers with as many bytes; median and p95), the one-way latency (a counter stamp in the
 * message, read by the receiver; both realms read the same TSC), the CPU
 * work per message (send and receive on both sides, the waits excluded),
 * and the throughput of a stream of messages one way; and the same run's
 * memcpy bandwidth at that size. The client side and the server side run
 * on CPUs of their own (choose_cpus) unless --no-pin.
 *
 * The realms run chan_bench_realm.so; they ask for each job with an
 * application host call, which this program answers when it is that
 * transport's turn (chan_bench_proto.h).
 */
#define _GNU_SOURCE /* pthread_setaffinity_np */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan_bench_core.h"
#include "chan_bench_proto.h"
#include "chan_thread.h"
#include "cli.h"
#include "abi/caec.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"

#define CMD "bench channel"

#define MAX_SIZES   32
#define BENCH_ROUNDS 5
#define BENCH_IMAGE "examples/channel/chan_bench_realm.so"
#define IPA_BITS    33u
#define NS_AREA_IPA UINT64_C(0xC0000000) /* 3 GiB: its unprotected alias is 7 GiB */

enum mode { MODE_RAW, MODE_CSM, MODE_NS, MODE_AES, MODE_CHACHA, NUM_MODES };
static const char *const mode_names[NUM_MODES] = { "raw", "csm", "ns-plain", "aes-gcm", "chacha" };
static const unsigned transport_of[NUM_MODES] = { 0, BENCH_TRANSPORT_CSM, BENCH_TRANSPORT_NS, BENCH_TRANSPORT_AES,
						  BENCH_TRANSPORT_CHACHA };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: caec bench channel [--sizes LIST] [--iters N] [--warmup N] [--modes LIST]\n"
		"                          [--api copy|zerocopy] [--json] [--plot FILE.png]\n"
		"                          [--image FILE] [--no-pin] [--quick]\n"
		"\n"
		"Measures messages between two parties for each transport, interleaved size by\n"
		"size in one run: round trip (median, p95), one-way latency, CPU cycles per\n"
		"message (both sides' send and receive work, waits excluded), stream throughput,\n"
		"and the same run's memcpy bandwidth.\n"
		"  --sizes LIST   message sizes, K/M suffixes, 8..1M (default: 64 to 1M in x4\n"
		"                 steps and 64 to 32K doubling: 64,128,...,32K,64K,256K,1M)\n"
		"  --iters N      measured round trips per size (default 1000), and as many\n"
		"                 stream messages (up to 4 times more, to stream 160 MiB)\n"
		"  --warmup N     unmeasured round trips first (default 50)\n"
		"  --modes LIST   from raw,csm,ns-plain,aes-gcm,chacha (default: all)\n"
		"  --api A        copy (chan_send/chan_recv, default) or zerocopy\n"
		"                 (reserve/commit, peek/release; the sealed modes always copy)\n"
		"  --json         the figures as JSON on stdout (the table goes to stderr)\n"
		"  --plot FILE    a PNG: cycles per message against size for each mode\n"
		"                 (log-log) and each mode's ratio to csm (needs gnuplot)\n"
		"  --image FILE   the realms' image (default: chan_bench_realm.so of the build)\n"
		"  --no-pin       leave the two parties' threads where the scheduler puts them\n"
		"                 (by default each runs on a CPU of its own, as a deployment\n"
		"                 would give each realm its core)\n"
		"  --quick        sizes 64,4K,64K, 200 iterations, 20 warm-up (a smoke run)\n"
		"\n"
		"Cycles are TSC ticks (the counter realms read; constant-rate, close to the\n"
		"CPU's base clock). hostsim runs realms as threads of this process: the\n"
		"figures are this machine's, not a CCA machine's.\n"
		"\n" CLI_EXIT_CODES);
}

struct result {
	bool done;
	struct bench_side client, server;
	uint64_t freq;
};

struct bench {
	uint64_t sizes[MAX_SIZES];
	unsigned num_sizes;
	uint32_t iters, warmup, api;
	bool modes[NUM_MODES];
	bool json, no_pin;
	int cpus[2]; /* the CPUs the two parties run on, -1: not pinned */
	const char *plot, *image;
	uint64_t freq; /* counter ticks per second */
	struct result res[MAX_SIZES][NUM_MODES];
	double memcpy_mbs[MAX_SIZES];
	/* The realms' area geometry. */
	uint64_t area_size;
	/* Jobs for the realms (lock, cond). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t job_seq;          /* jobs posted */
	uint64_t taken[3];         /* per role: jobs taken */
	unsigned transport;
	struct bench_job job;
	uint64_t ns_ipa;
	unsigned results_in;       /* of the current job */
	struct bench_side side[3];
	uint64_t realm_freq;
	bool realms_failed;
};

/* ---- where the parties run ---- */

/* Two spinning parties that share a CPU wait a scheduler tick for every
 * message, and a wake-up tends to put the woken thread on the waker's CPU:
 * once together they can stay together for many rounds. Unless --no-pin,
 * the client side (its realm's threads, or the raw client thread; threads
 * inherit the mask) runs on the first CPU this process may use, the server
 * side on the second. With fewer than two, nothing is pinned. */
static void choose_cpus(struct bench *b)
{
	cpu_set_t set;
	unsigned found = 0;

	b->cpus[0] = b->cpus[1] = -1;
	if (b->no_pin || sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return;
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
		if (CPU_ISSET(c, &set))
			b->cpus[found++] = c;
}

static void pin_self(const struct bench *b, unsigned side)
{
	cpu_set_t set;

	if (b->cpus[side] < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(b->cpus[side], &set);
	/* Not being able to pin changes the figures, not their meaning. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- the counter ---- */

static uint64_t counter(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
#endif
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t counter_freq(void)
{
	uint64_t t0 = mono_ns(), c0 = counter(), t1, c1;

	do {
		t1 = mono_ns();
		c1 = counter();
	} while (t1 - t0 < 50000000u);
	return (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
}

/* ---- raw: two threads ----
 * Two threads that live for the whole run, as the realms' vCPUs do, so that
 * the floor is not measured on freshly placed threads. */

struct raw_side {
	const struct bench *b;
	struct chan c;
	bool client;
	uint8_t *buf;
	uint64_t *samples, *work;
	struct bench_side out;
	pthread_t thread;
	bool started;
};

static struct raw {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t seq, done_seq[2];
	bool quit;
	struct bench_job job;
	struct chan_thread_bell bell;
	struct chan_thread_end ends[2];
	struct raw_side sides[2];
	uint8_t *area;
} raw = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* The threads' ops: chan_thread's doorbell, with the clock realms use (the
 * counter), so that both spin alike. */
static uint64_t raw_freq;

static uint64_t raw_now_ns(void *ctx)
{
	(void)ctx;
	return (uint64_t)((double)counter() * 1e9 / (double)raw_freq);
}

static struct chan_ops raw_ops;

static void *raw_thread(void *arg)
{
	struct raw_side *s = arg;
	unsigned me = s->client ? 0 : 1;
	uint64_t seen = 0;

	pin_self(s->b, me);

	for (;;) {
		pthread_mutex_lock(&raw.lock);
		while (raw.seq == seen && !raw.quit)
			pthread_cond_wait(&raw.cond, &raw.lock);
		if (raw.quit) {
			pthread_mutex_unlock(&raw.lock);
			return NULL;
		}
		seen = raw.seq;
		struct bench_job j = raw.job;
		pthread_mutex_unlock(&raw.lock);
		if (s->client)
			bench_client(&s->c, NULL, &j, counter, s->buf, s->samples, s->work, &s->out);
		else
			bench_server(&s->c, NULL, &j, counter, s->buf, s->samples, s->work, &s->out);
		pthread_mutex_lock(&raw.lock);
		raw.done_seq[me] = seen;
		pthread_cond_broadcast(&raw.cond);
		pthread_mutex_unlock(&raw.lock);
	}
}

static void raw_stop(void)
{
	pthread_mutex_lock(&raw.lock);
	raw.quit = true;
	pthread_cond_broadcast(&raw.cond);
	pthread_mutex_unlock(&raw.lock);
	for (unsigned i = 0; i < 2; i++) {
		if (raw.sides[i].started)
			pthread_join(raw.sides[i].thread, NULL);
		free(raw.sides[i].buf);
		free(raw.sides[i].samples);
		free(raw.sides[i].work);
	}
	if (raw.area)
		chan_thread_bell_destroy(&raw.bell);
	free(raw.area);
	raw.area = NULL;
}

static int raw_start(struct bench *b)
{
	struct chan_geometry g;

	raw.area = aligned_alloc(4096, b->area_size);
	if (!raw.area || chan_geometry_default(b->area_size, &g) != 0 || chan_format(raw.area, b->area_size, &g) != 0)
		return cli_fail(CMD, "no memory for the raw ring");
	chan_thread_bell_init(&raw.bell);
	raw_freq = b->freq;
	raw_ops = chan_thread_ops;
	raw_ops.now_ns = raw_now_ns;
	for (unsigned i = 0; i < 2; i++) {
		struct raw_side *s = &raw.sides[i];
		raw.ends[i] = (struct chan_thread_end){ &raw.bell, i };
		s->b = b;
		s->client = i == 0;
		s->buf = malloc(BENCH_MAX_SIZE + BENCH_BUF_SLACK);
		s->samples = malloc(BENCH_MAX_ITERS * sizeof(uint64_t));
		s->work = malloc(BENCH_MAX_ITERS * sizeof(uint64_t));
		if (!s->buf || !s->samples || !s->work)
			return cli_fail(CMD, "out of memory");
		memset(s->buf, 0x5a, BENCH_MAX_SIZE);
		if (chan_open(&s->c, raw.area, b->area_size, i == 0, &raw_ops, &raw.ends[i]) != 0)
			return cli_fail(CMD, "the raw ring does not open");
		if (pthread_create(&s->thread, NULL, raw_thread, s) != 0)
			return cli_fail(CMD, "cannot start a thread");
		s->started = true;
	}
	return CLI_OK;
}

static int run_raw(struct bench *b, const struct bench_job *j, struct result *out)
{
	pthread_mutex_lock(&raw.lock);
	raw.job = *j;
	uint64_t seq = ++raw.seq;
	pthread_cond_broadcast(&raw.cond);
	while (raw.done_seq[0] != seq || raw.done_seq[1] != seq)
		pthread_cond_wait(&raw.cond, &raw.lock);
	pthread_mutex_unlock(&raw.lock);
	out->client = raw.sides[0].out;
	out->server = raw.sides[1].out;
	out->freq = b->freq;
	out->done = true;
	int err = out->client.err ? out->client.err : out->server.err;
	return err ? cli_fail(CMD, "raw ring, %u bytes: %s", j->size, chan_strerror(err)) : CLI_OK;
}

/* ---- the realms ---- */

static void app_call(void *ctx, struct vmm_realm *r, uint16_t imm, uint64_t *g)
{
	struct bench *b = ctx;
	unsigned role = (unsigned)g[0];

	(void)r;
	if (role != BENCH_ROLE_CLIENT && role != BENCH_ROLE_SERVER) {
		g[0] = UINT64_MAX;
		return;
	}
	pthread_mutex_lock(&b->lock);
	if (imm == BENCH_CALL_NEXT) {
		while (b->taken[role] == b->job_seq)
			pthread_cond_wait(&b->cond, &b->lock);
		b->taken[role]++;
		g[0] = 0;
		g[1] = b->transport;
		g[2] = b->job.size;
		g[3] = b->job.iters | (uint64_t)b->job.stream << 32;
		g[4] = b->job.warmup;
		g[5] = b->job.api;
		g[6] = b->ns_ipa;
		g[7] = b->area_size;
	} else if (imm == BENCH_CALL_RESULT) {
		struct bench_side *s = &b->side[role];
		*s = (struct bench_side){ .err = (int)(int64_t)g[1], .rtt_med = g[2], .rtt_p95 = g[3],
					  .oneway_med = g[4], .oneway_p95 = g[5], .work_med = g[6],
					  .stream_ticks = g[7] };
		b->realm_freq = g[8];
		b->results_in++;
		pthread_cond_broadcast(&b->cond);
		g[0] = 0;
	} else {
		g[0] = UINT64_MAX;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Posts a job to both realms; waits for both results (or the realms' end). */
static int realm_job(struct bench *b, unsigned transport, const struct bench_job *j, struct result *out)
{
	int rc = CLI_OK;

	pthread_mutex_lock(&b->lock);
	b->transport = transport;
	b->job = *j;
	b->results_in = 0;
	b->job_seq++;
	pthread_cond_broadcast(&b->cond);
	if (transport != BENCH_TRANSPORT_DONE) {
		while (b->results_in < 2 && !b->realms_failed)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->realms_failed) {
			rc = cli_fail(CMD, "a realm stopped before its job was done");
		} else {
			out->client = b->side[BENCH_ROLE_CLIENT];
			out->server = b->side[BENCH_ROLE_SERVER];
			out->freq = b->realm_freq;
			out->done = true;
			int err = out->client.err ? out->client.err : out->server.err;
			if (err)
				rc = cli_fail(CMD, "transport %u, %u bytes: %s", transport, j->size, chan_strerror(err));
		}
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

struct realm_run {
	struct bench *b;
	unsigned side; /* 0: the client */
	struct vmm_realm *r;
	uint8_t challenge[HOST_CALL_CHALLENGE_SIZE];
	struct cli_console con;
	struct vmm_run_result res;
	pthread_t thread;
	bool started;
};

static void *realm_thread(void *arg)
{
	struct realm_run *rr = arg;
	struct vmm_run_config cfg = { .console = cli_console_out, .console_ctx = &rr->con,
				      .challenge = rr->challenge, .app_call = app_call, .app_ctx = rr->b };

	pin_self(rr->b, rr->side);

	if (vmm_realm_run(rr->r, &cfg, &rr->res) != 0 || rr->res.stop != VMM_STOP_SYSTEM_OFF ||
	    rr->res.exit_status != 0) {
		pthread_mutex_lock(&rr->b->lock);
		rr->b->realms_failed = true;
		pthread_cond_broadcast(&rr->b->cond);
		pthread_mutex_unlock(&rr->b->lock);
	}
	return NULL;
}

/* A round's share of --iters. */
static uint32_t round_iters(const struct bench *b)
{
	return (b->iters + BENCH_ROUNDS - 1) / BENCH_ROUNDS;
}

/* A round's stream: its share of --iters messages, more for sizes where
 * that is less than STREAM_BYTES (at most 4 times more): a stream that is
 * over in a fraction of a millisecond measures the moment, not the channel. */
#define STREAM_BYTES (UINT64_C(32) << 20)
static uint32_t stream_messages(const struct bench *b, uint64_t size)
{
	uint64_t per = round_iters(b), want = STREAM_BYTES / size;

	return (uint32_t)(want < per ? per : want > 4 * per ? 4 * per : want);
}

/* ---- memcpy ---- */

/* The C library's memcpy at this size, from a buffer to another whose
 * distance is not a near multiple of 4 KiB (copy.h says why that matters):
 * the best of three 10 ms runs. Measured once per round, between the modes'
 * turns, so that it sees the machine as they do. */
static double memcpy_mbs(uint64_t size)
{
	uint8_t *mem = malloc(2 * size + 8192), *src = mem, *dst = mem + size + 2048 + 64;
	double best = 0;

	if (!mem)
		return 0;
	memset(src, 1, size);
	memset(dst, 2, size);
	/* Enough copies between two clock reads that reading it costs nothing. */
	uint64_t batch = size >= (UINT64_C(1) << 20) ? 1 : (UINT64_C(1) << 20) / size;
	for (unsigned round = 0; round < 3; round++) {
		uint64_t n = 0, t0 = mono_ns(), t;
		do {
			for (uint64_t k = 0; k < batch; k++) {
				memcpy(dst, src, size);
				__asm__ volatile("" ::"r"(dst) : "memory");
			}
			n += batch;
		} while ((t = mono_ns()) - t0 < 10000000u);
		double mbs = (double)size * (double)n / ((double)(t - t0) / 1e9) / 1e6;
		best = mbs > best ? mbs : best;
	}
	free(mem);
	return best;
}

/* ---- rounds ---- */

static uint64_t median_of(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && v[k - 1] > v[k]; k--) {
			uint64_t t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return v[n / 2];
}

static double median_of_doubles(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && v[k - 1] > v[k]; k--) {
			double t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return v[n / 2];
}

/* Each figure: the median of the rounds' figures. */
static void combine(const struct result *r, unsigned n, struct result *out)
{
	uint64_t v[BENCH_ROUNDS];

	*out = r[0];
#define MEDIAN_OF(side, field)                         \
	do {                                           \
		for (unsigned k = 0; k < n; k++)       \
			v[k] = r[k].side.field;        \
		out->side.field = median_of(v, n);     \
	} while (0)
	MEDIAN_OF(client, rtt_med);
	MEDIAN_OF(client, rtt_p95);
	MEDIAN_OF(client, work_med);
	MEDIAN_OF(client, stream_ticks);
	MEDIAN_OF(server, oneway_med);
	MEDIAN_OF(server, oneway_p95);
	MEDIAN_OF(server, work_med);
#undef MEDIAN_OF
}

/* ---- options ---- */

enum { OPT_SIZES, OPT_ITERS, OPT_WARMUP, OPT_MODES, OPT_API, OPT_JSON, OPT_PLOT, OPT_IMAGE, OPT_QUICK, OPT_NO_PIN, NUM_OPTS };
static const struct cli_option options[NUM_OPTS] = {
	[OPT_SIZES] = { "--sizes", NULL, true },   [OPT_ITERS] = { "--iters", NULL, true },
	[OPT_WARMUP] = { "--warmup", NULL, true }, [OPT_MODES] = { "--modes", NULL, true },
	[OPT_API] = { "--api", NULL, true },       [OPT_JSON] = { "--json", NULL, false },
	[OPT_PLOT] = { "--plot", NULL, true },     [OPT_IMAGE] = { "--image", NULL, true },
	[OPT_QUICK] = { "--quick", NULL, false },  [OPT_NO_PIN] = { "--no-pin", NULL, false },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool message_size_ok(uint64_t s)
{
	return s >= 8 && s <= BENCH_MAX_SIZE;
}

static int parse_modes(const struct cli_parser *p, struct bench *b)
{
	char list[256], *save = NULL;

	snprintf(list, sizeof(list), "%s", p->value);
	memset(b->modes, 0, sizeof(b->modes));
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned m = 0;
		while (m < NUM_MODES && strcmp(t, mode_names[m]) != 0)
			m++;
		if (m == NUM_MODES)
			return cli_bad_value(p, "a list of modes from raw,csm,ns-plain,aes-gcm,chacha");
		b->modes[m] = true;
	}
	return CLI_OK;
}

static int parse(int argc, char **argv, struct bench *b)
{
	struct cli_parser p;
	uint64_t u;
	int opt;

	cli_parser_init(&p, CMD, options, NUM_OPTS, argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			return cli_usage_error(CMD, "unexpected argument '%s' (try 'caec %s --help')", p.value, CMD);
		case OPT_SIZES:
			if (cli_parse_size_list(&p, b->sizes, MAX_SIZES, &b->num_sizes, message_size_ok,
						"a list of up to 32 sizes of 8..1M") != CLI_OK)
				return CLI_USAGE;
			break;
		case OPT_ITERS:
			if (!cli_parse_u64(p.value, BENCH_MAX_ITERS, &u) || u == 0)
				return cli_bad_value(&p, "1..100000");
			b->iters = (uint32_t)u;
			break;
		case OPT_WARMUP:
			if (!cli_parse_u64(p.value, BENCH_MAX_ITERS, &u))
				return cli_bad_value(&p, "0..100000");
			b->warmup = (uint32_t)u;
			break;
		case OPT_MODES:
			if (parse_modes(&p, b) != CLI_OK)
				return CLI_USAGE;
			break;
		case OPT_API:
			if (strcmp(p.value, "copy") == 0)
				b->api = BENCH_API_COPY;
			else if (strcmp(p.value, "zerocopy") == 0)
				b->api = BENCH_API_ZEROCOPY;
			else
				return cli_bad_value(&p, "copy or zerocopy");
			break;
		case OPT_JSON:
			b->json = true;
			break;
		case OPT_PLOT:
			b->plot = p.value;
			break;
		case OPT_IMAGE:
			b->image = p.value;
			break;
		case OPT_NO_PIN:
			b->no_pin = true;
			break;
		case OPT_QUICK: {
			static const uint64_t quick[] = { 64, 4096, 65536 };
			memcpy(b->sizes, quick, sizeof(quick));
			b->num_sizes = 3;
			b->iters = 200;
			b->warmup = 20;
			break;
		}
		}
	}
	qsort(b->sizes, b->num_sizes, sizeof(b->sizes[0]), cmp_u64);
	unsigned k = 0;
	for (unsigned i = 0; i < b->num_sizes; i++)
		if (k == 0 || b->sizes[k - 1] != b->sizes[i])
			b->sizes[k++] = b->sizes[i];
	b->num_sizes = k;
	return CLI_OK;
}

/* ---- figures ---- */

static double ns_of(const struct result *r, uint64_t ticks)
{
	return r->freq ? (double)ticks * 1e9 / (double)r->freq : 0;
}

/* Both sides' work per round trip, halved: one message's send and receive. */
static double cycles_per_msg(const struct result *r)
{
	return ((double)r->client.work_med + (double)r->server.work_med) / 2.0;
}

static double mb_per_s(const struct bench *b, uint64_t size, const struct result *r)
{
	double s = r->freq ? (double)r->client.stream_ticks / (double)r->freq : 0;

	return s > 0 ? (double)size * stream_messages(b, size) / s / 1e6 : 0;
}

static void print_table(const struct bench *b, FILE *out)
{
	fprintf(out, "%-9s %8s %11s %11s %11s %11s %10s %10s %7s\n", "mode", "size", "rtt_med_ns", "rtt_p95_ns",
		"1way_med_ns", "cycles/msg", "MB/s", "memcpy", "vs_csm");
	for (unsigned i = 0; i < b->num_sizes; i++) {
		const struct result *csm = &b->res[i][MODE_CSM];
		for (unsigned m = 0; m < NUM_MODES; m++) {
			const struct result *r = &b->res[i][m];
			if (!r->done)
				continue;
			char ratio[16] = "-";
			if (csm->done && m != MODE_CSM && cycles_per_msg(csm) > 0)
				snprintf(ratio, sizeof(ratio), "%.2fx", cycles_per_msg(r) / cycles_per_msg(csm));
			fprintf(out, "%-9s %8" PRIu64 " %11.0f %11.0f %11.0f %11.0f %10.0f %10.0f %7s\n", mode_names[m],
				b->sizes[i], ns_of(r, r->client.rtt_med), ns_of(r, r->client.rtt_p95),
				ns_of(r, r->server.oneway_med), cycles_per_msg(r), mb_per_s(b, b->sizes[i], r),
				b->memcpy_mbs[i], ratio);
		}
	}
}

static json_t *results_json(const struct bench *b)
{
	json_t *j = json_object(), *arr = json_array(), *mc = json_object();

	json_object_set_new(j, "benchmark", json_string("channel"));
	json_object_set_new(j, "api", json_string(b->api == BENCH_API_COPY ? "copy" : "zerocopy"));
	json_object_set_new(j, "iters", json_integer(b->iters));
	json_object_set_new(j, "warmup", json_integer(b->warmup));
	json_object_set_new(j, "counter_hz", json_integer((json_int_t)b->freq));
	json_object_set_new(j, "pinned", json_boolean(b->cpus[0] >= 0));
	for (unsigned i = 0; i < b->num_sizes; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%" PRIu64, b->sizes[i]);
		json_object_set_new(mc, key, json_real(b->memcpy_mbs[i]));
		for (unsigned m = 0; m < NUM_MODES; m++) {
			const struct result *r = &b->res[i][m];
			if (!r->done)
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "mode", json_string(mode_names[m]));
			json_object_set_new(o, "size", json_integer((json_int_t)b->sizes[i]));
			json_object_set_new(o, "rtt_ns_median", json_real(ns_of(r, r->client.rtt_med)));
			json_object_set_new(o, "rtt_ns_p95", json_real(ns_of(r, r->client.rtt_p95)));
			json_object_set_new(o, "rtt_cycles_median", json_integer((json_int_t)r->client.rtt_med));
			json_object_set_new(o, "oneway_ns_median", json_real(ns_of(r, r->server.oneway_med)));
			json_object_set_new(o, "oneway_ns_p95", json_real(ns_of(r, r->server.oneway_p95)));
			json_object_set_new(o, "rtt_cycles_p95", json_integer((json_int_t)r->client.rtt_p95));
			json_object_set_new(o, "oneway_cycles_median", json_integer((json_int_t)r->server.oneway_med));
			json_object_set_new(o, "oneway_cycles_p95", json_integer((json_int_t)r->server.oneway_p95));
			json_object_set_new(o, "cycles_per_msg", json_real(cycles_per_msg(r)));
			json_object_set_new(o, "mb_per_s", json_real(mb_per_s(b, b->sizes[i], r)));
			json_array_append_new(arr, o);
		}
	}
	json_object_set_new(j, "results", arr);
	json_object_set_new(j, "memcpy_mb_per_s", mc);
	return j;
}

/* The plot: gnuplot reads a data file we write next to the PNG's name. */
static int plot(const struct bench *b)
{
	char data[4200], script[4300];
	int rc = CLI_OK;

	snprintf(data, sizeof(data), "%s.dat", b->plot);
	snprintf(script, sizeof(script), "%s.gp", b->plot);
	FILE *d = fopen(data, "w"), *s = d ? fopen(script, "w") : NULL;
	if (!d || !s) {
		if (d)
			fclose(d);
		return cli_fail(CMD, "--plot %s: cannot write %s: %s", b->plot, d ? script : data, strerror(errno));
	}
	fprintf(d, "# size");
	for (unsigned m = 0; m < NUM_MODES; m++)
		fprintf(d, " %s", mode_names[m]);
	for (unsigned m = 0; m < NUM_MODES; m++)
		fprintf(d, " %s/csm", mode_names[m]);
	fprintf(d, "\n");
	for (unsigned i = 0; i < b->num_sizes; i++) {
		const struct result *c = &b->res[i][MODE_CSM];
		fprintf(d, "%" PRIu64, b->sizes[i]);
		for (unsigned m = 0; m < NUM_MODES; m++)
			fprintf(d, b->res[i][m].done ? " %.1f" : " NaN", cycles_per_msg(&b->res[i][m]));
		for (unsigned m = 0; m < NUM_MODES; m++)
			fprintf(d, b->res[i][m].done && c->done ? " %.3f" : " NaN",
				cycles_per_msg(&b->res[i][m]) / cycles_per_msg(c));
		fprintf(d, "\n");
	}
	fclose(d);
	fprintf(s, "set terminal png size 1400,560\nset output '%s'\nset multiplot layout 1,2\n"
		   "set logscale xy\nset grid\nset key top left\nset xlabel 'message size (bytes)'\n"
		   "set xrange [%g:%g]\n"
		   "set ylabel 'CPU cycles per message (both sides)'\n"
		   "set title 'caec bench channel: cycles per message'\n", b->plot,
		(double)b->sizes[0] / 1.5, (double)b->sizes[b->num_sizes - 1] * 1.5);
	fprintf(s, "plot ");
	bool first = true;
	for (unsigned m = 0; m < NUM_MODES; m++) {
		bool any = false;
		for (unsigned i = 0; i < b->num_sizes; i++)
			any |= b->res[i][m].done;
		if (!any)
			continue;
		fprintf(s, "%s'%s' using 1:%u with linespoints title '%s'", first ? "" : ", ", data, m + 2,
			mode_names[m]);
		first = false;
	}
	fprintf(s, "\nset logscale xy\nset ylabel 'cycles per message / csm'\n"
		   "set title 'each mode against CSM (the encrypted baseline is what CSM saves)'\nplot ");
	first = true;
	for (unsigned m = 0; m < NUM_MODES; m++) {
		bool any = false;
		for (unsigned i = 0; i < b->num_sizes; i++)
			any |= b->res[i][m].done && b->res[i][MODE_CSM].done;
		if (!any || m == MODE_CSM)
			continue;
		fprintf(s, "%s'%s' using 1:%u with linespoints title '%s / csm'", first ? "" : ", ", data,
			NUM_MODES + m + 2, mode_names[m]);
		first = false;
	}
	fprintf(s, "%s\nunset multiplot\n", first ? "1 title ''" : "");
	fclose(s);
	char cmd[8800];
	snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>&1", script);
	FILE *g = popen(cmd, "r");
	char line[512];
	while (g && fgets(line, sizeof(line), g))
		fprintf(stderr, "gnuplot: %s", line);
	int st = g ? pclose(g) : -1;
	if (st != 0)
		rc = cli_fail(CMD, "--plot: gnuplot failed (status %d); is it installed? "
			      "(scripts/install-deps.sh installs gnuplot-nox)", st);
	return rc;
}

/* ---- the run ---- */

static int start_realms(struct bench *b, struct vmm *vmm, const struct realm_image *img, struct realm_run rr[2],
			struct vmm_ns_buffer *ns)
{
	struct vmm_realm_opts opts;
	struct vmm_measurement m;
	struct vmm_error err = { "" };
	const char *why = NULL;

	vmm_realm_opts_default(&opts);
	opts.ipa_bits = IPA_BITS;
	opts.mem_size = UINT64_C(24) << 20;
	opts.caec_flags = CAEC_REALM_CSM_EXITS;
	if (vmm_measure(img->bytes, img->size, &opts, &m, &why) != 0)
		return cli_fail(CMD, "measuring the realm image: %s", why);
	uint64_t pages = b->area_size / 4096;
	for (unsigned i = 0; i < 2; i++) {
		rr[i] = (struct realm_run){ .b = b, .side = i };
		rr[i].challenge[0] = i == 0 ? BENCH_ROLE_CLIENT : BENCH_ROLE_SERVER;
		cli_put_le64(rr[i].challenge + 8, 0);
		for (unsigned k = 0; k < 4; k++)
			rr[i].challenge[12 + k] = (uint8_t)(pages >> (8 * k));
		memcpy(rr[i].challenge + 24, m.rim, 32);
	}
	vmm_measurement_free(&m);
	/* The host-visible area, laid out by the host (it can write it). */
	if (vmm_ns_buffer_alloc(vmm, pages, ns, &err) != 0)
		return cli_fail(CMD, "the host-visible area: %s", err.msg);
	uint8_t *head = calloc(1, 4096 * 2);
	struct chan_geometry g;
	if (!head || chan_geometry_default(b->area_size, &g) != 0 || chan_format(head, b->area_size, &g) != 0 ||
	    !hostsim_host_write(ns->pas[0], head, 4096)) {
		free(head);
		return cli_fail(CMD, "cannot lay out the host-visible area");
	}
	free(head);
	for (unsigned i = 0; i < 2; i++) {
		if (vmm_realm_create(vmm, img->bytes, img->size, &opts, &rr[i].r, &err) != 0)
			return cli_fail(CMD, "realm %u: %s", i, err.msg);
		/* The area must look contiguous to the realm: its pages in order. */
		if (vmm_realm_map_ns_buffer(rr[i].r, ns, NS_AREA_IPA, &b->ns_ipa, &err) != 0)
			return cli_fail(CMD, "mapping the host-visible area: %s", err.msg);
	}
	/* The client first: the server needs its csm_id. */
	if (pthread_create(&rr[0].thread, NULL, realm_thread, &rr[0]) != 0)
		return cli_fail(CMD, "cannot start a thread");
	rr[0].started = true;
	uint64_t id = 0;
	for (unsigned t = 0; t < 20000 && !(id = vmm_realm_last_csm_id(rr[0].r)) && !b->realms_failed; t++)
		usleep(1000);
	if (!id)
		return cli_fail(CMD, "the client realm made no channel: %s", rr[0].con.text);
	cli_put_le64(rr[1].challenge + 16, id);
	if (pthread_create(&rr[1].thread, NULL, realm_thread, &rr[1]) != 0)
		return cli_fail(CMD, "cannot start a thread");
	rr[1].started = true;
	return CLI_OK;
}

int bench_channel(int argc, char **argv)
{
	static struct bench b; /* large */
	static const uint64_t defaults[] = { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
					     65536, 262144, 1048576 };
	struct realm_image img = { 0 };
	struct realm_run rr[2] = { { 0 } };
	struct vmm_ns_buffer ns = { 0 };
	struct vmm vmm;
	char path[4200];
	bool machine = false;
	int rc;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	memset(&b, 0, sizeof(b));
	memcpy(b.sizes, defaults, sizeof(defaults));
	b.num_sizes = sizeof(defaults) / sizeof(defaults[0]);
	b.iters = 1000;
	b.warmup = 50;
	for (unsigned m = 0; m < NUM_MODES; m++)
		b.modes[m] = true;
	if ((rc = parse(argc, argv, &b)) != CLI_OK) {
		if (b.json)
			cli_print_json(NULL, true);
		return rc;
	}
	if (b.plot && (rc = cli_check_output(CMD, "--plot", b.plot)) != CLI_OK)
		return rc;
	choose_cpus(&b);
	if (b.cpus[0] >= 0)
		fprintf(stderr, "caec bench channel: the client side runs on CPU %d, the server side on CPU %d\n",
			b.cpus[0], b.cpus[1]);
	else
		fprintf(stderr, "caec bench channel: the parties' threads are not pinned (%s)\n",
			b.no_pin ? "--no-pin" : "fewer than two CPUs");
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	/* Rings that hold the largest message whole: no fragments in the figures. */
	uint64_t ring = 4096;
	while (ring / 2 < b.sizes[b.num_sizes - 1] + CHAN_FRAME_SIZE + RING_RECORD_HDR + 8)
		ring *= 2;
	b.area_size = CHAN_HEADER_SIZE + 2 * ring;
	bool realms = b.modes[MODE_CSM] || b.modes[MODE_NS] || b.modes[MODE_AES] || b.modes[MODE_CHACHA];
	if (realms) {
		if (!b.image)
			b.image = cli_build_file(BENCH_IMAGE, path, sizeof(path));
		if ((rc = cli_check_input(CMD, "--image", b.image)) != CLI_OK)
			goto out;
		if (realm_image_load(b.image, &img) != 0) {
			rc = cli_usage_error(CMD, "--image %s is not a realm image", b.image);
			goto out;
		}
		struct hostsim_config hc = { .dram_size = UINT64_C(2) << 30 };
		if (hostsim_start(&hc) != 0) {
			rc = cli_fail(CMD, "the hostsim machine did not start");
			goto out;
		}
		machine = true;
		vmm_init(&vmm);
		if ((rc = start_realms(&b, &vmm, &img, rr, &ns)) != CLI_OK)
			goto out;
	}
	b.freq = counter_freq();
	if (b.modes[MODE_RAW] && (rc = raw_start(&b)) != CLI_OK)
		goto out;
	for (unsigned i = 0; i < b.num_sizes && rc == CLI_OK; i++) {
		/* Rounds share the iterations; each warms up. */
		struct bench_job j = { .size = (uint32_t)b.sizes[i], .iters = round_iters(&b), .warmup = b.warmup,
				       .api = b.api, .stream = stream_messages(&b, b.sizes[i]) };
		struct result rounds[NUM_MODES][BENCH_ROUNDS];
		double copies[BENCH_ROUNDS];
		fprintf(stderr, "caec bench channel: %" PRIu64 " bytes (%u of %u), %u rounds of", b.sizes[i], i + 1,
			b.num_sizes, BENCH_ROUNDS);
		for (unsigned m = 0; m < NUM_MODES; m++)
			if (b.modes[m])
				fprintf(stderr, " %s", mode_names[m]);
		fprintf(stderr, " ...\n");
		for (unsigned k = 0; k < BENCH_ROUNDS && rc == CLI_OK; k++) {
			for (unsigned m = 0; m < NUM_MODES && rc == CLI_OK; m++) {
				if (!b.modes[m])
					continue;
				if (m == MODE_RAW)
					rc = run_raw(&b, &j, &rounds[m][k]);
				else
					rc = realm_job(&b, transport_of[m], &j, &rounds[m][k]);
			}
			copies[k] = memcpy_mbs(b.sizes[i]);
		}
		for (unsigned m = 0; m < NUM_MODES && rc == CLI_OK; m++)
			if (b.modes[m])
				combine(rounds[m], BENCH_ROUNDS, &b.res[i][m]);
		if (rc == CLI_OK)
			b.memcpy_mbs[i] = median_of_doubles(copies, BENCH_ROUNDS);
	}
out:
	raw_stop();
	if (realms && machine) {
		struct bench_job none = { 0 };
		realm_job(&b, BENCH_TRANSPORT_DONE, &none, NULL);
		for (unsigned i = 0; i < 2; i++) {
			if (rr[i].started)
				pthread_join(rr[i].thread, NULL);
			if (rr[i].started && rr[i].res.stop != VMM_STOP_SYSTEM_OFF && rc == CLI_OK)
				rc = cli_fail(CMD, "realm %u stopped: %s; console: %s", i, rr[i].res.detail, rr[i].con.text);
			if (rr[i].r && vmm_realm_destroy(rr[i].r) != 0 && rc == CLI_OK)
				rc = cli_fail(CMD, "the monitor refused to destroy a realm");
			vmm_run_result_free(&rr[i].res);
		}
		if (ns.pas)
			vmm_ns_buffer_free(&ns);
		if (vmm_csm_region_count(&vmm) != 0 && rc == CLI_OK)
			rc = cli_fail(CMD, "a CSM region was left behind");
		hostsim_stop();
	}
	realm_image_free(&img);
	if (rc == CLI_OK) {
		print_table(&b, b.json ? stderr : stdout);
		if (b.plot)
			rc = plot(&b);
	}
	if (b.json)
		cli_print_json(rc == CLI_OK ? results_json(&b) : NULL, rc != CLI_OK);
	return rc;
}
