/* The gateway's HTTP/1.1 subset (http.h). */
#include <stdint.h>

#include "http.h"
#include "sdk/format.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s[0..n) equals the lower-case word w, ignoring case. */
static bool is_word(const char *s, size_t n, const char *w)
{
	size_t i = 0;

	for (; i < n && w[i]; i++)
		if (lower(s[i]) != w[i])
			return false;
	return i == n && !w[i];
}

static bool contains_word(const char *s, size_t n, const char *w)
{
	size_t wl = 0;

	while (w[wl])
		wl++;
	for (size_t i = 0; i + wl <= n; i++)
		if (is_word(s + i, wl, w))
			return true;
	return false;
}

/* The end of the head ("\r\n\r\n"): its offset past it, or 0. */
static size_t head_end(const char *b, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n')
			return i + 1;
	return 0;
}

static int request_line(const char *b, size_t n, struct http_request *r)
{
	size_t i = 0, k = 0;

	while (i < n && b[i] != ' ') {
		if (k + 1 >= sizeof(r->method) || b[i] < 'A' || b[i] > 'Z')
			return 501;
		r->method[k++] = b[i++];
	}
	r->method[k] = 0;
	if (i == n || k == 0)
		return 400;
	i++;
	if (i == n || b[i] != '/')
		return 400;
	k = 0;
	while (i < n && b[i] != ' ' && b[i] != '?') {
		if (k + 1 >= sizeof(r->path))
			return 414;
		if ((unsigned char)b[i] <= 0x20 || (unsigned char)b[i] >= 0x7f)
			return 400;
		r->path[k++] = b[i++];
	}
	r->path[k] = 0;
	k = 0;
	if (i < n && b[i] == '?')
		for (i++; i < n && b[i] != ' '; i++) {
			if (k + 1 >= sizeof(r->query))
				return 414;
			if ((unsigned char)b[i] <= 0x20 || (unsigned char)b[i] >= 0x7f)
				return 400;
			r->query[k++] = b[i];
		}
	r->query[k] = 0;
	if (i == n)
		return 400;
	i++;
	if (n - i != 8 || !(is_word(b + i, 8, "http/1.1") || is_word(b + i, 8, "http/1.0")))
		return n - i >= 5 && is_word(b + i, 5, "http/") ? 505 : 400;
	static const char *const known[] = { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", 0 };
	for (unsigned m = 0; known[m]; m++) {
		size_t j = 0;
		while (known[m][j] && known[m][j] == r->method[j])
			j++;
		if (!known[m][j] && !r->method[j])
			return 0;
	}
	return 501;
}

int http_parse(const char *b, size_t len, struct http_request *r)
{
	size_t end = head_end(b, len < HTTP_MAX_REQUEST ? len : HTTP_MAX_REQUEST);

	__builtin_memset(r, 0, sizeof(*r));
	if (!end)
		return len >= HTTP_MAX_REQUEST ? 413 : HTTP_PARTIAL;
	size_t eol = 0;
	while (b[eol] != '\r')
		eol++;
	int st = request_line(b, eol, r);
	if (st)
		return st;
	bool have_len = false;
	uint64_t clen = 0;
	/* Header lines, each "Name: value\r\n". */
	for (size_t i = eol + 2; i + 2 < end;) {
		size_t e = i;
		while (b[e] != '\r')
			e++;
		if (b[e + 1] != '\n')
			return 400;
		size_t colon = i;
		while (colon < e && b[colon] != ':')
			colon++;
		if (colon == e || colon == i)
			return 400;
		for (size_t k = i; k < colon; k++)
			if (b[k] <= ' ' || (unsigned char)b[k] >= 0x7f)
				return 400;
		size_t v = colon + 1;
		while (v < e && (b[v] == ' ' || b[v] == '\t'))
			v++;
		if (is_word(b + i, colon - i, "content-length")) {
			if (have_len || v == e)
				return 400;
			for (size_t k = v; k < e; k++) {
				if (b[k] < '0' || b[k] > '9' || clen > HTTP_MAX_REQUEST)
					return 400;
				clen = clen * 10 + (uint64_t)(b[k] - '0');
			}
			have_len = true;
		} else if (is_word(b + i, colon - i, "transfer-encoding")) {
			return 501;
		} else if (is_word(b + i, colon - i, "accept")) {
			r->event_stream = contains_word(b + v, e - v, "text/event-stream");
		}
		i = e + 2;
	}
	if (clen > HTTP_MAX_REQUEST - end)
		return 413;
	bool wants_body = r->method[0] == 'P'; /* POST, PUT, PATCH */
	if (wants_body && !have_len)
		return 411;
	if (len - end < clen)
		return HTTP_PARTIAL;
	r->body = b + end;
	r->body_len = (size_t)clen;
	return HTTP_COMPLETE;
}

long http_query_param(const char *q, const char *key, char *out, size_t cap)
{
	size_t kl = 0;

	while (key[kl])
		kl++;
	for (const char *p = q; *p;) {
		const char *amp = p;
		while (*amp && *amp != '&')
			amp++;
		if ((size_t)(amp - p) > kl && __builtin_memcmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = (size_t)(amp - p) - kl - 1;
			if (n >= cap)
				return -1;
			__builtin_memcpy(out, p + kl + 1, n);
			out[n] = 0;
			return (long)n;
		}
		p = *amp ? amp + 1 : amp;
	}
	return -1;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

size_t http_head(char *out, size_t cap, int status, const char *type, long length)
{
	size_t n;

	if (length >= 0)
		n = sdk_snprintf(out, cap,
				 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %ld\r\nConnection: close\r\n\r\n",
				 status, http_reason(status), type, length);
	else
		n = sdk_snprintf(out, cap, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nCache-Control: no-cache\r\n"
				 "Connection: close\r\n\r\n", status, http_reason(status), type);
	return n < cap ? n : 0;
}
