/* GGUF v3 image writer (see llm/gguf_writer.h). */
#include <errno.h>
#include <string.h>

#include "llm/gguf_writer.h"
#include "llm/model.h"

static void buf_put(struct gguf_writer *w, struct gguf_writer_buf *b, const void *p, size_t n)
{
	if (w->failed)
		return;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				w->failed = -EOVERFLOW;
				return;
			}
			cap *= 2;
		}
		uint8_t *q = llm_alloc(w->alloc, cap, 16);
		if (!q) {
			w->failed = -ENOMEM;
			return;
		}
		if (b->len)
			memcpy(q, b->p, b->len);
		llm_free(w->alloc, b->p, b->cap);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u32(struct gguf_writer *w, struct gguf_writer_buf *b, uint32_t v) { buf_put(w, b, &v, 4); }
static void put_u64(struct gguf_writer *w, struct gguf_writer_buf *b, uint64_t v) { buf_put(w, b, &v, 8); }

static void put_str(struct gguf_writer *w, struct gguf_writer_buf *b, const char *s, size_t n)
{
	put_u64(w, b, n);
	buf_put(w, b, s, n);
}

static void put_key(struct gguf_writer *w, const char *key, enum gguf_value_type t)
{
	put_str(w, &w->kv, key, strlen(key));
	put_u32(w, &w->kv, t);
	w->n_kv++;
}

void gguf_writer_init(struct gguf_writer *w, const struct llm_allocator *alloc)
{
	memset(w, 0, sizeof(*w));
	w->alloc = alloc ? alloc : llm_allocator_default();
	w->alignment = GGUF_DEFAULT_ALIGNMENT;
}

void gguf_writer_release(struct gguf_writer *w)
{
	llm_free(w->alloc, w->kv.p, w->kv.cap);
	llm_free(w->alloc, w->info.p, w->info.cap);
	llm_free(w->alloc, w->tensors, w->tensors_cap * sizeof(*w->tensors));
	memset(&w->kv, 0, sizeof(w->kv));
	memset(&w->info, 0, sizeof(w->info));
	w->tensors = NULL;
	w->tensors_cap = 0;
}

void gguf_writer_u32(struct gguf_writer *w, const char *key, uint32_t v)
{
	put_key(w, key, GGUF_TYPE_UINT32);
	put_u32(w, &w->kv, v);
}

void gguf_writer_f32(struct gguf_writer *w, const char *key, float v)
{
	put_key(w, key, GGUF_TYPE_FLOAT32);
	buf_put(w, &w->kv, &v, 4);
}

void gguf_writer_string(struct gguf_writer *w, const char *key, const char *v)
{
	put_key(w, key, GGUF_TYPE_STRING);
	put_str(w, &w->kv, v, strlen(v));
}

void gguf_writer_strings(struct gguf_writer *w, const char *key, const char *const *v,
			 const size_t *lens, uint64_t n)
{
	put_key(w, key, GGUF_TYPE_ARRAY);
	put_u32(w, &w->kv, GGUF_TYPE_STRING);
	put_u64(w, &w->kv, n);
	for (uint64_t i = 0; i < n; i++)
		put_str(w, &w->kv, v[i], lens ? lens[i] : strlen(v[i]));
}

void gguf_writer_f32s(struct gguf_writer *w, const char *key, const float *v, uint64_t n)
{
	put_key(w, key, GGUF_TYPE_ARRAY);
	put_u32(w, &w->kv, GGUF_TYPE_FLOAT32);
	put_u64(w, &w->kv, n);
	buf_put(w, &w->kv, v, (size_t)n * 4);
}

void gguf_writer_i32s(struct gguf_writer *w, const char *key, const int32_t *v, uint64_t n)
{
	put_key(w, key, GGUF_TYPE_ARRAY);
	put_u32(w, &w->kv, GGUF_TYPE_INT32);
	put_u64(w, &w->kv, n);
	buf_put(w, &w->kv, v, (size_t)n * 4);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void gguf_writer_tensor(struct gguf_writer *w, const char *name, uint32_t n_dims,
			const uint64_t *dims, enum gguf_tensor_type type, const void *src,
			gguf_fill_fn fill, void *fill_ctx)
{
	if (w->failed)
		return;
	uint64_t n = 1;
	for (uint32_t d = 0; d < n_dims; d++)
		n *= dims[d];
	/* The tensor types and the engine's dtypes share ggml's numbers. */
	uint32_t cols = n_dims && dims[0] ? (uint32_t)dims[0] : 1;
	uint64_t bytes = (uint64_t)llm_row_bytes((enum llm_dtype)type, cols) * (n / cols);
	if (w->n_tensors == w->tensors_cap) {
		size_t cap = w->tensors_cap ? w->tensors_cap * 2 : 16;
		struct gguf_writer_tensor *t = llm_alloc_array(w->alloc, cap, sizeof(*t), 8);
		if (!t) {
			w->failed = -ENOMEM;
			return;
		}
		if (w->tensors_cap)
			memcpy(t, w->tensors, w->tensors_cap * sizeof(*t));
		llm_free(w->alloc, w->tensors, w->tensors_cap * sizeof(*t));
		w->tensors = t;
		w->tensors_cap = cap;
	}
	w->tensors[w->n_tensors++] = (struct gguf_writer_tensor){ bytes, fill, fill_ctx, src };
	uint64_t offset = align_up(w->data_size, w->alignment);
	put_str(w, &w->info, name, strlen(name));
	put_u32(w, &w->info, n_dims);
	for (uint32_t d = 0; d < n_dims; d++)
		put_u64(w, &w->info, dims[d]);
	put_u32(w, &w->info, type);
	put_u64(w, &w->info, offset);
	w->data_size = offset + bytes;
}

int gguf_writer_finish(struct gguf_writer *w, void **image, size_t *size)
{
	*image = NULL;
	if (w->failed)
		return w->failed;
	uint64_t head = 24 + w->kv.len + w->info.len;
	uint64_t data_off = align_up(head, w->alignment);
	uint64_t total = data_off + w->data_size;
	uint8_t *p = llm_alloc(w->alloc, (size_t)total, 64);
	if (!p)
		return -ENOMEM;
	uint32_t magic = GGUF_MAGIC, version = GGUF_VERSION;
	memcpy(p, &magic, 4);
	memcpy(p + 4, &version, 4);
	memcpy(p + 8, &w->n_tensors, 8);
	memcpy(p + 16, &w->n_kv, 8);
	if (w->kv.len)
		memcpy(p + 24, w->kv.p, w->kv.len);
	if (w->info.len)
		memcpy(p + 24 + w->kv.len, w->info.p, w->info.len);
	uint64_t off = 0;
	for (uint64_t i = 0; i < w->n_tensors; i++) {
		const struct gguf_writer_tensor *t = &w->tensors[i];
		off = align_up(off, w->alignment);
		if (t->fill)
			t->fill(t->ctx, p + data_off + off, t->n_bytes);
		else
			memcpy(p + data_off + off, t->src, (size_t)t->n_bytes);
		off += t->n_bytes;
	}
	*image = p;
	*size = (size_t)total;
	return 0;
}
