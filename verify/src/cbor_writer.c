/*
 * Small CBOR encoder: shortest-form heads into a caller-sized buffer. An
 * overflow is remembered and reported once by cbor_writer_finish, so callers
 * can write a whole structure and check a single result.
 */
#include <errno.h>
#include <string.h>

#include "verify/cbor.h"

void cbor_writer_init(struct cbor_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->overflow = false;
}

size_t cbor_encode_head(uint8_t out[9], enum cbor_major major, uint64_t arg)
{
	uint8_t mt = (uint8_t)(major << 5);
	size_t bytes;
	if (arg < 24) {
		out[0] = mt | (uint8_t)arg;
		return 1;
	} else if (arg <= 0xff) {
		out[0] = mt | 24, bytes = 1;
	} else if (arg <= 0xffff) {
		out[0] = mt | 25, bytes = 2;
	} else if (arg <= 0xffffffffu) {
		out[0] = mt | 26, bytes = 4;
	} else {
		out[0] = mt | 27, bytes = 8;
	}
	for (size_t i = 0; i < bytes; i++)
		out[1 + i] = (uint8_t)(arg >> (8 * (bytes - 1 - i)));
	return 1 + bytes;
}

void cbor_put_raw(struct cbor_writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void cbor_put_head(struct cbor_writer *w, enum cbor_major major, uint64_t arg)
{
	uint8_t head[9];
	cbor_put_raw(w, head, cbor_encode_head(head, major, arg));
}

void cbor_put_uint(struct cbor_writer *w, uint64_t v)
{
	cbor_put_head(w, CBOR_MAJOR_UINT, v);
}

void cbor_put_int(struct cbor_writer *w, int64_t v)
{
	if (v >= 0)
		cbor_put_head(w, CBOR_MAJOR_UINT, (uint64_t)v);
	else
		cbor_put_head(w, CBOR_MAJOR_NEGINT, (uint64_t)(-1 - v));
}

void cbor_put_bstr(struct cbor_writer *w, const void *p, size_t n)
{
	cbor_put_head(w, CBOR_MAJOR_BSTR, n);
	cbor_put_raw(w, p, n);
}

void cbor_put_tstr(struct cbor_writer *w, const char *s)
{
	size_t n = strlen(s);
	cbor_put_head(w, CBOR_MAJOR_TSTR, n);
	cbor_put_raw(w, s, n);
}

void cbor_put_array(struct cbor_writer *w, uint64_t count)
{
	cbor_put_head(w, CBOR_MAJOR_ARRAY, count);
}

void cbor_put_map(struct cbor_writer *w, uint64_t pairs)
{
	cbor_put_head(w, CBOR_MAJOR_MAP, pairs);
}

void cbor_put_tag(struct cbor_writer *w, uint64_t tag)
{
	cbor_put_head(w, CBOR_MAJOR_TAG, tag);
}

int cbor_writer_finish(const struct cbor_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	return w->overflow ? -ENOSPC : 0;
}
