/*
 * GPT-2-style byte-level BPE (see llm/tokenizer.h): the byte alphabet, the
 * pre-tokenizers, the merge table and encoding.
 *
 * The pre-tokenizers are hand-written scanners equivalent to the regexes
 * the model families define (alternatives tried in order at each position,
 * each greedy, with the one lookahead "\s+(?!\S)" resolved by giving back
 * the last whitespace character). Character classes come from the generated
 * tables in unicode_tables.c. Bytes that are not valid UTF-8 count as
 * one-byte characters of no class (they fall in "[^\s\p{L}\p{N}]").
 *
 * Merges are indexed by the ids of their two parts in an open-addressing
 * hash table, so encoding allocates nothing beyond the caller's scratch.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tokenizer_internal.h"
#include "unicode_tables.h"

bool llm_unicode_in(const struct llm_unicode_range *r, unsigned n, uint32_t cp)
{
	unsigned lo = 0, hi = n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (cp < r[mid].first)
			hi = mid;
		else if (cp > r[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* ---- the byte alphabet ------------------------------------------------- */

/* GPT-2 keeps printable Latin-1 bytes as their own code point and moves the
 * other 68 (controls, space, DEL, NBSP, soft hyphen) to U+0100.. in byte
 * order, so every byte is a visible character. */
static bool byte_is_kept(unsigned b)
{
	return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

/* The byte a code point of the alphabet stands for, or -1. */
static int alphabet_byte(uint32_t cp)
{
	if (cp < 256)
		return byte_is_kept(cp) ? (int)cp : -1;
	if (cp >= 256 + 68)
		return -1;
	unsigned k = cp - 256;
	for (unsigned b = 0; b < 256; b++)
		if (!byte_is_kept(b) && k-- == 0)
			return (int)b;
	return -1;
}

/* Decodes one UTF-8 character at s[i..len); *cp is UINT32_MAX for an invalid
 * sequence, which then counts as one byte. Returns its length. */
static size_t utf8_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
	const uint8_t *u = (const uint8_t *)s + i;
	size_t avail = len - i;
	uint8_t c = u[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = UINT32_MAX;
		return 1;
	}
	if (avail < n)
		goto bad;
	for (size_t k = 1; k < n; k++) {
		if ((u[k] & 0xC0) != 0x80)
			goto bad;
		v = v << 6 | (u[k] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = UINT32_MAX;
	return 1;
}

/* Decodes src into dst[0..cap); SIZE_MAX when the result would not fit. */
static size_t unalphabet_capped(char *dst, size_t cap, const char *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_next(src, len, i, &cp);
		int b = cp == UINT32_MAX ? -1 : alphabet_byte(cp);
		if (b < 0) { /* not a byte-level piece (an added token): keep its text */
			if (len > cap)
				return SIZE_MAX;
			memcpy(dst, src, len);
			return len;
		}
		if (o == cap)
			return SIZE_MAX;
		dst[o++] = (char)b;
		i += n;
	}
	return o;
}

size_t llm_bpe_unalphabet(char *dst, const char *src, size_t len)
{
	return unalphabet_capped(dst, len, src, len);
}

/* ---- pre-tokenizers ------------------------------------------------------ */

enum cclass { C_OTHER, C_LETTER, C_NUMBER, C_SPACE };

static enum cclass classify(uint32_t cp)
{
	if (cp == UINT32_MAX)
		return C_OTHER;
	if (cp < 0x80) { /* the common case without a table search */
		if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
			return C_LETTER;
		if (cp >= '0' && cp <= '9')
			return C_NUMBER;
		if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F))
			return C_SPACE;
		return C_OTHER;
	}
	if (llm_unicode_in(llm_unicode_letter, llm_unicode_letter_count, cp))
		return C_LETTER;
	if (llm_unicode_in(llm_unicode_number, llm_unicode_number_count, cp))
		return C_NUMBER;
	if (llm_unicode_in(llm_unicode_space, llm_unicode_space_count, cp))
		return C_SPACE;
	return C_OTHER;
}

struct scan {
	const char *s;
	size_t len;
};

/* Class of the character at i (C_OTHER past the end is never asked for). */
static enum cclass cls_at(const struct scan *sc, size_t i, size_t *next, uint32_t *cp_out)
{
	uint32_t cp;
	*next = i + utf8_next(sc->s, sc->len, i, &cp);
	if (cp_out)
		*cp_out = cp;
	return classify(cp);
}

/* End of the run of class c starting at i (i when none). */
static size_t run_of(const struct scan *sc, size_t i, enum cclass c)
{
	while (i < sc->len) {
		size_t nx;
		if (cls_at(sc, i, &nx, NULL) != c)
			break;
		i = nx;
	}
	return i;
}

/* 's 't 're 've 'm 'll 'd at i; returns the end or 0. fold (Qwen2's "(?i:")
 * folds ASCII only, as llama.cpp does: Unicode case folding would also let
 * U+017F (long s) match 's'. */
static size_t contraction(const struct scan *sc, size_t i, bool fold)
{
	static const char *const tails[] = { "s", "t", "re", "ve", "m", "ll", "d" };
	if (sc->s[i] != '\'')
		return 0;
	for (unsigned k = 0; k < sizeof(tails) / sizeof(tails[0]); k++) {
		size_t n = strlen(tails[k]);
		if (sc->len - i - 1 < n)
			continue;
		size_t j = 0;
		for (; j < n; j++) {
			char c = sc->s[i + 1 + j];
			if (fold && c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != tails[k][j])
				break;
		}
		if (j == n)
			return i + 1 + n;
	}
	return 0;
}

/* "\s+(?!\S)" at i (a whitespace character): the run, less its last
 * character when a non-space follows; 0 when that leaves nothing. */
static size_t space_not_before_text(const struct scan *sc, size_t i)
{
	size_t last = i, j = i;
	while (j < sc->len) {
		size_t nx;
		if (cls_at(sc, j, &nx, NULL) != C_SPACE)
			break;
		last = j;
		j = nx;
	}
	if (j == sc->len)
		return j;
	return last > i ? last : 0;
}

/* " ?X+" for class X at i; 0 when no X follows the optional space. */
static size_t opt_space_run(const struct scan *sc, size_t i, enum cclass c)
{
	size_t j = i + (sc->s[i] == ' ');
	if (j >= sc->len)
		return 0;
	size_t e = run_of(sc, j, c);
	return e > j ? e : 0;
}

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t split_gpt2(const struct scan *sc, size_t i)
{
	size_t e;
	if ((e = contraction(sc, i, false)))
		return e;
	if ((e = opt_space_run(sc, i, C_LETTER)))
		return e;
	if ((e = opt_space_run(sc, i, C_NUMBER)))
		return e;
	if ((e = opt_space_run(sc, i, C_OTHER)))
		return e;
	if ((e = space_not_before_text(sc, i)))
		return e;
	return run_of(sc, i, C_SPACE); /* what is left at i is whitespace */
}

static bool is_newline(uint32_t cp)
{
	return cp == '\r' || cp == '\n';
}

/* Qwen2: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
 *        | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t split_qwen2(const struct scan *sc, size_t i)
{
	size_t e, nx;
	uint32_t cp;
	if ((e = contraction(sc, i, true)))
		return e;
	enum cclass c = cls_at(sc, i, &nx, &cp);
	if (c == C_LETTER)
		return run_of(sc, i, C_LETTER);
	if (c != C_NUMBER && !is_newline(cp) && nx < sc->len) {
		size_t nx2;
		if (cls_at(sc, nx, &nx2, NULL) == C_LETTER)
			return run_of(sc, nx, C_LETTER);
	}
	if (c == C_NUMBER)
		return nx;
	if ((e = opt_space_run(sc, i, C_OTHER))) {
		while (e < sc->len && (sc->s[e] == '\r' || sc->s[e] == '\n'))
			e++;
		return e;
	}
	/* c is C_SPACE from here on. "\s*[\r\n]+": up to the run's last newline. */
	size_t j = i, after_nl = 0;
	while (j < sc->len) {
		if (cls_at(sc, j, &nx, &cp) != C_SPACE)
			break;
		j = nx;
		if (is_newline(cp))
			after_nl = j;
	}
	if (after_nl)
		return after_nl;
	if ((e = space_not_before_text(sc, i)))
		return e;
	return j;
}

int llm_pretok_by_name(const char *name, size_t len, enum llm_pretok *out, struct llm_err *err)
{
	/* llama.cpp's converter writes "gpt-2" for GPT-2 itself. */
	if ((len == 4 && !memcmp(name, "gpt2", 4)) || (len == 5 && !memcmp(name, "gpt-2", 5))) {
		*out = LLM_PRETOK_GPT2;
		return 0;
	}
	if (len == 5 && !memcmp(name, "qwen2", 5)) {
		*out = LLM_PRETOK_QWEN2;
		return 0;
	}
	return llm_err_set(err, -ENOTSUP, "tokenizer.ggml.pre '%.*s' is not supported (only 'gpt2'/'gpt-2' and 'qwen2')",
			   len > 40 ? 40 : (int)len, name);
}

/* ---- merges ---------------------------------------------------------------- */

static uint32_t pair_hash(uint32_t left, uint32_t right, uint32_t mask)
{
	uint64_t k = ((uint64_t)left << 32 | right) * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(k >> 32) & mask;
}

/* The rank of merging left with right, or UINT32_MAX. */
static uint32_t merge_rank(const struct llm_tokenizer *t, uint32_t left, uint32_t right)
{
	uint32_t mask = t->merge_hash_size - 1;
	for (uint32_t h = pair_hash(left, right, mask);; h = (h + 1) & mask) {
		uint32_t r = t->merge_hash[h];
		if (r == UINT32_MAX || (t->merges[r].left == left && t->merges[r].right == right))
			return r;
	}
}

/* A candidate merge of the symbol at pos with its right neighbour. Entries
 * go stale when either symbol merges elsewhere; they are checked when popped. */
struct heap_ent {
	uint32_t rank, pos;
};

static bool ent_less(struct heap_ent a, struct heap_ent b)
{
	return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos); /* leftmost on ties */
}

static void heap_push(struct heap_ent *h, size_t *n, struct heap_ent e)
{
	size_t i = (*n)++;
	while (i > 0 && ent_less(e, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = e;
}

static struct heap_ent heap_pop(struct heap_ent *h, size_t *n)
{
	struct heap_ent top = h[0], last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && ent_less(h[c + 1], h[c]))
			c++;
		if (!ent_less(h[c], last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

#define NONE UINT32_MAX

static void push_pair(const struct llm_tokenizer *t, struct bpe_scratch *s, size_t *hn, uint32_t pos)
{
	if (pos == NONE || s->next[pos] == NONE)
		return;
	uint32_t r = s->next[pos];
	uint32_t rank = merge_rank(t, s->id[pos], s->id[r]);
	if (rank != UINT32_MAX)
		heap_push(s->heap, hn, (struct heap_ent){ rank, pos });
}

/* Merges one word's bytes by lowest rank, leftmost first, in O(n log n):
 * symbols form a linked list and candidate pairs wait in a heap. Appends
 * the resulting ids at out[0..] and returns their count. */
static size_t merge_word(const struct llm_tokenizer *t, struct bpe_scratch *s, const char *w, size_t n,
			 uint32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		s->id[i] = (uint32_t)t->byte_token[(uint8_t)w[i]];
		s->next[i] = i + 1 < n ? (uint32_t)(i + 1) : NONE;
		s->prev[i] = i ? (uint32_t)(i - 1) : NONE;
	}
	size_t hn = 0;
	for (size_t i = 0; i + 1 < n; i++)
		push_pair(t, s, &hn, (uint32_t)i);
	while (hn) {
		struct heap_ent e = heap_pop(s->heap, &hn);
		uint32_t r = s->next[e.pos];
		const struct llm_bpe_merge *m = &t->merges[e.rank];
		if (s->id[e.pos] != m->left || r == NONE || s->id[r] != m->right)
			continue; /* stale */
		s->id[e.pos] = m->result;
		s->next[e.pos] = s->next[r];
		if (s->next[r] != NONE)
			s->prev[s->next[r]] = e.pos;
		s->id[r] = NONE;
		push_pair(t, s, &hn, s->prev[e.pos]);
		push_pair(t, s, &hn, e.pos);
	}
	size_t k = 0;
	for (uint32_t i = 0; i != NONE; i = s->next[i])
		out[k++] = s->id[i];
	return k;
}

size_t llm_bpe_split_end(enum llm_pretok pretok, const char *text, size_t len, size_t i)
{
	struct scan sc = { text, len };
	return pretok == LLM_PRETOK_QWEN2 ? split_qwen2(&sc, i) : split_gpt2(&sc, i);
}

size_t llm_bpe_scratch_bytes(size_t len)
{
	/* Each merge pushes at most two pairs, and there are fewer merges than
	 * bytes: 3 * len heap entries suffice. Callers check len against
	 * overflow (it is below SIZE_MAX / 64). */
	return len * (3 * sizeof(uint32_t) + 3 * sizeof(struct heap_ent));
}

void llm_bpe_scratch_init(struct bpe_scratch *s, void *mem, size_t len)
{
	s->heap = mem;
	s->id = (uint32_t *)(s->heap + 3 * len);
	s->prev = s->id + len;
	s->next = s->prev + len;
}

size_t llm_bpe_segment(const struct llm_tokenizer *t, const char *text, size_t len, uint32_t *work, size_t n,
		       struct bpe_scratch *s)
{
	for (size_t i = 0; i < len;) {
		size_t e = llm_bpe_split_end(t->pretok, text, len, i);
		n += merge_word(t, s, text + i, e - i, work + n);
		i = e;
	}
	return n;
}

/* ---- building ------------------------------------------------------------ */

static int add_merges(struct llm_tokenizer *t, const struct llm_bpe_spec *spec, struct llm_err *err)
{
	uint32_t n = spec->n_merges;
	uint32_t size = 1;
	while (size <= 2 * (uint64_t)n) {
		if (size > UINT32_MAX / 4)
			return llm_err_set(err, -EINVAL, "tokenizer: %u merges are too many", n);
		size <<= 1;
	}
	t->merges = llm_alloc_array(t->alloc, n ? n : 1, sizeof(*t->merges), 4);
	t->merge_hash = llm_alloc_array(t->alloc, size, sizeof(uint32_t), 4);
	size_t scratch_len = (size_t)t->max_piece_len + 1;
	char *scratch = llm_alloc(t->alloc, 2 * scratch_len, 1);
	int rc = 0;
	if (!t->merges || !t->merge_hash || !scratch) {
		rc = llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
		goto out;
	}
	t->n_merges = n;
	t->merge_hash_size = size;
	memset(t->merge_hash, 0xFF, (size_t)size * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		size_t len;
		if ((rc = spec->get_merge(spec->merge_ctx, i, &s, &len, err)))
			goto out;
		const char *sp = len > 1 ? memchr(s + 1, ' ', len - 1) : NULL;
		if (!sp || sp + 1 == s + len) {
			rc = llm_err_set(err, -EINVAL, "tokenizer.ggml.merges[%u] '%.*s' is not two pieces separated by a space",
					 i, len > 40 ? 40 : (int)len, s);
			goto out;
		}
		const char *part[2] = { s, sp + 1 };
		size_t plen[2] = { (size_t)(sp - s), (size_t)(s + len - sp - 1) };
		char *dec[2] = { scratch, scratch + scratch_len };
		size_t dlen[2];
		int32_t id[2];
		for (int k = 0; k < 2; k++) {
			/* A part that decodes longer than every piece names none. */
			id[k] = -1;
			dlen[k] = unalphabet_capped(dec[k], scratch_len, part[k], plen[k]);
			if (dlen[k] != SIZE_MAX)
				id[k] = llm_tok_lookup_pair(t, dec[k], dlen[k], "", 0);
			if (id[k] < 0) {
				rc = llm_err_set(err, -EINVAL, "tokenizer.ggml.merges[%u] '%.*s' names '%.*s', which is not in the vocabulary",
						 i, len > 40 ? 40 : (int)len, s, plen[k] > 40 ? 40 : (int)plen[k], part[k]);
				goto out;
			}
		}
		int32_t res = llm_tok_lookup_pair(t, dec[0], dlen[0], dec[1], dlen[1]);
		if (res < 0) {
			rc = llm_err_set(err, -EINVAL, "tokenizer.ggml.merges[%u] '%.*s' makes a piece that is not in the vocabulary",
					 i, len > 40 ? 40 : (int)len, s);
			goto out;
		}
		t->merges[i] = (struct llm_bpe_merge){ (uint32_t)id[0], (uint32_t)id[1], (uint32_t)res };
		uint32_t mask = size - 1, h = pair_hash((uint32_t)id[0], (uint32_t)id[1], mask);
		for (;; h = (h + 1) & mask) {
			uint32_t r = t->merge_hash[h];
			if (r == UINT32_MAX) {
				t->merge_hash[h] = i;
				break;
			}
			if (t->merges[r].left == (uint32_t)id[0] && t->merges[r].right == (uint32_t)id[1])
				break; /* a repeated merge keeps its first (lowest) rank */
		}
	}
out:
	llm_free(t->alloc, scratch, 2 * scratch_len);
	return rc;
}

int llm_tokenizer_create_bpe(struct llm_tokenizer **out, uint32_t n,
			     int (*get)(void *ctx, uint32_t i, struct llm_piece *p, struct llm_err *err),
			     void *ctx, const struct llm_bpe_spec *spec,
			     const struct llm_allocator *alloc, struct llm_err *err)
{
	*out = NULL;
	if (n == 0)
		return llm_err_set(err, -EINVAL, "tokenizer: empty vocabulary");
	if ((spec->bos_id != UINT32_MAX && spec->bos_id >= n) || (spec->eos_id != UINT32_MAX && spec->eos_id >= n))
		return llm_err_set(err, -EINVAL, "tokenizer: special ids (bos %d, eos %d) outside the %u-piece vocabulary",
				   (int)spec->bos_id, (int)spec->eos_id, n);
	if (spec->add_bos && spec->bos_id == UINT32_MAX)
		return llm_err_set(err, -EINVAL, "tokenizer: add_bos_token is set but there is no BOS id");
	if (spec->token_type)
		for (uint32_t i = 0; i < n; i++)
			if (spec->token_type[i] < LLM_TOKEN_TYPE_UNDEFINED || spec->token_type[i] > LLM_TOKEN_TYPE_BYTE)
				return llm_err_set(err, -EINVAL, "tokenizer.ggml.token_type[%u] is %d, not a token type (0..6)",
						   i, (int)spec->token_type[i]);
	struct llm_tokenizer *t;
	int rc = llm_tok_new(&t, n, get, ctx, LLM_TOKENIZER_BPE, alloc, err);
	if (rc)
		return rc;
	t->bos_id = spec->bos_id;
	t->eos_id = spec->eos_id;
	t->unk_id = UINT32_MAX;
	t->add_bos = spec->add_bos;
	t->pretok = spec->pretok;
	uint8_t *special = llm_alloc(t->alloc, n, 1);
	if (!special) {
		llm_tokenizer_free(t);
		return llm_err_set(err, -ENOMEM, "tokenizer: out of memory");
	}
	for (uint32_t i = 0; i < n; i++) {
		int32_t ty = spec->token_type ? spec->token_type[i] : LLM_TOKEN_TYPE_NORMAL;
		t->is_control[i] = ty == LLM_TOKEN_TYPE_CONTROL;
		special[i] = ty == LLM_TOKEN_TYPE_CONTROL || ty == LLM_TOKEN_TYPE_USER_DEFINED;
	}
	if (t->bos_id != UINT32_MAX)
		t->is_control[t->bos_id] = special[t->bos_id] = 1;
	if (t->eos_id != UINT32_MAX)
		t->is_control[t->eos_id] = special[t->eos_id] = 1;
	rc = llm_tok_set_special(t, special, err);
	llm_free(t->alloc, special, n);
	for (unsigned b = 0; b < 256 && !rc; b++) {
		char c = (char)b;
		t->byte_token[b] = llm_tok_lookup_pair(t, &c, 1, "", 0);
		if (t->byte_token[b] < 0)
			rc = llm_err_set(err, -EINVAL, "tokenizer: the byte-level vocabulary has no piece for byte 0x%02X", b);
	}
	if (!rc)
		rc = add_merges(t, spec, err);
	if (rc) {
		llm_tokenizer_free(t);
		return rc;
	}
	*out = t;
	return 0;
}
