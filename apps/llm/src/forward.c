/*
 * The transformer forward pass, for a batch of tokens at consecutive
 * positions; llama's shown, qwen2 and gpt2 differ where enum llm_arch says:
 *   x = embedding[token]
 *   per layer: x += Wo . attention(RoPE(Wq . n), RoPE(Wk . n), Wv . n)  with n = rmsnorm(x)
 *              x += Wdown . (silu(Wgate . n) * (Wup . n))                with n = rmsnorm(x)
 *   logits = Wout . rmsnorm(x)    (for the last token of the batch only)
 * Attention is causal over the KV cache with grouped-query heads (query head
 * h reads kv head h / (n_heads / n_kv_heads)); token i of a batch starting
 * at pos sees positions 0..pos+i. RoPE rotates adjacent pairs (2i, 2i+1) of
 * each head, as llama2.c does (qwen2: pairs (i, i + head_size/2); gpt2 adds
 * learned positions to the embedding instead). Biases, where the model has
 * them, are added by the task that computed the rows, before RoPE or GELU.
 *
 * Every matrix product takes all the batch's columns at once (llm_matmat),
 * so a prompt reads each weight once per batch rather than once per token.
 * A layer is five runs of the thread pool, each split by rows (attention by
 * heads), and what only needs the rows a task computed is done in that task:
 * RoPE after Q/K, the residual after Wo and Wdown, the SwiGLU product after
 * gate/up. Each row and head is computed by one thread with the same code
 * whatever the thread count and batch size, and llm_matmat equals llm_matvec
 * bit for bit, so results depend on neither: a prompt fed in batches gives
 * exactly the logits of feeding it token by token.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "llm/context.h"
#include "llm/threadpool.h"
#include "port.h"

#define MAX_JOBS 3

/* What a task does to its rows after the matrix products. */
enum epilogue {
	EPI_NONE,
	EPI_ROPE,     /* jobs 0 and 1 (Q, K) rotated, job 2 (V) as is */
	EPI_RESIDUAL, /* x += out */
	EPI_SWIGLU,   /* jobs 0 and 1 (gate, up) over the same rows: out0 = silu(out0) * out1 */
	EPI_GELU,     /* out = gelu(out) (gpt2's feed-forward) */
};

struct matmat_job {
	const struct llm_matrix *w;
	float *out; /* column j at out + j * ld */
	size_t ld;
	const float *bias; /* added to every column before the epilogue, or NULL */
};

struct matmat_stage {
	struct llm_context *ctx;
	uint32_t n_cols;
	uint32_t pos; /* of column 0 (RoPE) */
	enum epilogue epi;
	struct matmat_job job[MAX_JOBS];
	unsigned n_jobs;
	uint32_t chunk; /* rows per task */
	unsigned first_task[MAX_JOBS + 1];
};

struct llm_context {
	const struct llm_model *model;
	const struct llm_allocator *alloc;
	struct llm_threadpool *pool;
	enum llm_isa isa;
	uint32_t max_seq;
	uint32_t max_batch;
	unsigned n_threads;
	/* Every buffer below is one slice of `arena`; per-token buffers hold
	 * max_batch columns, column j of x at x + j * dim and so on. */
	void *arena;
	size_t arena_size;
	float *x, *xb, *xb2, *q, *hb, *hb2, *att, *logits;
	float *rope_freq; /* head_size / 2 */
	struct llm_vec *act; /* max_batch prepared input columns */
	size_t act_stride;   /* elements of act_q per column (act_scale: / 32) */
	float *act_scale;    /* quantised activations for Q8_0 weights */
	int8_t *act_q;
	float *act_k_scale;  /* Q8_K activations for K-quant weights (act_stride / 256 per column) */
	int8_t *act_k_q;
	int16_t *act_k_sums; /* act_stride / 16 per column */
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
	uint64_t b = c->max_batch;
	c->act_stride = (size_t)(wide + 63) & ~(size_t)63;
	struct { void *slot; uint64_t bytes; } s[] = {
		{ &c->x, 4 * b * m->dim },
		{ &c->xb, 4 * b * m->dim },
		{ &c->xb2, 4 * b * m->dim },
		{ &c->q, 4 * b * m->dim },
		{ &c->hb, 4 * b * m->hidden_dim },
		{ &c->hb2, 4 * b * m->hidden_dim },
		{ &c->att, 4ull * m->n_heads * c->max_seq },
		{ &c->logits, 4ull * m->vocab_size },
		{ &c->rope_freq, 4ull * (m->head_size / 2) },
		{ &c->act, b * sizeof(struct llm_vec) },
		{ &c->act_scale, 4 * b * (c->act_stride / LLM_Q8_0_BLOCK) },
		{ &c->act_q, b * c->act_stride },
		{ &c->act_k_scale, 4 * b * (c->act_stride / LLM_QK_K) },
		{ &c->act_k_q, b * c->act_stride },
		{ &c->act_k_sums, 2 * b * (c->act_stride / 16) },
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
	c->max_batch = c->max_seq < LLM_MAX_BATCH ? c->max_seq : LLM_MAX_BATCH;
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
	const struct llm_config *cfg = &m->config;
	/* Linear RoPE scaling divides positions by its factor: folded in here. */
	float rope_scale = cfg->rope_scale > 0 ? cfg->rope_scale : 1.0f;
	for (uint32_t i = 0; i < cfg->head_size / 2; i++)
		c->rope_freq[i] = rope_scale / llm_powf(cfg->rope_base, (float)(2 * i) / (float)cfg->head_size);
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
uint32_t llm_context_max_batch(const struct llm_context *c) { return c->max_batch; }
unsigned llm_context_threads(const struct llm_context *c) { return c->n_threads; }
enum llm_isa llm_context_isa(const struct llm_context *c) { return c->isa; }

/*
 * Makes c->act[0..n_cols) the inputs x + j * stride (n floats each) in every
 * form the matrices w[0..n_w) read: the one place that knows which weight
 * type wants which activation format.
 */
static void prepare_inputs(struct llm_context *c, const float *x, size_t stride, uint32_t n, uint32_t n_cols,
			   const struct llm_matrix *const *w, unsigned n_w)
{
	bool q8 = false, q8_k = false;
	for (unsigned k = 0; k < n_w; k++) {
		q8 |= llm_dtype_wants_q8(w[k]->type);
		q8_k |= llm_dtype_wants_q8_k(w[k]->type);
	}
	for (uint32_t j = 0; j < n_cols; j++) {
		struct llm_vec *v = &c->act[j];
		v->f = x + j * stride;
		v->scale = NULL;
		v->q = NULL;
		if (q8) {
			float *scale = c->act_scale + j * (c->act_stride / LLM_Q8_0_BLOCK);
			int8_t *q = c->act_q + j * c->act_stride;
			llm_quantize_act_q8(v->f, n, scale, q);
			v->scale = scale;
			v->q = q;
		}
		v->k_scale = NULL;
		v->k_q = NULL;
		v->k_sums = NULL;
		if (q8_k) { /* n % 256 == 0: the loader admits K-quant matrices of whole super-blocks only */
			float *scale = c->act_k_scale + j * (c->act_stride / LLM_QK_K);
			int8_t *q = c->act_k_q + j * c->act_stride;
			int16_t *sums = c->act_k_sums + j * (c->act_stride / 16);
			llm_quantize_act_q8_k(v->f, n, scale, q, sums);
			v->k_scale = scale;
			v->k_q = q;
			v->k_sums = sums;
		}
	}
}

/* Rotates pairs (i, i + head_size/2) of the whole heads in rows [r0, r1). */
static void rope_rows_neox(const struct llm_context *c, float *v, uint32_t r0, uint32_t r1, uint32_t pos)
{
	uint32_t head_size = c->model->config.head_size, half = head_size / 2;
	for (uint32_t h = r0; h + head_size <= r1; h += head_size)
		for (uint32_t i = 0; i < half; i++) {
			float angle = (float)pos * c->rope_freq[i];
			float cs = llm_cosf(angle), sn = llm_sinf(angle);
			float a = v[h + i], b = v[h + i + half];
			v[h + i] = a * cs - b * sn;
			v[h + i + half] = a * sn + b * cs;
		}
}

/* Rotates pairs (2i, 2i+1) in rows [r0, r1) (r0 even) of column v, at pos. */
static void rope_rows(const struct llm_context *c, float *v, uint32_t r0, uint32_t r1, uint32_t pos)
{
	uint32_t head_size = c->model->config.head_size;
	if (c->model->config.arch == LLM_ARCH_QWEN2) {
		rope_rows_neox(c, v, r0, r1, pos);
		return;
	}
	for (uint32_t i = r0; i + 1 < r1; i += 2) {
		float angle = (float)pos * c->rope_freq[(i % head_size) / 2];
		float cs = llm_cosf(angle), sn = llm_sinf(angle);
		float a = v[i], b = v[i + 1];
		v[i] = a * cs - b * sn;
		v[i + 1] = a * sn + b * cs;
	}
}

/* GELU in the tanh approximation (as GPT-2 was trained with, and ggml's),
 * tanh(u) written as 1 - 2 / (e^2u + 1): expf is already needed, and a
 * build without a C library then has one function fewer to provide (the
 * quotient saturates correctly at both ends, e^2u being 0 or infinite). */
static float gelu(float x)
{
	float u = 0.7978845608f * x * (1.0f + 0.044715f * x * x);
	return 0.5f * x * (2.0f - 2.0f / (llm_expf(2.0f * u) + 1.0f));
}

static void matmat_task(void *arg, unsigned task)
{
	const struct matmat_stage *s = arg;
	struct llm_context *c = s->ctx;
	unsigned j = 0;
	while (task >= s->first_task[j + 1])
		j++;
	const struct matmat_job *job = &s->job[j];
	uint32_t r0 = (task - s->first_task[j]) * s->chunk;
	uint32_t r1 = r0 + s->chunk < job->w->rows ? r0 + s->chunk : job->w->rows;
	llm_matmat(c->isa, job->w, c->act, s->n_cols, job->out, job->ld, r0, r1);
	if (job->bias)
		for (uint32_t i = 0; i < s->n_cols; i++) {
			float *o = job->out + i * job->ld;
			for (uint32_t r = r0; r < r1; r++)
				o[r] += job->bias[r];
		}
	switch (s->epi) {
	case EPI_NONE:
		break;
	case EPI_ROPE:
		if (j < 2)
			for (uint32_t i = 0; i < s->n_cols; i++)
				rope_rows(c, job->out + i * job->ld, r0, r1, s->pos + i);
		break;
	case EPI_RESIDUAL: {
		uint32_t dim = c->model->config.dim;
		for (uint32_t i = 0; i < s->n_cols; i++) {
			float *x = c->x + (size_t)i * dim;
			const float *o = job->out + i * job->ld;
			for (uint32_t r = r0; r < r1; r++)
				x[r] += o[r];
		}
		break;
	}
	case EPI_SWIGLU: {
		const struct matmat_job *up = &s->job[1];
		llm_matmat(c->isa, up->w, c->act, s->n_cols, up->out, up->ld, r0, r1);
		for (uint32_t i = 0; i < s->n_cols; i++) {
			float *g = job->out + i * job->ld;
			const float *u = up->out + i * up->ld;
			for (uint32_t r = r0; r < r1; r++)
				g[r] = g[r] / (1.0f + llm_expf(-g[r])) * u[r];
		}
		break;
	}
	case EPI_GELU:
		for (uint32_t i = 0; i < s->n_cols; i++) {
			float *o = job->out + i * job->ld;
			for (uint32_t r = r0; r < r1; r++)
				o[r] = gelu(o[r]);
		}
		break;
	}
}

/*
 * Runs the jobs over the prepared inputs c->act[0..n_cols), split into tasks
 * of whole row chunks. EPI_SWIGLU tasks cover job 0's rows and compute job 1
 * over the same rows themselves.
 */
static void run_stage(struct matmat_stage *s)
{
	struct llm_context *c = s->ctx;
	unsigned split = s->epi == EPI_SWIGLU ? 1 : s->n_jobs;
	uint64_t rows = 0;
	for (unsigned j = 0; j < split; j++)
		rows += s->job[j].w->rows;
	/* About four tasks per thread balance the load; chunks of at least 16
	 * rows (a multiple of 16, so RoPE pairs never straddle two tasks) keep
	 * the per-task overhead small. */
	uint64_t chunk = (rows + 4ull * c->n_threads - 1) / (4ull * c->n_threads);
	chunk = (chunk + 15) & ~15ull;
	s->chunk = (uint32_t)(chunk < 16 ? 16 : chunk);
	/* Half-split RoPE pairs rows a half head apart: tasks take whole heads. */
	uint32_t hs = c->model->config.head_size;
	if (s->epi == EPI_ROPE && c->model->config.arch == LLM_ARCH_QWEN2)
		s->chunk = (s->chunk + hs - 1) / hs * hs;
	s->first_task[0] = 0;
	for (unsigned j = 0; j < split; j++)
		s->first_task[j + 1] = s->first_task[j] + (s->job[j].w->rows + s->chunk - 1) / s->chunk;
	llm_threadpool_run(c->pool, matmat_task, s, s->first_task[split]);
}

static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
	float ss = 0;
	for (uint32_t i = 0; i < n; i++)
		ss += x[i] * x[i];
	float scale = 1.0f / llm_sqrtf(ss / (float)n + eps);
	for (uint32_t i = 0; i < n; i++)
		out[i] = w[i] * (scale * x[i]);
}

/* gpt2's LayerNorm: centred, scaled to unit variance, then w * . + b. */
static void layernorm(float *out, const float *x, const float *w, const float *b, uint32_t n, float eps)
{
	float sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += x[i];
	float mean = sum / (float)n, var = 0;
	for (uint32_t i = 0; i < n; i++)
		var += (x[i] - mean) * (x[i] - mean);
	float scale = 1.0f / llm_sqrtf(var / (float)n + eps);
	for (uint32_t i = 0; i < n; i++)
		out[i] = w[i] * (scale * (x[i] - mean)) + b[i];
}

/* The architecture's norm: LayerNorm when it has a shift b, else RMSNorm. */
static void norm(const struct llm_context *c, float *out, const float *x, const float *w, const float *b)
{
	const struct llm_config *m = &c->model->config;
	if (b)
		layernorm(out, x, w, b, m->dim, m->rms_eps);
	else
		rmsnorm(out, x, w, m->dim, m->rms_eps);
}

static void rmsnorm_cols(const struct llm_context *c, const float *w, const float *b, uint32_t n_cols)
{
	const struct llm_config *m = &c->model->config;
	for (uint32_t i = 0; i < n_cols; i++)
		norm(c, c->xb + (size_t)i * m->dim, c->x + (size_t)i * m->dim, w, b);
}

/*
 * Attention's inner loops in LANES independent lanes, as a GCC/Clang
 * vector type: one running sum would be a chain of dependent additions, and
 * the compiler does not vectorise a float reduction without fast-math. The
 * vector type becomes SSE or NEON (AVX where enabled) and keeps this file
 * free of ISA code; the lanes are summed in a fixed order, so the result is
 * the same for every batch size and thread count.
 */
#define LANES 8
typedef float lanes_t __attribute__((vector_size(LANES * sizeof(float))));

static float dot_lanes(const float *a, const float *b, uint32_t n)
{
	lanes_t acc = { 0 }, va, vb;
	uint32_t i = 0;
	for (; i + LANES <= n; i += LANES) {
		memcpy(&va, a + i, sizeof(va)); /* (no function returns a lanes_t: its ABI varies with -mavx) */
		memcpy(&vb, b + i, sizeof(vb));
		acc += va * vb;
	}
	float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void axpy_lanes(float *out, float a, const float *v, uint32_t n)
{
	uint32_t i = 0;
	for (; i + LANES <= n; i += LANES) {
		lanes_t o, vv;
		memcpy(&o, out + i, sizeof(o));
		memcpy(&vv, v + i, sizeof(vv));
		o += a * vv;
		memcpy(out + i, &o, sizeof(o));
	}
	for (; i < n; i++)
		out[i] += a * v[i];
}

struct attention_job {
	struct llm_context *c;
	uint32_t layer;
	uint32_t pos; /* of column 0 */
	uint32_t n_cols;
};

/* Head h of every column: query i attends to positions 0..pos+i. */
static void attention_head(void *arg, unsigned h)
{
	const struct attention_job *j = arg;
	struct llm_context *c = j->c;
	const struct llm_config *m = &c->model->config;
	uint32_t hs = m->head_size, kv_dim = m->kv_dim;
	uint32_t kvh = h / (m->n_heads / m->n_kv_heads);
	float *att = c->att + (size_t)h * c->max_seq;
	const float *keys = c->key_cache + (size_t)j->layer * c->max_seq * kv_dim + (size_t)kvh * hs;
	const float *values = c->value_cache + (size_t)j->layer * c->max_seq * kv_dim + (size_t)kvh * hs;
	float scale = 1.0f / llm_sqrtf((float)hs);
	for (uint32_t col = 0; col < j->n_cols; col++) {
		uint32_t last = j->pos + col;
		const float *q = c->q + (size_t)col * m->dim + (size_t)h * hs;
		float max = -INFINITY;
		for (uint32_t t = 0; t <= last; t++) {
			att[t] = dot_lanes(q, keys + (size_t)t * kv_dim, hs) * scale;
			max = att[t] > max ? att[t] : max;
		}
		float sum = 0;
		for (uint32_t t = 0; t <= last; t++) {
			att[t] = llm_expf(att[t] - max);
			sum += att[t];
		}
		float *out = c->xb + (size_t)col * m->dim + (size_t)h * hs;
		memset(out, 0, hs * sizeof(float));
		for (uint32_t t = 0; t <= last; t++)
			axpy_lanes(out, att[t] / sum, values + (size_t)t * kv_dim, hs);
	}
}

static void attention_block(struct llm_context *c, uint32_t l, uint32_t pos, uint32_t n_cols)
{
	const struct llm_config *m = &c->model->config;
	const struct llm_layer *ly = &c->model->layers[l];
	size_t at = ((size_t)l * c->max_seq + pos) * m->kv_dim;

	rmsnorm_cols(c, ly->attn_norm, ly->attn_norm_b, n_cols);
	prepare_inputs(c, c->xb, m->dim, m->dim, n_cols,
		       (const struct llm_matrix *const[]){ &ly->wq, &ly->wk, &ly->wv }, 3);
	struct matmat_stage qkv = {
		.ctx = c, .n_cols = n_cols, .pos = pos, .epi = m->arch == LLM_ARCH_GPT2 ? EPI_NONE : EPI_ROPE,
		.n_jobs = 3,
		.job = { { &ly->wq, c->q, m->dim, ly->bq }, { &ly->wk, c->key_cache + at, m->kv_dim, ly->bk },
			 { &ly->wv, c->value_cache + at, m->kv_dim, ly->bv } },
	};
	run_stage(&qkv);
	struct attention_job job = { c, l, pos, n_cols };
	llm_threadpool_run(c->pool, attention_head, &job, m->n_heads);
	prepare_inputs(c, c->xb, m->dim, m->dim, n_cols, (const struct llm_matrix *const[]){ &ly->wo }, 1);
	struct matmat_stage wo = {
		.ctx = c, .n_cols = n_cols, .epi = EPI_RESIDUAL, .n_jobs = 1,
		.job = { { &ly->wo, c->xb2, m->dim, ly->bo } },
	};
	run_stage(&wo);
}

static void ffn_block(struct llm_context *c, uint32_t l, uint32_t n_cols)
{
	const struct llm_config *m = &c->model->config;
	const struct llm_layer *ly = &c->model->layers[l];
	rmsnorm_cols(c, ly->ffn_norm, ly->ffn_norm_b, n_cols);
	if (m->arch == LLM_ARCH_GPT2) {
		prepare_inputs(c, c->xb, m->dim, m->dim, n_cols, (const struct llm_matrix *const[]){ &ly->w_up }, 1);
		struct matmat_stage up = {
			.ctx = c, .n_cols = n_cols, .epi = EPI_GELU, .n_jobs = 1,
			.job = { { &ly->w_up, c->hb, m->hidden_dim, ly->b_up } },
		};
		run_stage(&up);
	} else {
		prepare_inputs(c, c->xb, m->dim, m->dim, n_cols,
			       (const struct llm_matrix *const[]){ &ly->w_gate, &ly->w_up }, 2);
		struct matmat_stage gate_up = {
			.ctx = c, .n_cols = n_cols, .epi = EPI_SWIGLU, .n_jobs = 2,
			.job = { { &ly->w_gate, c->hb, m->hidden_dim, NULL }, { &ly->w_up, c->hb2, m->hidden_dim, NULL } },
		};
		run_stage(&gate_up);
	}
	prepare_inputs(c, c->hb, m->hidden_dim, m->hidden_dim, n_cols,
		       (const struct llm_matrix *const[]){ &ly->w_down }, 1);
	struct matmat_stage down = {
		.ctx = c, .n_cols = n_cols, .epi = EPI_RESIDUAL, .n_jobs = 1,
		.job = { { &ly->w_down, c->xb2, m->dim, ly->b_down } },
	};
	run_stage(&down);
}

/* Tokens [0, n) (n <= max_batch) at positions pos.., the logits of the last
 * one into c->logits when want_logits. */
static void forward_chunk(struct llm_context *c, const uint32_t *tokens, uint32_t n, uint32_t pos,
			  bool want_logits)
{
	const struct llm_model *model = c->model;
	const struct llm_config *m = &model->config;
	for (uint32_t i = 0; i < n; i++)
		llm_matrix_row_f32(&model->token_embd, tokens[i], c->x + (size_t)i * m->dim);
	if (model->pos_embd.data)
		for (uint32_t i = 0; i < n; i++) {
			float *x = c->x + (size_t)i * m->dim, *p = c->xb;
			llm_matrix_row_f32(&model->pos_embd, pos + i, p);
			for (uint32_t k = 0; k < m->dim; k++)
				x[k] += p[k];
		}
	for (uint32_t l = 0; l < m->n_layers; l++) {
		attention_block(c, l, pos, n);
		ffn_block(c, l, n);
	}
	if (!want_logits)
		return;
	float *last = c->x + (size_t)(n - 1) * m->dim;
	norm(c, c->xb, last, model->output_norm, model->output_norm_b);
	prepare_inputs(c, c->xb, m->dim, m->dim, 1, (const struct llm_matrix *const[]){ &model->output }, 1);
	struct matmat_stage out = {
		.ctx = c, .n_cols = 1, .epi = EPI_NONE, .n_jobs = 1,
		.job = { { &model->output, c->logits, m->vocab_size, NULL } },
	};
	run_stage(&out);
}

int llm_forward_batch(struct llm_context *c, const uint32_t *tokens, uint32_t n, uint32_t pos,
		      const float **logits)
{
	const struct llm_config *m = &c->model->config;
	if (n == 0 || pos >= c->max_seq || n > c->max_seq - pos)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (tokens[i] >= m->vocab_size)
			return -EINVAL;
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < c->max_batch ? n - done : c->max_batch;
		forward_chunk(c, tokens + done, k, pos + done, done + k == n);
		done += k;
	}
	*logits = c->logits;
	return 0;
}

int llm_forward(struct llm_context *c, uint32_t token, uint32_t pos, const float **logits)
{
	return llm_forward_batch(c, &token, 1, pos, logits);
}
