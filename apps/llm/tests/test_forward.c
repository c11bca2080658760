/* The forward pass and its thread pool: results do not depend on the
 * thread count, a prompt fed in batches gives bitwise the logits and cache
 * of feeding it token by token, bad positions and tokens are refused, and
 * every buffer comes from (and returns to) the caller's allocator. Runs
 * under TSan (label "concurrency"). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "llm/context.h"
#include "llm/threadpool.h"
#include "test_models.h"

static const uint32_t prompt[] = { 1, 260, 33, 399, 7, 100, 250, 3 };
#define N_PROMPT (sizeof(prompt) / sizeof(prompt[0]))

/* Logits for every prompt position, vocab floats each. */
static float *run(const struct llm_model *m, unsigned threads, int isa)
{
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = threads;
	p.isa = isa;
	struct llm_context *c;
	struct llm_err err;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	assert_int_equal(llm_context_threads(c), threads);
	uint32_t v = m->config.vocab_size;
	float *all = malloc(N_PROMPT * v * sizeof(float));
	for (uint32_t i = 0; i < N_PROMPT; i++) {
		const float *logits;
		assert_int_equal(llm_forward(c, prompt[i], i, &logits), 0);
		memcpy(all + (size_t)i * v, logits, v * sizeof(float));
	}
	llm_context_free(c);
	return all;
}

static void check_threads_identical(enum llm_dtype t)
{
	size_t size;
	void *img = test_gguf_model(t, true, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	float *one = run(m, 1, -1), *three = run(m, 3, -1), *four = run(m, 4, -1);
	size_t bytes = N_PROMPT * m->config.vocab_size * sizeof(float);
	assert_memory_equal(one, three, bytes);
	assert_memory_equal(one, four, bytes);
	for (size_t i = 0; i < N_PROMPT * m->config.vocab_size; i++)
		assert_true(isfinite(one[i]));
	free(one), free(three), free(four);
	llm_model_free(m);
	free(img);
}

static void test_threads_f32(void **state) { (void)state; check_threads_identical(LLM_DTYPE_F32); }
static void test_threads_f16(void **state) { (void)state; check_threads_identical(LLM_DTYPE_F16); }
static void test_threads_q8_0(void **state) { (void)state; check_threads_identical(LLM_DTYPE_Q8_0); }

static void test_portable_and_avx2_forward_agree(void **state)
{
	(void)state;
	if (!llm_isa_available(LLM_ISA_AVX2))
		skip();
	size_t size;
	void *img = test_gguf_model(LLM_DTYPE_F32, false, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	float *a = run(m, 2, LLM_ISA_PORTABLE), *b = run(m, 2, LLM_ISA_AVX2);
	for (size_t i = 0; i < N_PROMPT * m->config.vocab_size; i++)
		assert_true(fabsf(a[i] - b[i]) <= 1e-4f * (1 + fabsf(a[i])));
	free(a), free(b);
	llm_model_free(m);
	free(img);
}

static void test_bad_token_and_position(void **state)
{
	(void)state;
	size_t size;
	void *img = test_gguf_model(LLM_DTYPE_F32, false, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = 2;
	p.max_seq = 4;
	struct llm_context *c;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	assert_int_equal(llm_context_max_seq(c), 4);
	const float *logits;
	assert_int_equal(llm_forward(c, 400, 0, &logits), -EINVAL);
	assert_int_equal(llm_forward(c, 1, 4, &logits), -EINVAL);
	assert_int_equal(llm_forward(c, 1, 3, &logits), 0);
	llm_context_free(c);
	/* max_seq above the model's context is clamped to it. */
	p.max_seq = 1000;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	assert_int_equal(llm_context_max_seq(c), m->config.seq_len);
	llm_context_free(c);
	llm_model_free(m);
	free(img);
}

static void test_every_buffer_from_the_allocator(void **state)
{
	(void)state;
	size_t size;
	void *img = test_gguf_model(LLM_DTYPE_Q8_0, false, &size);
	struct test_alloc_state st = { 0 };
	struct llm_allocator a = test_allocator(&st);
	struct llm_model *m;
	struct llm_context *c;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, &a, &err), 0);
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = 2;
	assert_int_equal(llm_context_create(&c, m, &p, &a, &err), 0);
	assert_true(st.live > 0);
	long live = st.live;
	const float *logits;
	for (uint32_t i = 0; i < N_PROMPT; i++)
		assert_int_equal(llm_forward(c, prompt[i], i, &logits), 0);
	assert_int_equal(llm_forward_batch(c, prompt, N_PROMPT, N_PROMPT, &logits), 0);
	assert_int_equal(st.live, live); /* forward allocates nothing */
	llm_context_free(c);
	llm_model_free(m);
	assert_int_equal(st.live, 0);
	/* Each allocation of context creation failing in turn. */
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	for (long k = 1;; k++) {
		struct test_alloc_state f = { 0, 0, k };
		struct llm_allocator fa = test_allocator(&f);
		int rc = llm_context_create(&c, m, &p, &fa, &err);
		if (rc == 0) {
			llm_context_free(c);
			assert_int_equal(f.live, 0);
			break;
		}
		assert_null(c);
		assert_int_equal(f.live, 0);
	}
	llm_model_free(m);
	free(img);
}

/* ---- batched prompts ---- */

#define LONG_PROMPT 70 /* over two batches of LLM_MAX_BATCH */
#define N_AFTER 3      /* tokens generated after the prompt */

static uint32_t long_prompt_token(uint32_t i, uint32_t vocab)
{
	return (i * 2654435761u + 17) % vocab;
}

static struct llm_context *context(const struct llm_model *m, unsigned threads, int isa)
{
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = threads;
	p.isa = isa;
	struct llm_context *c;
	struct llm_err err;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	return c;
}

/* Logits after each prompt position and after each of N_AFTER tokens that
 * follow, token by token, one thread: the reference. */
static float *token_by_token(const struct llm_model *m, int isa)
{
	uint32_t v = m->config.vocab_size;
	float *all = malloc((size_t)(LONG_PROMPT + N_AFTER) * v * sizeof(float));
	struct llm_context *c = context(m, 1, isa);
	for (uint32_t i = 0; i < LONG_PROMPT + N_AFTER; i++) {
		const float *logits;
		assert_int_equal(llm_forward(c, long_prompt_token(i, v), i, &logits), 0);
		memcpy(all + (size_t)i * v, logits, v * sizeof(float));
	}
	llm_context_free(c);
	return all;
}

/* The prompt in calls of `batch` tokens, then N_AFTER single tokens: the
 * logits after every call, and so the cache every later token reads, must
 * be the reference's bit for bit. */
static void check_batched(const struct llm_model *m, const float *ref, uint32_t batch, unsigned threads, int isa)
{
	uint32_t v = m->config.vocab_size;
	uint32_t tokens[LONG_PROMPT];
	for (uint32_t i = 0; i < LONG_PROMPT; i++)
		tokens[i] = long_prompt_token(i, v);
	struct llm_context *c = context(m, threads, isa);
	const float *logits;
	for (uint32_t pos = 0; pos < LONG_PROMPT; pos += batch) {
		uint32_t n = LONG_PROMPT - pos < batch ? LONG_PROMPT - pos : batch;
		assert_int_equal(llm_forward_batch(c, tokens + pos, n, pos, &logits), 0);
		if (memcmp(logits, ref + (size_t)(pos + n - 1) * v, v * sizeof(float)))
			fail_msg("batch %u, %u threads: logits at position %u differ", batch, threads, pos + n - 1);
	}
	for (uint32_t i = LONG_PROMPT; i < LONG_PROMPT + N_AFTER; i++) {
		assert_int_equal(llm_forward(c, long_prompt_token(i, v), i, &logits), 0);
		if (memcmp(logits, ref + (size_t)i * v, v * sizeof(float)))
			fail_msg("batch %u, %u threads: generated position %u differs", batch, threads, i);
	}
	llm_context_free(c);
}

static void check_batch_shape(uint32_t dim, uint32_t hidden, uint32_t layers, uint32_t heads, uint32_t kv_heads,
			      bool unshared, enum llm_dtype t)
{
	struct llm_random_model_spec spec = { dim, hidden, layers, heads, kv_heads, 300, LONG_PROMPT + N_AFTER,
					      t, dim + hidden, unshared, false };
	size_t size;
	void *img = test_gguf_model_spec(&spec, &size);
	assert_non_null(img);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	float *ref = token_by_token(m, -1);
	for (size_t i = 0; i < (size_t)(LONG_PROMPT + N_AFTER) * m->config.vocab_size; i++)
		assert_true(isfinite(ref[i]));
	const uint32_t batches[] = { 1, 2, 5, LLM_MAX_BATCH, LLM_MAX_BATCH + 1, LONG_PROMPT };
	for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++)
		for (unsigned threads = 1; threads <= 3; threads++)
			check_batched(m, ref, batches[b], threads, -1);
	free(ref);
	/* The portable kernels (llm_matmat's generic path on every type). */
	if (llm_isa_best() != LLM_ISA_PORTABLE) {
		ref = token_by_token(m, LLM_ISA_PORTABLE);
		check_batched(m, ref, 7, 2, LLM_ISA_PORTABLE);
		check_batched(m, ref, LLM_MAX_BATCH + 1, 3, LLM_ISA_PORTABLE);
		free(ref);
	}
	llm_model_free(m);
	free(img);
}

/* Shapes: grouped-query (4 heads over 2), one kv head for all, as many kv
 * heads as heads with an unshared classifier; F32 and F16 also at widths
 * that leave tails in the vector loops (dim 40, hidden 68). */
static void check_batch_shapes(enum llm_dtype t)
{
	check_batch_shape(64, 96, 2, 4, 2, false, t);
	check_batch_shape(128, 352, 1, 8, 1, false, t);
	check_batch_shape(96, 160, 2, 6, 6, true, t);
	if (t != LLM_DTYPE_Q8_0)
		check_batch_shape(40, 68, 2, 4, 2, false, t);
}

static void test_batch_f32(void **state) { (void)state; check_batch_shapes(LLM_DTYPE_F32); }
static void test_batch_f16(void **state) { (void)state; check_batch_shapes(LLM_DTYPE_F16); }
static void test_batch_q8_0(void **state) { (void)state; check_batch_shapes(LLM_DTYPE_Q8_0); }

/* The other weight types through the whole pass: batched equals token by
 * token at every thread count (K-quants at widths of whole super-blocks). */
static void test_batch_other_types(void **state)
{
	(void)state;
	check_batch_shape(256, 512, 1, 4, 2, false, LLM_DTYPE_Q4_K);
	check_batch_shape(256, 256, 1, 8, 8, true, LLM_DTYPE_Q6_K);
	check_batch_shape(256, 256, 1, 4, 1, false, LLM_DTYPE_Q5_K);
	check_batch_shape(256, 256, 1, 4, 2, false, LLM_DTYPE_Q2_K);
	check_batch_shape(256, 256, 1, 4, 4, false, LLM_DTYPE_Q3_K);
	check_batch_shape(64, 96, 2, 4, 2, false, LLM_DTYPE_Q5_1);
	check_batch_shape(40, 68, 2, 4, 2, false, LLM_DTYPE_BF16);
}

static void test_batch_refuses_bad_input(void **state)
{
	(void)state;
	size_t size;
	void *img = test_gguf_model(LLM_DTYPE_F32, false, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.max_seq = 6;
	struct llm_context *c;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	assert_int_equal(llm_context_max_batch(c), 6); /* capped by the cache */
	uint32_t t[7] = { 1, 2, 3, 4, 5, 6, 7 };
	const float *logits = NULL;
	assert_int_equal(llm_forward_batch(c, t, 0, 0, &logits), -EINVAL);
	assert_int_equal(llm_forward_batch(c, t, 7, 0, &logits), -EINVAL);
	assert_int_equal(llm_forward_batch(c, t, 2, 5, &logits), -EINVAL);
	assert_int_equal(llm_forward_batch(c, t, 1, UINT32_MAX, &logits), -EINVAL);
	t[3] = 400; /* outside the vocabulary */
	assert_int_equal(llm_forward_batch(c, t, 5, 0, &logits), -EINVAL);
	assert_null(logits);
	t[3] = 4;
	assert_int_equal(llm_forward_batch(c, t, 6, 0, &logits), 0);
	assert_non_null(logits);
	llm_context_free(c);
	llm_model_free(m);
	free(img);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

struct count_job {
	atomic_int hits[1000];
};

static void count_task(void *arg, unsigned t)
{
	struct count_job *j = arg;
	atomic_fetch_add(&j->hits[t], 1);
}

static void test_pool_runs_each_task_once(void **state)
{
	(void)state;
	struct llm_threadpool *p;
	assert_int_equal(llm_threadpool_create(&p, 0, NULL), -EINVAL);
	assert_int_equal(llm_threadpool_create(&p, 4, NULL), 0);
	assert_int_equal(llm_threadpool_size(p), 4);
	static struct count_job job;
	for (int round = 0; round < 200; round++) {
		unsigned n = (unsigned)(round * 7 % 1000);
		for (unsigned i = 0; i < 1000; i++)
			atomic_store(&job.hits[i], 0);
		llm_threadpool_run(p, count_task, &job, n);
		for (unsigned i = 0; i < 1000; i++)
			assert_int_equal(atomic_load(&job.hits[i]), i < n ? 1 : 0);
		/* Every few rounds a gap longer than the spin: the workers go to
		 * sleep and the next run must wake them (or do without them). */
		if (round % 5 == 4)
			sleep_ns(LLM_POOL_SPIN_NS + (uint64_t)round * 1000);
	}
	llm_threadpool_free(p);
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spinning is bounded: an idle pool stops using CPU soon after its last job. */
static void test_idle_pool_sleeps(void **state)
{
	(void)state;
	struct llm_threadpool *p;
	assert_int_equal(llm_threadpool_create(&p, 3, NULL), 0);
	static struct count_job job;
	llm_threadpool_run(p, count_task, &job, 100);
	sleep_ns(4 * LLM_POOL_SPIN_NS); /* (the workers' spin ends in here) */
	uint64_t t0 = cpu_ns();
	sleep_ns(100 * 1000 * 1000);
	uint64_t used = cpu_ns() - t0;
	/* Two workers spinning through the 100 ms would use 200 ms. */
	if (used > 20 * 1000 * 1000)
		fail_msg("an idle pool used %.1f ms of CPU in 100 ms", used / 1e6);
	llm_threadpool_run(p, count_task, &job, 100); /* and wakes up again */
	llm_threadpool_free(p);
}

/* ---- qwen2 and gpt2: batched equals token by token, in every weight type ---- */

/* Fewer runs than check_batch_shape's (the sanitizer runs pay for each):
 * every batch size at least once, 1 and 3 threads, the portable kernels
 * when portable is set. */
static void check_batch_arch(enum llm_arch arch, uint32_t dim, uint32_t hidden, uint32_t heads, uint32_t kv_heads,
			     bool unshared, enum llm_dtype t, bool portable)
{
	struct llm_random_model_spec spec = { dim, hidden, 2, heads, kv_heads, 300, LONG_PROMPT + N_AFTER,
					      t, dim + hidden + arch, unshared, false };
	struct llm_random_arch ra = { arch, arch == LLM_ARCH_QWEN2 ? 2.0f : 0 };
	size_t size;
	void *img = test_gguf_model_arch(&spec, &ra, &size);
	assert_non_null(img);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	assert_int_equal(m->config.arch, arch);
	float *ref = token_by_token(m, -1);
	for (size_t i = 0; i < (size_t)(LONG_PROMPT + N_AFTER) * m->config.vocab_size; i++)
		assert_true(isfinite(ref[i]));
	static const struct { uint32_t batch; unsigned threads; } runs[] = {
		{ 1, 3 }, { 3, 1 }, { LLM_MAX_BATCH + 1, 3 }, { LONG_PROMPT, 1 }, { LONG_PROMPT, 3 },
	};
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++)
		check_batched(m, ref, runs[r].batch, runs[r].threads, -1);
	free(ref);
	if (portable && llm_isa_best() != LLM_ISA_PORTABLE) {
		ref = token_by_token(m, LLM_ISA_PORTABLE);
		check_batched(m, ref, 7, 2, LLM_ISA_PORTABLE);
		free(ref);
	}
	llm_model_free(m);
	free(img);
}

static const enum llm_dtype every_type[] = { LLM_DTYPE_F32, LLM_DTYPE_F16, LLM_DTYPE_Q8_0,
					     LLM_DTYPE_Q4_0, LLM_DTYPE_Q4_1, LLM_DTYPE_Q5_0 };

/* qwen2's half-split RoPE pairs rows half a head apart, so its tasks take
 * whole heads: a head size of 24 is no multiple of the usual 16-row chunks
 * (what splits a head shows up as 1 and 3 threads disagreeing). */
static void test_batch_qwen2(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(every_type) / sizeof(every_type[0]); i++) {
		check_batch_arch(LLM_ARCH_QWEN2, 96, 160, 4, 2, false, every_type[i], true);
	}
	check_batch_arch(LLM_ARCH_QWEN2, 128, 192, 8, 8, true, LLM_DTYPE_F32, false);
}

static void test_batch_gpt2(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(every_type) / sizeof(every_type[0]); i++) {
		check_batch_arch(LLM_ARCH_GPT2, 64, 256, 4, 4, false, every_type[i], true);
	}
	check_batch_arch(LLM_ARCH_GPT2, 96, 128, 6, 3, true, LLM_DTYPE_Q8_0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_f32),
		cmocka_unit_test(test_threads_f16),
		cmocka_unit_test(test_threads_q8_0),
		cmocka_unit_test(test_portable_and_avx2_forward_agree),
		cmocka_unit_test(test_bad_token_and_position),
		cmocka_unit_test(test_batch_f32),
		cmocka_unit_test(test_batch_f16),
		cmocka_unit_test(test_batch_q8_0),
		cmocka_unit_test(test_batch_other_types),
		cmocka_unit_test(test_batch_refuses_bad_input),
		cmocka_unit_test(test_every_buffer_from_the_allocator),
		cmocka_unit_test(test_pool_runs_each_task_once),
		cmocka_unit_test(test_idle_pool_sleeps),
		cmocka_unit_test(test_batch_qwen2),
		cmocka_unit_test(test_batch_gpt2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
