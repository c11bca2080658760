/* The byte-level tokenizer against llama.cpp's tokenizer test data, when it
 * is there: $LLM_VOCAB_DIR holding ggml-vocab-NAME.gguf (vocabulary-only
 * GGUF files) with NAME.gguf.inp (texts separated by a marker line) and
 * NAME.gguf.out (the expected ids of each text, one line each, encoded
 * without BOS and without special-token matching). Those files belong to
 * another project and are not part of this one: the test skips without
 * the variable, and skips each vocabulary that is absent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm/model_loaders.h"
#include "llm/tokenizer.h"

static const char *const vocabs[] = { "gpt-2", "qwen2" };
static const char marker[] = "\n__ggml_vocab_test__\n";

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = 0;
		*size = (size_t)n;
	}
	return p;
}

/* Returns the number of texts checked; each mismatch is printed and fails. */
static int check_vocab(const char *dir, const char *name)
{
	char path[4096];
	size_t gsize, isize, osize;
	snprintf(path, sizeof(path), "%s/ggml-vocab-%s.gguf", dir, name);
	char *gguf = slurp(path, &gsize);
	snprintf(path, sizeof(path), "%s/ggml-vocab-%s.gguf.inp", dir, name);
	char *inp = slurp(path, &isize);
	snprintf(path, sizeof(path), "%s/ggml-vocab-%s.gguf.out", dir, name);
	char *out = slurp(path, &osize);
	int checked = -1;
	if (!gguf || !inp || !out) {
		print_message("%s: not in %s, skipped\n", name, dir);
		goto done;
	}
	struct llm_tokenizer *t;
	struct llm_err err;
	if (llm_gguf_load_tokenizer(&t, gguf, gsize, NULL, &err))
		fail_msg("%s: %s", name, err.msg);
	checked = 0;
	int bad = 0;
	char *text = inp, *line = out;
	while (*line) {
		char *end = strstr(text, marker);
		size_t len = end ? (size_t)(end - text) : strlen(text);
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		uint32_t want[1024];
		size_t n_want = 0;
		for (char *p = line; *p && n_want < 1024;) {
			char *e;
			unsigned long v = strtoul(p, &e, 10);
			if (e == p)
				break;
			want[n_want++] = (uint32_t)v;
			p = e;
		}
		uint32_t *got = malloc((len + 2) * sizeof(*got));
		size_t n_got;
		assert_int_equal(llm_tokenizer_encode_flags(t, text, len, 0, got, len + 2, &n_got), 0);
		if (n_got != n_want || memcmp(got, want, n_got * sizeof(*got))) {
			print_error("%s: text %d (%zu bytes) encodes differently from llama.cpp\n", name, checked, len);
			bad++;
		}
		free(got);
		checked++;
		if (!end || !nl)
			break;
		text = end + sizeof(marker) - 1;
		line = nl + 1;
	}
	llm_tokenizer_free(t);
	print_message("%s: %d texts, %d differ\n", name, checked, bad);
	assert_int_equal(bad, 0);
done:
	free(gguf);
	free(inp);
	free(out);
	return checked;
}

static void test_llama_cpp_vocabularies(void **state)
{
	(void)state;
	const char *dir = getenv("LLM_VOCAB_DIR");
	if (!dir || !*dir) {
		print_message("LLM_VOCAB_DIR not set: skipped\n");
		skip();
	}
	int any = 0;
	for (size_t i = 0; i < sizeof(vocabs) / sizeof(vocabs[0]); i++)
		any |= check_vocab(dir, vocabs[i]) > 0;
	if (!any)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama_cpp_vocabularies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
