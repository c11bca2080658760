/*
 * llm-mkmodel: writes a random-weight GGUF model with a synthetic
 * vocabulary (llm/random_model.h), for the CLI tests and fuzzing seeds.
 *
 *   llm-mkmodel OUT.gguf [--dtype f32|f16|bf16|q8_0|q4_0|q5_0|q4_1|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k] [--dim D] [--hidden H] [--layers L]
 *               [--heads NH] [--kv-heads NKV] [--vocab V] [--seq-len S] [--seed N]
 *               [--arch llama|qwen2|gpt2] [--rope-scaling F]
 *               [--unshared] [--no-tokenizer] [--llama2c-seed]
 * --llama2c-seed writes the same weights (F32) as a llama2.c checkpoint plus
 * tokenizer.bin in the input format of fuzz_llama2c instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/random_model.h"
#include "test_models.h"

/* [uint32 tokenizer length][checkpoint][tokenizer.bin] for fuzz_llama2c. */
static int llama2c_seed_image(const void *gguf, size_t size, void **out, size_t *out_size)
{
	struct llm_model *m;
	struct llm_err err;
	if (llm_model_load_memory(&m, gguf, size, NULL, 0, NULL, &err))
		return -1;
	size_t ls, ts;
	void *l = test_llama2c_from_model(m, &ls), *t = test_tokenizer_bin(m->tokenizer, &ts);
	llm_model_free(m);
	uint8_t *o = malloc(4 + ls + ts);
	if (!l || !t || !o)
		return -1;
	uint32_t tl = (uint32_t)ts;
	memcpy(o, &tl, 4);
	memcpy(o + 4, l, ls);
	memcpy(o + 4 + ls, t, ts);
	free(l);
	free(t);
	*out = o;
	*out_size = 4 + ls + ts;
	return 0;
}

int main(int argc, char **argv)
{
	struct llm_random_model_spec s = { 64, 192, 2, 4, 2, 512, 64, LLM_DTYPE_F32, 1, false, true };
	struct llm_random_arch ra = { LLM_ARCH_LLAMA, 0 };
	const char *out = NULL;
	bool llama2c_seed = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--unshared")) {
			s.unshared_classifier = true;
			continue;
		}
		if (!strcmp(a, "--llama2c-seed")) {
			llama2c_seed = s.with_tokenizer = true; /* (llama only) */
			s.dtype = LLM_DTYPE_F32;
			continue;
		}
		if (!strcmp(a, "--no-tokenizer")) {
			s.with_tokenizer = false;
			continue;
		}
		if (a[0] != '-') {
			out = a;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "llm-mkmodel: %s needs a value\n", a);
			return 2;
		}
		const char *v = argv[++i];
		uint32_t n = (uint32_t)strtoul(v, NULL, 10);
		if (!strcmp(a, "--arch")) {
			if (!strcmp(v, "llama")) ra.arch = LLM_ARCH_LLAMA;
			else if (!strcmp(v, "qwen2")) ra.arch = LLM_ARCH_QWEN2;
			else if (!strcmp(v, "gpt2")) ra.arch = LLM_ARCH_GPT2;
			else {
				fprintf(stderr, "llm-mkmodel: unknown architecture %s\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--rope-scaling"))
			ra.rope_scaling = strtof(v, NULL);
		else if (!strcmp(a, "--dtype"))
			s.dtype = !strcmp(v, "f16") ? LLM_DTYPE_F16 : !strcmp(v, "q8_0") ? LLM_DTYPE_Q8_0
				: !strcmp(v, "q4_0") ? LLM_DTYPE_Q4_0
				: !strcmp(v, "q5_0") ? LLM_DTYPE_Q5_0
				: !strcmp(v, "q4_1") ? LLM_DTYPE_Q4_1
				: !strcmp(v, "q5_1") ? LLM_DTYPE_Q5_1
				: !strcmp(v, "q2_k") ? LLM_DTYPE_Q2_K
				: !strcmp(v, "q3_k") ? LLM_DTYPE_Q3_K
				: !strcmp(v, "q4_k") ? LLM_DTYPE_Q4_K
				: !strcmp(v, "q5_k") ? LLM_DTYPE_Q5_K
				: !strcmp(v, "q6_k") ? LLM_DTYPE_Q6_K
				: !strcmp(v, "bf16") ? LLM_DTYPE_BF16 : LLM_DTYPE_F32;
		else if (!strcmp(a, "--dim")) s.dim = n;
		else if (!strcmp(a, "--hidden")) s.hidden_dim = n;
		else if (!strcmp(a, "--layers")) s.n_layers = n;
		else if (!strcmp(a, "--heads")) s.n_heads = n;
		else if (!strcmp(a, "--kv-heads")) s.n_kv_heads = n;
		else if (!strcmp(a, "--vocab")) s.vocab_size = n;
		else if (!strcmp(a, "--seq-len")) s.seq_len = n;
		else if (!strcmp(a, "--seed")) s.seed = n;
		else {
			fprintf(stderr, "llm-mkmodel: unknown option %s\n", a);
			return 2;
		}
	}
	if (!out) {
		fprintf(stderr, "usage: llm-mkmodel OUT.gguf [options] (see the source)\n");
		return 2;
	}
	void *image;
	size_t size;
	struct llm_err err;
	if (llama2c_seed && ra.arch != LLM_ARCH_LLAMA) {
		fprintf(stderr, "llm-mkmodel: --llama2c-seed makes llama models only\n");
		return 2;
	}
	if (llm_random_model_gguf_arch(&s, &ra, NULL, NULL, NULL, &image, &size, &err)) {
		fprintf(stderr, "llm-mkmodel: %s\n", err.msg);
		return 1;
	}
	void *data = image;
	size_t data_size = size;
	if (llama2c_seed && llama2c_seed_image(image, size, &data, &data_size)) {
		fprintf(stderr, "llm-mkmodel: cannot convert to llama2.c\n");
		return 1;
	}
	FILE *f = fopen(out, "wb");
	int rc = !f || fwrite(data, 1, data_size, f) != data_size;
	if (data != image)
		free(data);
	if (f && fclose(f))
		rc = 1;
	if (rc)
		perror(out);
	llm_free(NULL, image, size);
	return rc;
}
