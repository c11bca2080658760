/* Constrained decoding over a vocabulary (tool_mask.h). */
#include "tool_mask.h"

void tool_mask_init(struct tool_mask *m, const struct llm_tokenizer *tok, const struct tg_tools *tools)
{
	tg_init(&m->g, tools);
	m->tok = tok;
	m->eos = tok->eos_id < tok->n_vocab ? tok->eos_id : UINT32_MAX;
	int32_t e = llm_tokenizer_lookup(tok, "<|im_end|>", 10);
	m->im_end = e >= 0 ? (uint32_t)e : UINT32_MAX;
	m->stuck = false;
}

void tool_mask_require_call(struct tool_mask *m)
{
	tg_require_call(&m->g);
}

bool tool_mask_is_end(const struct tool_mask *m, uint32_t id)
{
	return id == m->eos || id == m->im_end;
}

/* Whether token id may come next from state g. */
static bool fits(const struct tool_mask *m, uint32_t id)
{
	size_t len;
	const char *p = llm_tokenizer_piece(m->tok, m->tok->n_vocab, id, &len);

	if (tool_mask_is_end(m, id))
		return tg_may_end(&m->g);
	if (!p || m->tok->is_control[id] || len == 0)
		return false;
	struct tool_grammar t = m->g;
	return tg_feed(&t, p, len);
}

uint32_t tool_mask_apply(struct tool_mask *m, float *logits)
{
	uint32_t n = m->tok->n_vocab, left = 0;

	if (tg_free_text(&m->g))
		return n;
	for (uint32_t id = 0; id < n; id++) {
		if (fits(m, id))
			left++;
		else
			logits[id] = -__builtin_inff();
	}
	m->stuck = left == 0;
	return left;
}

void tool_mask_accept(struct tool_mask *m, uint32_t id)
{
	size_t len;
	const char *p = llm_tokenizer_piece(m->tok, m->tok->n_vocab, id, &len);

	if (p && len && !m->tok->is_control[id])
		tg_feed(&m->g, p, len);
}
