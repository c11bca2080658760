/*
 * llm-logits: the C engine behind the same command line and JSON output as
 * apps/llm/reference/llm_reference.py, so the comparison script can run
 * both and diff them.
 *
 *   llm-logits MODEL [--tokenizer TOK.bin] --prompt-ids 1,5,9 [--greedy N] --json
 *       {"logits": [[vocab floats] per prompt position], "greedy": [N ids]}
 *   llm-logits MODEL [--tokenizer TOK.bin] --encode TEXT [--special]   {"ids": [...]}
 *       (BOS first when the model adds one; --special matches special tokens in TEXT)
 *   llm-logits MODEL [--tokenizer TOK.bin] --decode 1,2,3  {"text": "..."}
 * Extra options: --threads N, --isa portable|avx2|avx512 (exit status 77,
 * "skipped", when this CPU cannot run the kernels asked for).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/context.h"
#include "llm/json_out.h"
#include "llm/sampler.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: llm-logits MODEL [--tokenizer TOK.bin] (--prompt-ids 1,5,9 [--greedy N] | --encode TEXT [--special] |\n"
		"                  --decode 1,2,3) [--json] [--threads N] [--isa portable|avx2|avx512]\n");
}

/* Parses "1,5,9" into a new array; -1 with a message on bad input. */
static int parse_ids(const char *s, uint32_t **ids, size_t *n)
{
	size_t cap = strlen(s) / 2 + 1;
	*ids = calloc(cap, sizeof(**ids));
	*n = 0;
	if (!*ids)
		return -1;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || errno || v > UINT32_MAX || (*end && *end != ',') || *n == cap) {
			fprintf(stderr, "llm-logits: bad token id list near '%s'\n", s);
			return -1;
		}
		(*ids)[(*n)++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static int run_logits(struct llm_model *m, const uint32_t *ids, size_t n, unsigned long greedy,
		      unsigned threads, int isa)
{
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = threads;
	p.isa = isa;
	struct llm_context *c;
	struct llm_err err;
	if (n == 0 || n + greedy > m->config.seq_len) {
		fprintf(stderr, "llm-logits: %zu prompt ids + %lu greedy steps do not fit seq_len %u\n", n,
			greedy, m->config.seq_len);
		return 1;
	}
	if (llm_context_create(&c, m, &p, NULL, &err)) {
		fprintf(stderr, "llm-logits: %s\n", err.msg);
		return 1;
	}
	const float *logits = NULL;
	printf("{\"logits\": [");
	for (size_t i = 0; i < n; i++) {
		if (llm_forward(c, ids[i], (uint32_t)i, &logits)) {
			fprintf(stderr, "llm-logits: token id %u outside the vocabulary of %u\n", ids[i],
				m->config.vocab_size);
			llm_context_free(c);
			return 1;
		}
		printf(i ? ", [" : "[");
		for (uint32_t v = 0; v < m->config.vocab_size; v++) {
			if (v)
				fputs(", ", stdout);
			llm_json_write_float(stdout, logits[v]);
		}
		putchar(']');
	}
	printf("], \"greedy\": [");
	uint32_t pos = (uint32_t)n;
	for (unsigned long g = 0; g < greedy; g++) {
		uint32_t next = llm_argmax(logits, m->config.vocab_size);
		printf(g ? ", %u" : "%u", next);
		if (g + 1 < greedy && llm_forward(c, next, pos++, &logits))
			break;
	}
	printf("]}\n");
	llm_context_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *model_path = NULL, *tok_path = NULL, *prompt_ids = NULL, *encode = NULL, *decode = NULL;
	unsigned long greedy = 0, threads = 1;
	int isa = -1;
	bool special = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			continue;
		} else if (!strcmp(a, "--special")) {
			special = true;
		} else if (a[0] == '-' && a[1] == '-' && !val) {
			fprintf(stderr, "llm-logits: %s needs a value\n", a);
			return 2;
		} else if (!strcmp(a, "--tokenizer")) {
			tok_path = argv[++i];
		} else if (!strcmp(a, "--prompt-ids")) {
			prompt_ids = argv[++i];
		} else if (!strcmp(a, "--encode")) {
			encode = argv[++i];
		} else if (!strcmp(a, "--decode")) {
			decode = argv[++i];
		} else if (!strcmp(a, "--greedy")) {
			greedy = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--threads")) {
			threads = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--isa")) {
			const char *name = argv[++i];
			isa = -1;
			for (int k = LLM_ISA_PORTABLE; k <= LLM_ISA_AVX512; k++)
				if (!strcmp(name, llm_isa_name((enum llm_isa)k)))
					isa = k;
			if (isa < 0) {
				fprintf(stderr, "llm-logits: --isa %s: not portable, avx2 or avx512\n", name);
				return 2;
			}
			if (!llm_isa_available((enum llm_isa)isa)) {
				fprintf(stderr, "llm-logits: skipped: this CPU cannot run the %s kernels\n", name);
				return 77;
			}
		} else if (a[0] != '-' && !model_path) {
			model_path = a;
		} else {
			fprintf(stderr, "llm-logits: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!model_path || (!!prompt_ids + !!encode + !!decode) != 1) {
		usage(stderr);
		return 2;
	}
	struct llm_model *m;
	struct llm_err err;
	if (llm_model_load_file(&m, model_path, tok_path, NULL, &err)) {
		fprintf(stderr, "llm-logits: %s\n", err.msg);
		return 1;
	}
	int rc = 0;
	uint32_t *ids = NULL;
	size_t n = 0;
	if ((encode || decode) && !m->tokenizer) {
		fprintf(stderr, "llm-logits: the model has no tokenizer (pass --tokenizer)\n");
		rc = 1;
	} else if (encode) {
		size_t len = strlen(encode), cap = len + 2;
		ids = calloc(cap, sizeof(*ids));
		if (!ids || llm_tokenizer_encode_flags(m->tokenizer, encode, len,
								 LLM_ENCODE_BOS | (special ? LLM_ENCODE_SPECIAL : 0u),
								 ids, cap, &n)) {
			fprintf(stderr, "llm-logits: cannot encode\n");
			rc = 1;
		} else {
			printf("{\"ids\": [");
			for (size_t i = 0; i < n; i++)
				printf(i ? ", %u" : "%u", ids[i]);
			printf("]}\n");
		}
	} else if (parse_ids(decode ? decode : prompt_ids, &ids, &n)) {
		rc = 2;
	} else if (decode) {
		long len = llm_tokenizer_decode(m->tokenizer, ids, n, NULL, 0);
		char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
		if (!text) {
			fprintf(stderr, "llm-logits: token id outside the vocabulary of %u\n", m->config.vocab_size);
			rc = 1;
		} else {
			llm_tokenizer_decode(m->tokenizer, ids, n, text, (size_t)len + 1);
			printf("{\"text\": ");
			llm_json_write_string(stdout, text, (size_t)len);
			printf("}\n");
		}
		free(text);
	} else {
		rc = run_logits(m, ids, n, greedy, (unsigned)threads, isa);
	}
	free(ids);
	llm_model_free(m);
	return rc;
}
