/* Shared between the two tokenizer kinds (tokenizer.c, tokenizer_bpe.c). */
#ifndef LLM_TOKENIZER_INTERNAL_H
#define LLM_TOKENIZER_INTERNAL_H

#include "llm/tokenizer.h"

/* Allocates t with its pieces normalised for kind, indexed for lookup. */
int llm_tok_new(struct llm_tokenizer **out, uint32_t n,
		int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err), void *ctx,
		enum llm_tokenizer_kind kind, const struct llm_allocator *alloc, struct llm_err *err);
/* Sets the literal-match list from a per-id flag array. */
int llm_tok_set_special(struct llm_tokenizer *t, const uint8_t *is_special, struct llm_err *err);
int32_t llm_tok_lookup_pair(const struct llm_tokenizer *t, const char *a, size_t alen,
			    const char *b, size_t blen);

/* Decodes a piece spelled in GPT-2's byte alphabet into dst (never longer
 * than src); a piece with a character outside the alphabet is copied as is. */
size_t llm_bpe_unalphabet(char *dst, const char *src, size_t len);
/* Per-call scratch of the byte-level merge for texts of up to len bytes:
 * llm_bpe_scratch_bytes(len) bytes (aligned for uint32_t) laid out by init. */
struct heap_ent;
struct bpe_scratch {
	struct heap_ent *heap;
	uint32_t *id, *prev, *next;
};
size_t llm_bpe_scratch_bytes(size_t len);
void llm_bpe_scratch_init(struct bpe_scratch *s, void *mem, size_t len);
/* Appends the ids of text[0..len) (no special tokens in it) at work[n..];
 * returns the new count. At most len ids are added. s was sized for at
 * least len bytes. */
size_t llm_bpe_segment(const struct llm_tokenizer *t, const char *text, size_t len, uint32_t *work,
		       size_t n, struct bpe_scratch *s);

/* End of the pre-tokenizer's word starting at text[i] (i < len). */
size_t llm_bpe_split_end(enum llm_pretok pretok, const char *text, size_t len, size_t i);

#endif
