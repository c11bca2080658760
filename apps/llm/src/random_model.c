/* Random-weight GGUF llama models (see llm/random_model.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llm/gguf_writer.h"
#include "llm/kernels.h"
#include "llm/model_loaders.h"
#include "llm/random_model.h"
#include "llm/sampler.h"

struct tensor_fill {
	uint32_t rows, cols;
	enum llm_dtype type;
	uint64_t seed;
	float scale;  /* values uniform in [-scale, scale] ... */
	float offset; /* ... plus offset (norms sit around 1) */
};

static void fill_tensor(void *ctx, void *dst, uint64_t n_bytes)
{
	const struct tensor_fill *f = ctx;
	struct llm_rng rng;
	llm_rng_seed(&rng, f->seed);
	uint8_t *out = dst;
	size_t row_bytes = llm_row_bytes(f->type, f->cols);
	float row[1024];
	(void)n_bytes;
	for (uint32_t r = 0; r < f->rows; r++) {
		/* Columns are written in chunks of up to 1024 (a multiple of 32). */
		for (uint32_t c0 = 0; c0 < f->cols; c0 += 1024) {
			uint32_t n = f->cols - c0 < 1024 ? f->cols - c0 : 1024;
			for (uint32_t i = 0; i < n; i++)
				row[i] = f->offset + f->scale * (2.0f * llm_rng_float(&rng) - 1.0f);
			uint8_t *o = out + (size_t)r * row_bytes;
			switch (f->type) {
			case LLM_DTYPE_F32:
				memcpy(o + (size_t)c0 * 4, row, (size_t)n * 4);
				break;
			case LLM_DTYPE_F16:
				for (uint32_t i = 0; i < n; i++) {
					uint16_t h = llm_f32_to_f16(row[i]);
					memcpy(o + (size_t)(c0 + i) * 2, &h, 2);
				}
				break;
			case LLM_DTYPE_Q8_0:
				llm_quantize_row_q8_0(row, n, o + (size_t)c0 / 32 * 34);
				break;
			case LLM_DTYPE_Q4_0:
				llm_quantize_row_q4_0(row, n, o + (size_t)c0 / 32 * LLM_Q4_0_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q4_1:
				llm_quantize_row_q4_1(row, n, o + (size_t)c0 / 32 * LLM_Q4_1_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q5_0:
				llm_quantize_row_q5_0(row, n, o + (size_t)c0 / 32 * LLM_Q5_0_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q5_1:
				llm_quantize_row_q5_1(row, n, o + (size_t)c0 / 32 * LLM_Q5_1_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q4_K:
				llm_quantize_row_q4_k(row, n, o + (size_t)c0 / LLM_QK_K * LLM_Q4_K_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q5_K:
				llm_quantize_row_q5_k(row, n, o + (size_t)c0 / LLM_QK_K * LLM_Q5_K_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q6_K:
				llm_quantize_row_q6_k(row, n, o + (size_t)c0 / LLM_QK_K * LLM_Q6_K_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q2_K:
				llm_quantize_row_q2_k(row, n, o + (size_t)c0 / LLM_QK_K * LLM_Q2_K_BLOCK_BYTES);
				break;
			case LLM_DTYPE_Q3_K:
				llm_quantize_row_q3_k(row, n, o + (size_t)c0 / LLM_QK_K * LLM_Q3_K_BLOCK_BYTES);
				break;
			case LLM_DTYPE_BF16:
				for (uint32_t i = 0; i < n; i++) {
					uint16_t h = llm_f32_to_bf16(row[i]);
					memcpy(o + (size_t)(c0 + i) * 2, &h, 2);
				}
				break;
			}
		}
	}
}

/* The synthetic vocabulary: specials, bytes, single characters, then
 * "▁"-words of growing length so every piece can be built by merges. */
struct vocab {
	char *blob;
	const char **piece;
	size_t *len;
	float *score;
	int32_t *type;
	uint32_t n;
};

static void vocab_add(struct vocab *v, uint32_t cap, const char *s, size_t len, float score, int32_t type)
{
	if (v->n >= cap)
		return;
	char *dst = v->blob + (size_t)v->n * 16;
	memcpy(dst, s, len);
	v->piece[v->n] = dst;
	v->len[v->n] = len;
	v->score[v->n] = score;
	v->type[v->n] = type;
	v->n++;
}

static void build_vocab(struct vocab *v, uint32_t cap)
{
	static const char sp[] = "\xE2\x96\x81";
	char s[16];
	vocab_add(v, cap, "<unk>", 5, 0, 2);
	vocab_add(v, cap, "<s>", 3, 0, 3);
	vocab_add(v, cap, "</s>", 4, 0, 3);
	for (int b = 0; b < 256; b++) {
		snprintf(s, sizeof(s), "<0x%02X>", b);
		vocab_add(v, cap, s, 6, 0, 6);
	}
	vocab_add(v, cap, sp, 3, -1, 1);
	for (int c = 33; c < 127; c++) {
		s[0] = (char)c;
		vocab_add(v, cap, s, 1, -2, 1);
	}
	/* Words: "▁" + k letters, k = 1, 2, ... in base-26 order. */
	float score = -3;
	for (uint32_t k = 1; k <= 6 && v->n < cap; k++) {
		uint64_t count = 1;
		for (uint32_t i = 0; i < k; i++)
			count *= 26;
		for (uint64_t w = 0; w < count && v->n < cap; w++) {
			memcpy(s, sp, 3);
			uint64_t x = w;
			for (uint32_t i = 0; i < k; i++, x /= 26)
				s[3 + k - 1 - i] = (char)('a' + x % 26);
			vocab_add(v, cap, s, 3 + k, score, 1);
			score -= 0.001f;
		}
	}
}

static int add_tokenizer(struct gguf_writer *w, uint32_t n, const struct llm_allocator *a)
{
	struct vocab v = { 0 };
	v.blob = llm_alloc_array(a, n, 16, 16);
	v.piece = llm_alloc_array(a, n, sizeof(*v.piece), 8);
	v.len = llm_alloc_array(a, n, sizeof(*v.len), 8);
	v.score = llm_alloc_array(a, n, sizeof(*v.score), 4);
	v.type = llm_alloc_array(a, n, sizeof(*v.type), 4);
	int rc = 0;
	if (!v.blob || !v.piece || !v.len || !v.score || !v.type) {
		rc = -ENOMEM;
	} else {
		build_vocab(&v, n);
		if (v.n < n)
			rc = -EINVAL;
	}
	if (!rc) {
		gguf_writer_string(w, "tokenizer.ggml.model", "llama");
		gguf_writer_strings(w, "tokenizer.ggml.tokens", v.piece, v.len, n);
		gguf_writer_f32s(w, "tokenizer.ggml.scores", v.score, n);
		gguf_writer_i32s(w, "tokenizer.ggml.token_type", v.type, n);
		gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", 1);
		gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", 2);
		gguf_writer_u32(w, "tokenizer.ggml.unknown_token_id", 0);
	}
	llm_free(a, v.blob, (size_t)n * 16);
	llm_free(a, v.piece, (size_t)n * sizeof(*v.piece));
	llm_free(a, v.len, (size_t)n * sizeof(*v.len));
	llm_free(a, v.score, (size_t)n * sizeof(*v.score));
	llm_free(a, v.type, (size_t)n * sizeof(*v.type));
	return rc;
}

static enum gguf_tensor_type gguf_type(enum llm_dtype t)
{
	return t == LLM_DTYPE_F16    ? GGUF_TENSOR_F16
	       : t == LLM_DTYPE_Q8_0 ? GGUF_TENSOR_Q8_0
	       : t == LLM_DTYPE_Q4_0 ? GGUF_TENSOR_Q4_0
	       : t == LLM_DTYPE_Q5_0 ? GGUF_TENSOR_Q5_0
	       : t == LLM_DTYPE_Q4_1 ? GGUF_TENSOR_Q4_1
	       : t == LLM_DTYPE_Q5_1 ? GGUF_TENSOR_Q5_1
	       : t == LLM_DTYPE_Q2_K ? GGUF_TENSOR_Q2_K
	       : t == LLM_DTYPE_Q3_K ? GGUF_TENSOR_Q3_K
	       : t == LLM_DTYPE_Q4_K ? GGUF_TENSOR_Q4_K
	       : t == LLM_DTYPE_Q5_K ? GGUF_TENSOR_Q5_K
	       : t == LLM_DTYPE_Q6_K ? GGUF_TENSOR_Q6_K
	       : t == LLM_DTYPE_BF16 ? GGUF_TENSOR_BF16
				     : GGUF_TENSOR_F32;
}

/* Adds tensor number *k (its fill state in fills[*k], its seed seed + *k). */
static void add_tensor(struct gguf_writer *w, struct tensor_fill *fills, size_t *k, const char *name,
		       uint32_t rows, uint32_t cols, enum llm_dtype type, uint64_t seed, float scale,
		       float offset)
{
	struct tensor_fill *f = &fills[*k];
	*f = (struct tensor_fill){ rows, cols, type, seed + *k, scale, offset };
	(*k)++;
	uint64_t dims[2] = { cols, rows };
	gguf_writer_tensor(w, name, rows == 1 ? 1 : 2, dims, gguf_type(type), NULL, fill_tensor, f);
}

int llm_random_model_gguf(const struct llm_random_model_spec *s, const struct llm_allocator *alloc,
			  void **image, size_t *size, struct llm_err *err)
{
	return llm_random_model_gguf_with(s, NULL, NULL, alloc, image, size, err);
}

int llm_random_model_gguf_with(const struct llm_random_model_spec *s,
			       void (*add_metadata)(struct gguf_writer *w, void *ctx), void *ctx,
			       const struct llm_allocator *alloc, void **image, size_t *size,
			       struct llm_err *err)
{
	struct llm_config c = { s->dim, s->hidden_dim, s->n_layers, s->n_heads, s->n_kv_heads,
				s->vocab_size, s->seq_len, 0, 0, 1e-5f, 10000.0f };
	int rc = llm_config_check(&c, err);
	if (rc)
		return rc;
	if ((s->dtype == LLM_DTYPE_Q8_0 || s->dtype == LLM_DTYPE_Q4_0 || s->dtype == LLM_DTYPE_Q5_0 ||
	     s->dtype == LLM_DTYPE_Q4_1 || s->dtype == LLM_DTYPE_Q5_1) && (c.dim % 32 || c.hidden_dim % 32))
		return llm_err_set(err, -EINVAL, "random model: %s needs dim and hidden_dim multiples of 32",
				   llm_dtype_name(s->dtype));
	if (llm_dtype_wants_q8_k(s->dtype) && (c.dim % LLM_QK_K || c.hidden_dim % LLM_QK_K))
		return llm_err_set(err, -EINVAL, "random model: %s needs dim and hidden_dim multiples of 256",
				   llm_dtype_name(s->dtype));
	if (s->with_tokenizer && c.vocab_size < 259 + 1 + 94)
		return llm_err_set(err, -EINVAL, "random model: a tokenizer needs a vocabulary of at least 354");
	size_t n_fill = 3 + 9 * (size_t)c.n_layers + 1;
	struct tensor_fill *fills = llm_alloc_array(alloc, n_fill, sizeof(*fills), 8);
	if (!fills)
		return llm_err_set(err, -ENOMEM, "random model: out of memory");
	struct gguf_writer w;
	gguf_writer_init(&w, alloc);
	gguf_writer_string(&w, "general.architecture", "llama");
	gguf_writer_string(&w, "general.name", "caec random llama");
	gguf_writer_u32(&w, "llama.context_length", c.seq_len);
	gguf_writer_u32(&w, "llama.embedding_length", c.dim);
	gguf_writer_u32(&w, "llama.feed_forward_length", c.hidden_dim);
	gguf_writer_u32(&w, "llama.block_count", c.n_layers);
	gguf_writer_u32(&w, "llama.attention.head_count", c.n_heads);
	gguf_writer_u32(&w, "llama.attention.head_count_kv", c.n_kv_heads);
	gguf_writer_u32(&w, "llama.rope.dimension_count", c.head_size);
	gguf_writer_f32(&w, "llama.attention.layer_norm_rms_epsilon", c.rms_eps);
	gguf_writer_f32(&w, "llama.rope.freq_base", c.rope_base);
	rc = s->with_tokenizer ? add_tokenizer(&w, c.vocab_size, alloc) : 0;
	if (add_metadata)
		add_metadata(&w, ctx);

	enum llm_dtype t = s->dtype;
	uint64_t seed = s->seed * 1000003u;
	float sd = 1.0f / sqrtf((float)c.dim), sh = 1.0f / sqrtf((float)c.hidden_dim);
	size_t k = 0;
	char name[64];
	add_tensor(&w, fills, &k, "token_embd.weight", c.vocab_size, c.dim, t, seed, 1.0f, 0);
	for (uint32_t l = 0; l < c.n_layers; l++) {
#define N(x) (snprintf(name, sizeof(name), "blk.%u." x, l), name)
		add_tensor(&w, fills, &k, N("attn_norm.weight"), 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("attn_q.weight"), c.dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_k.weight"), c.kv_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_v.weight"), c.kv_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_output.weight"), c.dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_norm.weight"), 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("ffn_gate.weight"), c.hidden_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_up.weight"), c.hidden_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_down.weight"), c.dim, c.hidden_dim, t, seed, sh, 0);
#undef N
	}
	add_tensor(&w, fills, &k, "output_norm.weight", 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
	if (s->unshared_classifier)
		add_tensor(&w, fills, &k, "output.weight", c.vocab_size, c.dim, t, seed, sd, 0);
	if (!rc)
		rc = gguf_writer_finish(&w, image, size);
	gguf_writer_release(&w);
	llm_free(alloc, fills, n_fill * sizeof(*fills));
	if (rc)
		return llm_err_set(err, rc, "random model: cannot build the GGUF image (%d)", rc);
	return 0;
}
