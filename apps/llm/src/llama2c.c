/*
 * llama2.c checkpoint and tokenizer.bin parsers (formats in llm/llama2c.h).
 * Sizes are computed in uint64 with overflow checks and the whole layout is
 * checked against the file before any pointer into it is formed.
 */
#include <errno.h>
#include <string.h>

#include "llm/llama2c.h"
#include "llm/model_loaders.h"

/* A cursor handing out consecutive F32 arrays of the checkpoint. */
struct f32_cursor {
	const uint8_t *base;
	uint64_t size;
	uint64_t off;
	const char *failed; /* name of the first array that did not fit */
};

static const float *take_f32(struct f32_cursor *c, uint64_t count, const char *what)
{
	uint64_t bytes, end;
	if (c->failed)
		return NULL;
	if (__builtin_mul_overflow(count, 4, &bytes) || __builtin_add_overflow(c->off, bytes, &end) ||
	    end > c->size) {
		c->failed = what;
		return NULL;
	}
	const float *p = (const float *)(const void *)(c->base + c->off);
	c->off = end;
	return p;
}

static struct llm_matrix f32_matrix(const float *base, uint64_t index, uint32_t rows, uint32_t cols)
{
	return (struct llm_matrix){ base ? base + index * rows * cols : NULL, LLM_DTYPE_F32, rows, cols };
}

int llama2c_load_checkpoint(struct llm_model *m, const void *data, size_t size, struct llm_err *err)
{
	int32_t h[7];
	if (size < LLAMA2C_HEADER_BYTES)
		return llm_err_set(err, -EINVAL, "llama2.c: file of %zu bytes is shorter than the 28-byte header", size);
	memcpy(h, data, sizeof(h));
	for (int i = 0; i < 7; i++) {
		if (i != 5 && h[i] <= 0)
			return llm_err_set(err, -EINVAL, "llama2.c: header field %d is %d, must be positive", i, h[i]);
	}
	if (h[5] == 0 || h[5] == INT32_MIN)
		return llm_err_set(err, -EINVAL, "llama2.c: header vocab_size is %d", h[5]);
	struct llm_config *c = &m->config;
	c->dim = (uint32_t)h[0];
	c->hidden_dim = (uint32_t)h[1];
	c->n_layers = (uint32_t)h[2];
	c->n_heads = (uint32_t)h[3];
	c->n_kv_heads = (uint32_t)h[4];
	c->vocab_size = (uint32_t)(h[5] < 0 ? -h[5] : h[5]);
	c->seq_len = (uint32_t)h[6];
	c->rms_eps = 1e-5f;
	c->rope_base = 10000.0f;
	m->shared_classifier = h[5] > 0;
	int rc = llm_config_check(c, err);
	if (rc)
		return rc;

	uint64_t L = c->n_layers, dim = c->dim, hid = c->hidden_dim, kv = c->kv_dim;
	struct f32_cursor cur = { data, size, LLAMA2C_HEADER_BYTES, NULL };
	const float *emb = take_f32(&cur, (uint64_t)c->vocab_size * dim, "token embedding");
	const float *att_norm = take_f32(&cur, L * dim, "attention norms");
	const float *wq = take_f32(&cur, L * dim * dim, "wq");
	const float *wk = take_f32(&cur, L * kv * dim, "wk");
	const float *wv = take_f32(&cur, L * kv * dim, "wv");
	const float *wo = take_f32(&cur, L * dim * dim, "wo");
	const float *ffn_norm = take_f32(&cur, L * dim, "ffn norms");
	const float *w1 = take_f32(&cur, L * hid * dim, "w1");
	const float *w2 = take_f32(&cur, L * dim * hid, "w2");
	const float *w3 = take_f32(&cur, L * hid * dim, "w3");
	const float *final_norm = take_f32(&cur, dim, "final norm");
	take_f32(&cur, (uint64_t)c->seq_len * c->head_size / 2, "RoPE cos table");
	take_f32(&cur, (uint64_t)c->seq_len * c->head_size / 2, "RoPE sin table");
	const float *wcls = m->shared_classifier ? emb
			    : take_f32(&cur, (uint64_t)c->vocab_size * dim, "classifier");
	if (cur.failed)
		return llm_err_set(err, -EINVAL, "llama2.c: file of %zu bytes ends inside the %s (dims %ux%ux%u layers)",
				   size, cur.failed, c->dim, c->hidden_dim, c->n_layers);
	if (cur.off != size)
		return llm_err_set(err, -EINVAL, "llama2.c: %llu unexpected bytes after the weights (header says dim %u, %u layers, vocab %u)",
				   (unsigned long long)(size - cur.off), c->dim, c->n_layers, c->vocab_size);

	m->layers = llm_alloc_array(m->alloc, c->n_layers, sizeof(*m->layers), _Alignof(struct llm_layer));
	if (!m->layers)
		return llm_err_set(err, -ENOMEM, "llama2.c: out of memory");
	for (uint32_t l = 0; l < c->n_layers; l++) {
		struct llm_layer *ly = &m->layers[l];
		ly->attn_norm = att_norm + (size_t)l * dim;
		ly->ffn_norm = ffn_norm + (size_t)l * dim;
		ly->wq = f32_matrix(wq, l, c->dim, c->dim);
		ly->wk = f32_matrix(wk, l, c->kv_dim, c->dim);
		ly->wv = f32_matrix(wv, l, c->kv_dim, c->dim);
		ly->wo = f32_matrix(wo, l, c->dim, c->dim);
		ly->w_gate = f32_matrix(w1, l, c->hidden_dim, c->dim);
		ly->w_down = f32_matrix(w2, l, c->dim, c->hidden_dim);
		ly->w_up = f32_matrix(w3, l, c->hidden_dim, c->dim);
	}
	m->token_embd = f32_matrix(emb, 0, c->vocab_size, c->dim);
	m->output = f32_matrix(wcls, 0, c->vocab_size, c->dim);
	m->output_norm = final_norm;
	m->format = LLM_FORMAT_LLAMA2C;
	return 0;
}

/* tokenizer.bin records are validated in a first pass and then read by
 * the tokenizer builder through this callback. */
struct tokbin {
	const uint8_t *base;
	size_t size;
	size_t off;
	uint32_t next; /* index of the record at off */
};

static int tokbin_get(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err)
{
	struct tokbin *t = ctx;
	if (i == 0) {
		t->off = 4;
		t->next = 0;
	}
	if (i != t->next)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: records must be read in order");
	int32_t len;
	if (t->size - t->off < 8)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: file ends before token %u", i);
	memcpy(&p->score, t->base + t->off, 4);
	memcpy(&len, t->base + t->off + 4, 4);
	t->off += 8;
	if (len < 0 || (size_t)len > t->size - t->off)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: token %u has length %d, past the end of the file",
				   i, len);
	p->text = (const char *)t->base + t->off;
	p->len = (size_t)len;
	t->off += (size_t)len;
	t->next = i + 1;
	return 0;
}

int llama2c_load_tokenizer(struct llm_tokenizer **out, const void *data, size_t size,
			   uint32_t vocab_size, const struct llm_allocator *alloc, struct llm_err *err)
{
	*out = NULL;
	int32_t max_len;
	if (size < 4)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: file of %zu bytes has no header", size);
	memcpy(&max_len, data, 4);
	if (max_len <= 0)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: max_token_length %d is not positive", max_len);
	if (vocab_size < 3)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: vocabulary of %u tokens has no <unk>, <s>, </s>",
				   vocab_size);
	/* Each record takes at least 8 bytes: bound the count before walking. */
	if (vocab_size > (size - 4) / 8)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: %zu bytes cannot hold %u tokens", size, vocab_size);
	struct tokbin tb = { data, size, 4, 0 };
	for (uint32_t i = 0; i < vocab_size; i++) {
		struct llm_piece p;
		int rc = tokbin_get(&tb, i, &p, err);
		if (rc)
			return rc;
		if (p.len > (size_t)max_len)
			return llm_err_set(err, -EINVAL, "llama2.c tokenizer: token %u is %zu bytes, over max_token_length %d",
					   i, p.len, max_len);
	}
	if (tb.off != size)
		return llm_err_set(err, -EINVAL, "llama2.c tokenizer: %zu unexpected bytes after %u tokens",
				   size - tb.off, vocab_size);
	return llm_tokenizer_create(out, vocab_size, tokbin_get, &tb, 1, 2, 0, alloc, err);
}
