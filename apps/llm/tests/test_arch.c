/* Architectures from GGUF metadata: qwen2 and gpt2 models load with their
 * extra tensors where the forward pass expects them, RoPE base and linear
 * scaling are read, and what the engine does not implement (other
 * architectures, other RoPE scalings) or a file lacks is refused by name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm/gguf.h"
#include "llm/gguf_writer.h"
#include "llm/model.h"
#include "llm/tokenizer.h"
#include "test_models.h"

static const struct llm_random_model_spec spec = { 64, 96, 2, 4, 2, 400, 32, LLM_DTYPE_Q8_0, 9, false, true };

static void *arch_image(enum llm_arch arch, float rope_scaling, bool unshared, size_t *size)
{
	struct llm_random_model_spec s = spec;
	s.unshared_classifier = unshared;
	struct llm_random_arch ra = { arch, rope_scaling };
	void *img = test_gguf_model_arch(&s, &ra, size);
	assert_non_null(img);
	return img;
}

static int load(const void *img, size_t size, struct llm_model **m, struct llm_err *err)
{
	memset(err, 0, sizeof(*err));
	*m = NULL;
	return llm_model_load_memory(m, img, size, NULL, 0, NULL, err);
}

static void expect_error(const void *img, size_t size, const char *fragment)
{
	struct llm_model *m;
	struct llm_err err;
	int rc = load(img, size, &m, &err);
	llm_model_free(m);
	if (rc == 0 || !strstr(err.msg, fragment))
		fail_msg("expected an error containing '%s', got %d '%s'", fragment, rc, err.msg);
}

/* The value of metadata `key` (just after its type field). */
static uint8_t *kv_value(void *img, size_t size, const char *key)
{
	uint8_t *p = test_find(img, size, key);
	assert_non_null(p);
	return p + strlen(key) + 4;
}

/* The descriptor of tensor `name`: pointer to its n_dims field. */
static uint8_t *tensor_desc(void *img, size_t size, const char *name)
{
	uint8_t *p = test_find(img, size, name);
	assert_non_null(p);
	return p + strlen(name);
}

/* Sum of every tensor's elements: what llm_model_params must count. */
static uint64_t file_params(const void *img, size_t size)
{
	struct gguf_file f;
	struct llm_err err;
	assert_int_equal(gguf_parse(img, size, NULL, &f, &err), 0);
	uint64_t n = 0;
	for (uint64_t i = 0; i < f.n_tensors; i++)
		n += f.tensors[i].n_elements;
	gguf_file_release(&f);
	return n;
}

static void test_qwen2_loads_with_biases(void **state)
{
	(void)state;
	size_t size;
	void *img = arch_image(LLM_ARCH_QWEN2, 2.0f, false, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(load(img, size, &m, &err), 0);
	assert_int_equal(m->config.arch, LLM_ARCH_QWEN2);
	assert_string_equal(llm_arch_name(m->config.arch), "qwen2");
	assert_true(m->config.rope_scale == 0.5f);
	assert_true(m->config.rope_base == 10000.0f);
	for (uint32_t l = 0; l < 2; l++) {
		const struct llm_layer *ly = &m->layers[l];
		assert_non_null(ly->bq);
		assert_non_null(ly->bk);
		assert_non_null(ly->bv);
		assert_null(ly->bo);
		assert_non_null(ly->w_gate.data);
		assert_null(ly->attn_norm_b);
	}
	assert_true(m->shared_classifier);
	assert_null(m->pos_embd.data);
	assert_int_equal(llm_model_params(m), file_params(img, size));
	llm_model_free(m);
	free(img);
}

static void test_gpt2_loads_fused_qkv(void **state)
{
	(void)state;
	size_t size;
	void *img = arch_image(LLM_ARCH_GPT2, 0, true, &size);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(load(img, size, &m, &err), 0);
	const struct llm_config *c = &m->config;
	assert_int_equal(c->arch, LLM_ARCH_GPT2);
	assert_false(m->shared_classifier);
	assert_int_equal(m->pos_embd.rows, c->seq_len);
	assert_int_equal(m->pos_embd.cols, c->dim);
	assert_non_null(m->output_norm_b);
	struct gguf_file f;
	assert_int_equal(gguf_parse(img, size, NULL, &f, &err), 0);
	const struct gguf_tensor *qkv = gguf_find_tensor(&f, "blk.1.attn_qkv.weight");
	const struct gguf_tensor *bqkv = gguf_find_tensor(&f, "blk.1.attn_qkv.bias");
	assert_non_null(qkv);
	assert_non_null(bqkv);
	const struct llm_layer *ly = &m->layers[1];
	size_t row = llm_row_bytes(LLM_DTYPE_Q8_0, c->dim);
	/* Q, K, V: consecutive row ranges of the fused matrix and its bias. */
	assert_ptr_equal(ly->wq.data, qkv->data);
	assert_ptr_equal(ly->wk.data, qkv->data + (size_t)c->dim * row);
	assert_ptr_equal(ly->wv.data, qkv->data + (size_t)(c->dim + c->kv_dim) * row);
	assert_int_equal(ly->wq.rows, c->dim);
	assert_int_equal(ly->wk.rows, c->kv_dim);
	assert_int_equal(ly->wv.rows, c->kv_dim);
	assert_ptr_equal(ly->bq, (const float *)(const void *)bqkv->data);
	assert_ptr_equal(ly->bk, ly->bq + c->dim);
	assert_ptr_equal(ly->bv, ly->bq + c->dim + c->kv_dim);
	gguf_file_release(&f);
	assert_null(ly->w_gate.data);
	assert_non_null(ly->bo);
	assert_non_null(ly->b_up);
	assert_non_null(ly->b_down);
	assert_non_null(ly->attn_norm_b);
	assert_non_null(ly->ffn_norm_b);
	assert_int_equal(llm_model_params(m), file_params(img, size));
	assert_true(llm_model_weight_bytes(m) > 0);
	llm_model_free(m);
	free(img);
}

/* RoPE scaling keys a test adds to a model generated without scaling. */
struct scaling_keys {
	const char *type;    /* NULL: no <arch>.rope.scaling.type */
	const char *factor_key;
	float factor;
};

static void add_scaling(struct gguf_writer *w, void *ctx)
{
	const struct scaling_keys *k = ctx;
	if (k->type)
		gguf_writer_string(w, "llama.rope.scaling.type", k->type);
	if (k->factor_key)
		gguf_writer_f32(w, k->factor_key, k->factor);
}

static int load_scaled(const struct scaling_keys *k, struct llm_model **m, struct llm_err *err)
{
	void *image;
	size_t size;
	assert_int_equal(llm_random_model_gguf_arch(&spec, NULL, add_scaling, (void *)k, NULL, &image, &size, err), 0);
	int rc = load(image, size, m, err);
	llm_free(NULL, image, size);
	return rc;
}

static void test_rope_base_and_scaling_read(void **state)
{
	(void)state;
	size_t size;
	void *img = arch_image(LLM_ARCH_LLAMA, 0, false, &size);
	float base = 500000.0f;
	memcpy(kv_value(img, size, "llama.rope.freq_base"), &base, 4);
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(load(img, size, &m, &err), 0);
	assert_true(m->config.rope_base == 500000.0f);
	assert_true(m->config.rope_scale == 1.0f); /* no scaling keys: none */
	llm_model_free(m);
	free(img);
	static const struct {
		struct scaling_keys keys;
		float scale;
	} cases[] = {
		{ { NULL, "llama.rope.scaling.factor", 4.0f }, 0.25f }, /* the type defaults to linear */
		{ { NULL, "llama.rope.scale_linear", 8.0f }, 0.125f },  /* the older key */
		{ { "linear", "llama.rope.scaling.factor", 0.0f }, 1.0f },
		{ { "none", "llama.rope.scaling.factor", 8.0f }, 1.0f },
		{ { "linear", NULL, 0 }, 1.0f },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load_scaled(&cases[i].keys, &m, &err), 0);
		if (m->config.rope_scale != cases[i].scale)
			fail_msg("case %zu: rope_scale %g, expected %g", i, m->config.rope_scale, cases[i].scale);
		llm_model_free(m);
	}
}

static void add_numeric_type(struct gguf_writer *w, void *ctx)
{
	(void)ctx;
	gguf_writer_u32(w, "llama.rope.scaling.type", 1);
}

static void test_rope_scaling_refused_by_name(void **state)
{
	(void)state;
	struct llm_model *m;
	struct llm_err err;
	static const struct scaling_keys yarn = { "yarn", "llama.rope.scaling.factor", 4.0f };
	assert_int_equal(load_scaled(&yarn, &m, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "RoPE scaling 'yarn' is not supported (only 'linear' and 'none')"));
	static const struct scaling_keys negative = { "linear", "llama.rope.scaling.factor", -1.0f };
	assert_int_equal(load_scaled(&negative, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "llama.rope.scaling.factor must be a number in 0..1e6"));
	void *image;
	size_t size;
	assert_int_equal(llm_random_model_gguf_arch(&spec, NULL, add_numeric_type, NULL, NULL, &image, &size, &err), 0);
	expect_error(image, size, "metadata llama.rope.scaling.type is not a string");
	llm_free(NULL, image, size);
}

static void test_unknown_architecture_named(void **state)
{
	(void)state;
	size_t size;
	void *img = arch_image(LLM_ARCH_GPT2, 0, false, &size);
	uint8_t *v = kv_value(img, size, "general.architecture");
	assert_memory_equal(v + 8, "gpt2", 4);
	memcpy(v + 8, "gptj", 4);
	expect_error(img, size, "architecture 'gptj' is not supported (only 'llama', 'qwen2' and 'gpt2')");
	free(img);
}

static void rename_tensor(void *img, size_t size, const char *name)
{
	uint8_t *p = test_find(img, size, name);
	assert_non_null(p);
	p[strlen(name) - 1] = 'X';
}

static void test_missing_tensors_named(void **state)
{
	(void)state;
	static const struct {
		enum llm_arch arch;
		const char *name;
	} cases[] = {
		{ LLM_ARCH_QWEN2, "blk.1.attn_k.bias" },
		{ LLM_ARCH_GPT2, "position_embd.weight" },
		{ LLM_ARCH_GPT2, "blk.0.attn_qkv.weight" },
		{ LLM_ARCH_GPT2, "blk.1.attn_qkv.bias" },
		{ LLM_ARCH_GPT2, "blk.0.attn_norm.bias" },
		{ LLM_ARCH_GPT2, "blk.1.ffn_down.bias" },
		{ LLM_ARCH_GPT2, "output_norm.bias" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size;
		void *img = arch_image(cases[i].arch, 0, false, &size);
		rename_tensor(img, size, cases[i].name);
		char want[96];
		snprintf(want, sizeof(want), "missing tensor %s", cases[i].name);
		expect_error(img, size, want);
		free(img);
	}
}

static void test_bad_bias_and_qkv_shapes(void **state)
{
	(void)state;
	size_t size;
	void *img = arch_image(LLM_ARCH_GPT2, 0, false, &size);
	uint8_t *d = tensor_desc(img, size, "blk.0.attn_output.bias");
	uint32_t f16 = GGUF_TENSOR_F16;
	memcpy(d + 4 + 8, &f16, 4);
	expect_error(img, size, "blk.0.attn_output.bias is F16, biases and norms must be F32");
	free(img);
	img = arch_image(LLM_ARCH_GPT2, 0, false, &size);
	d = tensor_desc(img, size, "blk.1.attn_qkv.weight");
	uint64_t rows = 64; /* dim rows: Q alone, as if K and V were missing */
	memcpy(d + 12, &rows, 8);
	expect_error(img, size, "blk.1.attn_qkv.weight has shape [64, 64] (2 dims), expected [64, 128]");
	free(img);
	img = arch_image(LLM_ARCH_QWEN2, 0, false, &size);
	d = tensor_desc(img, size, "blk.0.attn_q.bias");
	uint64_t n = 32;
	memcpy(d + 4, &n, 8);
	expect_error(img, size, "blk.0.attn_q.bias has 32 elements, expected 64");
	free(img);
}

/* The generated qwen2/gpt2 models carry a byte-level BPE tokenizer: merges
 * "Ġ a" (rank 0) and "a b" (rank 27) make " ab" two pieces and "ab" one. */
static void test_bytelevel_tokenizer_generated(void **state)
{
	(void)state;
	for (enum llm_arch a = LLM_ARCH_QWEN2; a <= LLM_ARCH_GPT2; a++) {
		size_t size;
		void *img = arch_image(a, 0, false, &size);
		struct llm_model *m;
		struct llm_err err;
		assert_int_equal(load(img, size, &m, &err), 0);
		const struct llm_tokenizer *t = m->tokenizer;
		assert_non_null(t);
		assert_int_equal(t->pretok, a == LLM_ARCH_QWEN2 ? LLM_PRETOK_QWEN2 : LLM_PRETOK_GPT2);
		assert_int_equal(t->eos_id, 399);
		uint32_t ids[8];
		size_t n;
		assert_int_equal(llm_tokenizer_encode(t, "ab ab", 5, true, ids, 8, &n), 0);
		assert_int_equal(n, 3); /* no BOS: add_bos_token is not set */
		assert_int_equal(ids[0], 256 + 27);
		assert_int_equal(ids[1], 256);
		assert_int_equal(ids[2], 'b');
		char text[16];
		assert_int_equal(llm_tokenizer_decode(t, ids, n, text, sizeof(text)), 5);
		assert_string_equal(text, "ab ab");
		llm_model_free(m);
		free(img);
	}
	struct llm_random_model_spec big = spec;
	big.vocab_size = 960;
	struct llm_random_arch ra = { LLM_ARCH_GPT2, 0 };
	void *image;
	size_t size;
	struct llm_err err;
	assert_int_equal(llm_random_model_gguf_arch(&big, &ra, NULL, NULL, NULL, &image, &size, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 959 pieces"));
}

static void test_generator_refuses_bad_arch(void **state)
{
	(void)state;
	void *image;
	size_t size;
	struct llm_err err;
	struct llm_random_arch ra = { (enum llm_arch)7, 0 };
	assert_int_equal(llm_random_model_gguf_arch(&spec, &ra, NULL, NULL, NULL, &image, &size, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown architecture 7"));
	ra = (struct llm_random_arch){ LLM_ARCH_GPT2, 2.0f };
	assert_int_equal(llm_random_model_gguf_arch(&spec, &ra, NULL, NULL, NULL, &image, &size, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "RoPE scaling needs a RoPE architecture"));
	ra = (struct llm_random_arch){ LLM_ARCH_LLAMA, -1.0f };
	assert_int_equal(llm_random_model_gguf_arch(&spec, &ra, NULL, NULL, NULL, &image, &size, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qwen2_loads_with_biases),
		cmocka_unit_test(test_gpt2_loads_fused_qkv),
		cmocka_unit_test(test_rope_base_and_scaling_read),
		cmocka_unit_test(test_rope_scaling_refused_by_name),
		cmocka_unit_test(test_unknown_architecture_named),
		cmocka_unit_test(test_missing_tensors_named),
		cmocka_unit_test(test_bad_bias_and_qkv_shapes),
		cmocka_unit_test(test_bytelevel_tokenizer_generated),
		cmocka_unit_test(test_generator_refuses_bad_arch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
