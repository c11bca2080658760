/*
 * Bounded CBOR reader. Every size is compared with what remains of the input
 * before use, never added to a position first, so no arithmetic can wrap.
 */
#include <errno.h>
#include <string.h>

#include "verify/cbor.h"

int cbor_fail(struct cbor_reader *r, enum cbor_errcode code, size_t offset, const char *reason)
{
	if (r->err.code == CBOR_OK) {
		r->err.code = code;
		r->err.offset = offset;
		r->err.reason = reason;
	}
	return -EBADMSG;
}

int cbor_reader_init(struct cbor_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->err.code = CBOR_OK;
	r->err.offset = 0;
	r->err.reason = NULL;
	if (len > CBOR_MAX_INPUT) {
		cbor_fail(r, CBOR_ERR_TOO_LARGE, 0, "input larger than the 1 MiB limit");
		return -EFBIG;
	}
	if (buf == NULL && len != 0) {
		cbor_fail(r, CBOR_ERR_TRUNCATED, 0, "no input");
		return -EINVAL;
	}
	return 0;
}

bool cbor_at_end(const struct cbor_reader *r)
{
	return r->err.code == CBOR_OK && r->pos == r->len;
}

bool cbor_failed(const struct cbor_reader *r)
{
	return r->err.code != CBOR_OK;
}

static size_t remaining(const struct cbor_reader *r)
{
	return r->len - r->pos;
}

/* Decodes the head at r->pos without consuming anything; *size = head bytes. */
static int decode_head(struct cbor_reader *r, struct cbor_head *h, size_t *size)
{
	if (cbor_failed(r))
		return -EBADMSG;
	size_t at = r->pos;
	if (remaining(r) < 1)
		return cbor_fail(r, CBOR_ERR_TRUNCATED, at, "input ends where an item was expected");
	uint8_t ib = r->buf[at];
	h->major = (enum cbor_major)(ib >> 5);
	h->info = ib & 0x1f;
	h->offset = at;
	h->data = NULL;

	size_t extra;
	if (h->info < 24)
		extra = 0;
	else if (h->info <= 27)
		extra = (size_t)1 << (h->info - 24);
	else if (h->info == 31)
		return cbor_fail(r, CBOR_ERR_INDEFINITE, at,
				 "indefinite length or break byte (only definite lengths are accepted)");
	else
		return cbor_fail(r, CBOR_ERR_RESERVED, at, "reserved additional information 28..30");

	if (remaining(r) - 1 < extra)
		return cbor_fail(r, CBOR_ERR_TRUNCATED, at, "input ends inside an item head");
	uint64_t arg = h->info < 24 ? h->info : 0;
	for (size_t i = 0; i < extra; i++)
		arg = (arg << 8) | r->buf[at + 1 + i];
	h->arg = arg;
	*size = 1 + extra;

	if (h->major == CBOR_MAJOR_SIMPLE && h->info == 24 && arg < 32)
		return cbor_fail(r, CBOR_ERR_BAD_SIMPLE, at, "two-byte simple value below 32");
	return 0;
}

/* Bounds for what follows a head, given the bytes left after it. */
static int check_body(struct cbor_reader *r, struct cbor_head *h, size_t left)
{
	switch (h->major) {
	case CBOR_MAJOR_BSTR:
	case CBOR_MAJOR_TSTR:
		if (h->arg > left)
			return cbor_fail(r, CBOR_ERR_TRUNCATED, h->offset,
					 "string length exceeds the remaining input");
		break;
	case CBOR_MAJOR_ARRAY:
		/* Each element needs at least one byte. */
		if (h->arg > left)
			return cbor_fail(r, CBOR_ERR_TRUNCATED, h->offset,
					 "array count exceeds what the remaining input can hold");
		break;
	case CBOR_MAJOR_MAP:
		if (h->arg > left / 2)
			return cbor_fail(r, CBOR_ERR_TRUNCATED, h->offset,
					 "map count exceeds what the remaining input can hold");
		break;
	case CBOR_MAJOR_TAG:
		if (left < 1)
			return cbor_fail(r, CBOR_ERR_TRUNCATED, h->offset, "tag without content");
		break;
	default:
		break;
	}
	return 0;
}

int cbor_peek_head(struct cbor_reader *r, struct cbor_head *h)
{
	size_t size;
	if (decode_head(r, h, &size) != 0)
		return -EBADMSG;
	if (check_body(r, h, remaining(r) - size) != 0)
		return -EBADMSG;
	if (h->major == CBOR_MAJOR_BSTR || h->major == CBOR_MAJOR_TSTR)
		h->data = r->buf + r->pos + size;
	return 0;
}

int cbor_read_head(struct cbor_reader *r, struct cbor_head *h)
{
	size_t size;
	if (decode_head(r, h, &size) != 0)
		return -EBADMSG;
	if (check_body(r, h, remaining(r) - size) != 0)
		return -EBADMSG;
	r->pos += size;
	if (h->major == CBOR_MAJOR_BSTR || h->major == CBOR_MAJOR_TSTR) {
		h->data = r->buf + r->pos;
		r->pos += (size_t)h->arg; /* checked against remaining() above */
	}
	return 0;
}

static int read_typed(struct cbor_reader *r, struct cbor_head *h, enum cbor_major want,
		      const char *what)
{
	if (cbor_peek_head(r, h) != 0)
		return -EBADMSG;
	if (h->major != want)
		return cbor_fail(r, CBOR_ERR_TYPE, h->offset, what);
	return cbor_read_head(r, h);
}

int cbor_read_uint(struct cbor_reader *r, uint64_t *v)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_UINT, "expected an unsigned integer") != 0)
		return -EBADMSG;
	*v = h.arg;
	return 0;
}

int cbor_read_int(struct cbor_reader *r, int64_t *v)
{
	struct cbor_head h;
	if (cbor_peek_head(r, &h) != 0)
		return -EBADMSG;
	if (h.major != CBOR_MAJOR_UINT && h.major != CBOR_MAJOR_NEGINT)
		return cbor_fail(r, CBOR_ERR_TYPE, h.offset, "expected an integer");
	if (h.arg > (uint64_t)INT64_MAX)
		return cbor_fail(r, CBOR_ERR_RANGE, h.offset, "integer outside the 64-bit signed range");
	cbor_read_head(r, &h);
	*v = h.major == CBOR_MAJOR_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
	return 0;
}

int cbor_read_bstr(struct cbor_reader *r, const uint8_t **p, size_t *n)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_BSTR, "expected a byte string") != 0)
		return -EBADMSG;
	*p = h.data;
	*n = (size_t)h.arg;
	return 0;
}

int cbor_read_tstr(struct cbor_reader *r, const char **p, size_t *n)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_TSTR, "expected a text string") != 0)
		return -EBADMSG;
	if (!cbor_utf8_valid(h.data, (size_t)h.arg))
		return cbor_fail(r, CBOR_ERR_UTF8, h.offset, "text string is not valid UTF-8");
	*p = (const char *)h.data;
	*n = (size_t)h.arg;
	return 0;
}

int cbor_read_array(struct cbor_reader *r, uint64_t *count)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_ARRAY, "expected an array") != 0)
		return -EBADMSG;
	*count = h.arg;
	return 0;
}

int cbor_read_map(struct cbor_reader *r, uint64_t *pairs)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_MAP, "expected a map") != 0)
		return -EBADMSG;
	*pairs = h.arg;
	return 0;
}

int cbor_read_tag(struct cbor_reader *r, uint64_t *tag)
{
	struct cbor_head h;
	if (read_typed(r, &h, CBOR_MAJOR_TAG, "expected a tag") != 0)
		return -EBADMSG;
	*tag = h.arg;
	return 0;
}

int cbor_skip(struct cbor_reader *r, const uint8_t **start, size_t *len)
{
	/* Items still to read at each open nesting level; a fixed stack. */
	uint64_t pending[CBOR_MAX_DEPTH + 1];
	size_t depth = 0;
	size_t begin = r->pos;

	pending[0] = 1;
	for (;;) {
		while (pending[depth] == 0) {
			if (depth == 0)
				goto done;
			depth--;
		}
		pending[depth]--;

		struct cbor_head h;
		if (cbor_read_head(r, &h) != 0)
			return -EBADMSG;
		uint64_t children;
		switch (h.major) {
		case CBOR_MAJOR_ARRAY:
			children = h.arg;
			break;
		case CBOR_MAJOR_MAP:
			children = h.arg * 2; /* arg <= remaining / 2: cannot wrap */
			break;
		case CBOR_MAJOR_TAG:
			children = 1;
			break;
		default:
			continue;
		}
		if (depth + 1 > CBOR_MAX_DEPTH)
			return cbor_fail(r, CBOR_ERR_TOO_DEEP, h.offset, "nesting deeper than 16 levels");
		pending[++depth] = children;
	}
done:
	if (start)
		*start = r->buf + begin;
	if (len)
		*len = r->pos - begin;
	return 0;
}

int cbor_check_well_formed(const void *buf, size_t len, struct cbor_error *err)
{
	struct cbor_reader r;
	int rc = cbor_reader_init(&r, buf, len);
	if (rc == 0 && cbor_skip(&r, NULL, NULL) == 0 && !cbor_at_end(&r))
		cbor_fail(&r, CBOR_ERR_TRAILING, r.pos, "bytes follow the top-level item");
	if (err)
		*err = r.err;
	return cbor_failed(&r) ? -EBADMSG : 0;
}

bool cbor_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t more;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			more = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < more)
			return false;
		for (size_t k = 1; k <= more; k++) {
			uint8_t cc = p[i + k];
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}
