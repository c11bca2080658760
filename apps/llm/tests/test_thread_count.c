/* The default thread count: the rule of llm/context.h, the CPUs of the
 * affinity mask, and what a context given n_threads = 0 runs. */
#define _GNU_SOURCE /* sched_setaffinity */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "llm/context.h"
#include "test_models.h"

#define MiB (1ull << 20)

static void test_rule(void **state)
{
	(void)state;
	assert_int_equal(llm_threads_for(0, 8), 1);
	assert_int_equal(llm_threads_for(300 * 1024, 8), 1); /* the tiny models */
	assert_int_equal(llm_threads_for(920 * 1024, 8), 1);
	assert_int_equal(llm_threads_for(MiB - 1, 8), 1);
	assert_int_equal(llm_threads_for(MiB, 8), 2);
	assert_int_equal(llm_threads_for(MiB + MiB / 2, 8), 3);
	assert_int_equal(llm_threads_for(16 * MiB, 2), 2); /* stories15M Q8_0 on two CPUs */
	assert_int_equal(llm_threads_for(4 * MiB, 64), 8);
	/* Never more than the CPUs, nor the engine's maximum. */
	assert_int_equal(llm_threads_for(1024 * MiB, 2), 2);
	assert_int_equal(llm_threads_for(1024 * MiB, 1), 1);
	assert_int_equal(llm_threads_for(UINT64_MAX, 1000), LLM_MAX_THREADS);
}

static void test_cpus_follow_affinity(void **state)
{
	(void)state;
	cpu_set_t saved, one;
	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	assert_int_equal(llm_cpus_available(), CPU_COUNT(&saved));
	int first = 0;
	while (!CPU_ISSET(first, &saved))
		first++;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	unsigned n = llm_cpus_available();
	assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
	assert_int_equal(n, 1);
}

static unsigned context_threads(const struct llm_model *m, unsigned requested)
{
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = requested;
	struct llm_context *c;
	struct llm_err err;
	assert_int_equal(llm_context_create(&c, m, &p, NULL, &err), 0);
	unsigned n = llm_context_threads(c);
	llm_context_free(c);
	return n;
}

static void test_context_default(void **state)
{
	(void)state;
	size_t size;
	void *img = test_gguf_model(LLM_DTYPE_Q8_0, false, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	assert_int_equal(llm_threads_default(m), 1);
	assert_int_equal(context_threads(m, 0), 1); /* was: every online CPU */
	assert_int_equal(context_threads(m, 3), 3); /* an explicit count is kept */
	assert_int_equal(context_threads(m, 1000), LLM_MAX_THREADS);
	llm_model_free(m);
	free(img);
}

/* A model of a few MiB gets more than one thread where there are CPUs. */
static void test_context_default_small_model(void **state)
{
	(void)state;
	struct llm_random_model_spec spec = { 256, 768, 4, 4, 4, 2000, 16, LLM_DTYPE_F32, 3, false, false };
	size_t size;
	void *img = test_gguf_model_spec(&spec, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, img, size, NULL, 0, NULL, &err), 0);
	uint64_t bytes = llm_model_weight_bytes(m);
	assert_true(bytes > 8 * MiB); /* 4 layers of 256 x (4 x 256 + 3 x 768) F32, and more */
	unsigned cpus = llm_cpus_available();
	unsigned want = cpus < 16 ? cpus : 16;
	assert_true(bytes / (512 << 10) >= 16);
	assert_int_equal(llm_threads_default(m), want);
	assert_int_equal(context_threads(m, 0), want);
	llm_model_free(m);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_cpus_follow_affinity),
		cmocka_unit_test(test_context_default),
		cmocka_unit_test(test_context_default_small_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
