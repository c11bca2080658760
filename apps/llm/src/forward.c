/*
 * The transformer forward pass for one token (llama architecture):
 *   x = embedding[token]
 *   per layer: x += Wo . attention(RoPE(Wq . n), RoPE(Wk . n), Wv . n)  with n = rmsnorm(x)
 *              x += Wdown . (silu(Wgate . n) * (Wup . n))                with n = rmsnorm(x)
 *   logits = Wout . rmsnorm(x)
 * Attention is causal over the KV cache with grouped-query heads (query head
 * h reads kv head h / (n_heads / n_kv_heads)). RoPE rotates adjacent pairs
 * (2i, 2i+1) of each head, as llama2.c does.
 *
 * Matvecs that read the same input (Q, K, V; gate and up) run as one batch,
 * split by rows over the context's thread pool; each row is computed by one
 * thread with the same code whatever the thread count, so results do not
 * depend on it.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "llm/context.h"
#include "llm/threadpool.h"

#define MAX_BATCH 3

struct matvec_job {
	const struct llm_matrix *w;
	float *out;
};

struct matvec_batch {
	struct llm_context *ctx;
	const struct llm_vec *x;
	struct matvec_job job[MAX_BATCH];
	unsigned n_jobs;
	uint32_t chunk;                 /* rows per task */
	unsigned first_task[MAX_BATCH + 1];
};

struct llm_context {
	const struct llm_model *model;
	const struct llm_allocator *alloc;
	struct llm_threadpool *pool;
	enum llm_isa isa;
	uint32_t max_seq;
	unsigned n_threads;
	/* Every buffer below is one slice of `arena`. */
	void *arena;
	size_t arena_size;
	float *x, *xb, *xb2, *q, *hb, *hb2, *att, *logits;
	float *act_scale; /* quantised activations for Q8_0 weights */
	int8_t *act_q;
	float *key_cache, *value_cache; /* [layer][pos][kv_dim] */
};

void llm_context_params_default(struct llm_context_params *p)
{
	p->n_threads = 0;
	p->max_seq = 0;
	p->isa = -1;
}

/* Carves the arena into the context's buffers; with base NULL it only sums
 * the size (each slice 64-byte aligned). Returns false on overflow. */
static bool layout(struct llm_context *c, char *base, size_t *total)
{
	const struct llm_config *m = &c->model->config;
	uint64_t wide = m->dim > m->hidden_dim ? m->dim : m->hidden_dim;
	uint64_t cache = (uint64_t)m->n_layers * c->max_seq * m->kv_dim;
	struct { void *slot; uint64_t bytes; } s[] = {
		{ &c->x, 4ull * m->dim },
		{ &c->xb, 4ull * m->dim },
		{ &c->xb2, 4ull * m->dim },
		{ &c->q, 4ull * m->dim },
		{ &c->hb, 4ull * m->hidden_dim },
		{ &c->hb2, 4ull * m->hidden_dim },
		{ &c->att, 4ull * m->n_heads * c->max_seq },
		{ &c->logits, 4ull * m->vocab_size },
		{ &c->act_scale, 4ull * (wide / LLM_Q8_0_BLOCK + 1) },
		{ &c->act_q, wide },
		{ &c->key_cache, 4ull * cache },
		{ &c->value_cache, 4ull * cache },
	};
	uint64_t off = 0;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (base)
			*(void **)s[i].slot = base + off;
		if (__builtin_add_overflow(off, (s[i].bytes + 63) & ~63ull, &off) || off > SIZE_MAX / 2)
			return false;
	}
	*total = (size_t)off;
	return true;
}

int llm_context_create(struct llm_context **out, const struct llm_model *m,
		       const struct llm_context_params *p, const struct llm_allocator *alloc,
		       struct llm_err *err)
{
	struct llm_context_params defaults;
	*out = NULL;
	if (!p) {
		llm_context_params_default(&defaults);
		p = &defaults;
	}
	if (!alloc)
		alloc = llm_allocator_default();
	struct llm_context *c = llm_alloc(alloc, sizeof(*c), _Alignof(struct llm_context));
	if (!c)
		return llm_err_set(err, -ENOMEM, "context: out of memory");
	c->model = m;
	c->alloc = alloc;
	c->max_seq = p->max_seq ? p->max_seq : m->config.seq_len;
	if (c->max_seq > m->config.seq_len)
		c->max_seq = m->config.seq_len;
	c->isa = p->isa < 0 ? llm_isa_best() : (enum llm_isa)p->isa;
	if (!llm_isa_available(c->isa)) {
		enum llm_isa isa = c->isa;
		llm_free(alloc, c, sizeof(*c));
		return llm_err_set(err, -ENOTSUP, "context: this CPU cannot run the %s kernels", llm_isa_name(isa));
	}
	c->n_threads = p->n_threads ? p->n_threads : llm_threads_default(m);
	if (c->n_threads > LLM_MAX_THREADS)
		c->n_threads = LLM_MAX_THREADS;
	uint32_t max_seq = c->max_seq;
	if (!layout(c, NULL, &c->arena_size)) {
		llm_free(alloc, c, sizeof(*c));
		return llm_err_set(err, -EOVERFLOW, "context: buffers for %u positions overflow", max_seq);
	}
	size_t arena_size = c->arena_size;
	c->arena = llm_alloc(alloc, arena_size, 64);
	if (!c->arena) {
		llm_free(alloc, c, sizeof(*c));
		return llm_err_set(err, -ENOMEM, "context: cannot allocate %zu bytes for the KV cache and scratch",
				   arena_size);
	}
	layout(c, c->arena, &c->arena_size);
	int rc = llm_threadpool_create(&c->pool, c->n_threads, alloc);
	if (rc) {
		unsigned n = c->n_threads;
		llm_context_free(c);
		return llm_err_set(err, rc, "context: cannot start %u threads", n);
	}
	*out = c;
	return 0;
}

void llm_context_free(struct llm_context *c)
{
	if (!c)
		return;
	llm_threadpool_free(c->pool);
	llm_free(c->alloc, c->arena, c->arena_size);
	llm_free(c->alloc, c, sizeof(*c));
}

uint32_t llm_context_max_seq(const struct llm_context *c) { return c->max_seq; }
unsigned llm_context_threads(const struct llm_context *c) { return c->n_threads; }
enum llm_isa llm_context_isa(const struct llm_context *c) { return c->isa; }

static void matvec_task(void *arg, unsigned task)
{
	struct matvec_batch *b = arg;
	unsigned j = 0;
	while (task >= b->first_task[j + 1])
		j++;
	const struct matvec_job *job = &b->job[j];
	uint32_t r0 = (task - b->first_task[j]) * b->chunk;
	uint32_t r1 = r0 + b->chunk < job->w->rows ? r0 + b->chunk : job->w->rows;
	llm_matvec(b->ctx->isa, job->w, b->x, job->out, r0, r1);
}

/* out_i = W_i . x for up to three matrices sharing the input x (n floats). */
static void matvec_batch(struct llm_context *c, const float *x, uint32_t n, unsigned n_jobs,
			 const struct llm_matrix *const *w, float *const *out)
{
	struct llm_vec v = { x, NULL, NULL };
	struct matvec_batch b = { .ctx = c, .x = &v, .n_jobs = n_jobs };
	uint64_t rows = 0;
	bool quantised = false;
	for (unsigned j = 0; j < n_jobs; j++) {
		b.job[j] = (struct matvec_job){ w[j], out[j] };
		rows += w[j]->rows;
		quantised |= w[j]->type == LLM_DTYPE_Q8_0;
	}
	if (quantised) {
		llm_quantize_act_q8(x, n, c->act_scale, c->act_q);
		v.scale = c->act_scale;
		v.q = c->act_q;
	}
	/* About four tasks per thread balance the load; at least 16 rows keep
	 * the per-task overhead small. */
	uint64_t chunk = (rows + 4ull * c->n_threads - 1) / (4ull * c->n_threads);
	b.chunk = (uint32_t)(chunk < 16 ? 16 : chunk);
	b.first_task[0] = 0;
	for (unsigned j = 0; j < n_jobs; j++)
		b.first_task[j + 1] = b.first_task[j] + (w[j]->rows + b.chunk - 1) / b.chunk;
	llm_threadpool_run(c->pool, matvec_task, &b, b.first_task[n_jobs]);
}

static void matvec1(struct llm_context *c, const struct llm_matrix *w, const float *x, float *out)
{
	matvec_batch(c, x, w->cols, 1, (const struct llm_matrix *const[]){ w }, (float *const[]){ out });
}

static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
	float ss = 0;
	for (uint32_t i = 0; i < n; i++)
		ss += x[i] * x[i];
	float scale = 1.0f / sqrtf(ss / (float)n + eps);
	for (uint32_t i = 0; i < n; i++)
		out[i] = w[i] * (scale * x[i]);
}

/* Rotates pairs (2i, 2i+1) of each head of v (n floats) by pos * base^(-2i/head_size). */
static void rope(float *v, uint32_t n, uint32_t head_size, uint32_t pos, float base)
{
	for (uint32_t i = 0; i < n; i += 2) {
		uint32_t hd = i % head_size;
		float freq = 1.0f / powf(base, (float)hd / (float)head_size);
		float angle = (float)pos * freq;
		float cs = cosf(angle), sn = sinf(angle);
		float a = v[i], b = v[i + 1];
		v[i] = a * cs - b * sn;
		v[i + 1] = a * sn + b * cs;
	}
}

struct attention_job {
	struct llm_context *c;
	uint32_t layer;
	uint32_t pos;
};

static void attention_head(void *arg, unsigned h)
{
	const struct attention_job *j = arg;
	struct llm_context *c = j->c;
	const struct llm_config *m = &c->model->config;
	uint32_t hs = m->head_size, kv_dim = m->kv_dim;
	uint32_t kvh = h / (m->n_heads / m->n_kv_heads);
	const float *q = c->q + (size_t)h * hs;
	float *att = c->att + (size_t)h * c->max_seq;
	size_t layer_off = (size_t)j->layer * c->max_seq * kv_dim;
	float scale = 1.0f / sqrtf((float)hs);
	float max = -INFINITY;
	for (uint32_t t = 0; t <= j->pos; t++) {
		const float *k = c->key_cache + layer_off + (size_t)t * kv_dim + (size_t)kvh * hs;
		float s = 0;
		for (uint32_t i = 0; i < hs; i++)
			s += q[i] * k[i];
		att[t] = s * scale;
		max = att[t] > max ? att[t] : max;
	}
	float sum = 0;
	for (uint32_t t = 0; t <= j->pos; t++) {
		att[t] = expf(att[t] - max);
		sum += att[t];
	}
	float *out = c->xb + (size_t)h * hs;
	memset(out, 0, hs * sizeof(float));
	for (uint32_t t = 0; t <= j->pos; t++) {
		const float *v = c->value_cache + layer_off + (size_t)t * kv_dim + (size_t)kvh * hs;
		float a = att[t] / sum;
		for (uint32_t i = 0; i < hs; i++)
			out[i] += a * v[i];
	}
}

static void attention_block(struct llm_context *c, uint32_t l, uint32_t pos)
{
	const struct llm_config *m = &c->model->config;
	const struct llm_layer *ly = &c->model->layers[l];
	size_t at = ((size_t)l * c->max_seq + pos) * m->kv_dim;
	float *k = c->key_cache + at, *v = c->value_cache + at;

	rmsnorm(c->xb, c->x, ly->attn_norm, m->dim, m->rms_eps);
	matvec_batch(c, c->xb, m->dim, 3, (const struct llm_matrix *const[]){ &ly->wq, &ly->wk, &ly->wv },
		     (float *const[]){ c->q, k, v });
	rope(c->q, m->dim, m->head_size, pos, m->rope_base);
	rope(k, m->kv_dim, m->head_size, pos, m->rope_base);
	struct attention_job job = { c, l, pos };
	llm_threadpool_run(c->pool, attention_head, &job, m->n_heads);
	matvec1(c, &ly->wo, c->xb, c->xb2);
	for (uint32_t i = 0; i < m->dim; i++)
		c->x[i] += c->xb2[i];
}

static void ffn_block(struct llm_context *c, uint32_t l)
{
	const struct llm_config *m = &c->model->config;
	const struct llm_layer *ly = &c->model->layers[l];
	rmsnorm(c->xb, c->x, ly->ffn_norm, m->dim, m->rms_eps);
	matvec_batch(c, c->xb, m->dim, 2, (const struct llm_matrix *const[]){ &ly->w_gate, &ly->w_up },
		     (float *const[]){ c->hb, c->hb2 });
	for (uint32_t i = 0; i < m->hidden_dim; i++) {
		float g = c->hb[i];
		c->hb[i] = g / (1.0f + expf(-g)) * c->hb2[i];
	}
	matvec1(c, &ly->w_down, c->hb, c->xb2);
	for (uint32_t i = 0; i < m->dim; i++)
		c->x[i] += c->xb2[i];
}

int llm_forward(struct llm_context *c, uint32_t token, uint32_t pos, const float **logits)
{
	const struct llm_model *model = c->model;
	const struct llm_config *m = &model->config;
	if (token >= m->vocab_size || pos >= c->max_seq)
		return -EINVAL;
	llm_matrix_row_f32(&model->token_embd, token, c->x);
	for (uint32_t l = 0; l < m->n_layers; l++) {
		attention_block(c, l, pos);
		ffn_block(c, l);
	}
	rmsnorm(c->x, c->x, model->output_norm, m->dim, m->rms_eps);
	matvec1(c, &model->output, c->x, c->logits);
	*logits = c->logits;
	return 0;
}
