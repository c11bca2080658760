/*
 * The gateway's HTTP/1.1 subset: one request per connection (every answer
 * says "Connection: close"), a body only with Content-Length (no chunked
 * requests), at most HTTP_MAX_REQUEST bytes in all. The parser reads what
 * a client sent so far and says whether the request is complete, needs more
 * bytes, or is refused with the status to answer.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_HTTP_H
#define CAEC_AGENTEE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_REQUEST (64u << 10)
#define HTTP_COMPLETE 0
#define HTTP_PARTIAL  1

struct http_request {
	char method[8];
	char path[128];  /* without the query */
	char query[256]; /* after '?', may be empty */
	const char *body;
	size_t body_len;
	bool event_stream; /* Accept: text/event-stream */
};

/* Parses buf[0..len). HTTP_COMPLETE (req filled; body points into buf),
 * HTTP_PARTIAL (more bytes needed), or the status to refuse with: 400
 * (malformed), 411 (a body without Content-Length), 413 (larger than
 * HTTP_MAX_REQUEST), 414 (path or query too long), 501 (chunked or a
 * method it does not know), 505 (not HTTP/1.0 or 1.1). */
int http_parse(const char *buf, size_t len, struct http_request *req);

/* The query parameter key's value into out[0..cap) (no %-decoding: the
 * gateway's parameters are hex): its length, or -1 when absent or too long. */
long http_query_param(const char *query, const char *key, char *out, size_t cap);

/* A response head (status line, Content-Type, Content-Length unless
 * length < 0, Connection: close, blank line) into out: its length, or 0
 * when it does not fit. */
size_t http_head(char *out, size_t cap, int status, const char *type, long length);
const char *http_reason(int status);

#endif
