/*
 * Byte-pair-encoding tokenizer in the sentencepiece style used by llama.
 *
 * The vocabulary is a list of pieces with scores. Encoding puts a space in
 * front of the text (sentencepiece's dummy prefix), splits it into UTF-8
 * characters, maps each to its piece (or, when the vocabulary has none, to
 * the byte-fallback pieces "<0xNN>" of its bytes), then repeatedly merges
 * the adjacent pair whose concatenation is a piece with the highest score
 * (the leftmost pair on ties). Pieces may spell spaces as "▁" (U+2581, as
 * sentencepiece and GGUF do) or as ' ' (as llama2.c's tokenizer.bin does):
 * both are normalised to ' ' when the vocabulary is loaded.
 */
#ifndef LLM_TOKENIZER_H
#define LLM_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/alloc.h"
#include "llm/error.h"

/* One vocabulary entry as a loader sees it (not normalised yet). */
struct llm_piece {
	const char *text;
	size_t len;
	float score;
};

struct llm_tokenizer {
	uint32_t n_vocab;
	uint32_t bos_id;
	uint32_t eos_id;
	uint32_t unk_id;
	char *blob;          /* normalised pieces, back to back */
	size_t blob_size;
	uint32_t *offset;    /* n_vocab + 1 offsets into blob */
	float *score;
	uint32_t *sorted;    /* ids sorted by piece bytes, then id */
	int32_t byte_id[256]; /* id of "<0xNN>", or -1 */
	uint8_t *is_control;  /* 1 for BOS/EOS/UNK: decode to nothing */
	uint32_t max_piece_len;
	const struct llm_allocator *alloc;
};

/* Builds a tokenizer from n pieces via get(ctx, i, &piece) (which returns
 * nonzero to abort with its own error already set). */
int llm_tokenizer_create(struct llm_tokenizer **out, uint32_t n,
			 int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err),
			 void *ctx, uint32_t bos_id, uint32_t eos_id, uint32_t unk_id,
			 const struct llm_allocator *alloc, struct llm_err *err);
void llm_tokenizer_free(struct llm_tokenizer *t);

/* Encodes text[0..len) into ids (BOS first when bos). Writes at most cap ids;
 * *n_out is the full count (so a too-small cap returns -ENOSPC with the
 * needed size). len + 2 ids always suffice. */
int llm_tokenizer_encode(const struct llm_tokenizer *t, const char *text, size_t len, bool bos,
			 uint32_t *ids, size_t cap, size_t *n_out);

/* The bytes token id stands for, given the previous token (a leading space
 * right after BOS is dropped, as sentencepiece does for the dummy prefix).
 * Control tokens decode to nothing. *len is set; the pointer stays valid
 * while t lives. Returns NULL for an id outside the vocabulary. */
const char *llm_tokenizer_piece(const struct llm_tokenizer *t, uint32_t prev, uint32_t id,
				size_t *len);

/* Decodes ids into buf (NUL-terminated, truncated to cap). Returns the full
 * length, or -EINVAL when an id is outside the vocabulary. */
long llm_tokenizer_decode(const struct llm_tokenizer *t, const uint32_t *ids, size_t n,
			  char *buf, size_t cap);

/* The id of a piece (normalised spelling), or -1. */
int32_t llm_tokenizer_lookup(const struct llm_tokenizer *t, const char *piece, size_t len);

#endif
