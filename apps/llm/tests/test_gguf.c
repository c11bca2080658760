/* GGUF parser and GGUF model loader: valid files load, malformed ones are
 * refused with a message naming the problem. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "llm/gguf.h"
#include "llm/gguf_writer.h"
#include "llm/model.h"
#include "test_models.h"

static void *image;
static size_t image_size;

static int setup(void **state)
{
	(void)state;
	image = test_gguf_model(LLM_DTYPE_Q8_0, true, &image_size);
	return image ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(image);
	return 0;
}

/* Loads a modified copy of the image; returns the error code and message. */
static int load_patched(void *copy, size_t size, struct llm_err *err)
{
	struct llm_model *m = NULL;
	memset(err, 0, sizeof(*err));
	int rc = llm_model_load_memory(&m, copy, size, NULL, 0, NULL, err);
	llm_model_free(m);
	return rc;
}

static void *copy_image(void)
{
	void *c = malloc(image_size);
	memcpy(c, image, image_size);
	return c;
}

static void expect_error(void *copy, size_t size, const char *fragment)
{
	struct llm_err err;
	int rc = load_patched(copy, size, &err);
	if (rc == 0 || !strstr(err.msg, fragment))
		fail_msg("expected an error containing '%s', got %d '%s'", fragment, rc, err.msg);
}

/* The descriptor of tensor `name`: pointer to its n_dims field. */
static uint8_t *tensor_desc(void *img, const char *name)
{
	uint8_t *p = test_find(img, image_size, name);
	assert_non_null(p);
	return p + strlen(name);
}

static void test_valid_model_loads(void **state)
{
	(void)state;
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, image, image_size, NULL, 0, NULL, &err), 0);
	assert_int_equal(m->format, LLM_FORMAT_GGUF);
	assert_int_equal(m->config.dim, 64);
	assert_int_equal(m->config.hidden_dim, 96);
	assert_int_equal(m->config.n_layers, 2);
	assert_int_equal(m->config.n_heads, 4);
	assert_int_equal(m->config.n_kv_heads, 2);
	assert_int_equal(m->config.kv_dim, 32);
	assert_int_equal(m->config.vocab_size, 400);
	assert_int_equal(m->config.seq_len, 32);
	assert_false(m->shared_classifier);
	assert_int_equal(m->layers[1].wq.type, LLM_DTYPE_Q8_0);
	assert_non_null(m->tokenizer);
	assert_int_equal(m->tokenizer->bos_id, 1);
	assert_int_equal(m->tokenizer->eos_id, 2);
	llm_model_free(m);
}

static void test_load_from_file(void **state)
{
	(void)state;
	char path[] = "/tmp/llm-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, image, image_size), (ssize_t)image_size);
	close(fd);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(llm_model_load_file(&m, path, NULL, NULL, &err), 0);
	assert_int_equal(m->config.vocab_size, 400);
	llm_model_free(m);
	unlink(path);
	assert_int_equal(llm_model_load_file(&m, path, NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, path));
}

static void test_every_truncation_fails_cleanly(void **state)
{
	(void)state;
	/* Each prefix in its own exact-size buffer, so ASan sees any overread. */
	size_t step = image_size > 20000 ? 7 : 1;
	for (size_t n = 1; n < image_size; n += (n < 4096 ? 1 : step)) {
		void *prefix = malloc(n);
		memcpy(prefix, image, n);
		struct llm_err err;
		int rc = load_patched(prefix, n, &err);
		if (rc == 0 || err.msg[0] == '\0')
			fail_msg("prefix of %zu bytes: rc %d '%s'", n, rc, err.msg);
		free(prefix);
	}
}

static void test_bad_magic(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	c[3] = 'X'; /* no longer GGUF: read as a llama2.c header, which is nonsense */
	struct llm_err err;
	assert_int_not_equal(load_patched(c, image_size, &err), 0);
	struct gguf_file f;
	assert_int_equal(gguf_parse(c, image_size, NULL, &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad magic"));
	free(c);
}

static void test_bad_version(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint32_t v = 2;
	memcpy(c + 4, &v, 4);
	expect_error(c, image_size, "version 2 is not supported");
	free(c);
}

static void test_huge_counts(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint64_t big = 1ull << 60;
	memcpy(c + 16, &big, 8);
	expect_error(c, image_size, "metadata entries cannot fit");
	memcpy(c + 16, (uint8_t *)image + 16, 8);
	memcpy(c + 8, &big, 8);
	expect_error(c, image_size, "tensors cannot fit");
	free(c);
}

static void test_string_past_end(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint64_t big = ~0ull - 3;
	memcpy(c + 24, &big, 8); /* length of the first key */
	expect_error(c, image_size, "key runs past the end");
	free(c);
}

static void test_unknown_value_type(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *key = test_find(c, image_size, "llama.block_count");
	uint32_t t = 99;
	memcpy(key + strlen("llama.block_count"), &t, 4);
	expect_error(c, image_size, "unknown value type 99");
	t = GGUF_TYPE_ARRAY; /* array header then reads the value as elem type + count */
	memcpy(key + strlen("llama.block_count"), &t, 4);
	struct llm_err err;
	assert_int_not_equal(load_patched(c, image_size, &err), 0);
	free(c);
}

static void test_nested_array_refused(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *key = test_find(c, image_size, "tokenizer.ggml.scores");
	uint32_t t = GGUF_TYPE_ARRAY;
	memcpy(key + strlen("tokenizer.ggml.scores") + 4, &t, 4); /* element type */
	expect_error(c, image_size, "nested arrays are not supported");
	free(c);
}

static void test_array_past_end(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *key = test_find(c, image_size, "tokenizer.ggml.scores");
	uint64_t count = 1ull << 62; /* count * 4 overflows */
	memcpy(key + strlen("tokenizer.ggml.scores") + 8, &count, 8);
	expect_error(c, image_size, "runs past the end of the file");
	free(c);
}

static void test_tensor_offset_out_of_range(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "output_norm.weight"); /* 1 dim */
	uint64_t off = (uint64_t)image_size; /* aligned enough? force alignment */
	off = (off + 31) & ~31ull;
	memcpy(d + 4 + 8 + 4, &off, 8);
	expect_error(c, image_size, "lies outside the");
	off = ~0ull & ~31ull; /* start + size overflows */
	memcpy(d + 4 + 8 + 4, &off, 8);
	expect_error(c, image_size, "lies outside the");
	off = 3;
	memcpy(d + 4 + 8 + 4, &off, 8);
	expect_error(c, image_size, "not a multiple of the alignment");
	free(c);
}

static void test_overflowing_dims(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.0.attn_q.weight");
	uint64_t big = 1ull << 40;
	memcpy(d + 4, &big, 8);
	memcpy(d + 12, &big, 8);
	expect_error(c, image_size, "element count overflows");
	uint64_t zero = 0;
	memcpy(d + 4, &zero, 8);
	expect_error(c, image_size, "dimension 0 is zero");
	uint32_t nd = 7;
	memcpy(d, &nd, 4);
	expect_error(c, image_size, "7 dimensions");
	free(c);
}

static void test_unsupported_tensor_type(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.0.attn_k.weight");
	uint32_t type = 16; /* IQ2_XXS */
	memcpy(d + 4 + 16, &type, 4);
	expect_error(c, image_size, "tensor blk.0.attn_k.weight: type IQ2_XXS (16) is not supported");
	type = 20; /* IQ4_NL: llama-quantize's fallback for rows that are no whole K-quant super-blocks */
	memcpy(d + 4 + 16, &type, 4);
	expect_error(c, image_size, "tensor blk.0.attn_k.weight: type IQ4_NL (20) is not supported");
	free(c);
}

static void test_k_quant_row_not_whole_super_blocks(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.0.attn_k.weight");
	uint32_t type = GGUF_TENSOR_Q4_K; /* the test model's rows are 64 wide: not a multiple of 256 */
	memcpy(d + 4 + 16, &type, 4);
	expect_error(c, image_size, "Q4_K size invalid (row of 64 elements)");
	free(c);
}

static void test_q8_row_not_whole_blocks(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.0.attn_k.weight");
	uint64_t cols = 48, rows = 32 * 64 / 48; /* same elements, 48 is not a multiple of 32 */
	memcpy(d + 4, &cols, 8);
	memcpy(d + 12, &rows, 8);
	expect_error(c, image_size, "Q8_0 size invalid");
	free(c);
}

static void test_norm_type_mismatch(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.1.ffn_norm.weight");
	uint32_t type = GGUF_TENSOR_F16;
	memcpy(d + 4 + 8, &type, 4);
	expect_error(c, image_size, "norms must be F32");
	free(c);
}

static void test_shape_mismatch(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *d = tensor_desc(c, "blk.1.attn_output.weight");
	uint64_t cols = 32, rows = 128; /* same bytes, wrong shape */
	memcpy(d + 4, &cols, 8);
	memcpy(d + 12, &rows, 8);
	expect_error(c, image_size, "blk.1.attn_output.weight has shape [32, 128]");
	free(c);
}

static void test_missing_tensor(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *p = test_find(c, image_size, "blk.1.ffn_up.weight");
	p[strlen("blk.1.ffn_up.weight") - 1] = 'X';
	expect_error(c, image_size, "missing tensor blk.1.ffn_up.weight");
	free(c);
}

static void test_duplicate_tensor(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	/* Renaming blk.1.attn_q to blk.0.attn_q keeps the file's layout. */
	uint8_t *p = test_find(c, image_size, "blk.1.attn_q.weight");
	p[4] = '0';
	expect_error(c, image_size, "appears twice");
	free(c);
}

static void test_missing_metadata(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *p = test_find(c, image_size, "llama.embedding_length");
	p[0] = 'x';
	expect_error(c, image_size, "missing metadata llama.embedding_length");
	memcpy(c, image, image_size);
	p = test_find(c, image_size, "general.architecture");
	p[0] = 'x';
	expect_error(c, image_size, "missing metadata general.architecture");
	free(c);
}

static void test_wrong_architecture(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *p = test_find(c, image_size, "general.architecture");
	memcpy(p + strlen("general.architecture") + 4 + 8, "mamba", 5);
	expect_error(c, image_size, "architecture 'mamba' is not supported");
	free(c);
}

static void test_metadata_wrong_type(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *p = test_find(c, image_size, "llama.block_count");
	uint32_t t = GGUF_TYPE_FLOAT32;
	memcpy(p + strlen("llama.block_count"), &t, 4);
	expect_error(c, image_size, "llama.block_count must be an integer");
	free(c);
}

static void test_bad_hyperparameters(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *p = test_find(c, image_size, "llama.attention.head_count_kv");
	uint32_t v = 3; /* does not divide 4 heads */
	memcpy(p + strlen("llama.attention.head_count_kv") + 4, &v, 4);
	expect_error(c, image_size, "kv heads do not divide");
	free(c);
}

static void test_vocabulary_count_mismatch(void **state)
{
	(void)state;
	uint8_t *c = copy_image();
	uint8_t *key = test_find(c, image_size, "tokenizer.ggml.scores");
	uint64_t count = 399;
	memcpy(key + strlen("tokenizer.ggml.scores") + 8, &count, 8);
	/* 4 bytes of the array are now read as the next key's length: any error will do. */
	struct llm_err err;
	assert_int_not_equal(load_patched(c, image_size, &err), 0);
	assert_true(err.msg[0] != '\0');
	free(c);
}

static void test_bad_alignment(void **state)
{
	(void)state;
	struct gguf_writer w;
	gguf_writer_init(&w, NULL);
	gguf_writer_u32(&w, "general.alignment", 24);
	void *img;
	size_t size;
	assert_int_equal(gguf_writer_finish(&w, &img, &size), 0);
	gguf_writer_release(&w);
	struct gguf_file f;
	struct llm_err err;
	assert_int_equal(gguf_parse(img, size, NULL, &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "general.alignment 24"));
	llm_free(NULL, img, size);
}

static void test_generic_metadata_access(void **state)
{
	(void)state;
	struct gguf_writer w;
	gguf_writer_init(&w, NULL);
	gguf_writer_u32(&w, "a.u32", 7);
	gguf_writer_f32(&w, "a.f32", 0.5f);
	gguf_writer_string(&w, "a.str", "hello");
	const char *strs[] = { "x", "yy", "" };
	gguf_writer_strings(&w, "a.strs", strs, NULL, 3);
	float fl[2] = { 1.5f, -2 };
	gguf_writer_f32s(&w, "a.f32s", fl, 2);
	void *img;
	size_t size;
	assert_int_equal(gguf_writer_finish(&w, &img, &size), 0);
	gguf_writer_release(&w);
	struct gguf_file f;
	struct llm_err err;
	assert_int_equal(gguf_parse(img, size, NULL, &f, &err), 0);
	uint64_t u;
	double d;
	struct gguf_string s;
	assert_int_equal(gguf_get_u64(&f, "a.u32", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(gguf_get_u64(&f, "a.str", &u), -EINVAL);
	assert_int_equal(gguf_get_u64(&f, "nope", &u), -ENOENT);
	assert_int_equal(gguf_get_f64(&f, "a.f32", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(gguf_get_string(&f, "a.str", &s), 0);
	assert_int_equal(s.len, 5);
	assert_memory_equal(s.ptr, "hello", 5);
	const struct gguf_kv *kv = gguf_find_kv(&f, "a.strs");
	assert_non_null(kv);
	assert_int_equal(kv->value.arr.count, 3);
	struct gguf_string_cursor cur = { kv->value.arr.data, 0 };
	for (int i = 0; i < 3; i++) {
		s = gguf_array_string_next(&cur);
		assert_int_equal(s.len, strlen(strs[i]));
		assert_memory_equal(s.ptr, strs[i], s.len);
	}
	kv = gguf_find_kv(&f, "a.f32s");
	assert_true(gguf_array_f32(&kv->value, 1) == -2.0f);
	gguf_file_release(&f);
	llm_free(NULL, img, size);
}

/* The numeric array accessors are total: any element type, any index, any
 * value gives a defined number (these read an unset union member before). */
static void test_array_accessors_are_total(void **state)
{
	(void)state;
	struct gguf_writer w;
	gguf_writer_init(&w, NULL);
	const int32_t ints[3] = { -5, 0, 2147483647 };
	gguf_writer_i32s(&w, "a.i32s", ints, 3);
	const float fl[4] = { 2.75f, -3.5f, 1e30f, -1e30f };
	gguf_writer_f32s(&w, "a.f32s", fl, 4);
	const char *strs[] = { "abcdefgh", "ijklmnop" };
	gguf_writer_strings(&w, "a.strs", strs, NULL, 2);
	gguf_writer_u32(&w, "a.u32", 9);
	void *img;
	size_t size;
	assert_int_equal(gguf_writer_finish(&w, &img, &size), 0);
	gguf_writer_release(&w);
	struct gguf_file f;
	struct llm_err err;
	assert_int_equal(gguf_parse(img, size, NULL, &f, &err), 0);

	const struct gguf_value *i32s = &gguf_find_kv(&f, "a.i32s")->value;
	assert_int_equal(gguf_array_int(i32s, 0), -5);
	assert_int_equal(gguf_array_int(i32s, 2), 2147483647);
	assert_true(gguf_array_f32(i32s, 0) == -5.0f);
	assert_int_equal(gguf_array_int(i32s, 3), 0); /* past the end */
	assert_true(gguf_array_f32(i32s, UINT64_MAX) == 0.0f);

	const struct gguf_value *f32s = &gguf_find_kv(&f, "a.f32s")->value;
	assert_int_equal(gguf_array_int(f32s, 0), 2);  /* toward zero */
	assert_int_equal(gguf_array_int(f32s, 1), -3);
	assert_true(gguf_array_int(f32s, 2) == INT64_MAX); /* clamped */
	assert_true(gguf_array_int(f32s, 3) == INT64_MIN);
	assert_true(gguf_array_f32(f32s, 1) == -3.5f);

	/* Strings are not numbers; nor is a scalar an array. */
	const struct gguf_value *strs_v = &gguf_find_kv(&f, "a.strs")->value;
	assert_int_equal(gguf_array_int(strs_v, 0), 0);
	assert_true(gguf_array_f32(strs_v, 1) == 0.0f);
	const struct gguf_value *u32 = &gguf_find_kv(&f, "a.u32")->value;
	assert_int_equal(gguf_array_int(u32, 0), 0);
	gguf_file_release(&f);
	llm_free(NULL, img, size);
}

static void test_allocation_failures_leak_nothing(void **state)
{
	(void)state;
	for (long k = 1;; k++) {
		struct test_alloc_state st = { 0, 0, k };
		struct llm_allocator a = test_allocator(&st);
		struct llm_model *m = NULL;
		struct llm_err err;
		int rc = llm_model_load_memory(&m, image, image_size, NULL, 0, &a, &err);
		llm_model_free(m);
		assert_int_equal(st.live, 0);
		if (rc == 0)
			break; /* k passed the number of allocations a load makes */
		assert_int_equal(rc, -ENOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_model_loads),
		cmocka_unit_test(test_load_from_file),
		cmocka_unit_test(test_every_truncation_fails_cleanly),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_string_past_end),
		cmocka_unit_test(test_unknown_value_type),
		cmocka_unit_test(test_nested_array_refused),
		cmocka_unit_test(test_array_past_end),
		cmocka_unit_test(test_array_accessors_are_total),
		cmocka_unit_test(test_tensor_offset_out_of_range),
		cmocka_unit_test(test_overflowing_dims),
		cmocka_unit_test(test_unsupported_tensor_type),
		cmocka_unit_test(test_q8_row_not_whole_blocks),
		cmocka_unit_test(test_k_quant_row_not_whole_super_blocks),
		cmocka_unit_test(test_norm_type_mismatch),
		cmocka_unit_test(test_shape_mismatch),
		cmocka_unit_test(test_missing_tensor),
		cmocka_unit_test(test_duplicate_tensor),
		cmocka_unit_test(test_missing_metadata),
		cmocka_unit_test(test_wrong_architecture),
		cmocka_unit_test(test_metadata_wrong_type),
		cmocka_unit_test(test_bad_hyperparameters),
		cmocka_unit_test(test_vocabulary_count_mismatch),
		cmocka_unit_test(test_bad_alignment),
		cmocka_unit_test(test_generic_metadata_access),
		cmocka_unit_test(test_allocation_failures_leak_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
