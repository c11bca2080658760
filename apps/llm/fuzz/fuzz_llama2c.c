/*
 * libFuzzer harness for the llama2.c checkpoint and tokenizer.bin parsers.
 * Input: a little-endian uint32 L, then the checkpoint, whose last L bytes
 * are the tokenizer.bin (L larger than what is left means no tokenizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/context.h"
#include "llm/llama2c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t tok_len;
	memcpy(&tok_len, data, 4);
	data += 4;
	size -= 4;
	size_t model_len = tok_len <= size ? size - tok_len : size;
	size_t tl = size - model_len;
	/* Separate exact-size copies so overreads of either are caught. */
	uint8_t *model = malloc(model_len ? model_len : 1), *tok = malloc(tl ? tl : 1);
	memcpy(model, data, model_len);
	memcpy(tok, data + model_len, tl);
	struct llm_model *m;
	struct llm_err err;
	if (llm_model_load_memory(&m, model, model_len, tl ? tok : NULL, tl, NULL, &err) == 0) {
		const struct llm_config *c = &m->config;
		if ((uint64_t)c->dim * c->n_layers <= (1u << 16) && c->hidden_dim <= (1u << 14)) {
			struct llm_context_params p;
			llm_context_params_default(&p);
			p.n_threads = 1;
			p.max_seq = 2;
			struct llm_context *ctx;
			if (llm_context_create(&ctx, m, &p, NULL, &err) == 0) {
				const float *logits;
				llm_forward(ctx, 0, 0, &logits);
				llm_forward(ctx, c->vocab_size - 1, 1, &logits);
				llm_context_free(ctx);
			}
		}
		if (m->tokenizer) {
			uint32_t ids[64];
			size_t n;
			char text[256];
			if (llm_tokenizer_encode(m->tokenizer, "a b\xF0\x9F\x98\x80", 7, true, ids, 64, &n) == 0)
				llm_tokenizer_decode(m->tokenizer, ids, n, text, sizeof(text));
		}
		llm_model_free(m);
	}
	/* The tokenizer parser alone, for a vocabulary the input chooses. */
	struct llm_tokenizer *t;
	if (model_len >= 2) {
		uint32_t vocab = (uint32_t)model[0] | (uint32_t)model[1] << 8;
		if (llama2c_load_tokenizer(&t, tok, tl, vocab, NULL, &err) == 0)
			llm_tokenizer_free(t);
	}
	free(model);
	free(tok);
	return 0;
}
