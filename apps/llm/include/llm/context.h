/*
 * An inference context: the mutable state of one generation over a model.
 *
 * It holds the KV cache (keys and values of every layer for positions
 * 0..max_seq-1), the activation scratch buffers and the thread pool, all
 * allocated through the caller's allocator when the context is created, so
 * llm_forward() allocates nothing. Several contexts may share one model.
 *
 * llm_forward(token, pos) runs the transformer for one token at position
 * pos, reading the cache for positions < pos and writing it at pos, and
 * returns the logits over the vocabulary. Feeding a prompt is calling it for
 * positions 0, 1, 2, ... in order.
 */
#ifndef LLM_CONTEXT_H
#define LLM_CONTEXT_H

#include <stdint.h>

#include "llm/kernels.h"
#include "llm/model.h"

struct llm_context;

struct llm_context_params {
	unsigned n_threads; /* including the caller; 0 = number of online CPUs */
	uint32_t max_seq;   /* KV cache length; 0 = the model's seq_len */
	int isa;            /* enum llm_isa, or -1 for the best the CPU has */
};

void llm_context_params_default(struct llm_context_params *p);

int llm_context_create(struct llm_context **out, const struct llm_model *m,
		       const struct llm_context_params *p, const struct llm_allocator *alloc,
		       struct llm_err *err);
void llm_context_free(struct llm_context *c);

/* Returns 0 and *logits (vocab_size floats, valid until the next call), or
 * -EINVAL for a token outside the vocabulary or pos >= max_seq. */
int llm_forward(struct llm_context *c, uint32_t token, uint32_t pos, const float **logits);

uint32_t llm_context_max_seq(const struct llm_context *c);
unsigned llm_context_threads(const struct llm_context *c);
enum llm_isa llm_context_isa(const struct llm_context *c);

#endif
