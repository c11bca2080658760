/*
 * The per-format loaders behind llm_model_load_memory, and the checks they
 * share. Exposed so tests and fuzzers can drive one format directly.
 */
#ifndef LLM_MODEL_LOADERS_H
#define LLM_MODEL_LOADERS_H

#include "llm/model.h"

/* Fills m from a GGUF v3 llama model in data[0..size). */
int llm_gguf_load_model(struct llm_model *m, const void *data, size_t size, struct llm_err *err);

/* Rejects hyper-parameters the engine cannot run (zero sizes, heads that do
 * not divide dim, odd head size, ...) and fills head_size and kv_dim. */
int llm_config_check(struct llm_config *c, struct llm_err *err);

#endif
