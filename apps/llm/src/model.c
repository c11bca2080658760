/*
 * Model loading entry points: format detection, file mapping and the
 * hyper-parameter checks both formats share.
 */
#include <errno.h>
#include <string.h>
#ifndef LLM_REALM
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "llm/gguf.h"
#include "llm/llama2c.h"
#include "llm/model_loaders.h"

/* Limits far above any llama-family model this engine targets; they keep
 * derived sizes (KV cache, scratch) well inside 64-bit arithmetic. */
#define MAX_DIM (1u << 16)
#define MAX_HIDDEN (1u << 18)
#define MAX_LAYERS 1024u
#define MAX_VOCAB (1u << 22)
#define MAX_SEQ (1u << 20)

int llm_config_check(struct llm_config *c, struct llm_err *err)
{
	if (!c->dim || c->dim > MAX_DIM)
		return llm_err_set(err, -EINVAL, "model: dim %u outside 1..%u", c->dim, MAX_DIM);
	if (!c->hidden_dim || c->hidden_dim > MAX_HIDDEN)
		return llm_err_set(err, -EINVAL, "model: hidden_dim %u outside 1..%u", c->hidden_dim, MAX_HIDDEN);
	if (!c->n_layers || c->n_layers > MAX_LAYERS)
		return llm_err_set(err, -EINVAL, "model: %u layers outside 1..%u", c->n_layers, MAX_LAYERS);
	if (!c->vocab_size || c->vocab_size > MAX_VOCAB)
		return llm_err_set(err, -EINVAL, "model: vocab_size %u outside 1..%u", c->vocab_size, MAX_VOCAB);
	if (!c->seq_len || c->seq_len > MAX_SEQ)
		return llm_err_set(err, -EINVAL, "model: seq_len %u outside 1..%u", c->seq_len, MAX_SEQ);
	if (!c->n_heads || c->dim % c->n_heads)
		return llm_err_set(err, -EINVAL, "model: %u heads do not divide dim %u", c->n_heads, c->dim);
	if (!c->n_kv_heads || c->n_heads % c->n_kv_heads)
		return llm_err_set(err, -EINVAL, "model: %u kv heads do not divide %u heads", c->n_kv_heads, c->n_heads);
	c->head_size = c->dim / c->n_heads;
	if (c->head_size % 2)
		return llm_err_set(err, -EINVAL, "model: head size %u is odd (RoPE rotates pairs)", c->head_size);
	c->kv_dim = c->n_kv_heads * c->head_size;
	if (!(c->rms_eps > 0) || !(c->rope_base > 0))
		return llm_err_set(err, -EINVAL, "model: rms epsilon and RoPE base must be positive");
	return 0;
}

static int is_gguf(const void *data, size_t size)
{
	uint32_t magic;
	if (size < 4)
		return 0;
	memcpy(&magic, data, 4);
	return magic == GGUF_MAGIC;
}

/* Which input a load failed on, so that a file's name can be put on it. */
enum load_part { PART_MODEL, PART_TOKENIZER };

static int load_memory(struct llm_model **out, const void *data, size_t size, const void *tok,
		       size_t tok_size, const struct llm_allocator *alloc, struct llm_err *err,
		       enum load_part *failed)
{
	*out = NULL;
	*failed = PART_MODEL;
	if (!alloc)
		alloc = llm_allocator_default();
	if (!data || size == 0)
		return llm_err_set(err, -EINVAL, "model: empty input");
	struct llm_model *m = llm_alloc(alloc, sizeof(*m), _Alignof(struct llm_model));
	if (!m)
		return llm_err_set(err, -ENOMEM, "model: out of memory");
	m->alloc = alloc;
	int rc;
	if (is_gguf(data, size)) {
		rc = llm_gguf_load_model(m, data, size, err);
	} else {
		rc = llama2c_load_checkpoint(m, data, size, err);
		if (!rc && tok) {
			*failed = PART_TOKENIZER;
			rc = llama2c_load_tokenizer(&m->tokenizer, tok, tok_size, m->config.vocab_size, alloc, err);
		}
	}
	if (rc) {
		llm_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int llm_model_load_memory(struct llm_model **out, const void *data, size_t size,
			  const void *tok, size_t tok_size, const struct llm_allocator *alloc,
			  struct llm_err *err)
{
	enum load_part failed;
	return load_memory(out, data, size, tok, tok_size, alloc, err, &failed);
}

#ifdef LLM_REALM
/* A realm has no files: its model arrives in its memory (llm_model_load_memory). */
int llm_model_load_file(struct llm_model **out, const char *path, const char *tokenizer_path,
			const struct llm_allocator *alloc, struct llm_err *err)
{
	(void)tokenizer_path;
	(void)alloc;
	*out = NULL;
	return llm_err_set(err, -ENOSYS, "%s: a realm build loads models from memory only", path);
}
#else
/* Maps path read-only; the mapping is private so the file cannot change
 * under the engine through this process. */
static int map_file(const char *path, void **addr, size_t *size, struct llm_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return llm_err_set(err, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return llm_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return llm_err_set(err, -EINVAL, "%s: not a regular non-empty file", path);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED)
		return llm_err_set(err, -e, "%s: mmap: %s", path, strerror(e));
	*addr = p;
	*size = (size_t)st.st_size;
	return 0;
}

int llm_model_load_file(struct llm_model **out, const char *path, const char *tokenizer_path,
			const struct llm_allocator *alloc, struct llm_err *err)
{
	void *map[2] = { NULL, NULL };
	size_t size[2] = { 0, 0 };
	*out = NULL;
	int rc = map_file(path, &map[0], &size[0], err);
	if (!rc && tokenizer_path)
		rc = map_file(tokenizer_path, &map[1], &size[1], err);
	if (!rc) {
		enum load_part failed;
		rc = load_memory(out, map[0], size[0], map[1], size[1], alloc, err, &failed);
		if (rc && err) {
			/* "tokenizer.bin: llama2.c tokenizer: ...": the file at fault first. */
			char why[sizeof(err->msg)];
			memcpy(why, err->msg, sizeof(why));
			llm_err_format(err, "%s: %s", failed == PART_TOKENIZER ? tokenizer_path : path, why);
		}
	}
	if (rc) {
		for (int i = 0; i < 2; i++)
			if (map[i])
				munmap(map[i], size[i]);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		(*out)->map[i] = map[i];
		(*out)->map_size[i] = size[i];
	}
	return 0;
}
#endif

void llm_model_free(struct llm_model *m)
{
	if (!m)
		return;
	llm_tokenizer_free(m->tokenizer);
	if (m->layers)
		llm_free(m->alloc, m->layers, (size_t)m->config.n_layers * sizeof(*m->layers));
#ifndef LLM_REALM
	for (int i = 0; i < 2; i++)
		if (m->map[i])
			munmap(m->map[i], m->map_size[i]);
#endif
	llm_free(m->alloc, m, sizeof(*m));
}

size_t llm_row_bytes(enum llm_dtype t, uint32_t cols)
{
	switch (t) {
	case LLM_DTYPE_F32: return (size_t)cols * 4;
	case LLM_DTYPE_F16: return (size_t)cols * 2;
	case LLM_DTYPE_Q4_0: return (size_t)cols / 32 * LLM_Q4_0_BLOCK_BYTES;
	case LLM_DTYPE_Q5_0: return (size_t)cols / 32 * LLM_Q5_0_BLOCK_BYTES;
	case LLM_DTYPE_Q4_1: return (size_t)cols / 32 * LLM_Q4_1_BLOCK_BYTES;
	case LLM_DTYPE_Q5_1: return (size_t)cols / 32 * LLM_Q5_1_BLOCK_BYTES;
	case LLM_DTYPE_Q2_K: return (size_t)cols / LLM_QK_K * LLM_Q2_K_BLOCK_BYTES;
	case LLM_DTYPE_Q3_K: return (size_t)cols / LLM_QK_K * LLM_Q3_K_BLOCK_BYTES;
	case LLM_DTYPE_Q4_K: return (size_t)cols / LLM_QK_K * LLM_Q4_K_BLOCK_BYTES;
	case LLM_DTYPE_Q5_K: return (size_t)cols / LLM_QK_K * LLM_Q5_K_BLOCK_BYTES;
	case LLM_DTYPE_Q6_K: return (size_t)cols / LLM_QK_K * LLM_Q6_K_BLOCK_BYTES;
	case LLM_DTYPE_BF16: return (size_t)cols * 2;
	case LLM_DTYPE_Q8_0: return (size_t)cols / LLM_Q8_0_BLOCK * LLM_Q8_0_BLOCK_BYTES;
	}
	return 0;
}

const char *llm_dtype_name(enum llm_dtype t)
{
	switch (t) {
	case LLM_DTYPE_F32: return "f32";
	case LLM_DTYPE_F16: return "f16";
	case LLM_DTYPE_Q4_0: return "q4_0";
	case LLM_DTYPE_Q5_0: return "q5_0";
	case LLM_DTYPE_Q4_1: return "q4_1";
	case LLM_DTYPE_Q5_1: return "q5_1";
	case LLM_DTYPE_Q2_K: return "q2_k";
	case LLM_DTYPE_Q3_K: return "q3_k";
	case LLM_DTYPE_Q4_K: return "q4_k";
	case LLM_DTYPE_Q5_K: return "q5_k";
	case LLM_DTYPE_Q6_K: return "q6_k";
	case LLM_DTYPE_BF16: return "bf16";
	case LLM_DTYPE_Q8_0: return "q8_0";
	}
	return "?";
}

static uint64_t matrix_bytes(const struct llm_matrix *w)
{
	if (!w->data) /* absent: gpt2 has no gate */
		return 0;
	return (uint64_t)w->rows * llm_row_bytes(w->type, w->cols);
}

uint64_t llm_model_params(const struct llm_model *m)
{
	const struct llm_config *c = &m->config;
	bool gpt2 = c->arch == LLM_ARCH_GPT2;
	uint64_t per_layer = 2ull * c->dim * c->dim + 2ull * c->kv_dim * c->dim +
			     (gpt2 ? 2ull : 3ull) * c->hidden_dim * c->dim + 2ull * c->dim;
	const struct llm_layer *ly = c->n_layers ? &m->layers[0] : NULL;
	if (ly && ly->bq)
		per_layer += c->dim + 2ull * c->kv_dim;
	if (ly && ly->bo)
		per_layer += c->dim;
	if (gpt2) /* LayerNorm shifts, feed-forward biases */
		per_layer += 2ull * c->dim + c->hidden_dim + c->dim;
	uint64_t p = per_layer * c->n_layers + (uint64_t)c->vocab_size * c->dim + c->dim;
	if (!m->shared_classifier)
		p += (uint64_t)c->vocab_size * c->dim;
	if (m->pos_embd.data)
		p += (uint64_t)c->seq_len * c->dim + c->dim;
	return p;
}

uint64_t llm_model_weight_bytes(const struct llm_model *m)
{
	const struct llm_config *c = &m->config;
	uint64_t b = matrix_bytes(&m->output) + 4ull * c->dim + 4ull * c->dim; /* + one embedding row approx */
	for (uint32_t l = 0; l < c->n_layers; l++) {
		const struct llm_layer *ly = &m->layers[l];
		b += matrix_bytes(&ly->wq) + matrix_bytes(&ly->wk) + matrix_bytes(&ly->wv) +
		     matrix_bytes(&ly->wo) + matrix_bytes(&ly->w_gate) + matrix_bytes(&ly->w_up) +
		     matrix_bytes(&ly->w_down) + 8ull * c->dim;
	}
	return b;
}
