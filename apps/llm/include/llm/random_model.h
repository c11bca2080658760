/*
 * Random-weight llama, qwen2 and gpt2 models, built in memory as GGUF images.
 *
 * The benchmark needs models of realistic shape without shipping weights,
 * and the tests and fuzzers need small valid models to load and corrupt.
 * Weights are drawn from the library's seeded generator (so a seed gives
 * the same model everywhere), scaled so activations stay in a sane range;
 * matrices are stored in the requested type, norms always in F32. A
 * synthetic sentencepiece-style vocabulary (specials, 256 byte fallbacks,
 * letters and "▁"-prefixed pieces) makes the model usable with text.
 */
#ifndef LLM_RANDOM_MODEL_H
#define LLM_RANDOM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "llm/model.h"

struct gguf_writer;

struct llm_random_model_spec {
	uint32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
	enum llm_dtype dtype;
	uint64_t seed;
	bool unshared_classifier;
	bool with_tokenizer; /* needs vocab_size >= 259 */
};

/* What sets a model apart from the default llama (all zero: llama, no
 * scaling). Kept out of the spec so that positional spec initializers stay
 * complete. */
struct llm_random_arch {
	enum llm_arch arch;  /* llama, qwen2 (Q/K/V biases) or gpt2 (llm/model.h) */
	float rope_scaling;  /* > 0: <arch>.rope.scaling.type linear with this factor */
};

int llm_random_model_gguf(const struct llm_random_model_spec *spec, const struct llm_allocator *alloc,
			  void **image, size_t *size, struct llm_err *err);
/* The same, calling add_metadata(w, ctx) after the standard metadata (for a
 * test's own tokenizer.* keys). */
int llm_random_model_gguf_with(const struct llm_random_model_spec *spec,
			       void (*add_metadata)(struct gguf_writer *w, void *ctx), void *ctx,
			       const struct llm_allocator *alloc, void **image, size_t *size,
			       struct llm_err *err);
/* The same for another architecture (arch NULL: llama). */
int llm_random_model_gguf_arch(const struct llm_random_model_spec *spec, const struct llm_random_arch *arch,
			       void (*add_metadata)(struct gguf_writer *w, void *ctx), void *ctx,
			       const struct llm_allocator *alloc, void **image, size_t *size,
			       struct llm_err *err);

#endif
