/*
 * The byte-level pre-tokenizers on their own, for the reference comparison
 * (reference/compare_pretok.py):
 *
 *   llm-pretok gpt2|qwen2 < texts
 *
 * reads NUL-separated texts from stdin and prints, per text, one line with
 * the byte offsets where its words end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/tokenizer_internal.h"

int main(int argc, char **argv)
{
	enum llm_pretok pre;
	struct llm_err err;
	if (argc != 2 || llm_pretok_by_name(argv[1], strlen(argv[1]), &pre, &err)) {
		fprintf(stderr, "usage: llm-pretok gpt2|qwen2 < NUL-separated texts\n");
		return 2;
	}
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (!buf) {
		fprintf(stderr, "llm-pretok: out of memory\n");
		return 1;
	}
	for (size_t start = 0, k = 0; k <= n; k++) {
		if (k < n && buf[k])
			continue;
		const char *text = buf + start;
		size_t len = k - start;
		for (size_t i = 0; i < len;) {
			size_t e = llm_bpe_split_end(pre, text, len, i);
			printf(i ? " %zu" : "%zu", e);
			i = e;
		}
		putchar('\n');
		start = k + 1;
	}
	free(buf);
	return 0;
}
