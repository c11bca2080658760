/*
 * GGUF v3 container parser.
 *
 * A GGUF file is a header (magic "GGUF", version, tensor and metadata
 * counts), a list of typed key/value metadata entries, a list of tensor
 * descriptors (name, dimensions, element type, offset) and an aligned data
 * section. gguf_parse() reads all of it from a byte range that the caller
 * keeps alive (usually an mmapped file): strings, arrays and tensor data are
 * returned as pointers into that range, never copied. Every count, length,
 * offset and size is checked against the range with overflow-safe
 * arithmetic before it is used, so a hostile file produces an error message
 * and never an out-of-range read.
 *
 * Dimensions follow GGML's convention: dims[0] is the contiguous one, so a
 * row-major matrix with R rows of C columns has dims = {C, R}.
 */
#ifndef LLM_GGUF_H
#define LLM_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/alloc.h"
#include "llm/error.h"

#define GGUF_MAGIC 0x46554747u /* "GGUF" read as little-endian uint32 */
#define GGUF_VERSION 3u
#define GGUF_DEFAULT_ALIGNMENT 32u
#define GGUF_MAX_DIMS 4u

enum gguf_value_type {
	GGUF_TYPE_UINT8 = 0,
	GGUF_TYPE_INT8 = 1,
	GGUF_TYPE_UINT16 = 2,
	GGUF_TYPE_INT16 = 3,
	GGUF_TYPE_UINT32 = 4,
	GGUF_TYPE_INT32 = 5,
	GGUF_TYPE_FLOAT32 = 6,
	GGUF_TYPE_BOOL = 7,
	GGUF_TYPE_STRING = 8,
	GGUF_TYPE_ARRAY = 9,
	GGUF_TYPE_UINT64 = 10,
	GGUF_TYPE_INT64 = 11,
	GGUF_TYPE_FLOAT64 = 12,
	GGUF_TYPE_COUNT
};

/* The GGML tensor element types this engine can compute with. */
enum gguf_tensor_type {
	GGUF_TENSOR_F32 = 0,
	GGUF_TENSOR_F16 = 1,
	GGUF_TENSOR_Q4_0 = 2,
	GGUF_TENSOR_Q4_1 = 3,
	GGUF_TENSOR_Q5_0 = 6,
	GGUF_TENSOR_Q5_1 = 7,
	GGUF_TENSOR_Q8_0 = 8,
	GGUF_TENSOR_Q2_K = 10,
	GGUF_TENSOR_Q3_K = 11,
	GGUF_TENSOR_Q4_K = 12,
	GGUF_TENSOR_Q5_K = 13,
	GGUF_TENSOR_Q6_K = 14,
	GGUF_TENSOR_BF16 = 30,
};

struct gguf_string {
	const char *ptr; /* not NUL-terminated */
	uint64_t len;
};

struct gguf_value {
	enum gguf_value_type type;
	union {
		uint64_t u64; /* UINT8..UINT64 and BOOL */
		int64_t i64;  /* INT8..INT64 */
		double f64;   /* FLOAT32, FLOAT64 */
		struct gguf_string str;
		struct {
			enum gguf_value_type elem_type; /* never ARRAY */
			uint64_t count;
			const uint8_t *data; /* raw little-endian elements */
			uint64_t bytes;
		} arr;
	};
};

struct gguf_kv {
	struct gguf_string key;
	struct gguf_value value;
};

struct gguf_tensor {
	struct gguf_string name;
	uint32_t n_dims;
	uint64_t dims[GGUF_MAX_DIMS]; /* unused dims are 1 */
	uint32_t type;                /* enum gguf_tensor_type when supported */
	uint64_t offset;              /* relative to the data section */
	uint64_t n_elements;
	uint64_t n_bytes;
	const uint8_t *data;          /* inside the parsed range */
};

struct gguf_file {
	const uint8_t *base;
	size_t size;
	uint32_t version;
	uint64_t n_kv;
	struct gguf_kv *kv;
	uint64_t n_tensors;
	struct gguf_tensor *tensors;
	uint64_t alignment;
	uint64_t data_offset;
	const struct llm_allocator *alloc;
};

/* Parses data[0..size). On success *out owns two arrays (free with
 * gguf_file_release); on failure nothing is left allocated. */
int gguf_parse(const void *data, size_t size, const struct llm_allocator *alloc,
	       struct gguf_file *out, struct llm_err *err);
void gguf_file_release(struct gguf_file *f);

/* Lookups by exact key / tensor name; NULL when absent. */
const struct gguf_kv *gguf_find_kv(const struct gguf_file *f, const char *key);
const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f, const char *name);

/* Typed accessors: -ENOENT when the key is absent, -EINVAL when its type
 * cannot represent the request (e.g. a negative value for a uint). */
int gguf_get_u64(const struct gguf_file *f, const char *key, uint64_t *out);
int gguf_get_f64(const struct gguf_file *f, const char *key, double *out);
int gguf_get_string(const struct gguf_file *f, const char *key, struct gguf_string *out);

/* Element i of an array of STRING (callers walk it in order: O(1) amortised
 * with the cursor). The parser validated every element, so this cannot fail
 * for i < count. */
struct gguf_string_cursor {
	const uint8_t *next;
	uint64_t index;
};
struct gguf_string gguf_array_string_next(struct gguf_string_cursor *c);

/* Size in bytes of one element of a scalar type; 0 for STRING/ARRAY. */
size_t gguf_scalar_size(enum gguf_value_type t);
/* Element i of an array of numbers (UINT8..INT64, FLOAT32, FLOAT64) converted
 * to float / int64 (floats truncated toward zero, clamped to int64's range,
 * NaN as 0). An array of another element type (STRING, BOOL), a value that is
 * not an array, or i >= count gives 0. */
float gguf_array_f32(const struct gguf_value *v, uint64_t i);
int64_t gguf_array_int(const struct gguf_value *v, uint64_t i);

const char *gguf_tensor_type_name(uint32_t type);

#endif
