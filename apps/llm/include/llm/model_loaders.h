/*
 * The per-format loaders behind llm_model_load_memory, and the checks they
 * share. Exposed so tests and fuzzers can drive one format directly.
 */
#ifndef LLM_MODEL_LOADERS_H
#define LLM_MODEL_LOADERS_H

#include "llm/model.h"

/* Fills m from a GGUF v3 llama model in data[0..size). */
int llm_gguf_load_model(struct llm_model *m, const void *data, size_t size, struct llm_err *err);

/* Only the tokenizer of a GGUF file (e.g. a vocabulary-only file), sized by
 * its tokenizer.ggml.tokens. The tokenizer copies what it keeps: data may go
 * once this returns. */
int llm_gguf_load_tokenizer(struct llm_tokenizer **out, const void *data, size_t size,
			    const struct llm_allocator *alloc, struct llm_err *err);

/* Rejects hyper-parameters the engine cannot run (zero sizes, heads that do
 * not divide dim, odd head size, ...) and fills head_size and kv_dim. */
int llm_config_check(struct llm_config *c, struct llm_err *err);

#endif
