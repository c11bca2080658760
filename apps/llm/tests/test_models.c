/* Test models and allocators (see test_models.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "llm/kernels.h"
#include "test_models.h"

void *test_gguf_model_spec(const struct llm_random_model_spec *spec, size_t *size)
{
	void *image, *copy;
	struct llm_err err;
	if (llm_random_model_gguf(spec, NULL, &image, size, &err))
		return NULL;
	copy = malloc(*size);
	if (copy)
		memcpy(copy, image, *size);
	llm_free(NULL, image, *size);
	return copy;
}

void *test_gguf_model_arch(const struct llm_random_model_spec *spec, const struct llm_random_arch *arch,
			   size_t *size)
{
	void *image, *copy;
	struct llm_err err;
	if (llm_random_model_gguf_arch(spec, arch, NULL, NULL, NULL, &image, size, &err))
		return NULL;
	copy = malloc(*size);
	if (copy)
		memcpy(copy, image, *size);
	llm_free(NULL, image, *size);
	return copy;
}

void *test_gguf_model(enum llm_dtype dtype, bool unshared, size_t *size)
{
	struct llm_random_model_spec s = { 64, 96, 2, 4, 2, 400, 32, dtype, 5, unshared, true };
	return test_gguf_model_spec(&s, size);
}

static uint8_t *put_matrix(uint8_t *o, const struct llm_matrix *w)
{
	for (uint32_t r = 0; r < w->rows; r++) {
		llm_matrix_row_f32(w, r, (float *)(void *)o);
		o += (size_t)w->cols * 4;
	}
	return o;
}

static uint8_t *put_f32(uint8_t *o, const float *v, size_t n)
{
	memcpy(o, v, n * 4);
	return o + n * 4;
}

void *test_llama2c_from_model(const struct llm_model *m, size_t *size)
{
	const struct llm_config *c = &m->config;
	size_t floats = (size_t)c->vocab_size * c->dim * (m->shared_classifier ? 1 : 2) + c->dim +
			(size_t)c->seq_len * c->head_size +
			(size_t)c->n_layers * (2 * c->dim + 2 * (size_t)c->dim * c->dim +
					       2 * (size_t)c->kv_dim * c->dim + 3 * (size_t)c->hidden_dim * c->dim);
	*size = 28 + floats * 4;
	uint8_t *buf = calloc(1, *size), *o = buf + 28;
	if (!buf)
		return NULL;
	int32_t h[7] = { (int32_t)c->dim, (int32_t)c->hidden_dim, (int32_t)c->n_layers, (int32_t)c->n_heads,
			 (int32_t)c->n_kv_heads, (int32_t)c->vocab_size * (m->shared_classifier ? 1 : -1),
			 (int32_t)c->seq_len };
	memcpy(buf, h, 28);
	o = put_matrix(o, &m->token_embd);
	const struct llm_layer *L = m->layers;
	uint32_t n = c->n_layers;
	for (uint32_t l = 0; l < n; l++) o = put_f32(o, L[l].attn_norm, c->dim);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].wq);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].wk);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].wv);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].wo);
	for (uint32_t l = 0; l < n; l++) o = put_f32(o, L[l].ffn_norm, c->dim);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].w_gate);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].w_down);
	for (uint32_t l = 0; l < n; l++) o = put_matrix(o, &L[l].w_up);
	o = put_f32(o, m->output_norm, c->dim);
	o += (size_t)c->seq_len * c->head_size * 4; /* RoPE tables: unused, zero */
	if (!m->shared_classifier)
		o = put_matrix(o, &m->output);
	return buf;
}

void *test_tokenizer_bin(const struct llm_tokenizer *t, size_t *size)
{
	*size = 4 + (size_t)t->n_vocab * 8 + t->offset[t->n_vocab];
	uint8_t *buf = malloc(*size), *o = buf + 4;
	if (!buf)
		return NULL;
	int32_t max_len = (int32_t)t->max_piece_len;
	memcpy(buf, &max_len, 4);
	for (uint32_t i = 0; i < t->n_vocab; i++) {
		int32_t len = (int32_t)(t->offset[i + 1] - t->offset[i]);
		memcpy(o, &t->score[i], 4);
		memcpy(o + 4, &len, 4);
		memcpy(o + 8, t->blob + t->offset[i], (size_t)len);
		o += 8 + len;
	}
	return buf;
}

uint8_t *test_find(void *image, size_t size, const char *s)
{
	return memmem(image, size, s, strlen(s));
}

static void *counting_alloc(void *ctx, size_t size, size_t align)
{
	struct test_alloc_state *st = ctx;
	st->count++;
	if (st->fail_at && st->count == st->fail_at)
		return NULL;
	void *p = llm_allocator_default()->alloc(NULL, size, align);
	if (p)
		st->live++;
	return p;
}

static void counting_free(void *ctx, void *ptr, size_t size)
{
	struct test_alloc_state *st = ctx;
	st->live--;
	llm_allocator_default()->free(NULL, ptr, size);
}

struct llm_allocator test_allocator(struct test_alloc_state *st)
{
	return (struct llm_allocator){ counting_alloc, counting_free, st };
}
