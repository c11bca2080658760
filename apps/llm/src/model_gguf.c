/*
 * Building a model from a parsed GGUF file: the architecture from
 * general.architecture, hyper-parameters from its <arch>.* metadata, tensors
 * by llama.cpp's conventional names with their shapes and types checked, and
 * the tokenizer from tokenizer.ggml.*.
 *
 * Q and K weights are taken in stored row order, pairs (2i, 2i+1) of each
 * head rotated by RoPE, as llama2.c does. That is the order of llama GGUF
 * files as llama.cpp's converters write them too: Hugging Face checkpoints
 * keep Q and K in the "half-split" order their rotate_half needs, and the
 * converter permutes them back to the interleaved order for its adjacent-
 * pair RoPE, so no permutation is needed here (the bundled generator writes
 * the same order). qwen2's converter leaves Q and K in the half-split order,
 * which is why that architecture rotates pairs (i, i + head_size/2).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "llm/gguf.h"
#include "llm/model_loaders.h"
#include "port.h"

static int get_u32(const struct gguf_file *f, const char *key, bool required, uint32_t dflt,
		   uint32_t *out, struct llm_err *err)
{
	uint64_t v;
	int rc = gguf_get_u64(f, key, &v);
	if (rc == -ENOENT && !required) {
		*out = dflt;
		return 0;
	}
	if (rc == -ENOENT)
		return llm_err_set(err, -EINVAL, "gguf: missing metadata %s", key);
	if (rc || v > UINT32_MAX)
		return llm_err_set(err, -EINVAL, "gguf: metadata %s must be an integer in 0..2^32-1", key);
	*out = (uint32_t)v;
	return 0;
}

static int get_f32(const struct gguf_file *f, const char *key, float dflt, float *out, struct llm_err *err)
{
	double v;
	int rc = gguf_get_f64(f, key, &v);
	if (rc == -ENOENT) {
		*out = dflt;
		return 0;
	}
	if (rc || !(v > 0) || v > 1e30)
		return llm_err_set(err, -EINVAL, "gguf: metadata %s must be a positive number", key);
	*out = (float)v;
	return 0;
}

static const char *const arch_names[] = {
	[LLM_ARCH_LLAMA] = "llama",
	[LLM_ARCH_QWEN2] = "qwen2",
	[LLM_ARCH_GPT2] = "gpt2",
};

const char *llm_arch_name(enum llm_arch a)
{
	return (unsigned)a < sizeof(arch_names) / sizeof(arch_names[0]) ? arch_names[a] : "?";
}

static int read_architecture(const struct gguf_file *f, enum llm_arch *out, struct llm_err *err)
{
	struct gguf_string arch;
	int rc = gguf_get_string(f, "general.architecture", &arch);
	if (rc == -ENOENT)
		return llm_err_set(err, -EINVAL, "gguf: missing metadata general.architecture");
	if (rc)
		return llm_err_set(err, -EINVAL, "gguf: general.architecture is not a string");
	for (unsigned a = 0; a < sizeof(arch_names) / sizeof(arch_names[0]); a++)
		if (arch.len == strlen(arch_names[a]) && memcmp(arch.ptr, arch_names[a], arch.len) == 0) {
			*out = (enum llm_arch)a;
			return 0;
		}
	return llm_err_set(err, -ENOTSUP, "gguf: architecture '%.*s' is not supported (only 'llama', 'qwen2' and 'gpt2')",
			   arch.len > 32 ? 32 : (int)arch.len, arch.ptr);
}

/* "<arch>.<suffix>": every architecture's hyper-parameters carry its name. */
static const char *arch_key(char *buf, size_t size, enum llm_arch a, const char *suffix)
{
	llm_snprintf(buf, size, "%s.%s", llm_arch_name(a), suffix);
	return buf;
}

/*
 * RoPE scaling as llama.cpp reads it: <arch>.rope.scaling.type (absent
 * means linear) and the factor from <arch>.rope.scaling.factor or the older
 * <arch>.rope.scale_linear (absent or 0 means none). Only linear scaling,
 * which divides positions by the factor, is implemented; YaRN and the
 * others change the frequencies per dimension and are refused by name.
 */
static int read_rope_scaling(const struct gguf_file *f, struct llm_config *c, struct llm_err *err)
{
	char key[96];
	struct gguf_string type = { "linear", 6 };
	int rc = gguf_get_string(f, arch_key(key, sizeof(key), c->arch, "rope.scaling.type"), &type);
	if (rc && rc != -ENOENT)
		return llm_err_set(err, -EINVAL, "gguf: metadata %s is not a string", key);
	bool none = type.len == 4 && memcmp(type.ptr, "none", 4) == 0;
	if (!none && !(type.len == 6 && memcmp(type.ptr, "linear", 6) == 0))
		return llm_err_set(err, -ENOTSUP, "gguf: RoPE scaling '%.*s' is not supported (only 'linear' and 'none')",
				   type.len > 32 ? 32 : (int)type.len, type.ptr);
	double factor = 0;
	rc = gguf_get_f64(f, arch_key(key, sizeof(key), c->arch, "rope.scaling.factor"), &factor);
	if (rc == -ENOENT)
		rc = gguf_get_f64(f, arch_key(key, sizeof(key), c->arch, "rope.scale_linear"), &factor);
	if (rc == -ENOENT)
		factor = 0;
	else if (rc || !(factor >= 0) || factor > 1e6)
		return llm_err_set(err, -EINVAL, "gguf: metadata %s must be a number in 0..1e6", key);
	c->rope_scale = none || factor == 0 ? 1.0f : (float)(1.0 / factor);
	return 0;
}

static int read_config(const struct gguf_file *f, struct llm_config *c, struct llm_err *err)
{
	char key[96];
	int rc = read_architecture(f, &c->arch, err);
#define KEY(suffix) arch_key(key, sizeof(key), c->arch, suffix)
	if (!rc) rc = get_u32(f, KEY("embedding_length"), true, 0, &c->dim, err);
	if (!rc) rc = get_u32(f, KEY("feed_forward_length"), true, 0, &c->hidden_dim, err);
	if (!rc) rc = get_u32(f, KEY("block_count"), true, 0, &c->n_layers, err);
	if (!rc) rc = get_u32(f, KEY("attention.head_count"), true, 0, &c->n_heads, err);
	if (!rc) rc = get_u32(f, KEY("attention.head_count_kv"), false, c->n_heads, &c->n_kv_heads, err);
	if (!rc) rc = get_u32(f, KEY("context_length"), true, 0, &c->seq_len, err);
	/* gpt2's LayerNorm epsilon goes in the same field as the RMSNorm one. */
	if (!rc) rc = get_f32(f, KEY(c->arch == LLM_ARCH_GPT2 ? "attention.layer_norm_epsilon"
							      : "attention.layer_norm_rms_epsilon"),
			      1e-5f, &c->rms_eps, err);
	if (!rc) rc = get_f32(f, KEY("rope.freq_base"), 10000.0f, &c->rope_base, err);
	if (!rc && c->arch != LLM_ARCH_GPT2)
		rc = read_rope_scaling(f, c, err);
#undef KEY
	return rc;
}

static int find_matrix(const struct gguf_file *f, const char *name, uint32_t rows, uint32_t cols,
		       struct llm_matrix *m, bool required, struct llm_err *err)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, name);
	if (!t) {
		m->data = NULL;
		return required ? llm_err_set(err, -EINVAL, "gguf: missing tensor %s", name) : 0;
	}
	if (t->n_dims != 2 || t->dims[0] != cols || t->dims[1] != rows)
		return llm_err_set(err, -EINVAL, "gguf: tensor %s has shape [%llu, %llu] (%u dims), expected [%u, %u]",
				   name, (unsigned long long)t->dims[0], (unsigned long long)t->dims[1],
				   t->n_dims, cols, rows);
	*m = (struct llm_matrix){ t->data, (enum llm_dtype)t->type, rows, cols };
	return 0;
}

static int find_norm(const struct gguf_file *f, const char *name, uint32_t dim, const float **out,
		     struct llm_err *err)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, name);
	if (!t)
		return llm_err_set(err, -EINVAL, "gguf: missing tensor %s", name);
	if (t->type != GGUF_TENSOR_F32)
		return llm_err_set(err, -EINVAL, "gguf: tensor %s is %s, norms must be F32", name,
				   gguf_tensor_type_name(t->type));
	if (t->n_elements != dim || t->dims[0] != dim)
		return llm_err_set(err, -EINVAL, "gguf: tensor %s has %llu elements, expected %u", name,
				   (unsigned long long)t->n_elements, dim);
	*out = (const float *)(const void *)t->data;
	return 0;
}

/* A bias or norm vector of n F32; *out stays NULL when absent and optional. */
static int find_vector(const struct gguf_file *f, const char *name, uint32_t n, bool required,
		       const float **out, struct llm_err *err)
{
	const struct gguf_tensor *t = gguf_find_tensor(f, name);
	if (!t) {
		*out = NULL;
		return required ? llm_err_set(err, -EINVAL, "gguf: missing tensor %s", name) : 0;
	}
	if (t->type != GGUF_TENSOR_F32)
		return llm_err_set(err, -EINVAL, "gguf: tensor %s is %s, biases and norms must be F32", name,
				   gguf_tensor_type_name(t->type));
	return find_norm(f, name, n, out, err);
}

/* gpt2's fused Q/K/V projection: rows [0, dim) are Q, then kv_dim of K and
 * kv_dim of V, so three views of consecutive rows replace it, and its bias
 * splits the same way. */
static int load_fused_qkv(const struct gguf_file *f, const struct llm_config *c, uint32_t l,
			  struct llm_layer *ly, struct llm_err *err)
{
	char name[64];
	struct llm_matrix qkv;
	uint32_t rows = c->dim + 2 * c->kv_dim;
	llm_snprintf(name, sizeof(name), "blk.%u.attn_qkv.weight", l);
	int rc = find_matrix(f, name, rows, c->dim, &qkv, true, err);
	if (rc)
		return rc;
	size_t row = llm_row_bytes(qkv.type, c->dim); /* (gguf_parse admits only types the engine reads) */
	const uint8_t *base = qkv.data;
	ly->wq = (struct llm_matrix){ base, qkv.type, c->dim, c->dim };
	ly->wk = (struct llm_matrix){ base + (size_t)c->dim * row, qkv.type, c->kv_dim, c->dim };
	ly->wv = (struct llm_matrix){ base + (size_t)(c->dim + c->kv_dim) * row, qkv.type, c->kv_dim, c->dim };
	const float *b;
	llm_snprintf(name, sizeof(name), "blk.%u.attn_qkv.bias", l);
	rc = find_vector(f, name, rows, true, &b, err);
	if (rc)
		return rc;
	ly->bq = b;
	ly->bk = b + c->dim;
	ly->bv = b + c->dim + c->kv_dim;
	return 0;
}

static int load_layer_gpt2(const struct gguf_file *f, const struct llm_config *c, uint32_t l,
			   struct llm_layer *ly, struct llm_err *err)
{
	char name[64];
#define NAME(suffix) (llm_snprintf(name, sizeof(name), "blk.%u." suffix, l), name)
	int rc = find_norm(f, NAME("attn_norm.weight"), c->dim, &ly->attn_norm, err);
	if (!rc) rc = find_vector(f, NAME("attn_norm.bias"), c->dim, true, &ly->attn_norm_b, err);
	if (!rc) rc = load_fused_qkv(f, c, l, ly, err);
	if (!rc) rc = find_matrix(f, NAME("attn_output.weight"), c->dim, c->dim, &ly->wo, true, err);
	if (!rc) rc = find_vector(f, NAME("attn_output.bias"), c->dim, true, &ly->bo, err);
	if (!rc) rc = find_norm(f, NAME("ffn_norm.weight"), c->dim, &ly->ffn_norm, err);
	if (!rc) rc = find_vector(f, NAME("ffn_norm.bias"), c->dim, true, &ly->ffn_norm_b, err);
	if (!rc) rc = find_matrix(f, NAME("ffn_up.weight"), c->hidden_dim, c->dim, &ly->w_up, true, err);
	if (!rc) rc = find_vector(f, NAME("ffn_up.bias"), c->hidden_dim, true, &ly->b_up, err);
	if (!rc) rc = find_matrix(f, NAME("ffn_down.weight"), c->dim, c->hidden_dim, &ly->w_down, true, err);
	if (!rc) rc = find_vector(f, NAME("ffn_down.bias"), c->dim, true, &ly->b_down, err);
#undef NAME
	return rc;
}

static int load_layer(const struct gguf_file *f, const struct llm_config *c, uint32_t l,
		      struct llm_layer *ly, struct llm_err *err)
{
	char name[64];
#define NAME(suffix) (llm_snprintf(name, sizeof(name), "blk.%u." suffix, l), name)
	int rc = find_norm(f, NAME("attn_norm.weight"), c->dim, &ly->attn_norm, err);
	if (!rc) rc = find_norm(f, NAME("ffn_norm.weight"), c->dim, &ly->ffn_norm, err);
	if (!rc) rc = find_matrix(f, NAME("attn_q.weight"), c->dim, c->dim, &ly->wq, true, err);
	if (!rc) rc = find_matrix(f, NAME("attn_k.weight"), c->kv_dim, c->dim, &ly->wk, true, err);
	if (!rc) rc = find_matrix(f, NAME("attn_v.weight"), c->kv_dim, c->dim, &ly->wv, true, err);
	if (!rc) rc = find_matrix(f, NAME("attn_output.weight"), c->dim, c->dim, &ly->wo, true, err);
	if (!rc) rc = find_matrix(f, NAME("ffn_gate.weight"), c->hidden_dim, c->dim, &ly->w_gate, true, err);
	if (!rc) rc = find_matrix(f, NAME("ffn_up.weight"), c->hidden_dim, c->dim, &ly->w_up, true, err);
	if (!rc) rc = find_matrix(f, NAME("ffn_down.weight"), c->dim, c->hidden_dim, &ly->w_down, true, err);
	/* qwen2 always has Q/K/V biases; llama.cpp reads them for llama too
	 * when a file has them, and so does this loader. */
	bool qwen2 = c->arch == LLM_ARCH_QWEN2;
	if (!rc) rc = find_vector(f, NAME("attn_q.bias"), c->dim, qwen2, &ly->bq, err);
	if (!rc) rc = find_vector(f, NAME("attn_k.bias"), c->kv_dim, qwen2, &ly->bk, err);
	if (!rc) rc = find_vector(f, NAME("attn_v.bias"), c->kv_dim, qwen2, &ly->bv, err);
	if (!rc) rc = find_vector(f, NAME("attn_output.bias"), c->dim, false, &ly->bo, err);
#undef NAME
	return rc;
}

/* The vocabulary as the tokenizer builder reads it. */
struct gguf_vocab {
	const struct gguf_value *tokens;
	const struct gguf_value *scores; /* NULL: all 0 */
	struct gguf_string_cursor cur;
};

static int vocab_get(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err)
{
	struct gguf_vocab *v = ctx;
	if (i == 0)
		v->cur = (struct gguf_string_cursor){ v->tokens->arr.data, 0 };
	if (v->cur.index != i)
		return llm_err_set(err, -EINVAL, "gguf: vocabulary must be read in order");
	struct gguf_string s = gguf_array_string_next(&v->cur);
	p->text = s.ptr;
	p->len = (size_t)s.len;
	p->score = v->scores ? gguf_array_f32(v->scores, i) : 0.0f;
	return 0;
}

/* The merges as the BPE builder reads them (in order, like the pieces). */
struct gguf_merges {
	const struct gguf_value *merges;
	struct gguf_string_cursor cur;
};

static int merge_get(void *ctx, uint32_t i, const char **text, size_t *len, struct llm_err *err)
{
	struct gguf_merges *g = ctx;
	if (i == 0)
		g->cur = (struct gguf_string_cursor){ g->merges->arr.data, 0 };
	if (g->cur.index != i)
		return llm_err_set(err, -EINVAL, "gguf: merges must be read in order");
	struct gguf_string s = gguf_array_string_next(&g->cur);
	*text = s.ptr;
	*len = (size_t)s.len;
	return 0;
}

static bool is_string(const struct gguf_string *s, const char *lit)
{
	return s->len == strlen(lit) && memcmp(s->ptr, lit, s->len) == 0;
}

/* An optional id: UINT32_MAX when absent. */
static int get_opt_id(const struct gguf_file *f, const char *key, uint32_t *out, struct llm_err *err)
{
	return get_u32(f, key, false, UINT32_MAX, out, err);
}

static int load_bpe(const struct gguf_file *f, uint32_t n, const struct llm_allocator *alloc,
		    struct llm_tokenizer **out, struct gguf_vocab *v, struct llm_err *err)
{
	const struct gguf_kv *merges = gguf_find_kv(f, "tokenizer.ggml.merges");
	if (!merges)
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.merges missing (a gpt2 tokenizer needs its merges)");
	if (merges->value.type != GGUF_TYPE_ARRAY || merges->value.arr.elem_type != GGUF_TYPE_STRING ||
	    merges->value.arr.count > UINT32_MAX / 4)
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.merges must be an array of strings");
	struct llm_bpe_spec spec = { .pretok = LLM_PRETOK_GPT2 };
	struct gguf_string pre;
	int rc = gguf_get_string(f, "tokenizer.ggml.pre", &pre);
	if (rc == 0) {
		rc = llm_pretok_by_name(pre.ptr, (size_t)pre.len, &spec.pretok, err);
		if (rc)
			return rc;
	} else if (rc != -ENOENT) {
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.pre is not a string");
	}
	const struct gguf_kv *types = gguf_find_kv(f, "tokenizer.ggml.token_type");
	int32_t *type = NULL;
	if (types) {
		const struct gguf_value *tv = &types->value;
		if (tv->type != GGUF_TYPE_ARRAY || tv->arr.count != n || tv->arr.elem_type == GGUF_TYPE_STRING ||
		    tv->arr.elem_type == GGUF_TYPE_BOOL || tv->arr.elem_type == GGUF_TYPE_FLOAT32 ||
		    tv->arr.elem_type == GGUF_TYPE_FLOAT64)
			return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.token_type must be an array of %u integers", n);
		type = llm_alloc_array(alloc, n, sizeof(int32_t), 4);
		if (!type)
			return llm_err_set(err, -ENOMEM, "gguf: out of memory");
		for (uint32_t i = 0; i < n; i++) {
			int64_t x = gguf_array_int(tv, i);
			type[i] = x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : (int32_t)x;
		}
	}
	uint64_t add_bos = 0;
	rc = get_opt_id(f, "tokenizer.ggml.bos_token_id", &spec.bos_id, err);
	if (!rc) rc = get_opt_id(f, "tokenizer.ggml.eos_token_id", &spec.eos_id, err);
	const struct gguf_kv *ab = gguf_find_kv(f, "tokenizer.ggml.add_bos_token");
	if (!rc && ab) {
		if (ab->value.type == GGUF_TYPE_BOOL)
			add_bos = ab->value.u64;
		else
			rc = llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.add_bos_token must be a bool");
	}
	if (!rc) {
		struct gguf_merges gm = { &merges->value, { NULL, 0 } };
		spec.n_merges = (uint32_t)merges->value.arr.count;
		spec.get_merge = merge_get;
		spec.merge_ctx = &gm;
		spec.token_type = type;
		spec.add_bos = add_bos != 0;
		rc = llm_tokenizer_create_bpe(out, n, vocab_get, v, &spec, alloc, err);
	}
	llm_free(alloc, type, (size_t)n * sizeof(int32_t));
	return rc;
}

/* The tokenizer of n pieces described by f's tokenizer.* metadata. */
static int load_tokenizer_n(const struct gguf_file *f, const struct gguf_kv *tokens, uint32_t n,
			    const struct llm_allocator *alloc, struct llm_tokenizer **out, struct llm_err *err)
{
	struct gguf_string model = { "llama", 5 };
	int rc = gguf_get_string(f, "tokenizer.ggml.model", &model);
	if (rc && rc != -ENOENT)
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.model is not a string");
	bool bpe = is_string(&model, "gpt2");
	if (!bpe && !is_string(&model, "llama"))
		return llm_err_set(err, -ENOTSUP, "gguf: tokenizer model '%.*s' is not supported (only 'llama' and 'gpt2')",
				   model.len > 32 ? 32 : (int)model.len, model.ptr);
	if (tokens->value.type != GGUF_TYPE_ARRAY || tokens->value.arr.elem_type != GGUF_TYPE_STRING ||
	    tokens->value.arr.count != n)
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.tokens must be an array of %u strings", n);
	const struct gguf_kv *scores = gguf_find_kv(f, "tokenizer.ggml.scores");
	if (scores && (scores->value.type != GGUF_TYPE_ARRAY ||
		       scores->value.arr.elem_type != GGUF_TYPE_FLOAT32 || scores->value.arr.count != n))
		return llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.scores must be an array of %u FLOAT32", n);
	struct gguf_vocab v = { &tokens->value, scores ? &scores->value : NULL, { NULL, 0 } };
	if (bpe) {
		rc = load_bpe(f, n, alloc, out, &v, err);
	} else {
		uint32_t bos, eos, unk;
		rc = get_u32(f, "tokenizer.ggml.bos_token_id", false, 1, &bos, err);
		if (!rc) rc = get_u32(f, "tokenizer.ggml.eos_token_id", false, 2, &eos, err);
		if (!rc) rc = get_u32(f, "tokenizer.ggml.unknown_token_id", false, 0, &unk, err);
		if (!rc)
			rc = llm_tokenizer_create(out, n, vocab_get, &v, bos, eos, unk, alloc, err);
	}
	if (rc)
		return rc;
	struct gguf_string tmpl;
	if (gguf_get_string(f, "tokenizer.chat_template", &tmpl) == 0)
		(*out)->chat_template = llm_chat_detect(tmpl.ptr, (size_t)tmpl.len);
	return 0;
}

static int load_tokenizer(const struct gguf_file *f, struct llm_model *m, struct llm_err *err)
{
	const struct gguf_kv *tokens = gguf_find_kv(f, "tokenizer.ggml.tokens");
	if (!tokens)
		return 0; /* a model without a tokenizer still runs on token ids */
	return load_tokenizer_n(f, tokens, m->config.vocab_size, m->alloc, &m->tokenizer, err);
}

int llm_gguf_load_tokenizer(struct llm_tokenizer **out, const void *data, size_t size,
			    const struct llm_allocator *alloc, struct llm_err *err)
{
	*out = NULL;
	if (!alloc)
		alloc = llm_allocator_default();
	struct gguf_file f;
	int rc = gguf_parse(data, size, alloc, &f, err);
	if (rc)
		return rc;
	const struct gguf_kv *tokens = gguf_find_kv(&f, "tokenizer.ggml.tokens");
	if (!tokens || tokens->value.type != GGUF_TYPE_ARRAY || tokens->value.arr.count == 0 ||
	    tokens->value.arr.count > UINT32_MAX)
		rc = llm_err_set(err, -EINVAL, "gguf: tokenizer.ggml.tokens missing or not a non-empty array");
	else
		rc = load_tokenizer_n(&f, tokens, (uint32_t)tokens->value.arr.count, alloc, out, err);
	gguf_file_release(&f);
	return rc;
}

static int load_from(const struct gguf_file *f, struct llm_model *m, struct llm_err *err)
{
	struct llm_config *c = &m->config;
	int rc = read_config(f, c, err);
	if (rc)
		return rc;
	const struct gguf_tensor *emb = gguf_find_tensor(f, "token_embd.weight");
	if (!emb)
		return llm_err_set(err, -EINVAL, "gguf: missing tensor token_embd.weight");
	if (emb->n_dims != 2 || emb->dims[1] > UINT32_MAX)
		return llm_err_set(err, -EINVAL, "gguf: tensor token_embd.weight must be a [dim, vocab] matrix");
	c->vocab_size = (uint32_t)emb->dims[1];
	uint32_t declared_vocab;
	char key[96];
	rc = get_u32(f, arch_key(key, sizeof(key), c->arch, "vocab_size"), false, c->vocab_size, &declared_vocab, err);
	if (rc)
		return rc;
	if (declared_vocab != c->vocab_size)
		return llm_err_set(err, -EINVAL, "gguf: %s %u disagrees with token_embd.weight (%u rows)",
				   key, declared_vocab, c->vocab_size);
	rc = llm_config_check(c, err);
	if (rc)
		return rc;
	bool gpt2 = c->arch == LLM_ARCH_GPT2;
	if (!gpt2) {
		uint32_t rope_dims;
		rc = get_u32(f, arch_key(key, sizeof(key), c->arch, "rope.dimension_count"), false, c->head_size,
			     &rope_dims, err);
		if (rc)
			return rc;
		if (rope_dims != c->head_size)
			return llm_err_set(err, -ENOTSUP, "gguf: %s %u differs from the head size %u", key,
					   rope_dims, c->head_size);
	}
	rc = find_matrix(f, "token_embd.weight", c->vocab_size, c->dim, &m->token_embd, true, err);
	if (!rc) rc = find_norm(f, "output_norm.weight", c->dim, &m->output_norm, err);
	if (!rc && gpt2) rc = find_vector(f, "output_norm.bias", c->dim, true, &m->output_norm_b, err);
	/* One learned position per context slot: the context cannot outgrow it. */
	if (!rc && gpt2)
		rc = find_matrix(f, "position_embd.weight", c->seq_len, c->dim, &m->pos_embd, true, err);
	if (!rc) rc = find_matrix(f, "output.weight", c->vocab_size, c->dim, &m->output, false, err);
	if (rc)
		return rc;
	m->shared_classifier = m->output.data == NULL;
	if (m->shared_classifier)
		m->output = m->token_embd;
	m->layers = llm_alloc_array(m->alloc, c->n_layers, sizeof(*m->layers), _Alignof(struct llm_layer));
	if (!m->layers)
		return llm_err_set(err, -ENOMEM, "gguf: out of memory");
	for (uint32_t l = 0; l < c->n_layers && !rc; l++)
		rc = gpt2 ? load_layer_gpt2(f, c, l, &m->layers[l], err) : load_layer(f, c, l, &m->layers[l], err);
	if (!rc)
		rc = load_tokenizer(f, m, err);
	m->format = LLM_FORMAT_GGUF;
	return rc;
}

int llm_gguf_load_model(struct llm_model *m, const void *data, size_t size, struct llm_err *err)
{
	struct gguf_file f;
	int rc = gguf_parse(data, size, m->alloc, &f, err);
	if (rc)
		return rc;
	rc = load_from(&f, m, err);
	gguf_file_release(&f); /* the model keeps pointers into data, not into f */
	return rc;
}
