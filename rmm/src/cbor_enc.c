/*
 * The CBOR encoder (cbor_enc.h). Freestanding: only the compiler's builtins.
 */
#include "cbor_enc.h"

void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf ? cap : 0;
	e->len = 0;
	e->failed = false;
}

/* Room for n more bytes at e->len? Counts them either way. NULL for n == 0
 * (nothing to write, not a failure). */
static uint8_t *claim(struct cbor_enc *e, size_t n)
{
	if (n == 0)
		return NULL;
	if (!e->failed && e->len <= e->cap && n <= e->cap - e->len) {
		uint8_t *p = e->buf + e->len;

		e->len += n;
		return p;
	}
	e->failed = true;
	e->len = e->len > SIZE_MAX - n ? SIZE_MAX : e->len + n;
	return NULL;
}

size_t cbor_enc_head_size(uint64_t arg)
{
	if (arg < 24)
		return 1;
	if (arg <= UINT8_MAX)
		return 2;
	if (arg <= UINT16_MAX)
		return 3;
	if (arg <= UINT32_MAX)
		return 5;
	return 9;
}

void cbor_enc_head(struct cbor_enc *e, unsigned major, uint64_t arg)
{
	size_t n = cbor_enc_head_size(arg);
	uint8_t *p = claim(e, n);
	uint8_t info;

	if (!p)
		return;
	switch (n) {
	case 1:
		info = (uint8_t)arg;
		break;
	case 2:
		info = 24;
		break;
	case 3:
		info = 25;
		break;
	case 5:
		info = 26;
		break;
	default:
		info = 27;
		break;
	}
	p[0] = (uint8_t)(major << 5) | info;
	/* Argument bytes in network (big-endian) order. */
	for (size_t i = 1; i < n; i++)
		p[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
}

void cbor_enc_uint(struct cbor_enc *e, uint64_t v)
{
	cbor_enc_head(e, CBOR_MAJOR_UINT, v);
}

void cbor_enc_int(struct cbor_enc *e, int64_t v)
{
	if (v >= 0)
		cbor_enc_head(e, CBOR_MAJOR_UINT, (uint64_t)v);
	else /* -1 - v without overflow for INT64_MIN: ~v as unsigned */
		cbor_enc_head(e, CBOR_MAJOR_NINT, ~(uint64_t)v);
}

void cbor_enc_raw(struct cbor_enc *e, const void *data, size_t len)
{
	uint8_t *p = claim(e, len);

	if (p)
		__builtin_memcpy(p, data, len);
}

void cbor_enc_bstr(struct cbor_enc *e, const void *data, size_t len)
{
	cbor_enc_head(e, CBOR_MAJOR_BSTR, len);
	cbor_enc_raw(e, data, len);
}

void cbor_enc_tstr(struct cbor_enc *e, const char *s, size_t len)
{
	cbor_enc_head(e, CBOR_MAJOR_TSTR, len);
	cbor_enc_raw(e, s, len);
}

void cbor_enc_cstr(struct cbor_enc *e, const char *s)
{
	size_t len = 0;

	while (s[len])
		len++;
	cbor_enc_tstr(e, s, len);
}

void cbor_enc_array(struct cbor_enc *e, uint64_t n)
{
	cbor_enc_head(e, CBOR_MAJOR_ARRAY, n);
}

void cbor_enc_map(struct cbor_enc *e, uint64_t pairs)
{
	cbor_enc_head(e, CBOR_MAJOR_MAP, pairs);
}

void cbor_enc_tag(struct cbor_enc *e, uint64_t tag)
{
	cbor_enc_head(e, CBOR_MAJOR_TAG, tag);
}

void cbor_enc_simple(struct cbor_enc *e, uint8_t v)
{
	if (v >= 24 && v < 32) {
		/* Not a well-formed simple value: refuse rather than emit garbage. */
		e->failed = true;
		return;
	}
	cbor_enc_head(e, CBOR_MAJOR_SIMPLE, v);
}

void cbor_enc_bool(struct cbor_enc *e, bool v)
{
	cbor_enc_simple(e, v ? CBOR_SIMPLE_TRUE : CBOR_SIMPLE_FALSE);
}

void cbor_enc_null(struct cbor_enc *e)
{
	cbor_enc_simple(e, CBOR_SIMPLE_NULL);
}

uint8_t *cbor_enc_reserve(struct cbor_enc *e, size_t len)
{
	return claim(e, len);
}
