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
 * returns the logits over the vocabulary. llm_forward_batch(tokens, n, pos)
 * does the same for n tokens at positions pos..pos+n-1 in one pass (each
 * weight read once per LLM_MAX_BATCH tokens rather than once per token) and
 * returns the logits of the last; the cache afterwards and those logits are
 * bitwise what n calls of llm_forward give. Feeding a prompt is one batch
 * call at position 0 (or several, at the positions that follow).
 */
#ifndef LLM_CONTEXT_H
#define LLM_CONTEXT_H

#include <stdint.h>

#include "llm/kernels.h"
#include "llm/model.h"

struct llm_context;

struct llm_context_params {
	unsigned n_threads; /* including the caller; 0 = llm_threads_default(model) */
	uint32_t max_seq;   /* KV cache length; 0 = the model's seq_len */
	int isa;            /* enum llm_isa, or -1 for the best the CPU has */
};

void llm_context_params_default(struct llm_context_params *p);

/* The most threads a context runs (a larger n_threads is capped). */
#define LLM_MAX_THREADS 64u

/*
 * Each token's matrix products are split over the threads at five
 * synchronisation points per layer. The pool's workers spin between them
 * (llm/threadpool.h), so a synchronisation costs about a microsecond rather
 * than a wake-up, and threads pay off from small models on. Measured on a
 * 2-CPU x86-64 (AVX2), 2 threads against 1, with caec llm run (100 prompt
 * tokens, 100 generated): as fast for a 0.5 MiB model (dim 64, 2 layers),
 * 1.2x generation and 1.35x prompt for 1.5 MiB (dim 128, 4 layers, Q8_0),
 * 1.5-1.65x generation and 1.8x prompt for stories15M in Q8_0, F16 and F32
 * (16-58 MiB). Hence one thread per LLM_WEIGHT_BYTES_PER_THREAD of weights
 * read per token (a single thread below twice that), which leaves each
 * thread enough rows per synchronisation to hide its cost, never more than
 * the CPUs this process may run on nor LLM_MAX_THREADS. (Before the pool
 * spun, a wake-up at every synchronisation made 2 threads slower than 1
 * below about 64 MiB, and the rule was one thread per 32 MiB.)
 */
#define LLM_WEIGHT_BYTES_PER_THREAD (512ull << 10)

/* The rule above for weight_bytes per token and cpus available (>= 1). */
unsigned llm_threads_for(uint64_t weight_bytes, unsigned cpus);
/* The CPUs this process may run on (its affinity mask), at least 1. */
unsigned llm_cpus_available(void);
/* llm_threads_for(llm_model_weight_bytes(m), llm_cpus_available()). */
unsigned llm_threads_default(const struct llm_model *m);

int llm_context_create(struct llm_context **out, const struct llm_model *m,
		       const struct llm_context_params *p, const struct llm_allocator *alloc,
		       struct llm_err *err);
void llm_context_free(struct llm_context *c);

/* Returns 0 and *logits (vocab_size floats, valid until the next call), or
 * -EINVAL for a token outside the vocabulary or pos >= max_seq. */
int llm_forward(struct llm_context *c, uint32_t token, uint32_t pos, const float **logits);

/* The tokens one batched pass takes; a longer batch runs in chunks of this. */
#define LLM_MAX_BATCH 32u

/* tokens[0..n) at positions pos..pos+n-1; 0 and the logits of the last, or
 * -EINVAL (nothing computed) for n == 0, pos + n > max_seq or a token outside
 * the vocabulary. */
int llm_forward_batch(struct llm_context *c, const uint32_t *tokens, uint32_t n, uint32_t pos,
		      const float **logits);

uint32_t llm_context_max_seq(const struct llm_context *c);
/* Tokens per batched pass: LLM_MAX_BATCH, or max_seq when smaller. */
uint32_t llm_context_max_batch(const struct llm_context *c);
unsigned llm_context_threads(const struct llm_context *c);
enum llm_isa llm_context_isa(const struct llm_context *c);

#endif
