/*
 * A loaded llama-family model: hyper-parameters, weight matrices and (when
 * the files carry one) the tokenizer.
 *
 * Two on-disk formats load into the same struct llm_model:
 *  - llama2.c checkpoints (legacy 7-int header, F32 only, optional
 *    tokenizer.bin beside it), and
 *  - GGUF v3 with general.architecture "llama", "qwen2" or "gpt2" (enum
 *    llm_arch), matrices in any enum llm_dtype, norms and biases in F32,
 *    and the tokenizer in tokenizer.ggml.* metadata.
 * Weights are never copied: matrices point into the caller's memory range
 * (llm_model_load_memory) or into a private read-only mapping of the file
 * (llm_model_load_file), so a realm can hand the engine a range of its own
 * memory and nothing else. Only small tables (layer descriptors, the
 * tokenizer's pieces) are allocated, through the caller's allocator.
 *
 * Q and K rows are used in the order they are stored, pairs (2i, 2i+1)
 * rotated by RoPE as llama2.c does; llama GGUF files, whether llama.cpp's
 * converters or this engine's generator made them, store them in that order
 * (model_gguf.c says why). qwen2 files keep Hugging Face's order, which
 * pairs (i, i + head_size/2) instead; gpt2 has no RoPE. gpt2's fused QKV
 * matrix is not copied either: wq, wk and wv are views of its row ranges.
 */
#ifndef LLM_MODEL_H
#define LLM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/alloc.h"
#include "llm/error.h"
#include "llm/tokenizer.h"

enum llm_dtype {
	LLM_DTYPE_F32 = 0,
	LLM_DTYPE_F16 = 1,
	LLM_DTYPE_Q4_0 = 2, /* blocks of 32: f16 scale, then 16 bytes of 4-bit codes, value d * (code - 8) */
	LLM_DTYPE_Q4_1 = 3, /* blocks of 32: f16 scale d, f16 offset m, 16 bytes of nibbles: d * code + m */
	LLM_DTYPE_Q5_0 = 6, /* blocks of 32: f16 scale, 4 bytes of fifth bits, 16 bytes of nibbles */
	LLM_DTYPE_Q5_1 = 7, /* blocks of 32: f16 d, f16 m, 4 bytes of fifth bits, 16 bytes of nibbles */
	LLM_DTYPE_Q8_0 = 8, /* blocks of 32: f16 scale, then 32 int8 */
	/* K-quants: super-blocks of 256 in sub-blocks with 4-, 6- or 8-bit scales. */
	LLM_DTYPE_Q2_K = 10, /* 16 bytes of 4-bit scale/min pairs, 64 bytes of 2-bit codes, f16 d, f16 dmin */
	LLM_DTYPE_Q3_K = 11, /* 32 bytes of third bits, 64 bytes of 2-bit codes, 12 bytes of 6-bit scales, f16 d */
	LLM_DTYPE_Q4_K = 12, /* f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles */
	LLM_DTYPE_Q5_K = 13, /* as Q4_K, plus 32 bytes of fifth bits before the nibbles */
	LLM_DTYPE_Q6_K = 14, /* 128 bytes of low nibbles, 64 of high pairs, 16 int8 scales, f16 d */
	LLM_DTYPE_BF16 = 30, /* the upper half of an IEEE single */
};

#define LLM_Q8_0_BLOCK 32
#define LLM_Q8_0_BLOCK_BYTES 34
/* Q4_0: byte j of the codes holds element j in its low nibble and element
 * j + 16 in its high nibble. */
#define LLM_Q4_0_BLOCK_BYTES 18
/* Q5_0: nibbles as Q4_0; bit i of the little-endian 32-bit word after the
 * scale is bit 4 of element i's code; value d * (code - 16). */
#define LLM_Q5_0_BLOCK_BYTES 22
#define LLM_Q4_1_BLOCK_BYTES 20
/* Q5_1: Q4_1's d and m, then Q5_0's fifth-bit word and nibbles. */
#define LLM_Q5_1_BLOCK_BYTES 24

/* K-quant super-block: 256 elements; Q4_K/Q5_K in 8 sub-blocks of 32 (value
 * d * sc * code - dmin * mn), Q6_K in 16 sub-blocks of 16 (value d * sc * (code - 32)). */
#define LLM_QK_K 256
#define LLM_Q2_K_BLOCK_BYTES 84
#define LLM_Q3_K_BLOCK_BYTES 110
#define LLM_Q4_K_BLOCK_BYTES 144
#define LLM_Q5_K_BLOCK_BYTES 176
#define LLM_Q6_K_BLOCK_BYTES 210

/*
 * The block structure, named by GGUF's general.architecture:
 *  llama: RMSNorm, RoPE on pairs (2i, 2i+1) of each head, SwiGLU feed-forward;
 *  qwen2: llama plus Q/K/V biases, RoPE on pairs (i, i + head_size/2)
 *         ("NEOX" order: its converter keeps Hugging Face's Q/K row order);
 *  gpt2:  LayerNorm with weight and bias, learned positions added to the
 *         embedding, no RoPE, fused QKV, biases on every matrix, GELU
 *         feed-forward without a gate.
 */
enum llm_arch { LLM_ARCH_LLAMA = 0, LLM_ARCH_QWEN2 = 1, LLM_ARCH_GPT2 = 2 };

const char *llm_arch_name(enum llm_arch a);

/* A row-major matrix: rows x cols, each row contiguous. */
struct llm_matrix {
	const void *data;
	enum llm_dtype type;
	uint32_t rows;
	uint32_t cols;
};

struct llm_config {
	uint32_t dim;
	uint32_t hidden_dim;
	uint32_t n_layers;
	uint32_t n_heads;
	uint32_t n_kv_heads;
	uint32_t vocab_size;
	uint32_t seq_len;
	uint32_t head_size; /* dim / n_heads */
	uint32_t kv_dim;    /* n_kv_heads * head_size */
	float rms_eps;
	float rope_base;
	/* Fields below are zero for llama2.c checkpoints: llama, no scaling. */
	enum llm_arch arch;
	float rope_scale; /* positions are multiplied by this (1 / linear factor); 0 means 1 */
};

struct llm_layer {
	const float *attn_norm; /* dim */
	const float *ffn_norm;  /* dim */
	struct llm_matrix wq;   /* dim x dim */
	struct llm_matrix wk;   /* kv_dim x dim */
	struct llm_matrix wv;   /* kv_dim x dim */
	struct llm_matrix wo;   /* dim x dim */
	struct llm_matrix w_gate; /* hidden x dim (llama2.c w1) */
	struct llm_matrix w_up;   /* hidden x dim (llama2.c w3) */
	struct llm_matrix w_down; /* dim x hidden (llama2.c w2) */
	/* Biases (F32), NULL when the architecture has none: qwen2 has Q/K/V
	 * biases, gpt2 every one below (its fused QKV split into bq/bk/bv). */
	const float *bq, *bk, *bv, *bo;
	const float *b_up, *b_down;
	const float *attn_norm_b, *ffn_norm_b; /* LayerNorm shifts (gpt2) */
};

enum llm_format { LLM_FORMAT_LLAMA2C, LLM_FORMAT_GGUF };

struct llm_model {
	enum llm_format format;
	struct llm_config config;
	struct llm_matrix token_embd; /* vocab x dim */
	const float *output_norm;     /* dim */
	struct llm_matrix output;     /* vocab x dim (may alias token_embd) */
	bool shared_classifier;
	struct llm_layer *layers;
	struct llm_tokenizer *tokenizer; /* NULL when the model came without one */
	const struct llm_allocator *alloc;
	/* Set by llm_model_load_file: the mappings this model owns. */
	void *map[2];
	size_t map_size[2];
	/* gpt2: learned positions (seq_len x dim) and the final LayerNorm's shift. */
	struct llm_matrix pos_embd;
	const float *output_norm_b;
};

/* Loads from memory the caller keeps alive and unchanged for the model's
 * life. The format is recognised by its magic. tok/tok_size give a llama2.c
 * tokenizer.bin (ignored for GGUF; may be NULL). */
int llm_model_load_memory(struct llm_model **out, const void *data, size_t size,
			  const void *tok, size_t tok_size, const struct llm_allocator *alloc,
			  struct llm_err *err);

/* mmaps path (and tokenizer_path when non-NULL) read-only and loads it. A
 * failure message starts with the path of the file at fault. */
int llm_model_load_file(struct llm_model **out, const char *path, const char *tokenizer_path,
			const struct llm_allocator *alloc, struct llm_err *err);

void llm_model_free(struct llm_model *m);

/* Parameter count and bytes of weights read per token (every matrix + norms). */
uint64_t llm_model_params(const struct llm_model *m);
uint64_t llm_model_weight_bytes(const struct llm_model *m);

/* Bytes one row of a matrix of this type and width occupies. */
size_t llm_row_bytes(enum llm_dtype t, uint32_t cols);
const char *llm_dtype_name(enum llm_dtype t);

#endif
