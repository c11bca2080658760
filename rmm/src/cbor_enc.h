/*
 * A small freestanding CBOR encoder (RFC 8949) for the attestation token.
 *
 * It writes deterministic CBOR (RFC 8949 section 4.2.1) as far as an encoder
 * can on its own: every length is definite and every head takes its shortest
 * form. The remaining rule, map keys in bytewise order of their encodings, is
 * the caller's: it emits the keys in that order (the attestation code lists
 * its claims sorted).
 *
 * The encoder appends to a caller's buffer. It never writes past the end: an
 * item that does not fit sets `failed`, nothing more is written, but `len`
 * keeps counting what the whole encoding would take, so a caller can size a
 * buffer with a counting pass (buf NULL, cap 0). No floating point: the
 * token needs none.
 */
#ifndef RMM_CBOR_ENC_H
#define RMM_CBOR_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Major types (RFC 8949 section 3.1). */
#define CBOR_MAJOR_UINT   0u
#define CBOR_MAJOR_NINT   1u
#define CBOR_MAJOR_BSTR   2u
#define CBOR_MAJOR_TSTR   3u
#define CBOR_MAJOR_ARRAY  4u
#define CBOR_MAJOR_MAP    5u
#define CBOR_MAJOR_TAG    6u
#define CBOR_MAJOR_SIMPLE 7u

#define CBOR_SIMPLE_FALSE     20u
#define CBOR_SIMPLE_TRUE      21u
#define CBOR_SIMPLE_NULL      22u
#define CBOR_SIMPLE_UNDEFINED 23u

/* The longest head: initial byte + 8 argument bytes. */
#define CBOR_HEAD_MAX 9u

struct cbor_enc {
	uint8_t *buf;   /* NULL: count only */
	size_t cap;
	size_t len;     /* bytes the encoding takes so far (may exceed cap) */
	bool failed;    /* something did not fit (or was not encodable): buf
	                   holds a prefix only */
};

void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap);

/* True when everything so far fit in the buffer. */
static inline bool cbor_enc_ok(const struct cbor_enc *e)
{
	return !e->failed;
}

/* Bytes of the shortest head carrying argument `arg` (1, 2, 3, 5 or 9). */
size_t cbor_enc_head_size(uint64_t arg);

/* A head: major type and argument, shortest form. */
void cbor_enc_head(struct cbor_enc *e, unsigned major, uint64_t arg);

void cbor_enc_uint(struct cbor_enc *e, uint64_t v);
/* Any int64_t: major type 0 for v >= 0, 1 (encoding -1 - v) otherwise. */
void cbor_enc_int(struct cbor_enc *e, int64_t v);
void cbor_enc_bstr(struct cbor_enc *e, const void *data, size_t len);
void cbor_enc_tstr(struct cbor_enc *e, const char *s, size_t len);
/* A NUL-terminated text string. */
void cbor_enc_cstr(struct cbor_enc *e, const char *s);
/* Containers and tags: the head only; the caller writes the n items after. */
void cbor_enc_array(struct cbor_enc *e, uint64_t n);
void cbor_enc_map(struct cbor_enc *e, uint64_t pairs);
void cbor_enc_tag(struct cbor_enc *e, uint64_t tag);
void cbor_enc_bool(struct cbor_enc *e, bool v);
void cbor_enc_null(struct cbor_enc *e);
/* Simple value 0..23 or 32..255 (24..31 are not well-formed as simple values). */
void cbor_enc_simple(struct cbor_enc *e, uint8_t v);
/* Raw bytes (an item encoded elsewhere, e.g. a nested token). */
void cbor_enc_raw(struct cbor_enc *e, const void *data, size_t len);

/* Reserves len > 0 bytes for the caller to fill (e.g. a signature computed
 * after the bytes before it); NULL, with failed set, when they do not fit. */
uint8_t *cbor_enc_reserve(struct cbor_enc *e, size_t len);

#endif
