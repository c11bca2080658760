/*
 * Byte-pair-encoding tokenizers of two kinds behind one API.
 *
 * LLM_TOKENIZER_SPM, the sentencepiece style used by llama:
 * The vocabulary is a list of pieces with scores. Encoding puts a space in
 * front of the text (sentencepiece's dummy prefix), splits it into UTF-8
 * characters, maps each to its piece (or, when the vocabulary has none, to
 * the byte-fallback pieces "<0xNN>" of its bytes), then repeatedly merges
 * the adjacent pair whose concatenation is a piece with the highest score
 * (the leftmost pair on ties). Pieces may spell spaces as "▁" (U+2581, as
 * sentencepiece and GGUF do) or as ' ' (as llama2.c's tokenizer.bin does):
 * both are normalised to ' ' when the vocabulary is loaded.
 *
 * LLM_TOKENIZER_BPE, GPT-2's byte-level BPE (GGUF tokenizer.ggml.model
 * "gpt2"): pieces are byte strings spelled in GPT-2's byte-to-unicode
 * alphabet (each byte one printable character) and are stored decoded, as
 * bytes. The text is first cut into words by a pre-tokenizer (a fixed regex
 * per model family, named by tokenizer.ggml.pre), each word's bytes become
 * their one-byte pieces, and then the adjacent pair with the lowest merge
 * rank (index in tokenizer.ggml.merges; leftmost on ties) is merged until no
 * pair has a rank. No dummy space prefix is added.
 *
 * Both kinds can match control and user-defined tokens written literally in
 * the text ("<|im_start|>") as whole tokens when asked (LLM_ENCODE_SPECIAL),
 * as chat prompts need; otherwise such text is tokenized like any other.
 */
#ifndef LLM_TOKENIZER_H
#define LLM_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/alloc.h"
#include "llm/chat.h"
#include "llm/error.h"

enum llm_tokenizer_kind {
	LLM_TOKENIZER_SPM = 0,
	LLM_TOKENIZER_BPE = 1,
};

/* Pre-tokenizers of the byte-level kind (GGUF tokenizer.ggml.pre). */
enum llm_pretok {
	LLM_PRETOK_GPT2 = 0,
	LLM_PRETOK_QWEN2 = 1,
};

/* GGUF tokenizer.ggml.token_type values (a fact of the format). */
enum llm_token_type {
	LLM_TOKEN_TYPE_UNDEFINED = 0,
	LLM_TOKEN_TYPE_NORMAL = 1,
	LLM_TOKEN_TYPE_UNKNOWN = 2,
	LLM_TOKEN_TYPE_CONTROL = 3,
	LLM_TOKEN_TYPE_USER_DEFINED = 4,
	LLM_TOKEN_TYPE_UNUSED = 5,
	LLM_TOKEN_TYPE_BYTE = 6,
};

/* One vocabulary entry as a loader sees it (not normalised yet). */
struct llm_piece {
	const char *text;
	size_t len;
	float score;
};

struct llm_tokenizer {
	uint32_t n_vocab;
	uint32_t bos_id;     /* BPE: UINT32_MAX when the model names none */
	uint32_t eos_id;     /* likewise */
	uint32_t unk_id;     /* BPE: always UINT32_MAX (every byte has a piece) */
	char *blob;          /* normalised pieces, back to back */
	size_t blob_size;
	uint32_t *offset;    /* n_vocab + 1 offsets into blob */
	float *score;
	uint32_t *sorted;    /* ids sorted by piece bytes, then id */
	int32_t byte_id[256]; /* id of "<0xNN>", or -1 */
	uint8_t *is_control;  /* 1 for BOS/EOS/UNK: decode to nothing */
	uint32_t max_piece_len;
	const struct llm_allocator *alloc;
	enum llm_tokenizer_kind kind;
	bool add_bos;         /* whether encode's bos request adds one */
	/* Literal-match candidates for LLM_ENCODE_SPECIAL: control and
	 * user-defined ids, longest piece first. */
	uint32_t *special;
	uint32_t n_special;
	/* The chat template the model's metadata names (LLM_CHAT_PLAIN when none). */
	enum llm_chat_template chat_template;
	/* LLM_TOKENIZER_BPE only. */
	enum llm_pretok pretok;
	uint32_t n_merges;
	struct llm_bpe_merge *merges; /* by rank */
	uint32_t *merge_hash;         /* rank or UINT32_MAX; open addressing on (left, right) */
	uint32_t merge_hash_size;     /* a power of two > 2 * n_merges */
	int32_t byte_token[256];      /* id of each one-byte piece */
};

struct llm_bpe_merge {
	uint32_t left, right, result;
};

/* The byte-level kind's inputs beyond the pieces. Pieces are given in the
 * byte alphabet (as GGUF stores them); merges as "left right" in it too. */
struct llm_bpe_spec {
	uint32_t n_merges;
	int (*get_merge)(void *ctx, uint32_t i, const char **text, size_t *len, struct llm_err *err);
	void *merge_ctx;
	const int32_t *token_type; /* n_vocab entries (enum llm_token_type), or NULL: all normal */
	enum llm_pretok pretok;
	uint32_t bos_id, eos_id;
	bool add_bos;
};

/* Builds a tokenizer from n pieces via get(ctx, i, &piece) (which returns
 * nonzero to abort with its own error already set). */
int llm_tokenizer_create(struct llm_tokenizer **out, uint32_t n,
			 int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err),
			 void *ctx, uint32_t bos_id, uint32_t eos_id, uint32_t unk_id,
			 const struct llm_allocator *alloc, struct llm_err *err);
void llm_tokenizer_free(struct llm_tokenizer *t);

/* Builds a byte-level BPE tokenizer. Refuses (with a message naming it) a
 * merge naming a piece that is not in the vocabulary or making one that is
 * not, a malformed merge, a vocabulary missing a one-byte piece, and an
 * out-of-range token type or special id. */
int llm_tokenizer_create_bpe(struct llm_tokenizer **out, uint32_t n,
			     int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err),
			     void *ctx, const struct llm_bpe_spec *spec,
			     const struct llm_allocator *alloc, struct llm_err *err);

/* The pre-tokenizer a tokenizer.ggml.pre value names; -ENOTSUP (with the
 * name in the message) for one this engine does not implement. */
int llm_pretok_by_name(const char *name, size_t len, enum llm_pretok *out, struct llm_err *err);

#define LLM_ENCODE_BOS 1u     /* start of a sequence: BOS first if the model adds one */
#define LLM_ENCODE_SPECIAL 2u /* match control/user-defined pieces written in the text */

/* Encodes with flags (LLM_ENCODE_*). Same contract as llm_tokenizer_encode. */
int llm_tokenizer_encode_flags(const struct llm_tokenizer *t, const char *text, size_t len,
			       unsigned flags, uint32_t *ids, size_t cap, size_t *n_out);

/* Encodes text[0..len) into ids (BOS first when bos and the model adds one:
 * always for SPM, per tokenizer.ggml.add_bos_token for BPE). Writes at most cap ids;
 * *n_out is the full count (so a too-small cap returns -ENOSPC with the
 * needed size). len + 2 ids always suffice. */
int llm_tokenizer_encode(const struct llm_tokenizer *t, const char *text, size_t len, bool bos,
			 uint32_t *ids, size_t cap, size_t *n_out);

/* The bytes token id stands for, given the previous token (a leading space
 * right after BOS is dropped, as sentencepiece does for the dummy prefix).
 * (SPM only). Control tokens decode to nothing. *len is set; the pointer stays valid
 * while t lives. Returns NULL for an id outside the vocabulary. */
const char *llm_tokenizer_piece(const struct llm_tokenizer *t, uint32_t prev, uint32_t id,
				size_t *len);

/* Decodes ids into buf (NUL-terminated, truncated to cap). Returns the full
 * length, or -EINVAL when an id is outside the vocabulary. */
long llm_tokenizer_decode(const struct llm_tokenizer *t, const uint32_t *ids, size_t n,
			  char *buf, size_t cap);

/* The id of a piece (normalised spelling: bytes for BPE), or -1. */
int32_t llm_tokenizer_lookup(const struct llm_tokenizer *t, const char *piece, size_t len);

#endif
