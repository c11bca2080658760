/*
 * A bounded, total CBOR (RFC 8949) reader for attestation tokens.
 *
 * Tokens come from outside the trust boundary, so the reader is a cursor over
 * a caller-owned buffer that never allocates: strings are returned as
 * pointers into the input, containers as element counts the caller walks.
 * Every length is checked against the bytes that remain before it is used
 * (so a 2^64-byte string claim fails instead of being believed), only
 * definite lengths are accepted (tokens are always definite; indefinite
 * lengths would let an item's size be unknowable up front), nesting is
 * limited to CBOR_MAX_DEPTH and the input to CBOR_MAX_INPUT bytes.
 *
 * Every failure leaves a typed error with a human reason and the byte offset
 * in the reader; after the first failure the reader stays failed.
 *
 * cbor_writer is the matching small encoder (shortest-form heads) used to
 * build the COSE to-be-signed structure and by tests to build tokens.
 */
#ifndef CAEC_VERIFY_CBOR_H
#define CAEC_VERIFY_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CBOR_MAX_DEPTH 16             /* nesting of arrays/maps/tags */
#define CBOR_MAX_INPUT (1024 * 1024) /* bytes in one buffer */

enum cbor_major {
	CBOR_MAJOR_UINT = 0,
	CBOR_MAJOR_NEGINT = 1,
	CBOR_MAJOR_BSTR = 2,
	CBOR_MAJOR_TSTR = 3,
	CBOR_MAJOR_ARRAY = 4,
	CBOR_MAJOR_MAP = 5,
	CBOR_MAJOR_TAG = 6,
	CBOR_MAJOR_SIMPLE = 7, /* simple values and floats */
};

enum cbor_errcode {
	CBOR_OK = 0,
	CBOR_ERR_TRUNCATED,   /* the input ends inside an item */
	CBOR_ERR_INDEFINITE,  /* indefinite length or break byte */
	CBOR_ERR_RESERVED,    /* additional information 28..30 */
	CBOR_ERR_BAD_SIMPLE,  /* two-byte simple value below 32 */
	CBOR_ERR_TOO_DEEP,    /* nesting beyond CBOR_MAX_DEPTH */
	CBOR_ERR_TOO_LARGE,   /* input or count beyond a limit */
	CBOR_ERR_TYPE,        /* an item of another type was required */
	CBOR_ERR_RANGE,       /* an integer does not fit the requested type */
	CBOR_ERR_UTF8,        /* a text string is not valid UTF-8 */
	CBOR_ERR_TRAILING,    /* bytes after the single top-level item */
};

struct cbor_error {
	enum cbor_errcode code;
	size_t offset;      /* byte offset in the reader's buffer */
	const char *reason; /* static text */
};

/* The head of one data item. */
struct cbor_head {
	enum cbor_major major;
	uint8_t info;        /* additional information (low 5 bits) */
	uint64_t arg;        /* value, length, count, tag number or simple value */
	size_t offset;       /* offset of the head's first byte */
	const uint8_t *data; /* string payload (BSTR/TSTR) or NULL */
};

struct cbor_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	struct cbor_error err;
};

/* 0, or -EFBIG (reader failed with CBOR_ERR_TOO_LARGE) when len > CBOR_MAX_INPUT. */
int cbor_reader_init(struct cbor_reader *r, const void *buf, size_t len);
bool cbor_at_end(const struct cbor_reader *r);
bool cbor_failed(const struct cbor_reader *r);

/*
 * Reads one head and, for strings, their payload. Containers: only the head
 * is consumed; arg is the element count (pairs for maps), already checked to
 * be no more than the remaining bytes could hold. All return 0 or -EBADMSG.
 */
int cbor_read_head(struct cbor_reader *r, struct cbor_head *h);
int cbor_peek_head(struct cbor_reader *r, struct cbor_head *h);

int cbor_read_uint(struct cbor_reader *r, uint64_t *v);
int cbor_read_int(struct cbor_reader *r, int64_t *v); /* uint or negint in int64 */
int cbor_read_bstr(struct cbor_reader *r, const uint8_t **p, size_t *n);
int cbor_read_tstr(struct cbor_reader *r, const char **p, size_t *n); /* UTF-8 checked */
int cbor_read_array(struct cbor_reader *r, uint64_t *count);
int cbor_read_map(struct cbor_reader *r, uint64_t *pairs);
int cbor_read_tag(struct cbor_reader *r, uint64_t *tag);

/* Consumes one complete item (nested to CBOR_MAX_DEPTH); optionally its span. */
int cbor_skip(struct cbor_reader *r, const uint8_t **start, size_t *len);

/* 0 when buf holds exactly one well-formed item; else -EBADMSG with *err set. */
int cbor_check_well_formed(const void *buf, size_t len, struct cbor_error *err);

/* Marks the reader failed (for callers' own structural checks); returns -EBADMSG. */
int cbor_fail(struct cbor_reader *r, enum cbor_errcode code, size_t offset, const char *reason);

bool cbor_utf8_valid(const uint8_t *p, size_t n);

/* ---- Writer -------------------------------------------------------------- */
struct cbor_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void cbor_writer_init(struct cbor_writer *w, void *buf, size_t cap);
void cbor_put_head(struct cbor_writer *w, enum cbor_major major, uint64_t arg);
void cbor_put_uint(struct cbor_writer *w, uint64_t v);
void cbor_put_int(struct cbor_writer *w, int64_t v);
void cbor_put_bstr(struct cbor_writer *w, const void *p, size_t n);
void cbor_put_tstr(struct cbor_writer *w, const char *s); /* NUL-terminated */
void cbor_put_array(struct cbor_writer *w, uint64_t count);
void cbor_put_map(struct cbor_writer *w, uint64_t pairs);
void cbor_put_tag(struct cbor_writer *w, uint64_t tag);
void cbor_put_raw(struct cbor_writer *w, const void *p, size_t n);
/* Encodes a head into out (at most 9 bytes); returns its length. */
size_t cbor_encode_head(uint8_t out[9], enum cbor_major major, uint64_t arg);
/* 0 and the encoded length, or -ENOSPC if anything did not fit. */
int cbor_writer_finish(const struct cbor_writer *w, size_t *len);

#endif
