/* The realm heap over an ordinary buffer: alignment, bounds, reuse,
 * coalescing, refusal of bad frees, exhaustion, and concurrent use. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/heap.h"

#define ARENA (256u << 10)

static uint8_t *arena_new(struct sdk_heap *h, size_t size)
{
	uint8_t *a = aligned_alloc(4096, size);

	assert_non_null(a);
	assert_int_equal(sdk_heap_init(h, a, size), 0);
	return a;
}

static void test_alloc_in_bounds_and_aligned(void **state)
{
	struct sdk_heap h;
	uint8_t *a = arena_new(&h, ARENA);
	size_t aligns[] = { 1, 16, 64, 256, 4096, 8192 };

	(void)state;
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		uint8_t *p = sdk_heap_alloc(&h, 100 + i, aligns[i]);

		assert_non_null(p);
		assert_true(p >= a && p + 100 + i <= a + ARENA);
		assert_int_equal((uintptr_t)p % (aligns[i] < 16 ? 16 : aligns[i]), 0);
		memset(p, 0xee, 100 + i); /* ASan would catch a write past the arena */
	}
	free(a);
}

static void test_no_overlap_and_full_reuse(void **state)
{
	struct sdk_heap h;
	uint8_t *a = arena_new(&h, ARENA);
	size_t total = sdk_heap_free_bytes(&h);
	uint8_t *p[64];

	(void)state;
	for (int i = 0; i < 64; i++) {
		p[i] = sdk_heap_alloc(&h, 1000, 16);
		assert_non_null(p[i]);
		memset(p[i], i, 1000);
	}
	for (int i = 0; i < 64; i++)
		for (int k = 0; k < 1000; k++)
			assert_int_equal(p[i][k], i);
	/* Free in an interleaved order: coalescing must rebuild one block. */
	for (int i = 0; i < 64; i += 2)
		assert_int_equal(sdk_heap_free(&h, p[i]), 0);
	for (int i = 1; i < 64; i += 2)
		assert_int_equal(sdk_heap_free(&h, p[i]), 0);
	assert_int_equal(sdk_heap_free_bytes(&h), total);
	/* The whole arena is one block again. */
	assert_non_null(sdk_heap_alloc(&h, total - 64, 16));
	free(a);
}

static void test_bad_frees_refused(void **state)
{
	struct sdk_heap h;
	uint8_t *a = arena_new(&h, ARENA);
	uint8_t *p = sdk_heap_alloc(&h, 64, 16);
	size_t before;
	int local;

	(void)state;
	assert_int_equal(sdk_heap_free(&h, NULL), 0);
	before = sdk_heap_free_bytes(&h);
	assert_int_equal(sdk_heap_free(&h, &local), -1);  /* outside the heap */
	assert_int_equal(sdk_heap_free(&h, p + 1), -1);   /* misaligned */
	assert_int_equal(sdk_heap_free(&h, p + 16), -1);  /* inside a block */
	assert_int_equal(sdk_heap_free_bytes(&h), before);
	assert_int_equal(sdk_heap_free(&h, p), 0);
	assert_int_equal(sdk_heap_free(&h, p), -1);       /* double free */
	free(a);
}

static void test_exhaustion_and_bad_args(void **state)
{
	struct sdk_heap h;
	uint8_t *a = arena_new(&h, ARENA);

	(void)state;
	assert_null(sdk_heap_alloc(&h, ARENA, 16));
	assert_null(sdk_heap_alloc(&h, SIZE_MAX, 16));
	assert_null(sdk_heap_alloc(&h, 16, 24)); /* not a power of two */
	int n = 0;
	while (sdk_heap_alloc(&h, 4000, 16))
		n++;
	assert_true(n > 50 && n < 66);
	assert_int_equal(sdk_heap_init(&h, a, 16), -1);
	assert_int_equal(sdk_heap_init(&h, (void *)UINTPTR_MAX, 64), -1);
	free(a);
}

static struct sdk_heap shared_heap;

static void *churn(void *arg)
{
	uintptr_t id = (uintptr_t)arg;

	for (int i = 0; i < 2000; i++) {
		uint8_t *p = sdk_heap_alloc(&shared_heap, 32 + (size_t)(i % 7) * 16, 16);

		if (!p)
			continue;
		memset(p, (int)id, 32);
		for (int k = 0; k < 32; k++)
			assert_int_equal(p[k], (uint8_t)id);
		assert_int_equal(sdk_heap_free(&shared_heap, p), 0);
	}
	return NULL;
}

static void test_concurrent_use(void **state)
{
	uint8_t *a = arena_new(&shared_heap, ARENA);
	size_t total = sdk_heap_free_bytes(&shared_heap);
	pthread_t t[4];

	(void)state;
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(sdk_heap_free_bytes(&shared_heap), total);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_in_bounds_and_aligned),
		cmocka_unit_test(test_no_overlap_and_full_reuse),
		cmocka_unit_test(test_bad_frees_refused),
		cmocka_unit_test(test_exhaustion_and_bad_args),
		cmocka_unit_test(test_concurrent_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
