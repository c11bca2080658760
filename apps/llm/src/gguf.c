/*
 * GGUF v3 parser: a bounds-checked cursor walks the header, metadata and
 * tensor descriptors; nothing is read before the cursor has proven that the
 * bytes exist. Counts from the file are bounded by the bytes left before any
 * allocation sized by them, so a tiny file cannot request a huge buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "port.h"

struct cursor {
	const uint8_t *base;
	size_t size;
	size_t off;
};

static size_t remaining(const struct cursor *c)
{
	return c->size - c->off;
}

static int take(struct cursor *c, size_t n, const uint8_t **out)
{
	if (n > remaining(c))
		return -1;
	*out = c->base + c->off;
	c->off += n;
	return 0;
}

static int read_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (take(c, 4, &p))
		return -1;
	memcpy(v, p, 4); /* the format is little-endian, as is every host we build for */
	return 0;
}

static int read_u64(struct cursor *c, uint64_t *v)
{
	const uint8_t *p;
	if (take(c, 8, &p))
		return -1;
	memcpy(v, p, 8);
	return 0;
}

static int read_string(struct cursor *c, struct gguf_string *s)
{
	uint64_t len;
	const uint8_t *p;
	if (read_u64(c, &len) || len > remaining(c) || take(c, (size_t)len, &p))
		return -1;
	s->ptr = (const char *)p;
	s->len = len;
	return 0;
}

/* Printable bounded rendering of a name from the file for error messages. */
static int shown_len(const struct gguf_string *s)
{
	return s->len > 64 ? 64 : (int)s->len;
}

size_t gguf_scalar_size(enum gguf_value_type t)
{
	switch (t) {
	case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
	case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
	case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
	case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
	default: return 0;
	}
}

/* Decodes one scalar of type t at p into v. Total: a type without a scalar
 * encoding (STRING, ARRAY, an unknown number) reads nothing and decodes as 0,
 * so no caller can ever see an unset member. */
static void decode_scalar(enum gguf_value_type t, const uint8_t *p, struct gguf_value *v)
{
	*v = (struct gguf_value){ .type = t, .u64 = 0 };
	switch (t) {
	case GGUF_TYPE_UINT8: case GGUF_TYPE_BOOL: v->u64 = p[0]; break;
	case GGUF_TYPE_INT8: v->i64 = (int8_t)p[0]; break;
	case GGUF_TYPE_UINT16: { uint16_t x; memcpy(&x, p, 2); v->u64 = x; break; }
	case GGUF_TYPE_INT16: { int16_t x; memcpy(&x, p, 2); v->i64 = x; break; }
	case GGUF_TYPE_UINT32: { uint32_t x; memcpy(&x, p, 4); v->u64 = x; break; }
	case GGUF_TYPE_INT32: { int32_t x; memcpy(&x, p, 4); v->i64 = x; break; }
	case GGUF_TYPE_FLOAT32: { float x; memcpy(&x, p, 4); v->f64 = x; break; }
	case GGUF_TYPE_UINT64: memcpy(&v->u64, p, 8); break;
	case GGUF_TYPE_INT64: memcpy(&v->i64, p, 8); break;
	case GGUF_TYPE_FLOAT64: memcpy(&v->f64, p, 8); break;
	default: break;
	}
}

static int read_value(struct cursor *c, const struct gguf_string *key, struct gguf_value *v,
		      struct llm_err *err)
{
	uint32_t type;
	if (read_u32(c, &type))
		return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': value type is truncated",
				   shown_len(key), key->ptr);
	if (type >= GGUF_TYPE_COUNT)
		return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': unknown value type %u",
				   shown_len(key), key->ptr, type);
	if (type == GGUF_TYPE_STRING) {
		v->type = GGUF_TYPE_STRING;
		if (read_string(c, &v->str))
			return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': string runs past the end of the file",
					   shown_len(key), key->ptr);
		return 0;
	}
	if (type != GGUF_TYPE_ARRAY) {
		const uint8_t *p;
		if (take(c, gguf_scalar_size(type), &p))
			return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': value is truncated",
					   shown_len(key), key->ptr);
		decode_scalar(type, p, v);
		return 0;
	}
	uint32_t elem;
	uint64_t count;
	if (read_u32(c, &elem) || read_u64(c, &count))
		return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': array header is truncated",
				   shown_len(key), key->ptr);
	if (elem == GGUF_TYPE_ARRAY)
		return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': nested arrays are not supported",
				   shown_len(key), key->ptr);
	if (elem >= GGUF_TYPE_COUNT)
		return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': unknown array element type %u",
				   shown_len(key), key->ptr, elem);
	size_t start = c->off;
	if (elem == GGUF_TYPE_STRING) {
		/* Each string costs at least its 8-byte length. */
		if (count > remaining(c) / 8)
			return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': %llu strings cannot fit in the file",
					   shown_len(key), key->ptr, (unsigned long long)count);
		for (uint64_t i = 0; i < count; i++) {
			struct gguf_string s;
			if (read_string(c, &s))
				return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': string %llu runs past the end of the file",
						   shown_len(key), key->ptr, (unsigned long long)i);
		}
	} else {
		uint64_t bytes;
		const uint8_t *p;
		if (__builtin_mul_overflow(count, (uint64_t)gguf_scalar_size(elem), &bytes) ||
		    bytes > remaining(c) || take(c, (size_t)bytes, &p))
			return llm_err_set(err, -EINVAL, "gguf: metadata '%.*s': array of %llu elements runs past the end of the file",
					   shown_len(key), key->ptr, (unsigned long long)count);
	}
	v->type = GGUF_TYPE_ARRAY;
	v->arr.elem_type = elem;
	v->arr.count = count;
	v->arr.data = c->base + start;
	v->arr.bytes = c->off - start;
	return 0;
}

const char *gguf_tensor_type_name(uint32_t type)
{
	/* Every type id ggml has assigned, so a refusal can name what the file holds. */
	static const char *const names[] = {
		"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
		"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
		"IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
		"BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8",
		"IQ4_NL_8_8", "MXFP4",
	};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Bytes of n elements of a supported type; -1 when unsupported or the
 * count is not whole blocks. */
static int tensor_bytes(uint32_t type, uint64_t row, uint64_t n, uint64_t *bytes)
{
	uint64_t block, block_bytes;
	switch (type) {
	case GGUF_TENSOR_F32: return __builtin_mul_overflow(n, 4, bytes) ? -1 : 0;
	case GGUF_TENSOR_F16: return __builtin_mul_overflow(n, 2, bytes) ? -1 : 0;
	case GGUF_TENSOR_BF16: return __builtin_mul_overflow(n, 2, bytes) ? -1 : 0;
	case GGUF_TENSOR_Q4_0: block = 32, block_bytes = 18; break;
	case GGUF_TENSOR_Q4_1: block = 32, block_bytes = 20; break;
	case GGUF_TENSOR_Q5_0: block = 32, block_bytes = 22; break;
	case GGUF_TENSOR_Q5_1: block = 32, block_bytes = 24; break;
	case GGUF_TENSOR_Q8_0: block = 32, block_bytes = 34; break;
	case GGUF_TENSOR_Q2_K: block = 256, block_bytes = 84; break;
	case GGUF_TENSOR_Q3_K: block = 256, block_bytes = 110; break;
	case GGUF_TENSOR_Q4_K: block = 256, block_bytes = 144; break;
	case GGUF_TENSOR_Q5_K: block = 256, block_bytes = 176; break;
	case GGUF_TENSOR_Q6_K: block = 256, block_bytes = 210; break;
	default: return -1;
	}
	if (row % block)
		return -1;
	return __builtin_mul_overflow(n / block, block_bytes, bytes) ? -1 : 0;
}

static int read_tensor(struct cursor *c, uint64_t index, struct gguf_tensor *t, struct llm_err *err)
{
	if (read_string(c, &t->name))
		return llm_err_set(err, -EINVAL, "gguf: tensor %llu: name runs past the end of the file",
				   (unsigned long long)index);
	int nl = shown_len(&t->name);
	if (read_u32(c, &t->n_dims))
		return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': truncated descriptor", nl, t->name.ptr);
	if (t->n_dims == 0 || t->n_dims > GGUF_MAX_DIMS)
		return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': %u dimensions (1..%u allowed)",
				   nl, t->name.ptr, t->n_dims, GGUF_MAX_DIMS);
	t->n_elements = 1;
	for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
		t->dims[d] = 1;
		if (d >= t->n_dims)
			continue;
		if (read_u64(c, &t->dims[d]))
			return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': truncated descriptor", nl, t->name.ptr);
		if (t->dims[d] == 0)
			return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': dimension %u is zero", nl, t->name.ptr, d);
		if (__builtin_mul_overflow(t->n_elements, t->dims[d], &t->n_elements))
			return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': element count overflows", nl, t->name.ptr);
	}
	if (read_u32(c, &t->type) || read_u64(c, &t->offset))
		return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': truncated descriptor", nl, t->name.ptr);
	if (tensor_bytes(t->type, 256, 256, &t->n_bytes))
		return llm_err_set(err, -ENOTSUP,
				   "gguf: tensor %.*s: type %s (%u) is not supported "
				   "(F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K are)",
				   nl, t->name.ptr, gguf_tensor_type_name(t->type), t->type);
	if (tensor_bytes(t->type, t->dims[0], t->n_elements, &t->n_bytes))
		return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': %s size invalid (row of %llu elements)",
				   nl, t->name.ptr, gguf_tensor_type_name(t->type), (unsigned long long)t->dims[0]);
	return 0;
}

static int cmp_tensor_names(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;
	uint64_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int r = memcmp(x->name.ptr, y->name.ptr, (size_t)n);
	if (r)
		return r;
	return x->name.len < y->name.len ? -1 : x->name.len > y->name.len;
}

static int check_unique_names(struct gguf_file *f, struct llm_err *err)
{
	if (f->n_tensors < 2)
		return 0;
	const struct gguf_tensor **idx =
		llm_alloc_array(f->alloc, (size_t)f->n_tensors, sizeof(*idx), _Alignof(void *));
	if (!idx)
		return llm_err_set(err, -ENOMEM, "gguf: out of memory");
	for (uint64_t i = 0; i < f->n_tensors; i++)
		idx[i] = &f->tensors[i];
	llm_qsort(idx, (size_t)f->n_tensors, sizeof(*idx), cmp_tensor_names);
	int rc = 0;
	for (uint64_t i = 1; i < f->n_tensors && !rc; i++) {
		if (cmp_tensor_names(&idx[i - 1], &idx[i]) == 0)
			rc = llm_err_set(err, -EINVAL, "gguf: tensor name '%.*s' appears twice",
					 shown_len(&idx[i]->name), idx[i]->name.ptr);
	}
	llm_free(f->alloc, idx, (size_t)f->n_tensors * sizeof(*idx));
	return rc;
}

static int place_tensors(struct gguf_file *f, struct llm_err *err)
{
	uint64_t data_off;
	if (__builtin_add_overflow(f->data_offset, f->alignment - 1, &data_off))
		return llm_err_set(err, -EINVAL, "gguf: data section offset overflows");
	data_off &= ~(f->alignment - 1);
	f->data_offset = data_off;
	if (f->n_tensors && data_off > f->size)
		return llm_err_set(err, -EINVAL, "gguf: data section starts at %llu, past the end of the %zu-byte file",
				   (unsigned long long)data_off, f->size);
	for (uint64_t i = 0; i < f->n_tensors; i++) {
		struct gguf_tensor *t = &f->tensors[i];
		uint64_t start, end;
		if (t->offset % f->alignment)
			return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': offset %llu is not a multiple of the alignment %llu",
					   shown_len(&t->name), t->name.ptr, (unsigned long long)t->offset,
					   (unsigned long long)f->alignment);
		if (__builtin_add_overflow(data_off, t->offset, &start) ||
		    __builtin_add_overflow(start, t->n_bytes, &end) || end > f->size)
			return llm_err_set(err, -EINVAL, "gguf: tensor '%.*s': data (offset %llu, %llu bytes) lies outside the %zu-byte file",
					   shown_len(&t->name), t->name.ptr, (unsigned long long)t->offset,
					   (unsigned long long)t->n_bytes, f->size);
		t->data = f->base + start;
	}
	return check_unique_names(f, err);
}

static int read_alignment(struct gguf_file *f, struct llm_err *err)
{
	f->alignment = GGUF_DEFAULT_ALIGNMENT;
	const struct gguf_kv *kv = gguf_find_kv(f, "general.alignment");
	if (!kv)
		return 0;
	if (kv->value.type != GGUF_TYPE_UINT32)
		return llm_err_set(err, -EINVAL, "gguf: general.alignment must be a UINT32");
	uint64_t a = kv->value.u64;
	if (a == 0 || (a & (a - 1)) || a > (1u << 16))
		return llm_err_set(err, -EINVAL, "gguf: general.alignment %llu is not a power of two up to 65536",
				   (unsigned long long)a);
	f->alignment = a;
	return 0;
}

static int parse_body(struct cursor *c, struct gguf_file *f, struct llm_err *err)
{
	uint32_t magic;
	uint64_t n_tensors, n_kv;
	if (read_u32(c, &magic))
		return llm_err_set(err, -EINVAL, "gguf: file is too short for a header (%zu bytes)", c->size);
	if (magic != GGUF_MAGIC)
		return llm_err_set(err, -EINVAL, "gguf: bad magic 0x%08x (expected \"GGUF\")", magic);
	if (read_u32(c, &f->version) || read_u64(c, &n_tensors) || read_u64(c, &n_kv))
		return llm_err_set(err, -EINVAL, "gguf: file is too short for a header (%zu bytes)", c->size);
	if (f->version != GGUF_VERSION)
		return llm_err_set(err, -ENOTSUP, "gguf: version %u is not supported (only 3)", f->version);
	/* A key/value pair is at least 8 + 4 + 1 bytes, a tensor descriptor 8 + 4 + 8 + 4 + 8. */
	if (n_kv > remaining(c) / 13)
		return llm_err_set(err, -EINVAL, "gguf: %llu metadata entries cannot fit in the file",
				   (unsigned long long)n_kv);
	if (n_tensors > remaining(c) / 32)
		return llm_err_set(err, -EINVAL, "gguf: %llu tensors cannot fit in the file",
				   (unsigned long long)n_tensors);
	f->kv = llm_alloc_array(f->alloc, (size_t)n_kv, sizeof(*f->kv), _Alignof(struct gguf_kv));
	f->tensors = llm_alloc_array(f->alloc, (size_t)n_tensors, sizeof(*f->tensors), _Alignof(struct gguf_tensor));
	if ((n_kv && !f->kv) || (n_tensors && !f->tensors))
		return llm_err_set(err, -ENOMEM, "gguf: out of memory");
	for (uint64_t i = 0; i < n_kv; i++) {
		struct gguf_kv *kv = &f->kv[i];
		if (read_string(c, &kv->key))
			return llm_err_set(err, -EINVAL, "gguf: metadata entry %llu: key runs past the end of the file",
					   (unsigned long long)i);
		f->n_kv = i + 1;
		int rc = read_value(c, &kv->key, &kv->value, err);
		if (rc)
			return rc;
	}
	for (uint64_t i = 0; i < n_tensors; i++) {
		int rc = read_tensor(c, i, &f->tensors[i], err);
		if (rc)
			return rc;
		f->n_tensors = i + 1;
	}
	f->data_offset = c->off;
	int rc = read_alignment(f, err);
	if (rc)
		return rc;
	return place_tensors(f, err);
}

int gguf_parse(const void *data, size_t size, const struct llm_allocator *alloc,
	       struct gguf_file *out, struct llm_err *err)
{
	memset(out, 0, sizeof(*out));
	out->base = data;
	out->size = size;
	out->alloc = alloc ? alloc : llm_allocator_default();
	struct cursor c = { data, size, 0 };
	uint64_t n_kv_alloc = 0, n_t_alloc = 0;
	if (size >= 24) {
		memcpy(&n_t_alloc, (const uint8_t *)data + 8, 8);
		memcpy(&n_kv_alloc, (const uint8_t *)data + 16, 8);
	}
	int rc = parse_body(&c, out, err);
	if (rc) {
		/* The arrays were sized by the header counts; release with those sizes. */
		out->n_kv = n_kv_alloc;
		out->n_tensors = n_t_alloc;
		gguf_file_release(out);
	}
	return rc;
}

void gguf_file_release(struct gguf_file *f)
{
	if (f->kv)
		llm_free(f->alloc, f->kv, (size_t)f->n_kv * sizeof(*f->kv));
	if (f->tensors)
		llm_free(f->alloc, f->tensors, (size_t)f->n_tensors * sizeof(*f->tensors));
	f->kv = NULL;
	f->tensors = NULL;
	f->n_kv = f->n_tensors = 0;
}

static int string_is(const struct gguf_string *s, const char *z)
{
	size_t n = strlen(z);
	return s->len == n && memcmp(s->ptr, z, n) == 0;
}

const struct gguf_kv *gguf_find_kv(const struct gguf_file *f, const char *key)
{
	for (uint64_t i = 0; i < f->n_kv; i++)
		if (string_is(&f->kv[i].key, key))
			return &f->kv[i];
	return NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f, const char *name)
{
	for (uint64_t i = 0; i < f->n_tensors; i++)
		if (string_is(&f->tensors[i].name, name))
			return &f->tensors[i];
	return NULL;
}

static int is_unsigned(enum gguf_value_type t)
{
	return t == GGUF_TYPE_UINT8 || t == GGUF_TYPE_UINT16 || t == GGUF_TYPE_UINT32 ||
	       t == GGUF_TYPE_UINT64;
}

static int is_signed(enum gguf_value_type t)
{
	return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 ||
	       t == GGUF_TYPE_INT64;
}

int gguf_get_u64(const struct gguf_file *f, const char *key, uint64_t *out)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);
	if (!kv)
		return -ENOENT;
	if (is_unsigned(kv->value.type)) {
		*out = kv->value.u64;
		return 0;
	}
	if (is_signed(kv->value.type) && kv->value.i64 >= 0) {
		*out = (uint64_t)kv->value.i64;
		return 0;
	}
	return -EINVAL;
}

int gguf_get_f64(const struct gguf_file *f, const char *key, double *out)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);
	if (!kv)
		return -ENOENT;
	if (kv->value.type == GGUF_TYPE_FLOAT32 || kv->value.type == GGUF_TYPE_FLOAT64)
		*out = kv->value.f64;
	else if (is_unsigned(kv->value.type))
		*out = (double)kv->value.u64;
	else if (is_signed(kv->value.type))
		*out = (double)kv->value.i64;
	else
		return -EINVAL;
	return 0;
}

int gguf_get_string(const struct gguf_file *f, const char *key, struct gguf_string *out)
{
	const struct gguf_kv *kv = gguf_find_kv(f, key);
	if (!kv)
		return -ENOENT;
	if (kv->value.type != GGUF_TYPE_STRING)
		return -EINVAL;
	*out = kv->value.str;
	return 0;
}

struct gguf_string gguf_array_string_next(struct gguf_string_cursor *c)
{
	struct gguf_string s;
	memcpy(&s.len, c->next, 8);
	s.ptr = (const char *)c->next + 8;
	c->next += 8 + s.len;
	c->index++;
	return s;
}

static int is_float(enum gguf_value_type t)
{
	return t == GGUF_TYPE_FLOAT32 || t == GGUF_TYPE_FLOAT64;
}

/* Element i of a numeric array decoded into e; false (e is 0) for an array of
 * strings or bools, or i past the end. */
static bool array_number(const struct gguf_value *v, uint64_t i, struct gguf_value *e)
{
	*e = (struct gguf_value){ .type = GGUF_TYPE_UINT64, .u64 = 0 };
	if (v->type != GGUF_TYPE_ARRAY)
		return false;
	enum gguf_value_type t = v->arr.elem_type;
	if (!(is_float(t) || is_signed(t) || is_unsigned(t)) || i >= v->arr.count)
		return false;
	decode_scalar(t, v->arr.data + i * gguf_scalar_size(t), e);
	return true;
}

float gguf_array_f32(const struct gguf_value *v, uint64_t i)
{
	struct gguf_value e;
	if (!array_number(v, i, &e))
		return 0.0f;
	if (is_float(e.type))
		return (float)e.f64;
	return is_signed(e.type) ? (float)e.i64 : (float)e.u64;
}

int64_t gguf_array_int(const struct gguf_value *v, uint64_t i)
{
	struct gguf_value e;
	if (!array_number(v, i, &e))
		return 0;
	if (is_float(e.type)) {
		/* Converting a float outside int64's range is undefined: clamp. */
		if (!(e.f64 == e.f64))
			return 0;
		if (e.f64 >= 0x1p63)
			return INT64_MAX;
		if (e.f64 < -0x1p63)
			return INT64_MIN;
		return (int64_t)e.f64;
	}
	return is_signed(e.type) ? e.i64 : (int64_t)e.u64;
}
