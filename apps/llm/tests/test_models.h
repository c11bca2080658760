/*
 * Helpers shared by the llm tests: small random models in both formats and
 * allocators that count or fail, to check that every buffer is returned and
 * that running out of memory is handled.
 */
#ifndef LLM_TEST_MODELS_H
#define LLM_TEST_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "llm/model.h"
#include "llm/random_model.h"

/* A small GGUF model (dim 64, hidden 96, 2 layers, 4 heads, 2 kv heads,
 * vocab 400 with tokenizer, seq 32) of the given type. Free with free(). */
void *test_gguf_model(enum llm_dtype dtype, bool unshared, size_t *size);
void *test_gguf_model_spec(const struct llm_random_model_spec *spec, size_t *size);
/* The same for another architecture (llm_random_model_gguf_arch). */
void *test_gguf_model_arch(const struct llm_random_model_spec *spec, const struct llm_random_arch *arch,
			   size_t *size);

/* The same weights as a F32 GGUF model, in llama2.c layout. Free with free(). */
void *test_llama2c_from_model(const struct llm_model *m, size_t *size);

/* A tokenizer.bin holding the model's vocabulary. Free with free(). */
void *test_tokenizer_bin(const struct llm_tokenizer *t, size_t *size);

/* Locates a byte string in an image (the first occurrence), or NULL. */
uint8_t *test_find(void *image, size_t size, const char *s);

/* Counts live allocations; fails the n-th allocation when fail_at == n. */
struct test_alloc_state {
	long live;
	long count;
	long fail_at; /* 0: never */
};
struct llm_allocator test_allocator(struct test_alloc_state *st);

#endif
