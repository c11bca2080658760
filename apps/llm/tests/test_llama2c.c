/* llama2.c checkpoints: valid files (shared and separate classifier) give
 * the same logits as the same weights in GGUF; malformed headers and sizes
 * are refused with a message. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "llm/context.h"
#include "llm/llama2c.h"
#include "test_models.h"

static void expect_error(const void *data, size_t size, const char *fragment)
{
	struct llm_model *m = NULL;
	struct llm_err err = { { 0 } };
	int rc = llm_model_load_memory(&m, data, size, NULL, 0, NULL, &err);
	llm_model_free(m);
	if (rc == 0 || !strstr(err.msg, fragment))
		fail_msg("expected an error containing '%s', got %d '%s'", fragment, rc, err.msg);
}

/* Logits of the prompt's last position through both formats are identical
 * (same F32 weights, same code). */
static void check_same_logits(bool unshared)
{
	size_t gsize, lsize, tsize;
	void *g = test_gguf_model(LLM_DTYPE_F32, unshared, &gsize);
	struct llm_model *gm, *lm;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&gm, g, gsize, NULL, 0, NULL, &err), 0);
	void *l = test_llama2c_from_model(gm, &lsize);
	void *t = test_tokenizer_bin(gm->tokenizer, &tsize);
	assert_int_equal(llm_model_load_memory(&lm, l, lsize, t, tsize, NULL, &err), 0);
	assert_int_equal(lm->format, LLM_FORMAT_LLAMA2C);
	assert_int_equal(lm->shared_classifier, !unshared);
	assert_int_equal(lm->config.kv_dim, gm->config.kv_dim);
	assert_non_null(lm->tokenizer);

	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = 1;
	struct llm_context *gc, *lc;
	assert_int_equal(llm_context_create(&gc, gm, &p, NULL, &err), 0);
	assert_int_equal(llm_context_create(&lc, lm, &p, NULL, &err), 0);
	const uint32_t prompt[] = { 1, 300, 17, 399, 5 };
	const float *a = NULL, *b = NULL;
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(llm_forward(gc, prompt[i], i, &a), 0);
		assert_int_equal(llm_forward(lc, prompt[i], i, &b), 0);
		assert_memory_equal(a, b, gm->config.vocab_size * sizeof(float));
	}
	llm_context_free(gc);
	llm_context_free(lc);
	llm_model_free(lm);
	llm_model_free(gm);
	free(t);
	free(l);
	free(g);
}

static void test_shared_classifier_matches_gguf(void **state)
{
	(void)state;
	check_same_logits(false);
}

static void test_unshared_classifier_matches_gguf(void **state)
{
	(void)state;
	check_same_logits(true);
}

static uint8_t *checkpoint(size_t *size)
{
	size_t gsize;
	void *g = test_gguf_model(LLM_DTYPE_F32, false, &gsize);
	struct llm_model *gm;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&gm, g, gsize, NULL, 0, NULL, &err), 0);
	uint8_t *l = test_llama2c_from_model(gm, size);
	llm_model_free(gm);
	free(g);
	return l;
}

static void set_field(uint8_t *c, int i, int32_t v)
{
	memcpy(c + 4 * i, &v, 4);
}

static void test_truncated_and_trailing(void **state)
{
	(void)state;
	size_t size;
	uint8_t *c = checkpoint(&size);
	expect_error(c, 27, "shorter than the 28-byte header");
	expect_error(c, 28, "ends inside the token embedding");
	expect_error(c, size - 4, "ends inside the RoPE sin table");
	uint8_t *big = malloc(size + 8);
	memcpy(big, c, size);
	memset(big + size, 0, 8);
	expect_error(big, size + 8, "8 unexpected bytes");
	/* Every prefix fails cleanly (exact-size copies so ASan sees overreads). */
	for (size_t n = 1; n < size; n += 97) {
		uint8_t *p = malloc(n);
		memcpy(p, c, n);
		struct llm_model *m = NULL;
		struct llm_err err;
		assert_int_not_equal(llm_model_load_memory(&m, p, n, NULL, 0, NULL, &err), 0);
		free(p);
	}
	/* A separate classifier makes the file too short. */
	int32_t v;
	memcpy(&v, c + 20, 4);
	set_field(c, 5, -v);
	expect_error(c, size, "ends inside the classifier");
	free(big);
	free(c);
}

static void test_bad_headers(void **state)
{
	(void)state;
	size_t size;
	uint8_t *c = checkpoint(&size), *orig = malloc(size);
	memcpy(orig, c, size);
	set_field(c, 0, -64);
	expect_error(c, size, "header field 0 is -64");
	memcpy(c, orig, 28);
	set_field(c, 3, 0);
	expect_error(c, size, "header field 3 is 0");
	memcpy(c, orig, 28);
	set_field(c, 3, 5); /* 5 heads do not divide dim 64 */
	expect_error(c, size, "5 heads do not divide dim 64");
	memcpy(c, orig, 28);
	set_field(c, 4, 3);
	expect_error(c, size, "3 kv heads do not divide 4 heads");
	memcpy(c, orig, 28);
	set_field(c, 0, 36);
	set_field(c, 3, 4); /* head size 9 */
	expect_error(c, size, "head size 9 is odd");
	memcpy(c, orig, 28);
	set_field(c, 5, 0);
	expect_error(c, size, "vocab_size is 0");
	memcpy(c, orig, 28);
	set_field(c, 5, INT32_MIN);
	expect_error(c, size, "vocab_size is");
	/* Sizes whose products overflow 32 bits but stay under the limits. */
	memcpy(c, orig, 28);
	set_field(c, 0, 65536);
	set_field(c, 1, 262144);
	set_field(c, 2, 1024);
	set_field(c, 3, 2);
	set_field(c, 4, 1);
	set_field(c, 5, 4000000);
	set_field(c, 6, 1 << 20);
	expect_error(c, size, "ends inside the token embedding");
	memcpy(c, orig, 28);
	set_field(c, 2, 2000);
	expect_error(c, size, "2000 layers outside");
	free(orig);
	free(c);
}

static void test_tokenizer_vocab_must_match(void **state)
{
	(void)state;
	size_t size;
	uint8_t *c = checkpoint(&size);
	uint8_t tok[4 + 8] = { 0 };
	int32_t max = 1;
	memcpy(tok, &max, 4);
	struct llm_model *m = NULL;
	struct llm_err err;
	assert_int_equal(llm_model_load_memory(&m, c, size, tok, sizeof(tok), NULL, &err), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err.msg, "cannot hold 400 tokens"));
	free(c);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/* A load from files names the file at fault: the checkpoint or the tokenizer. */
static void test_file_errors_name_the_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/llm-llama2c-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char model[64], tok[64], bad[64];
	snprintf(model, sizeof(model), "%s/model.bin", dir);
	snprintf(tok, sizeof(tok), "%s/tokenizer.bin", dir);
	snprintf(bad, sizeof(bad), "%s/short.bin", dir);
	size_t size;
	uint8_t *c = checkpoint(&size);
	write_file(model, c, size);
	uint8_t short_tok[4 + 8] = { 1 };
	write_file(tok, short_tok, sizeof(short_tok));
	write_file(bad, c, 20);

	struct llm_model *m = NULL;
	struct llm_err err;
	assert_int_equal(llm_model_load_file(&m, model, tok, NULL, &err), -EINVAL);
	assert_null(m);
	assert_true(strncmp(err.msg, tok, strlen(tok)) == 0);
	assert_non_null(strstr(err.msg, ": llama2.c tokenizer: "));

	assert_int_equal(llm_model_load_file(&m, bad, tok, NULL, &err), -EINVAL);
	assert_true(strncmp(err.msg, bad, strlen(bad)) == 0);
	assert_non_null(strstr(err.msg, "shorter than the 28-byte header"));

	assert_int_equal(llm_model_load_file(&m, model, NULL, NULL, &err), 0);
	llm_model_free(m);
	unlink(model);
	unlink(tok);
	unlink(bad);
	rmdir(dir);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_classifier_matches_gguf),
		cmocka_unit_test(test_unshared_classifier_matches_gguf),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_tokenizer_vocab_must_match),
		cmocka_unit_test(test_file_errors_name_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
