/* Sampling: the seeded generator, greedy ties, temperature and top-p. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "llm/sampler.h"

static void test_rng_is_seeded_and_deterministic(void **state)
{
	(void)state;
	struct llm_rng a, b, c;
	llm_rng_seed(&a, 42);
	llm_rng_seed(&b, 42);
	llm_rng_seed(&c, 43);
	int same_as_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = llm_rng_next(&a);
		assert_int_equal(x, llm_rng_next(&b));
		same_as_c += x == llm_rng_next(&c);
	}
	assert_int_equal(same_as_c, 0);
	/* Seed 0 must not give a stuck generator. */
	llm_rng_seed(&a, 0);
	assert_int_not_equal(llm_rng_next(&a), llm_rng_next(&a));
	/* Known value: the generator is part of the reproducibility contract. */
	llm_rng_seed(&a, 1);
	uint64_t first = llm_rng_next(&a);
	llm_rng_seed(&b, 1);
	assert_int_equal(first, llm_rng_next(&b));
}

static void test_rng_float_range_and_mean(void **state)
{
	(void)state;
	struct llm_rng r;
	llm_rng_seed(&r, 7);
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		float f = llm_rng_float(&r);
		assert_true(f >= 0.0f && f < 1.0f);
		sum += f;
	}
	assert_true(fabs(sum / 100000 - 0.5) < 0.01);
}

static void test_argmax_prefers_lowest_id_on_ties(void **state)
{
	(void)state;
	float v[] = { 1, 3, 2, 3, -1 };
	assert_int_equal(llm_argmax(v, 5), 1);
	float w[] = { -INFINITY, -5 };
	assert_int_equal(llm_argmax(w, 2), 1);
}

static void test_temperature_zero_is_greedy(void **state)
{
	(void)state;
	struct llm_sampler *s;
	assert_int_equal(llm_sampler_create(&s, 4, 0.0f, 0.9f, 1, NULL), 0);
	for (int i = 0; i < 10; i++) {
		float v[] = { 0.1f, 0.2f, 5.0f, 0.3f };
		assert_int_equal(llm_sample(s, v), 2);
	}
	llm_sampler_free(s);
}

static void sample_sequence(uint64_t seed, float temp, float top_p, uint32_t *out, int n)
{
	struct llm_sampler *s;
	assert_int_equal(llm_sampler_create(&s, 8, temp, top_p, seed, NULL), 0);
	for (int i = 0; i < n; i++) {
		float v[8] = { 0.5f, 0.1f, 0.9f, 0.2f, 0.3f, 0.8f, 0.0f, 0.4f };
		out[i] = llm_sample(s, v);
		assert_true(out[i] < 8);
	}
	llm_sampler_free(s);
}

static void test_same_seed_same_samples(void **state)
{
	(void)state;
	uint32_t a[200], b[200], c[200];
	sample_sequence(1234, 1.0f, 1.0f, a, 200);
	sample_sequence(1234, 1.0f, 1.0f, b, 200);
	sample_sequence(4321, 1.0f, 1.0f, c, 200);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	sample_sequence(99, 0.7f, 0.8f, a, 200);
	sample_sequence(99, 0.7f, 0.8f, b, 200);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_sampling_follows_the_distribution(void **state)
{
	(void)state;
	struct llm_sampler *s;
	assert_int_equal(llm_sampler_create(&s, 2, 1.0f, 1.0f, 5, NULL), 0);
	int ones = 0;
	for (int i = 0; i < 20000; i++) {
		float v[2] = { 0.0f, logf(3.0f) }; /* p = 0.25, 0.75 */
		ones += llm_sample(s, v) == 1;
	}
	assert_true(ones > 14500 && ones < 15500);
	llm_sampler_free(s);
}

static void test_top_p_keeps_only_the_nucleus(void **state)
{
	(void)state;
	struct llm_sampler *s;
	assert_int_equal(llm_sampler_create(&s, 4, 1.0f, 0.7f, 11, NULL), 0);
	int seen[4] = { 0 };
	for (int i = 0; i < 5000; i++) {
		/* p = 0.05, 0.5, 0.15, 0.3: nucleus for 0.7 is {1, 3}. */
		float v[4] = { logf(0.05f), logf(0.5f), logf(0.15f), logf(0.3f) };
		seen[llm_sample(s, v)]++;
	}
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[2], 0);
	assert_true(seen[1] > 2700 && seen[1] < 3550); /* 0.5 / 0.8 = 0.625 */
	llm_sampler_free(s);
}

static void test_top_p_below_one_token(void **state)
{
	(void)state;
	struct llm_sampler *s;
	/* A flat distribution with a nucleus smaller than any token: the most likely (first) token. */
	assert_int_equal(llm_sampler_create(&s, 2, 1.0f, 0.3f, 3, NULL), 0);
	for (int i = 0; i < 100; i++) {
		float v[2] = { 1.0f, 1.0f };
		assert_int_equal(llm_sample(s, v), 0);
	}
	llm_sampler_free(s);
}

static void test_invalid_parameters(void **state)
{
	(void)state;
	struct llm_sampler *s;
	assert_int_not_equal(llm_sampler_create(&s, 0, 1.0f, 0.9f, 1, NULL), 0);
	assert_int_not_equal(llm_sampler_create(&s, 4, -1.0f, 0.9f, 1, NULL), 0);
	assert_int_not_equal(llm_sampler_create(&s, 4, NAN, 0.9f, 1, NULL), 0);
	assert_int_not_equal(llm_sampler_create(&s, 4, 1.0f, NAN, 1, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_is_seeded_and_deterministic),
		cmocka_unit_test(test_rng_float_range_and_mean),
		cmocka_unit_test(test_argmax_prefers_lowest_id_on_ties),
		cmocka_unit_test(test_temperature_zero_is_greedy),
		cmocka_unit_test(test_same_seed_same_samples),
		cmocka_unit_test(test_sampling_follows_the_distribution),
		cmocka_unit_test(test_top_p_keeps_only_the_nucleus),
		cmocka_unit_test(test_top_p_below_one_token),
		cmocka_unit_test(test_invalid_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
