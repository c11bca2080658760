/* Random-weight GGUF models (see llm/random_model.h). */
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

/* Byte b in GPT-2's byte-level alphabet, as UTF-8: printable Latin-1 bytes
 * stand for themselves, the others for U+0100 onwards in byte order. */
static size_t byte_symbol(unsigned b, char *out)
{
	unsigned cp = b;
	if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) {
		unsigned k = 0;
		for (unsigned x = 0; x < b; x++)
			k += !((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174);
		cp = 256 + k;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	out[0] = (char)(0xC0 | cp >> 6);
	out[1] = (char)(0x80 | (cp & 0x3F));
	return 2;
}

/*
 * A byte-level BPE vocabulary for the qwen2 and gpt2 models (tokenizer
 * model "gpt2", as their converted files carry): the 256 byte symbols, then
 * merges "Ġ" + letter (a space before a word) and letter pairs until n - 1
 * pieces, and <|endoftext|> last as BOS and EOS. The pre-tokenizer is named
 * as llama.cpp's converter names it ("qwen2", "gpt-2"), so llama.cpp runs
 * these files too.
 */
#define BYTELEVEL_MAX_VOCAB (256u + 26 + 26 * 26 + 1)

static int add_bytelevel_tokenizer(struct gguf_writer *w, uint32_t n, enum llm_arch arch,
				   const struct llm_allocator *a)
{
	struct vocab v = { 0 };
	uint32_t n_merges = n - 257;
	v.blob = llm_alloc_array(a, n, 16, 16);
	v.piece = llm_alloc_array(a, n, sizeof(*v.piece), 8);
	v.len = llm_alloc_array(a, n, sizeof(*v.len), 8);
	v.score = llm_alloc_array(a, n, sizeof(*v.score), 4);
	v.type = llm_alloc_array(a, n, sizeof(*v.type), 4);
	char *mblob = llm_alloc_array(a, n_merges, 16, 16);
	const char **merge = llm_alloc_array(a, n_merges, sizeof(*merge), 8);
	size_t *mlen = llm_alloc_array(a, n_merges, sizeof(*mlen), 8);
	int rc = 0;
	if (!v.blob || !v.piece || !v.len || !v.score || !v.type || !mblob || !merge || !mlen) {
		rc = -ENOMEM;
		goto out;
	}
	char s[16], x[2], y[2];
	for (unsigned b = 0; b < 256; b++)
		vocab_add(&v, n, s, byte_symbol(b, s), 0, 1);
	size_t lx = byte_symbol(' ', x); /* "Ġ" */
	for (uint32_t m = 0; m < n_merges; m++) {
		size_t ly;
		if (m < 26) {
			ly = byte_symbol('a' + m, y);
		} else {
			lx = byte_symbol('a' + (m - 26) / 26, x);
			ly = byte_symbol('a' + (m - 26) % 26, y);
		}
		char *d = mblob + (size_t)m * 16;
		memcpy(d, x, lx);
		d[lx] = ' ';
		memcpy(d + lx + 1, y, ly);
		merge[m] = d;
		mlen[m] = lx + 1 + ly;
		memcpy(s, x, lx);
		memcpy(s + lx, y, ly);
		vocab_add(&v, n, s, lx + ly, 0, 1);
	}
	vocab_add(&v, n, "<|endoftext|>", 13, 0, 3);
	gguf_writer_string(w, "tokenizer.ggml.model", "gpt2");
	gguf_writer_string(w, "tokenizer.ggml.pre", arch == LLM_ARCH_QWEN2 ? "qwen2" : "gpt-2");
	gguf_writer_strings(w, "tokenizer.ggml.tokens", v.piece, v.len, n);
	gguf_writer_i32s(w, "tokenizer.ggml.token_type", v.type, n);
	gguf_writer_strings(w, "tokenizer.ggml.merges", merge, mlen, n_merges);
	gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", n - 1);
	gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", n - 1);
out:
	llm_free(a, v.blob, (size_t)n * 16);
	llm_free(a, v.piece, (size_t)n * sizeof(*v.piece));
	llm_free(a, v.len, (size_t)n * sizeof(*v.len));
	llm_free(a, v.score, (size_t)n * sizeof(*v.score));
	llm_free(a, v.type, (size_t)n * sizeof(*v.type));
	llm_free(a, mblob, (size_t)n_merges * 16);
	llm_free(a, merge, (size_t)n_merges * sizeof(*merge));
	llm_free(a, mlen, (size_t)n_merges * sizeof(*mlen));
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
	return llm_random_model_gguf_arch(s, NULL, add_metadata, ctx, alloc, image, size, err);
}

int llm_random_model_gguf_arch(const struct llm_random_model_spec *s, const struct llm_random_arch *ra,
			       void (*add_metadata)(struct gguf_writer *w, void *ctx), void *ctx,
			       const struct llm_allocator *alloc, void **image, size_t *size,
			       struct llm_err *err)
{
	static const struct llm_random_arch llama = { LLM_ARCH_LLAMA, 0 };
	if (!ra)
		ra = &llama;
	struct llm_config c = { s->dim, s->hidden_dim, s->n_layers, s->n_heads, s->n_kv_heads,
				s->vocab_size, s->seq_len, 0, 0, 1e-5f, 10000.0f, ra->arch, 1.0f };
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
	if ((unsigned)c.arch > LLM_ARCH_GPT2)
		return llm_err_set(err, -EINVAL, "random model: unknown architecture %u", (unsigned)c.arch);
	if (!(ra->rope_scaling >= 0) || (ra->rope_scaling > 0 && c.arch == LLM_ARCH_GPT2))
		return llm_err_set(err, -EINVAL, "random model: RoPE scaling needs a RoPE architecture and a factor >= 0");
	if (s->with_tokenizer && c.arch != LLM_ARCH_LLAMA && c.vocab_size > BYTELEVEL_MAX_VOCAB)
		return llm_err_set(err, -EINVAL, "random model: the byte-level tokenizer has at most %u pieces",
				   BYTELEVEL_MAX_VOCAB);
	size_t n_fill = 5 + 12 * (size_t)c.n_layers;
	struct tensor_fill *fills = llm_alloc_array(alloc, n_fill, sizeof(*fills), 8);
	if (!fills)
		return llm_err_set(err, -ENOMEM, "random model: out of memory");
	struct gguf_writer w;
	gguf_writer_init(&w, alloc);
	const char *arch = llm_arch_name(c.arch);
	bool gpt2 = c.arch == LLM_ARCH_GPT2;
	char key[96];
#define KEY(x) (snprintf(key, sizeof(key), "%s." x, arch), key)
	gguf_writer_string(&w, "general.architecture", arch);
	snprintf(key, sizeof(key), "caec random %s", arch);
	gguf_writer_string(&w, "general.name", key);
	gguf_writer_u32(&w, KEY("context_length"), c.seq_len);
	gguf_writer_u32(&w, KEY("embedding_length"), c.dim);
	gguf_writer_u32(&w, KEY("feed_forward_length"), c.hidden_dim);
	gguf_writer_u32(&w, KEY("block_count"), c.n_layers);
	gguf_writer_u32(&w, KEY("attention.head_count"), c.n_heads);
	gguf_writer_u32(&w, KEY("attention.head_count_kv"), c.n_kv_heads);
	if (gpt2) {
		gguf_writer_f32(&w, KEY("attention.layer_norm_epsilon"), c.rms_eps);
	} else {
		gguf_writer_u32(&w, KEY("rope.dimension_count"), c.head_size);
		gguf_writer_f32(&w, KEY("attention.layer_norm_rms_epsilon"), c.rms_eps);
		gguf_writer_f32(&w, KEY("rope.freq_base"), c.rope_base);
	}
	if (ra->rope_scaling > 0) {
		gguf_writer_string(&w, KEY("rope.scaling.type"), "linear");
		gguf_writer_f32(&w, KEY("rope.scaling.factor"), ra->rope_scaling);
	}
#undef KEY
	if (s->with_tokenizer)
		rc = c.arch == LLM_ARCH_LLAMA ? add_tokenizer(&w, c.vocab_size, alloc)
					      : add_bytelevel_tokenizer(&w, c.vocab_size, c.arch, alloc);
	if (add_metadata)
		add_metadata(&w, ctx);

	enum llm_dtype t = s->dtype;
	uint64_t seed = s->seed * 1000003u;
	float sd = 1.0f / sqrtf((float)c.dim), sh = 1.0f / sqrtf((float)c.hidden_dim);
	size_t k = 0;
	char name[64];
	add_tensor(&w, fills, &k, "token_embd.weight", c.vocab_size, c.dim, t, seed, 1.0f, 0);
	if (gpt2)
		add_tensor(&w, fills, &k, "position_embd.weight", c.seq_len, c.dim, t, seed, 0.5f, 0);
	for (uint32_t l = 0; l < c.n_layers && gpt2; l++) {
#define N(x) (snprintf(name, sizeof(name), "blk.%u." x, l), name)
		const enum llm_dtype f32 = LLM_DTYPE_F32;
		add_tensor(&w, fills, &k, N("attn_norm.weight"), 1, c.dim, f32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("attn_norm.bias"), 1, c.dim, f32, seed, 0.1f, 0);
		add_tensor(&w, fills, &k, N("attn_qkv.weight"), c.dim + 2 * c.kv_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_qkv.bias"), 1, c.dim + 2 * c.kv_dim, f32, seed, 0.1f, 0);
		add_tensor(&w, fills, &k, N("attn_output.weight"), c.dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_output.bias"), 1, c.dim, f32, seed, 0.1f, 0);
		add_tensor(&w, fills, &k, N("ffn_norm.weight"), 1, c.dim, f32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("ffn_norm.bias"), 1, c.dim, f32, seed, 0.1f, 0);
		add_tensor(&w, fills, &k, N("ffn_up.weight"), c.hidden_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_up.bias"), 1, c.hidden_dim, f32, seed, 0.1f, 0);
		add_tensor(&w, fills, &k, N("ffn_down.weight"), c.dim, c.hidden_dim, t, seed, sh, 0);
		add_tensor(&w, fills, &k, N("ffn_down.bias"), 1, c.dim, f32, seed, 0.1f, 0);
	}
	for (uint32_t l = 0; l < c.n_layers && !gpt2; l++) {
		add_tensor(&w, fills, &k, N("attn_norm.weight"), 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("attn_q.weight"), c.dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_k.weight"), c.kv_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_v.weight"), c.kv_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("attn_output.weight"), c.dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_norm.weight"), 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
		add_tensor(&w, fills, &k, N("ffn_gate.weight"), c.hidden_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_up.weight"), c.hidden_dim, c.dim, t, seed, sd, 0);
		add_tensor(&w, fills, &k, N("ffn_down.weight"), c.dim, c.hidden_dim, t, seed, sh, 0);
		if (c.arch == LLM_ARCH_QWEN2) {
			add_tensor(&w, fills, &k, N("attn_q.bias"), 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 0);
			add_tensor(&w, fills, &k, N("attn_k.bias"), 1, c.kv_dim, LLM_DTYPE_F32, seed, 0.1f, 0);
			add_tensor(&w, fills, &k, N("attn_v.bias"), 1, c.kv_dim, LLM_DTYPE_F32, seed, 0.1f, 0);
		}
#undef N
	}
	add_tensor(&w, fills, &k, "output_norm.weight", 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 1.0f);
	if (gpt2)
		add_tensor(&w, fills, &k, "output_norm.bias", 1, c.dim, LLM_DTYPE_F32, seed, 0.1f, 0);
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
