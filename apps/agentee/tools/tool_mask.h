/*
 * Constrained decoding in the llm realm: the tool-call recogniser
 * (tool_grammar.h) applied to a model's vocabulary. Before each sampled
 * token, tool_mask_apply() removes (sets to -inf) every token whose bytes
 * the recogniser would refuse next; tool_mask_accept() moves it past the
 * token chosen. While the reply is free text nothing is masked; once it
 * is a tool call, only tokens that keep it a valid one remain, and the
 * end-of-turn tokens (EOS, and "<|im_end|>" when the vocabulary has it)
 * only when the call is complete. Every other control token is masked
 * inside a call.
 * Realm code (the engine's tokenizer; no C library).
 */
#ifndef CAEC_AGENTEE_TOOL_MASK_H
#define CAEC_AGENTEE_TOOL_MASK_H

#include <stdint.h>

#include "llm/tokenizer.h"
#include "tool_grammar.h"

struct tool_mask {
	struct tool_grammar g;
	const struct llm_tokenizer *tok;
	uint32_t eos, im_end; /* UINT32_MAX when absent */
	bool stuck;           /* no token fits the grammar any more */
};

void tool_mask_init(struct tool_mask *m, const struct llm_tokenizer *tok, const struct tg_tools *tools);
/* The reply must be a call (tg_require_call). */
void tool_mask_require_call(struct tool_mask *m);
/* Whether id ends the turn. */
bool tool_mask_is_end(const struct tool_mask *m, uint32_t id);
/* Masks logits[0..n_vocab); the number of tokens left. 0 sets m->stuck
 * (every logit is then -inf). */
uint32_t tool_mask_apply(struct tool_mask *m, float *logits);
/* Advances past token id (one tool_mask_apply allowed). */
void tool_mask_accept(struct tool_mask *m, uint32_t id);

#endif
