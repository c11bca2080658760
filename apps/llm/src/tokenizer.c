/*
 * Sentencepiece-style BPE over a scored vocabulary (see llm/tokenizer.h).
 * Lookups binary-search an index of the pieces sorted by bytes; a pair is
 * looked up without building the concatenated string, so encoding needs only
 * one scratch array of ids.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/tokenizer.h"
#include "tokenizer_internal.h"
#include "port.h"

static const char space_marker[] = "\xE2\x96\x81"; /* U+2581, sentencepiece's space */

static const char *piece_ptr(const struct llm_tokenizer *t, uint32_t id)
{
	return t->blob + t->offset[id];
}

static size_t piece_len(const struct llm_tokenizer *t, uint32_t id)
{
	return t->offset[id + 1] - t->offset[id];
}

/* Compares piece id with the key a||b (b may be empty). */
static int cmp_piece_key(const struct llm_tokenizer *t, uint32_t id, const char *a, size_t alen,
			 const char *b, size_t blen)
{
	const char *p = piece_ptr(t, id);
	size_t plen = piece_len(t, id);
	size_t n = plen < alen ? plen : alen;
	int r = memcmp(p, a, n);
	if (r)
		return r;
	if (plen <= alen)
		return plen < alen + blen ? -1 : 0;
	p += alen;
	plen -= alen;
	n = plen < blen ? plen : blen;
	r = memcmp(p, b, n);
	if (r)
		return r;
	return plen < blen ? -1 : plen > blen;
}

/* The lowest id whose piece equals a||b, or -1. */
int32_t llm_tok_lookup_pair(const struct llm_tokenizer *t, const char *a, size_t alen,
			   const char *b, size_t blen)
{
	if (alen + blen > t->max_piece_len)
		return -1;
	size_t lo = 0, hi = t->n_vocab;
	while (lo < hi) { /* first index whose piece is >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_piece_key(t, t->sorted[mid], a, alen, b, blen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n_vocab && cmp_piece_key(t, t->sorted[lo], a, alen, b, blen) == 0)
		return (int32_t)t->sorted[lo];
	return -1;
}

int32_t llm_tokenizer_lookup(const struct llm_tokenizer *t, const char *piece, size_t len)
{
	return llm_tok_lookup_pair(t, piece, len, "", 0);
}

/* qsort has no context argument; sort (piece, id) records instead. */
struct sort_rec {
	const char *p;
	size_t len;
	uint32_t id;
};

static int cmp_sort_rec(const void *x, const void *y)
{
	const struct sort_rec *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->p, b->p, n);
	if (r)
		return r;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "<0xNN>" -> NN, else -1. */
static int byte_piece_value(const char *p, size_t len)
{
	if (len != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>')
		return -1;
	int hi = hexval(p[3]), lo = hexval(p[4]);
	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* Copies src into dst replacing U+2581 by ' '; returns the new length. */
static size_t normalise(char *dst, const char *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (len - i >= 3 && memcmp(src + i, space_marker, 3) == 0) {
			dst[o++] = ' ';
			i += 3;
		} else {
			dst[o++] = src[i++];
		}
	}
	return o;
}

static int build_index(struct llm_tokenizer *t, struct llm_err *err)
{
	struct sort_rec *recs = llm_alloc_array(t->alloc, t->n_vocab, sizeof(*recs), _Alignof(struct sort_rec));
	if (!recs)
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	for (uint32_t i = 0; i < t->n_vocab; i++)
		recs[i] = (struct sort_rec){ piece_ptr(t, i), piece_len(t, i), i };
	llm_qsort(recs, t->n_vocab, sizeof(*recs), cmp_sort_rec);
	for (uint32_t i = 0; i < t->n_vocab; i++)
		t->sorted[i] = recs[i].id;
	llm_free(t->alloc, recs, (size_t)t->n_vocab * sizeof(*recs));
	return 0;
}

int llm_tok_new(struct llm_tokenizer **out, uint32_t n,
		int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err), void *ctx,
		enum llm_tokenizer_kind kind, const struct llm_allocator *alloc, struct llm_err *err)
{
	*out = NULL;
	if (n == 0)
		return llm_err_set(err, -EINVAL, "tokenizer: empty vocabulary");
	if (!alloc)
		alloc = llm_allocator_default();
	/* First pass: total size, so the blob is one allocation (normalising
	 * never lengthens a piece). */
	size_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct llm_piece p;
		int rc = get(ctx, i, &p, err);
		if (rc)
			return rc;
		if (p.len > UINT32_MAX / 2 || __builtin_add_overflow(total, p.len, &total) || total > UINT32_MAX)
			return llm_err_set(err, -EINVAL, "tokenizer: pieces exceed 4 GiB");
	}
	struct llm_tokenizer *t = llm_alloc(alloc, sizeof(*t), _Alignof(struct llm_tokenizer));
	if (!t)
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	memset(t, 0, sizeof(*t));
	t->alloc = alloc;
	t->kind = kind;
	t->n_vocab = n;
	t->blob_size = total ? total : 1;
	t->blob = llm_alloc(alloc, t->blob_size, 1);
	t->offset = llm_alloc_array(alloc, (size_t)n + 1, sizeof(uint32_t), 4);
	t->score = llm_alloc_array(alloc, n, sizeof(float), 4);
	t->sorted = llm_alloc_array(alloc, n, sizeof(uint32_t), 4);
	t->is_control = llm_alloc(alloc, n, 1);
	if (!t->blob || !t->offset || !t->score || !t->sorted || !t->is_control) {
		llm_tokenizer_free(t);
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	}
	memset(t->is_control, 0, n);
	memset(t->byte_id, -1, sizeof(t->byte_id));
	memset(t->byte_token, -1, sizeof(t->byte_token));
	size_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct llm_piece p;
		int rc = get(ctx, i, &p, err);
		if (rc) {
			llm_tokenizer_free(t);
			return rc;
		}
		t->offset[i] = (uint32_t)off;
		size_t len = kind == LLM_TOKENIZER_BPE ? llm_bpe_unalphabet(t->blob + off, p.text, p.len)
						       : normalise(t->blob + off, p.text, p.len);
		off += len;
		t->score[i] = p.score;
		if (len > t->max_piece_len)
			t->max_piece_len = (uint32_t)len;
		if (kind == LLM_TOKENIZER_SPM) {
			int b = byte_piece_value(t->blob + t->offset[i], len);
			if (b >= 0 && t->byte_id[b] < 0)
				t->byte_id[b] = (int32_t)i;
		}
	}
	t->offset[n] = (uint32_t)off;
	int rc = build_index(t, err);
	if (rc) {
		llm_tokenizer_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Longest first, so the first candidate matching at a position is the
 * longest one; ids break ties for a stable order. */
struct special_rec {
	uint32_t len, id;
};

static int cmp_special(const void *x, const void *y)
{
	const struct special_rec *a = x, *b = y;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

int llm_tok_set_special(struct llm_tokenizer *t, const uint8_t *is_special, struct llm_err *err)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->n_vocab; i++)
		n += is_special[i] && piece_len(t, i) > 0;
	if (!n)
		return 0;
	t->special = llm_alloc_array(t->alloc, n, sizeof(uint32_t), 4);
	if (!t->special)
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	struct special_rec *recs = llm_alloc_array(t->alloc, n, sizeof(*recs), 4);
	if (!recs)
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	uint32_t k = 0;
	for (uint32_t i = 0; i < t->n_vocab; i++)
		if (is_special[i] && piece_len(t, i) > 0)
			recs[k++] = (struct special_rec){ (uint32_t)piece_len(t, i), i };
	llm_qsort(recs, n, sizeof(*recs), cmp_special);
	for (k = 0; k < n; k++)
		t->special[k] = recs[k].id;
	t->n_special = n;
	llm_free(t->alloc, recs, (size_t)n * sizeof(*recs));
	return 0;
}

int llm_tokenizer_create(struct llm_tokenizer **out, uint32_t n,
			 int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err),
			 void *ctx, uint32_t bos_id, uint32_t eos_id, uint32_t unk_id,
			 const struct llm_allocator *alloc, struct llm_err *err)
{
	*out = NULL;
	if (n == 0 || bos_id >= n || eos_id >= n || unk_id >= n)
		return llm_err_set(err, -EINVAL,
				   "tokenizer: special ids (bos %u, eos %u, unk %u) outside the %u-piece vocabulary",
				   bos_id, eos_id, unk_id, n);
	struct llm_tokenizer *t;
	int rc = llm_tok_new(&t, n, get, ctx, LLM_TOKENIZER_SPM, alloc, err);
	if (rc)
		return rc;
	t->bos_id = bos_id;
	t->eos_id = eos_id;
	t->unk_id = unk_id;
	t->add_bos = true;
	t->is_control[bos_id] = t->is_control[eos_id] = t->is_control[unk_id] = 1;
	rc = llm_tok_set_special(t, t->is_control, err);
	if (rc) {
		llm_tokenizer_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void llm_tokenizer_free(struct llm_tokenizer *t)
{
	if (!t)
		return;
	const struct llm_allocator *a = t->alloc;
	llm_free(a, t->blob, t->blob_size);
	llm_free(a, t->offset, ((size_t)t->n_vocab + 1) * sizeof(uint32_t));
	llm_free(a, t->score, (size_t)t->n_vocab * sizeof(float));
	llm_free(a, t->sorted, (size_t)t->n_vocab * sizeof(uint32_t));
	llm_free(a, t->is_control, t->n_vocab);
	llm_free(a, t->special, (size_t)t->n_special * sizeof(uint32_t));
	llm_free(a, t->merges, (size_t)t->n_merges * sizeof(*t->merges));
	llm_free(a, t->merge_hash, (size_t)t->merge_hash_size * sizeof(uint32_t));
	llm_free(a, t, sizeof(*t));
}

/* Appends the ids of one character: its piece, or its bytes' fallbacks. */
static size_t push_char(const struct llm_tokenizer *t, const char *c, size_t len, uint32_t *ids, size_t n)
{
	int32_t id = llm_tok_lookup_pair(t, c, len, "", 0);
	if (id >= 0) {
		ids[n++] = (uint32_t)id;
		return n;
	}
	for (size_t i = 0; i < len; i++) {
		int32_t b = t->byte_id[(uint8_t)c[i]];
		ids[n++] = b >= 0 ? (uint32_t)b : t->unk_id;
	}
	return n;
}

static size_t merge_pairs(const struct llm_tokenizer *t, uint32_t *ids, size_t n)
{
	for (;;) {
		float best = 0;
		int32_t best_id = -1;
		size_t best_at = 0;
		for (size_t i = 0; i + 1 < n; i++) {
			int32_t id = llm_tok_lookup_pair(t, piece_ptr(t, ids[i]), piece_len(t, ids[i]),
						 piece_ptr(t, ids[i + 1]), piece_len(t, ids[i + 1]));
			if (id >= 0 && (best_id < 0 || t->score[id] > best)) {
				best = t->score[id];
				best_id = id;
				best_at = i;
			}
		}
		if (best_id < 0)
			return n;
		ids[best_at] = (uint32_t)best_id;
		memmove(&ids[best_at + 1], &ids[best_at + 2], (n - best_at - 2) * sizeof(*ids));
		n--;
	}
}

/* One stretch of text without special tokens; the dummy prefix goes only
 * in front of the text's start. */
static size_t spm_segment(const struct llm_tokenizer *t, const char *text, size_t len, bool at_start,
			  uint32_t *work, size_t n)
{
	size_t start = n;
	if (at_start)
		n = push_char(t, " ", 1, work, n); /* sentencepiece's dummy prefix */
	for (size_t i = 0; i < len;) {
		size_t j = i + 1;
		while (j < len && j - i < 4 && ((uint8_t)text[j] & 0xC0) == 0x80)
			j++;
		n = push_char(t, text + i, j - i, work, n);
		i = j;
	}
	return start + merge_pairs(t, work + start, n - start);
}

/* The special piece written at text[i..len), longest first, or -1. */
static int32_t match_special(const struct llm_tokenizer *t, const char *text, size_t i, size_t len)
{
	for (uint32_t k = 0; k < t->n_special; k++) {
		uint32_t id = t->special[k];
		size_t pl = piece_len(t, id);
		const char *p = piece_ptr(t, id);
		if (pl <= len - i && p[0] == text[i] && memcmp(p, text + i, pl) == 0)
			return (int32_t)id;
	}
	return -1;
}

static size_t encode_segment(const struct llm_tokenizer *t, const char *text, size_t len, bool at_start,
			     uint32_t *work, size_t n, struct bpe_scratch *s)
{
	if (len == 0)
		return n;
	if (t->kind == LLM_TOKENIZER_BPE)
		return llm_bpe_segment(t, text, len, work, n, s);
	return spm_segment(t, text, len, at_start, work, n);
}

int llm_tokenizer_encode_flags(const struct llm_tokenizer *t, const char *text, size_t len,
			       unsigned flags, uint32_t *ids, size_t cap, size_t *n_out)
{
	if (len > SIZE_MAX / 64 || len >= UINT32_MAX) /* positions are 32-bit */
		return -EOVERFLOW;
	/* Every byte gives at most one id (the SPM prefix one more, BOS one);
	 * the byte-level merge's scratch follows in the same block. */
	size_t need = len + 2;
	size_t bytes = need * sizeof(uint32_t) + (t->kind == LLM_TOKENIZER_BPE ? llm_bpe_scratch_bytes(len) : 0);
	uint32_t *work = llm_alloc(t->alloc, bytes, 4);
	if (!work)
		return -ENOMEM;
	struct bpe_scratch s = { 0 };
	if (t->kind == LLM_TOKENIZER_BPE)
		llm_bpe_scratch_init(&s, work + need, len);
	size_t n = 0, seg = 0;
	if (flags & LLM_ENCODE_SPECIAL) {
		for (size_t i = 0; i < len;) {
			int32_t id = match_special(t, text, i, len);
			if (id < 0) {
				i++;
				continue;
			}
			n = encode_segment(t, text + seg, i - seg, seg == 0, work, n, &s);
			work[n++] = (uint32_t)id;
			i += piece_len(t, (uint32_t)id);
			seg = i;
		}
	}
	n = encode_segment(t, text + seg, len - seg, seg == 0, work, n, &s);
	bool bos = (flags & LLM_ENCODE_BOS) && t->add_bos;
	size_t total = n + (bos ? 1 : 0);
	*n_out = total;
	int rc = 0;
	if (total > cap) {
		rc = -ENOSPC;
	} else {
		size_t o = 0;
		if (bos)
			ids[o++] = t->bos_id;
		memcpy(ids + o, work, n * sizeof(*ids));
	}
	llm_free(t->alloc, work, bytes);
	return rc;
}

int llm_tokenizer_encode(const struct llm_tokenizer *t, const char *text, size_t len, bool bos,
			 uint32_t *ids, size_t cap, size_t *n_out)
{
	return llm_tokenizer_encode_flags(t, text, len, bos ? LLM_ENCODE_BOS : 0, ids, cap, n_out);
}

const char *llm_tokenizer_piece(const struct llm_tokenizer *t, uint32_t prev, uint32_t id, size_t *len)
{
	static const unsigned char bytes[256] = {
#define B4(x) x, x + 1, x + 2, x + 3
#define B16(x) B4(x), B4(x + 4), B4(x + 8), B4(x + 12)
		B16(0), B16(16), B16(32), B16(48), B16(64), B16(80), B16(96), B16(112),
		B16(128), B16(144), B16(160), B16(176), B16(192), B16(208), B16(224), B16(240)
#undef B16
#undef B4
	};
	if (id >= t->n_vocab)
		return NULL;
	*len = 0;
	if (t->is_control[id])
		return "";
	const char *p = piece_ptr(t, id);
	size_t n = piece_len(t, id);
	if (t->kind == LLM_TOKENIZER_BPE) {
		*len = n;
		return p;
	}
	int b = byte_piece_value(p, n);
	if (b >= 0 && t->byte_id[b] == (int32_t)id) {
		*len = 1;
		return (const char *)&bytes[b];
	}
	if (prev == t->bos_id && n > 0 && p[0] == ' ') {
		p++;
		n--;
	}
	*len = n;
	return p;
}

long llm_tokenizer_decode(const struct llm_tokenizer *t, const uint32_t *ids, size_t n, char *buf, size_t cap)
{
	size_t total = 0;
	uint32_t prev = UINT32_MAX; /* no previous token: the first piece keeps its space */
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *p = llm_tokenizer_piece(t, prev, ids[i], &len);
		if (!p)
			return -EINVAL;
		for (size_t k = 0; k < len; k++, total++)
			if (cap && total < cap - 1)
				buf[total] = p[k];
		prev = ids[i];
	}
	if (cap)
		buf[total < cap ? total : cap - 1] = '\0';
	return (long)total;
}
