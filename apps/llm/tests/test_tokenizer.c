/* BPE tokenizer: merges by score, byte fallback, round trips, decoding rules,
 * and tokenizer.bin / GGUF vocabularies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm/llama2c.h"
#include "llm/tokenizer.h"
#include "test_models.h"

/* <unk> <s> </s>, 256 bytes, then these pieces (sentencepiece spelling). */
static const char *const extra[] = {
	"\xE2\x96\x81", "a", "b", "c", "h", "e", "l", "o", "w", "r", "d",
	"\xE2\x96\x81h", "he", "ll", "\xE2\x96\x81he", "\xE2\x96\x81hell", "\xE2\x96\x81hello",
	"lo", "\xE2\x96\x81w", "or", "\xE2\x96\x81wor", "\xE2\x96\x81world", "ab", "bc", "ld",
	"\xC3\xA9", /* é has its own piece; ü does not */
};
static const float extra_score[] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-2, -3, -4, -5, -6, -7,
	-8, -9, -10, -11, -12, -20, -20, /* ab and bc tie: the leftmost pair merges */
	-10.5f,
	-1,
};
#define N_EXTRA (sizeof(extra) / sizeof(extra[0]))
#define N_VOCAB (259 + N_EXTRA)

static int get_piece(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err)
{
	static char bytes[256][7];
	(void)ctx;
	(void)err;
	p->score = 0;
	if (i == 0)
		p->text = "<unk>";
	else if (i == 1)
		p->text = "<s>";
	else if (i == 2)
		p->text = "</s>";
	else if (i < 259) {
		snprintf(bytes[i - 3], 7, "<0x%02X>", i - 3);
		p->text = bytes[i - 3];
	} else {
		p->text = extra[i - 259];
		p->score = extra_score[i - 259];
	}
	p->len = strlen(p->text);
	return 0;
}

static struct llm_tokenizer *tok;

static int setup(void **state)
{
	(void)state;
	struct llm_err err;
	return llm_tokenizer_create(&tok, N_VOCAB, get_piece, NULL, 1, 2, 0, NULL, &err);
}

static int teardown(void **state)
{
	(void)state;
	llm_tokenizer_free(tok);
	return 0;
}

static int32_t id_of(const char *piece)
{
	return llm_tokenizer_lookup(tok, piece, strlen(piece));
}

static size_t encode(const char *text, uint32_t *ids, size_t cap)
{
	size_t n;
	assert_int_equal(llm_tokenizer_encode(tok, text, strlen(text), true, ids, cap, &n), 0);
	return n;
}

static void test_lookup_normalises_spaces(void **state)
{
	(void)state;
	assert_int_equal(id_of(" hello"), 259 + 16);
	assert_int_equal(id_of(" "), 259);
	assert_int_equal(id_of("<0x41>"), 3 + 0x41);
	assert_int_equal(id_of("zzz"), -1);
}

static void test_merges_follow_scores(void **state)
{
	(void)state;
	uint32_t ids[64];
	size_t n = encode("hello world", ids, 64);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], id_of(" hello"));
	assert_int_equal(ids[2], id_of(" world"));
}

static void test_ties_merge_leftmost(void **state)
{
	(void)state;
	uint32_t ids[64];
	/* " abc": " " a b c; "ab" and "bc" score the same: "ab" (left) wins. */
	size_t n = encode("abc", ids, 64);
	assert_int_equal(n, 4);
	assert_int_equal(ids[1], id_of(" "));
	assert_int_equal(ids[2], id_of("ab"));
	assert_int_equal(ids[3], id_of("c"));
}

static void test_byte_fallback(void **state)
{
	(void)state;
	uint32_t ids[64];
	/* ü (C3 BC) has no piece: two byte tokens; é has one. */
	size_t n = encode("\xC3\xBC\xC3\xA9", ids, 64);
	assert_int_equal(n, 5);
	assert_int_equal(ids[1], id_of(" "));
	assert_int_equal(ids[2], 3 + 0xC3);
	assert_int_equal(ids[3], 3 + 0xBC);
	assert_int_equal(ids[4], id_of("\xC3\xA9"));
	/* A character with no piece and no... every byte has a fallback here. */
	n = encode("Z", ids, 64);
	assert_int_equal(ids[2], 3 + 'Z');
}

static void test_round_trips(void **state)
{
	(void)state;
	const char *texts[] = { "hello world", "abc cab", "  double  spaces ", "\xC3\xBC\xC3\xA9\xE2\x82\xAC!",
				"x", "hello\nworld\t", "\xF0\x9F\x98\x80 emoji" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint32_t ids[128];
		char out[128];
		size_t n = encode(texts[i], ids, 128);
		long len = llm_tokenizer_decode(tok, ids, n, out, sizeof(out));
		assert_int_equal(len, (long)strlen(texts[i]));
		assert_string_equal(out, texts[i]);
	}
}

static void test_empty_text_is_just_bos(void **state)
{
	(void)state;
	uint32_t ids[4];
	size_t n;
	assert_int_equal(llm_tokenizer_encode(tok, "", 0, true, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(llm_tokenizer_encode(tok, "", 0, false, ids, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void test_special_tokens_on_request(void **state)
{
	(void)state;
	uint32_t ids[16];
	size_t n;
	/* "</s>" written in the text is EOS only when asked; the text after it
	 * gets no dummy prefix (it does not start the text). */
	assert_int_equal(llm_tokenizer_encode_flags(tok, "</s>hello", 9, LLM_ENCODE_BOS | LLM_ENCODE_SPECIAL,
						    ids, 16, &n), 0);
	assert_int_equal(n, 5); /* BOS, EOS, "he" "ll" "o" (" hello" would be one piece) */
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], id_of("he"));
	assert_int_equal(ids[3], id_of("ll"));
	assert_int_equal(ids[4], id_of("o"));
	assert_int_equal(llm_tokenizer_encode_flags(tok, "</s>", 4, 0, ids, 16, &n), 0);
	assert_true(n > 1);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(ids[i], 2);
}

static void test_small_buffer_reports_size(void **state)
{
	(void)state;
	uint32_t ids[2];
	size_t n;
	assert_int_equal(llm_tokenizer_encode(tok, "abcabc", 6, true, ids, 2, &n), -ENOSPC);
	assert_true(n > 2);
}

static void test_decode_rules(void **state)
{
	(void)state;
	char out[64];
	uint32_t hello = (uint32_t)id_of(" hello");
	/* Leading space dropped only right after BOS. */
	uint32_t a[] = { 1, hello, hello };
	llm_tokenizer_decode(tok, a, 3, out, sizeof(out));
	assert_string_equal(out, "hello hello");
	uint32_t b[] = { hello };
	llm_tokenizer_decode(tok, b, 1, out, sizeof(out));
	assert_string_equal(out, " hello");
	/* Control tokens decode to nothing; bytes to themselves. */
	uint32_t c[] = { 0, 2, 3 + 'A', 1 };
	assert_int_equal(llm_tokenizer_decode(tok, c, 4, out, sizeof(out)), 1);
	assert_string_equal(out, "A");
	uint32_t bad[] = { N_VOCAB };
	assert_int_equal(llm_tokenizer_decode(tok, bad, 1, out, sizeof(out)), -EINVAL);
	/* Truncation keeps the full length as the result. */
	assert_int_equal(llm_tokenizer_decode(tok, a, 3, out, 4), 11);
	assert_string_equal(out, "hel");
}

static void test_special_ids_checked(void **state)
{
	(void)state;
	struct llm_tokenizer *t;
	struct llm_err err;
	assert_int_equal(llm_tokenizer_create(&t, N_VOCAB, get_piece, NULL, N_VOCAB, 2, 0, NULL, &err), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(err.msg, "special ids"));
}

static void test_tokenizer_bin_format(void **state)
{
	(void)state;
	size_t size;
	uint8_t *bin = test_tokenizer_bin(tok, &size);
	struct llm_tokenizer *t;
	struct llm_err err;
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB, NULL, &err), 0);
	uint32_t a[64], b[64];
	size_t na, nb;
	llm_tokenizer_encode(tok, "hello world abc", 15, true, a, 64, &na);
	llm_tokenizer_encode(t, "hello world abc", 15, true, b, 64, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
	llm_tokenizer_free(t);

	/* Malformed files. */
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB + 1, NULL, &err), -EINVAL);
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size - 1, N_VOCAB, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "past the end"));
	assert_int_equal(llama2c_load_tokenizer(&t, bin, 3, N_VOCAB, NULL, &err), -EINVAL);
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB - 1, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unexpected bytes"));
	int32_t v = -5;
	memcpy(bin + 4 + 4, &v, 4); /* length of token 0 */
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "token 0 has length -5"));
	v = 5;
	memcpy(bin + 8, &v, 4);
	v = 2; /* max_token_length below the longest piece */
	memcpy(bin, &v, 4);
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "over max_token_length"));
	v = 0;
	memcpy(bin, &v, 4);
	assert_int_equal(llama2c_load_tokenizer(&t, bin, size, N_VOCAB, NULL, &err), -EINVAL);
	free(bin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_normalises_spaces),
		cmocka_unit_test(test_merges_follow_scores),
		cmocka_unit_test(test_ties_merge_leftmost),
		cmocka_unit_test(test_byte_fallback),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_empty_text_is_just_bos),
		cmocka_unit_test(test_small_buffer_reports_size),
		cmocka_unit_test(test_decode_rules),
		cmocka_unit_test(test_special_ids_checked),
		cmocka_unit_test(test_tokenizer_bin_format),
		cmocka_unit_test(test_special_tokens_on_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
