/*
 * JSON inside realms (no C library): a strict, bounded reader and a writer,
 * for what realms exchange over channels: the agent's tool calls and their
 * schemas, the tools' requests and answers, the gateway's HTTP API.
 *
 * The reader accepts exactly RFC 8259 JSON: no trailing commas, comments or
 * single quotes; strings valid UTF-8 (no overlong forms, no surrogates
 * written raw) with only the standard escapes, \u pairs matched; no control
 * characters in strings; no duplicate key in an object (two readers of one
 * message could otherwise disagree on what it says); nesting at most
 * RJSON_MAX_DEPTH. Input from a peer is never trusted: a document needs at
 * most one node per value, written into the caller's array, and nothing
 * else is allocated. Values are spans of the text; strings are unescaped
 * on demand into the caller's buffer.
 *
 * The writer escapes what it must, writes numbers exactly, and records an
 * overflow instead of writing past its buffer.
 */
#ifndef CAEC_SDK_RJSON_H
#define CAEC_SDK_RJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJSON_MAX_DEPTH 32

enum rjson_type { RJSON_NULL, RJSON_FALSE, RJSON_TRUE, RJSON_NUMBER, RJSON_STRING, RJSON_ARRAY, RJSON_OBJECT };

/* One value. Objects' children alternate key (a STRING) and value. */
struct rjson_node {
	uint32_t type;
	uint32_t start, len; /* the value's text (a string's without its quotes) */
	uint32_t children;   /* array: elements; object: 2 x members */
	uint32_t next;       /* the next sibling's index, 0 for none */
	uint32_t escaped;    /* a string holds escapes (rjson_string decodes them) */
};

struct rjson_doc {
	const char *text;
	struct rjson_node *nodes;
	uint32_t count;
};

enum rjson_error {
	RJSON_OK = 0,
	RJSON_E_SYNTAX,    /* not JSON (at err_offset) */
	RJSON_E_DEPTH,     /* nested deeper than RJSON_MAX_DEPTH */
	RJSON_E_NODES,     /* more values than the caller's nodes */
	RJSON_E_STRING,    /* a bad escape, control character or UTF-8 sequence */
	RJSON_E_DUPLICATE, /* a key twice in one object */
	RJSON_E_TOO_LONG,  /* text of 2^31 bytes or more */
};

/* Parses text[0..len) (one value, whitespace around it) into
 * nodes[0..max_nodes); node 0 is the root. On failure *err_offset (may be
 * NULL) is where in the text it stopped. */
enum rjson_error rjson_parse(const char *text, size_t len, struct rjson_node *nodes, uint32_t max_nodes,
			     struct rjson_doc *doc, size_t *err_offset);
const char *rjson_strerror(enum rjson_error e);

/* Node i's first child and an object's member value by key (0 when none:
 * node 0 is the root, never anyone's child). */
uint32_t rjson_first(const struct rjson_doc *d, uint32_t i);
uint32_t rjson_get(const struct rjson_doc *d, uint32_t object, const char *key);

/* A string's value, unescaped, NUL-terminated into buf[0..cap): its length,
 * or -1 when node i is not a string or it does not fit. */
long rjson_string(const struct rjson_doc *d, uint32_t i, char *buf, size_t cap);
/* Whether string node i equals s (unescaped). */
bool rjson_string_is(const struct rjson_doc *d, uint32_t i, const char *s);
/* A number that is an integer in range (no fraction or exponent): true and *v. */
bool rjson_int(const struct rjson_doc *d, uint32_t i, int64_t *v);
/* Any number as a decimal: *mantissa x 10^*exp10, exactly as written (false
 * if the mantissa needs more than 18 digits). */
bool rjson_decimal(const struct rjson_doc *d, uint32_t i, int64_t *mantissa, int32_t *exp10);

/* ---- writing ---- */

struct rjson_writer {
	char *buf;
	size_t cap, len; /* len counts what would have been written */
	uint32_t depth;
	uint8_t level[RJSON_MAX_DEPTH + 1]; /* bit 0 a sibling written, bit 1 an object */
	bool after_key;
	bool bad; /* misuse (a value where a key belongs, depth) */
};

void rjson_writer_init(struct rjson_writer *w, char *buf, size_t cap);
void rjson_begin_object(struct rjson_writer *w);
void rjson_end_object(struct rjson_writer *w);
void rjson_begin_array(struct rjson_writer *w);
void rjson_end_array(struct rjson_writer *w);
void rjson_key(struct rjson_writer *w, const char *key);
void rjson_str(struct rjson_writer *w, const char *s);
void rjson_str_n(struct rjson_writer *w, const char *s, size_t n);
void rjson_i64(struct rjson_writer *w, int64_t v);
/* mantissa x 10^-decimals, e.g. (12345, 2) is 123.45. */
void rjson_fixed(struct rjson_writer *w, int64_t mantissa, unsigned decimals);
void rjson_bool(struct rjson_writer *w, bool v);
void rjson_null(struct rjson_writer *w);
/* A node of a parsed document, re-encoded. */
void rjson_copy(struct rjson_writer *w, const struct rjson_doc *d, uint32_t i);
/* The text's length when it fit, NUL-terminated, and nothing was misused;
 * else -1. */
long rjson_writer_finish(struct rjson_writer *w);

#endif
