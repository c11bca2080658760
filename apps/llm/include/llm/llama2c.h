/*
 * llama2.c checkpoint and tokenizer.bin formats.
 *
 * A checkpoint ("legacy" version 0) is a header of seven little-endian
 * int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 * seq_len) followed by F32 arrays: token embedding, all layers' attention
 * norms, wq, wk, wv, wo, ffn norms, w1, w2, w3, the final norm, two unused
 * RoPE tables (seq_len * head_size / 2 floats each) and, only when
 * vocab_size is negative in the header, a separate classifier matrix
 * (otherwise the embedding doubles as the classifier).
 *
 * tokenizer.bin is an int32 max_token_length followed, for every token of
 * the model's vocabulary, by a float32 score, an int32 byte length and the
 * bytes. By llama2.c's convention ids 0, 1, 2 are <unk>, <s>, </s>.
 */
#ifndef LLM_LLAMA2C_H
#define LLM_LLAMA2C_H

#include <stddef.h>
#include <stdint.h>

#include "llm/model.h"

#define LLAMA2C_HEADER_BYTES 28

/* Fills m->config, weights and m->layers (allocated with m->alloc) from a
 * checkpoint in data[0..size). */
int llama2c_load_checkpoint(struct llm_model *m, const void *data, size_t size, struct llm_err *err);

/* Parses a tokenizer.bin for a vocabulary of vocab_size tokens. */
int llama2c_load_tokenizer(struct llm_tokenizer **out, const void *data, size_t size,
			   uint32_t vocab_size, const struct llm_allocator *alloc, struct llm_err *err);

#endif
