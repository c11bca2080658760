/*
 * libFuzzer harness for the GGUF parser and model loader: any input must
 * load or be refused with a message, never crash or read out of bounds. A
 * model that loads (and is small) is also run for one token and its
 * tokenizer exercised, so hostile hyper-parameters reach the forward pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/context.h"
#include "llm/gguf.h"

static void exercise(const struct llm_model *m)
{
	const struct llm_config *c = &m->config;
	if ((uint64_t)c->dim * c->n_layers > (1u << 16) || c->hidden_dim > (1u << 14) || c->vocab_size > (1u << 16))
		return;
	struct llm_context_params p;
	llm_context_params_default(&p);
	p.n_threads = 1;
	p.max_seq = 2;
	struct llm_context *ctx;
	struct llm_err err;
	if (llm_context_create(&ctx, m, &p, NULL, &err) == 0) {
		const float *logits;
		llm_forward(ctx, c->vocab_size - 1, 0, &logits);
		llm_forward(ctx, 0, 1, &logits);
		uint32_t both[2] = { c->vocab_size - 1, 0 };
		llm_forward_batch(ctx, both, 2, 0, &logits); /* the batched path over the same cache */
		llm_context_free(ctx);
	}
	if (m->tokenizer) {
		uint32_t ids[64];
		size_t n;
		char text[256];
		if (llm_tokenizer_encode(m->tokenizer, "hi \xC3\xBC there!", 13, true, ids, 64, &n) == 0)
			llm_tokenizer_decode(m->tokenizer, ids, n, text, sizeof(text));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy: ASan then catches a read one past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct gguf_file f;
	struct llm_err err;
	if (gguf_parse(copy, size, NULL, &f, &err) == 0)
		gguf_file_release(&f);
	struct llm_model *m;
	if (llm_model_load_memory(&m, copy, size, NULL, 0, NULL, &err) == 0) {
		exercise(m);
		llm_model_free(m);
	}
	free(copy);
	return 0;
}
