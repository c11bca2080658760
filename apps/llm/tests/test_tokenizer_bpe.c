/* Byte-level BPE: the byte alphabet, both pre-tokenizers' splits, merges by
 * rank, special tokens, decoding, and GGUF tokenizer.ggml.* metadata
 * (gpt2 model) including malformed metadata refused with clear errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../src/tokenizer_internal.h"
#include "llm/gguf_writer.h"
#include "llm/model.h"
#include "llm/tokenizer.h"
#include "test_models.h"

/* Ids 0..255 are the bytes in byte order (spelled in the alphabet), then: */
static const char *const extra[] = {
	"he", "ll", "hell", "hello", "\xC4\xA0w" /* Ġw */, "or", "\xC4\xA0wor", "ld", "\xC4\xA0world",
	"bc", "ab", "aa", "\xC3\x83\xC2\xA9" /* "Ã©": the bytes of é */, "'s",
	"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool>",
};
enum { X_HE = 256, X_LL, X_HELL, X_HELLO, X_SW, X_OR, X_SWOR, X_LD, X_SWORLD, X_BC, X_AB, X_AA, X_EACUTE,
       X_APOS_S, X_EOT, X_IM_START, X_IM_END, X_TOOL, N_VOCAB };

/* Rank order matters: "b c" ranks before "a b". */
static const char *const merges[] = {
	"h e", "l l", "he ll", "hell o", "\xC4\xA0 w", "o r", "\xC4\xA0w or", "l d", "\xC4\xA0wor ld",
	"b c", "a b", "a a", "\xC3\x83 \xC2\xA9", "' s",
};
#define N_MERGES (sizeof(merges) / sizeof(merges[0]))

/* GPT-2's alphabet spelling of byte b (UTF-8 of its code point). */
static void alphabet_of(unsigned b, char out[3])
{
	unsigned cp = b, k = 0;
	if (!((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))) {
		for (unsigned x = 0; x < b; x++)
			k += !((x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF));
		cp = 256 + k;
	}
	if (cp < 0x80) {
		out[0] = (char)cp, out[1] = 0;
	} else {
		out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), out[2] = 0;
	}
}

static char byte_piece[256][3];

static const char *piece_text(uint32_t i)
{
	return i < 256 ? byte_piece[i] : extra[i - 256];
}

/* ctx non-NULL: byte 'A' has no piece (its slot holds another text). */
static int get_piece(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err)
{
	(void)err;
	p->text = ctx && i == 'A' ? "AAA" : piece_text(i);
	p->len = strlen(p->text);
	p->score = 0;
	return 0;
}

struct merge_list {
	const char *const *m;
};

static int get_merge(void *ctx, uint32_t i, const char **text, size_t *len, struct llm_err *err)
{
	struct merge_list *l = ctx;
	(void)err;
	*text = l->m[i];
	*len = strlen(*text);
	return 0;
}

static int32_t types[N_VOCAB];
static struct merge_list the_merges = { merges };

static struct llm_bpe_spec spec(enum llm_pretok pre)
{
	return (struct llm_bpe_spec){ N_MERGES, get_merge, &the_merges, types, pre, X_EOT, X_EOT, false };
}

static struct llm_tokenizer *gpt2, *qwen2;

static int setup(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 256; b++)
		alphabet_of(b, byte_piece[b]);
	for (unsigned i = 0; i < N_VOCAB; i++)
		types[i] = LLM_TOKEN_TYPE_NORMAL;
	types[X_EOT] = types[X_IM_START] = types[X_IM_END] = LLM_TOKEN_TYPE_CONTROL;
	types[X_TOOL] = LLM_TOKEN_TYPE_USER_DEFINED;
	struct llm_err err;
	struct llm_bpe_spec a = spec(LLM_PRETOK_GPT2), b = spec(LLM_PRETOK_QWEN2);
	if (llm_tokenizer_create_bpe(&gpt2, N_VOCAB, get_piece, NULL, &a, NULL, &err) ||
	    llm_tokenizer_create_bpe(&qwen2, N_VOCAB, get_piece, NULL, &b, NULL, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	llm_tokenizer_free(gpt2);
	llm_tokenizer_free(qwen2);
	return 0;
}

/* The words of text joined by '|'. */
static const char *split(enum llm_pretok pre, const char *text)
{
	static char out[256];
	size_t len = strlen(text), o = 0;
	for (size_t i = 0; i < len;) {
		size_t e = llm_bpe_split_end(pre, text, len, i);
		assert_true(e > i && e <= len);
		if (i)
			out[o++] = '|';
		memcpy(out + o, text + i, e - i);
		o += e - i;
		i = e;
	}
	out[o] = 0;
	return out;
}

static void test_gpt2_split(void **state)
{
	(void)state;
	assert_string_equal(split(LLM_PRETOK_GPT2, "Hello world's  end 123 ok!!\n\n x"),
			    "Hello| world|'s| | end| 123| ok|!!|\n\n| x");
	assert_string_equal(split(LLM_PRETOK_GPT2, "a\n\n  b"), "a|\n\n | b");
	assert_string_equal(split(LLM_PRETOK_GPT2, "IT'S they'RE"), "IT|'|S| they|'|RE");
	assert_string_equal(split(LLM_PRETOK_GPT2, "a\t\tb\r\nc"), "a|\t|\t|b|\r|\n|c");
	assert_string_equal(split(LLM_PRETOK_GPT2, "  a  "), " | a|  ");
	assert_string_equal(split(LLM_PRETOK_GPT2, "12345 6"), "12345| 6");
	assert_string_equal(split(LLM_PRETOK_GPT2, "...\n\nok"), "...|\n|\n|ok");
	/* Letters outside ASCII, emoji as "other", CJK as letters. */
	assert_string_equal(split(LLM_PRETOK_GPT2, "caf\xC3\xA9 na\xC3\xAFve"), "caf\xC3\xA9| na\xC3\xAFve");
	assert_string_equal(split(LLM_PRETOK_GPT2, "x\xF0\x9F\x98\x80y \xE6\x9D\xB1\xE4\xBA\xAC!"),
			    "x|\xF0\x9F\x98\x80|y| \xE6\x9D\xB1\xE4\xBA\xAC|!");
	/* Invalid UTF-8 bytes are "other" characters of one byte. */
	assert_string_equal(split(LLM_PRETOK_GPT2, "a\xFF\xC3 b"), "a|\xFF\xC3| b");
}

static void test_qwen2_split(void **state)
{
	(void)state;
	assert_string_equal(split(LLM_PRETOK_QWEN2, "Hello world's  end 123 ok!!\n\n x"),
			    "Hello| world|'s| | end| |1|2|3| ok|!!\n\n| x");
	assert_string_equal(split(LLM_PRETOK_QWEN2, "a\n\n  b"), "a|\n\n| | b");
	assert_string_equal(split(LLM_PRETOK_QWEN2, "IT'S they'RE"), "IT|'S| they|'RE");
	assert_string_equal(split(LLM_PRETOK_QWEN2, "a\t\tb\r\nc"), "a|\t|\tb|\r\n|c");
	assert_string_equal(split(LLM_PRETOK_QWEN2, "...\n\nok"), "...\n\n|ok");
	assert_string_equal(split(LLM_PRETOK_QWEN2, "x\xF0\x9F\x98\x80y \xE6\x9D\xB1\xE4\xBA\xAC!"),
			    "x|\xF0\x9F\x98\x80y| \xE6\x9D\xB1\xE4\xBA\xAC|!");
}

static size_t enc(const struct llm_tokenizer *t, const char *text, unsigned flags, uint32_t *ids)
{
	size_t n;
	assert_int_equal(llm_tokenizer_encode_flags(t, text, strlen(text), flags, ids, 64, &n), 0);
	return n;
}

static void test_merges_by_rank(void **state)
{
	(void)state;
	uint32_t ids[64];
	assert_int_equal(enc(gpt2, "hello world", LLM_ENCODE_BOS, ids), 2); /* add_bos is off */
	assert_int_equal(ids[0], X_HELLO);
	assert_int_equal(ids[1], X_SWORLD);
	/* "b c" ranks before "a b", whatever their positions. */
	assert_int_equal(enc(gpt2, "abc", 0, ids), 2);
	assert_int_equal(ids[0], 'a');
	assert_int_equal(ids[1], X_BC);
	/* The same pair twice: the leftmost merges first. */
	assert_int_equal(enc(gpt2, "aaa", 0, ids), 2);
	assert_int_equal(ids[0], X_AA);
	assert_int_equal(ids[1], 'a');
	/* Merges never cross words: " w" and "or" but not "Ġwor" across "w|'s". */
	assert_int_equal(enc(gpt2, "w's", 0, ids), 2);
	assert_int_equal(ids[0], 'w');
	assert_int_equal(ids[1], X_APOS_S);
	/* A merge inside a multi-byte character; a character without one stays bytes. */
	assert_int_equal(enc(gpt2, "\xC3\xA9\xC3\xBC", 0, ids), 3);
	assert_int_equal(ids[0], X_EACUTE);
	assert_int_equal(ids[1], 0xC3);
	assert_int_equal(ids[2], 0xBC);
	/* Spaces are byte 0x20 (spelled "Ġ" in the vocabulary): no dummy prefix. */
	assert_int_equal(enc(gpt2, " ", 0, ids), 1);
	assert_int_equal(ids[0], ' ');
	assert_int_equal(llm_tokenizer_lookup(gpt2, " world", 6), X_SWORLD);
}

/* One word of 200001 letters: the merge is O(n log n), so this is quick,
 * and pairs still merge leftmost first. */
static void test_long_word(void **state)
{
	(void)state;
	size_t len = 200001, n;
	char *text = malloc(len);
	uint32_t *ids = malloc((len + 2) * sizeof(*ids));
	assert_non_null(text);
	assert_non_null(ids);
	memset(text, 'a', len);
	assert_int_equal(llm_tokenizer_encode_flags(gpt2, text, len, 0, ids, len + 2, &n), 0);
	assert_int_equal(n, len / 2 + 1);
	for (size_t i = 0; i + 1 < n; i++)
		assert_int_equal(ids[i], X_AA);
	assert_int_equal(ids[n - 1], 'a');
	free(text);
	free(ids);
}

static void test_special_tokens(void **state)
{
	(void)state;
	uint32_t ids[64];
	const char *chat = "<|im_start|>hello<|im_end|><tool>";
	assert_int_equal(enc(qwen2, chat, LLM_ENCODE_SPECIAL, ids), 4);
	assert_int_equal(ids[0], X_IM_START);
	assert_int_equal(ids[1], X_HELLO);
	assert_int_equal(ids[2], X_IM_END);
	assert_int_equal(ids[3], X_TOOL);
	/* Without the flag the markers are ordinary text. */
	size_t n = enc(qwen2, chat, 0, ids);
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++)
		assert_true(ids[i] < X_EOT);
	/* Control tokens decode to nothing, user-defined ones to their text. */
	char out[64];
	uint32_t seq[] = { X_IM_START, X_HELLO, X_SWORLD, X_IM_END, X_TOOL, X_EACUTE };
	assert_int_equal(llm_tokenizer_decode(qwen2, seq, 6, out, sizeof(out)), 19);
	assert_string_equal(out, "hello world<tool>\xC3\xA9");
}

static void test_round_trips(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"hello world", "it's  \t\n\n x", "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80!",
		"12345 67", "\xFF\xFE invalid \xC3", "",
	};
	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		for (int q = 0; q < 2; q++) {
			const struct llm_tokenizer *t = q ? qwen2 : gpt2;
			uint32_t ids[64];
			size_t n = enc(t, texts[k], LLM_ENCODE_BOS, ids);
			assert_true(n <= strlen(texts[k]));
			char out[64];
			long len = llm_tokenizer_decode(t, ids, n, out, sizeof(out));
			assert_int_equal(len, strlen(texts[k]));
			assert_memory_equal(out, texts[k], (size_t)len);
		}
	}
}

static void test_bos_when_asked(void **state)
{
	(void)state;
	struct llm_bpe_spec s = spec(LLM_PRETOK_GPT2);
	s.add_bos = true;
	struct llm_tokenizer *t;
	struct llm_err err;
	assert_int_equal(llm_tokenizer_create_bpe(&t, N_VOCAB, get_piece, NULL, &s, NULL, &err), 0);
	uint32_t ids[64];
	assert_int_equal(enc(t, "ab", LLM_ENCODE_BOS, ids), 2);
	assert_int_equal(ids[0], X_EOT);
	assert_int_equal(ids[1], X_AB);
	assert_int_equal(enc(t, "ab", 0, ids), 1);
	size_t n;
	assert_int_equal(llm_tokenizer_encode(t, "abab", 4, true, ids, 2, &n), -ENOSPC);
	assert_int_equal(n, 3);
	llm_tokenizer_free(t);
	s.bos_id = UINT32_MAX;
	assert_int_equal(llm_tokenizer_create_bpe(&t, N_VOCAB, get_piece, NULL, &s, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no BOS id"));
}

static void expect_create_error(const char *const *m, uint32_t n_merges, const char *words)
{
	struct merge_list l = { m };
	struct llm_bpe_spec s = spec(LLM_PRETOK_GPT2);
	s.merge_ctx = &l;
	s.n_merges = n_merges;
	struct llm_tokenizer *t = (void *)1;
	struct llm_err err = { "" };
	assert_int_equal(llm_tokenizer_create_bpe(&t, N_VOCAB, get_piece, NULL, &s, NULL, &err), -EINVAL);
	assert_null(t);
	if (!strstr(err.msg, words))
		fail_msg("error '%s' lacks '%s'", err.msg, words);
}

static void test_bad_merges_refused(void **state)
{
	(void)state;
	const char *unknown[] = { "h e", "hex o" };
	expect_create_error(unknown, 2, "merges[1] 'hex o' names 'hex', which is not in the vocabulary");
	const char *unmade[] = { "a c" };
	expect_create_error(unmade, 1, "merges[0] 'a c' makes a piece that is not in the vocabulary");
	const char *no_space[] = { "h e", "abc" };
	expect_create_error(no_space, 2, "merges[1] 'abc' is not two pieces separated by a space");
	const char *empty_right[] = { "ab " };
	expect_create_error(empty_right, 1, "is not two pieces");
	const char *long_part[] = { "hellohellohellohellohellohellohellohellohellohello o" };
	expect_create_error(long_part, 1, "not in the vocabulary");
}

static void test_missing_byte_piece_refused(void **state)
{
	(void)state;
	struct llm_bpe_spec s = spec(LLM_PRETOK_GPT2);
	struct llm_tokenizer *t;
	struct llm_err err;
	assert_int_equal(llm_tokenizer_create_bpe(&t, N_VOCAB, get_piece, (void *)1, &s, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "tokenizer: the byte-level vocabulary has no piece for byte 0x41");
}

static void test_bad_token_types_refused(void **state)
{
	(void)state;
	int32_t bad[N_VOCAB];
	memcpy(bad, types, sizeof(bad));
	bad[7] = 9;
	struct llm_bpe_spec s = spec(LLM_PRETOK_GPT2);
	s.token_type = bad;
	struct llm_tokenizer *t;
	struct llm_err err;
	assert_int_equal(llm_tokenizer_create_bpe(&t, N_VOCAB, get_piece, NULL, &s, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "tokenizer.ggml.token_type[7] is 9, not a token type (0..6)");
}

/* ---- through GGUF metadata ---- */

struct gguf_tok {
	const char *model, *pre, *chat_template;
	bool no_merges, bad_types, short_types;
	const char *const *merges;
	uint32_t n_merges;
};

static void add_tok_metadata(struct gguf_writer *w, void *ctx)
{
	const struct gguf_tok *g = ctx;
	const char *p[N_VOCAB];
	size_t len[N_VOCAB];
	for (uint32_t i = 0; i < N_VOCAB; i++)
		p[i] = piece_text(i), len[i] = strlen(p[i]);
	gguf_writer_string(w, "tokenizer.ggml.model", g->model);
	if (g->pre)
		gguf_writer_string(w, "tokenizer.ggml.pre", g->pre);
	gguf_writer_strings(w, "tokenizer.ggml.tokens", p, len, N_VOCAB);
	if (!g->no_merges) {
		const char *const *m = g->merges ? g->merges : merges;
		uint32_t n = g->merges ? g->n_merges : N_MERGES;
		size_t ml[32];
		for (uint32_t i = 0; i < n; i++)
			ml[i] = strlen(m[i]);
		gguf_writer_strings(w, "tokenizer.ggml.merges", (const char *const *)m, ml, n);
	}
	if (g->bad_types) {
		float f[N_VOCAB] = { 0 };
		gguf_writer_f32s(w, "tokenizer.ggml.token_type", f, N_VOCAB);
	} else {
		gguf_writer_i32s(w, "tokenizer.ggml.token_type", types, g->short_types ? N_VOCAB - 1 : N_VOCAB);
	}
	gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", X_EOT);
	gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", X_IM_END);
	if (g->chat_template)
		gguf_writer_string(w, "tokenizer.chat_template", g->chat_template);
}

static void *loaded_image; /* the model points into it: freed with the model */
static size_t loaded_size;

static int load(struct gguf_tok *g, struct llm_model **out, struct llm_err *err)
{
	struct llm_random_model_spec s = { 32, 48, 1, 2, 1, N_VOCAB, 16, LLM_DTYPE_F32, 3, false, false };
	size_t size;
	void *image;
	struct llm_err gen_err;
	assert_int_equal(llm_random_model_gguf_with(&s, add_tok_metadata, g, NULL, &image, &size, &gen_err), 0);
	int rc = llm_model_load_memory(out, image, size, NULL, 0, NULL, err);
	if (rc == 0)
		loaded_image = image, loaded_size = size;
	else
		llm_free(llm_allocator_default(), image, size);
	return rc;
}

static void unload(struct llm_model *m)
{
	llm_model_free(m);
	llm_free(llm_allocator_default(), loaded_image, loaded_size);
	loaded_image = NULL;
}

static void expect_load_error(struct gguf_tok *g, int code, const char *words)
{
	struct llm_model *m = NULL;
	struct llm_err err = { "" };
	assert_int_equal(load(g, &m, &err), code);
	if (!strstr(err.msg, words))
		fail_msg("error '%s' lacks '%s'", err.msg, words);
}

static void test_gguf_gpt2_loads(void **state)
{
	(void)state;
	struct gguf_tok g = { .model = "gpt2", .pre = "qwen2", .chat_template = "{{ '<|im_start|>' }}" };
	struct llm_model *m;
	struct llm_err err;
	assert_int_equal(load(&g, &m, &err), 0);
	const struct llm_tokenizer *t = m->tokenizer;
	assert_non_null(t);
	assert_int_equal(t->kind, LLM_TOKENIZER_BPE);
	assert_int_equal(t->pretok, LLM_PRETOK_QWEN2);
	assert_int_equal(t->eos_id, X_IM_END);
	assert_int_equal(t->chat_template, LLM_CHAT_CHATML);
	uint32_t ids[64];
	assert_int_equal(enc(t, "IT'S hello world", 0, ids), 7); /* I T ' S Ġ hello Ġworld */
	assert_int_equal(ids[2], '\'');
	assert_int_equal(ids[4], ' ');
	assert_int_equal(ids[5], X_HELLO);
	unload(m);
	g.pre = NULL; /* absent: GPT-2's split */
	g.chat_template = NULL;
	assert_int_equal(load(&g, &m, &err), 0);
	assert_int_equal(m->tokenizer->pretok, LLM_PRETOK_GPT2);
	assert_int_equal(m->tokenizer->chat_template, LLM_CHAT_PLAIN);
	unload(m);
}

static void test_gguf_bad_metadata_refused(void **state)
{
	(void)state;
	struct gguf_tok g = { .model = "gpt2", .pre = "deepseek-llm" };
	expect_load_error(&g, -ENOTSUP, "tokenizer.ggml.pre 'deepseek-llm' is not supported");
	g = (struct gguf_tok){ .model = "bert" };
	expect_load_error(&g, -ENOTSUP, "tokenizer model 'bert' is not supported");
	g = (struct gguf_tok){ .model = "gpt2", .no_merges = true };
	expect_load_error(&g, -EINVAL, "tokenizer.ggml.merges missing");
	g = (struct gguf_tok){ .model = "gpt2", .bad_types = true };
	expect_load_error(&g, -EINVAL, "tokenizer.ggml.token_type must be an array of 274 integers");
	g = (struct gguf_tok){ .model = "gpt2", .short_types = true };
	expect_load_error(&g, -EINVAL, "tokenizer.ggml.token_type must be an array of 274 integers");
	static const char *const unknown[] = { "h e", "q zz" };
	g = (struct gguf_tok){ .model = "gpt2", .merges = unknown, .n_merges = 2 };
	expect_load_error(&g, -EINVAL, "merges[1] 'q zz' names 'zz', which is not in the vocabulary");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpt2_split),
		cmocka_unit_test(test_qwen2_split),
		cmocka_unit_test(test_merges_by_rank),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_special_tokens),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bos_when_asked),
		cmocka_unit_test(test_bad_merges_refused),
		cmocka_unit_test(test_bad_token_types_refused),
		cmocka_unit_test(test_missing_byte_piece_refused),
		cmocka_unit_test(test_gguf_gpt2_loads),
		cmocka_unit_test(test_gguf_bad_metadata_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
