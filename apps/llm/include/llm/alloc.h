/*
 * Memory for the inference engine comes from a caller-supplied allocator.
 *
 * The engine is meant to live inside a realm, where every byte it touches
 * (weights, KV cache, scratch) must come from the realm's own memory. So no
 * function in this library calls malloc directly: each takes a
 * struct llm_allocator and routes every buffer through it. Passing NULL
 * selects llm_allocator_default(), which wraps the C library.
 */
#ifndef LLM_ALLOC_H
#define LLM_ALLOC_H

#include <stddef.h>

struct llm_allocator {
	/* Returns size bytes aligned to align (a power of two), or NULL. */
	void *(*alloc)(void *ctx, size_t size, size_t align);
	/* Releases a block from alloc; size is the size it was allocated with. */
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

/* The C library's aligned allocation; a static constant, never NULL. */
const struct llm_allocator *llm_allocator_default(void);

/* alloc/free through a (possibly NULL = default) allocator. Zero-filled. */
void *llm_alloc(const struct llm_allocator *a, size_t size, size_t align);
/* n * size with overflow check; NULL on overflow or failure. Zero-filled. */
void *llm_alloc_array(const struct llm_allocator *a, size_t n, size_t size, size_t align);
void llm_free(const struct llm_allocator *a, void *ptr, size_t size);

#endif
