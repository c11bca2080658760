/*
 * Choosing the next token from logits: greedy (argmax, lowest id on ties),
 * or sampling from softmax(logits / temperature), optionally restricted to
 * the nucleus (the smallest set of most likely tokens whose probabilities
 * sum to at least top_p). The random numbers come from the sampler's own
 * seeded generator (xorshift64*, seeded through splitmix64), so a seed
 * reproduces a generation exactly on any machine.
 */
#ifndef LLM_SAMPLER_H
#define LLM_SAMPLER_H

#include <stdint.h>

#include "llm/alloc.h"

struct llm_rng {
	uint64_t state;
};

void llm_rng_seed(struct llm_rng *r, uint64_t seed);
uint64_t llm_rng_next(struct llm_rng *r);
float llm_rng_float(struct llm_rng *r); /* uniform in [0, 1) */

struct llm_prob {
	float p;
	uint32_t id;
};

struct llm_sampler {
	uint32_t vocab;
	float temperature; /* 0 = greedy */
	float top_p;       /* >= 1 or <= 0: no nucleus restriction */
	struct llm_rng rng;
	struct llm_prob *scratch; /* vocab entries */
	const struct llm_allocator *alloc;
};

int llm_sampler_create(struct llm_sampler **out, uint32_t vocab, float temperature, float top_p,
		       uint64_t seed, const struct llm_allocator *alloc);
void llm_sampler_free(struct llm_sampler *s);

/* Picks a token; logits (vocab floats) are used as scratch and overwritten. */
uint32_t llm_sample(struct llm_sampler *s, float *logits);

uint32_t llm_argmax(const float *v, uint32_t n);

#endif
