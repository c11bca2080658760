/* The forward pass and its thread pool: results do not depend on the
 * thread count, the KV cache reproduces a prefix, bad positions and tokens
 * are refused, and every buffer comes from (and returns to) the caller's
 * allocator. Runs under TSan (label "concurrency"). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
	}
	llm_threadpool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_f32),
		cmocka_unit_test(test_threads_f16),
		cmocka_unit_test(test_threads_q8_0),
		cmocka_unit_test(test_portable_and_avx2_forward_agree),
		cmocka_unit_test(test_bad_token_and_position),
		cmocka_unit_test(test_every_buffer_from_the_allocator),
		cmocka_unit_test(test_pool_runs_each_task_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
