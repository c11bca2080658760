/*
 * Writing GGUF v3 images in memory: used to build the random-weight models
 * of `caec bench llm`, the models the tests load and mutate, and fuzzing
 * seeds. Metadata and tensor descriptors are staged as they are added;
 * gguf_writer_finish() allocates the image once, lays out header, metadata,
 * descriptors and the aligned data section, and asks each tensor's fill
 * callback to write its bytes in place, so a 400 MB model is never copied.
 */
#ifndef LLM_GGUF_WRITER_H
#define LLM_GGUF_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "llm/gguf.h"

/* Writes exactly n_bytes of tensor data at dst. */
typedef void (*gguf_fill_fn)(void *ctx, void *dst, uint64_t n_bytes);

struct gguf_writer_buf {
	uint8_t *p;
	size_t len, cap;
};

struct gguf_writer_tensor {
	uint64_t n_bytes;
	gguf_fill_fn fill;
	void *ctx;
	const void *src; /* used when fill is NULL: copied */
};

struct gguf_writer {
	const struct llm_allocator *alloc;
	struct gguf_writer_buf kv, info;
	uint64_t n_kv, n_tensors;
	struct gguf_writer_tensor *tensors;
	size_t tensors_cap;
	uint64_t data_size;
	uint32_t alignment;
	int failed; /* first error (negative errno); sticky */
};

void gguf_writer_init(struct gguf_writer *w, const struct llm_allocator *alloc);
void gguf_writer_release(struct gguf_writer *w);

void gguf_writer_u32(struct gguf_writer *w, const char *key, uint32_t v);
void gguf_writer_f32(struct gguf_writer *w, const char *key, float v);
void gguf_writer_string(struct gguf_writer *w, const char *key, const char *v);
void gguf_writer_strings(struct gguf_writer *w, const char *key, const char *const *v,
			 const size_t *lens, uint64_t n);
void gguf_writer_f32s(struct gguf_writer *w, const char *key, const float *v, uint64_t n);
void gguf_writer_i32s(struct gguf_writer *w, const char *key, const int32_t *v, uint64_t n);

/* dims in GGML order (dims[0] contiguous). Either src (copied) or fill. */
void gguf_writer_tensor(struct gguf_writer *w, const char *name, uint32_t n_dims,
			const uint64_t *dims, enum gguf_tensor_type type, const void *src,
			gguf_fill_fn fill, void *fill_ctx);

/* The finished image (allocated with the writer's allocator; free with
 * llm_free(alloc, image, size)). Returns the sticky error if any call failed. */
int gguf_writer_finish(struct gguf_writer *w, void **image, size_t *size);

#endif
