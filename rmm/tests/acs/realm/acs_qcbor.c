/* QCBOR's decoding interface, as much as the suite uses, over verify/'s
 * CBOR reader (qcbor/qcbor.h says what holds). */
#include "qcbor/qcbor.h"

int UsefulBuf_Compare(UsefulBufC a, UsefulBufC b)
{
	const unsigned char *p = a.ptr, *q = b.ptr;
	size_t n = a.len < b.len ? a.len : b.len;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return a.len == b.len ? 0 : (a.len < b.len ? -1 : 1);
}

void QCBORDecode_Init(QCBORDecodeContext *ctx, UsefulBufC buf, uint8_t mode)
{
	(void)mode;
	ctx->depth = 0;
	ctx->error = cbor_reader_init(&ctx->reader, buf.ptr, buf.len) == 0
			     ? QCBOR_SUCCESS : QCBOR_ERR_UNSUPPORTED;
}

static void close_finished(QCBORDecodeContext *ctx)
{
	while (ctx->depth > 0 && ctx->level[ctx->depth].left == 0)
		ctx->depth--;
}

static int reader_error(const QCBORDecodeContext *ctx)
{
	switch (ctx->reader.err.code) {
	case CBOR_ERR_TRUNCATED:
		return QCBOR_ERR_HIT_END;
	case CBOR_ERR_TOO_DEEP:
		return QCBOR_ERR_NESTING_TOO_DEEP;
	case CBOR_ERR_TOO_LARGE:
		return QCBOR_ERR_ARRAY_DECODE_TOO_LONG;
	default:
		return QCBOR_ERR_UNSUPPORTED;
	}
}

/* A label: QCBOR takes integers (as INT64 when they fit) and strings. */
static int read_label(QCBORDecodeContext *ctx, QCBORItem *item)
{
	struct cbor_head h;

	if (cbor_read_head(&ctx->reader, &h) != 0)
		return reader_error(ctx);
	switch (h.major) {
	case CBOR_MAJOR_UINT:
		if (h.arg > INT64_MAX) {
			item->uLabelType = QCBOR_TYPE_UINT64;
			item->label.uint64 = h.arg;
		} else {
			item->uLabelType = QCBOR_TYPE_INT64;
			item->label.int64 = (int64_t)h.arg;
		}
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_NEGINT:
		if (h.arg > INT64_MAX)
			return QCBOR_ERR_UNSUPPORTED;
		item->uLabelType = QCBOR_TYPE_INT64;
		item->label.int64 = -1 - (int64_t)h.arg;
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_BSTR:
	case CBOR_MAJOR_TSTR:
		item->uLabelType = h.major == CBOR_MAJOR_BSTR ? QCBOR_TYPE_BYTE_STRING
							      : QCBOR_TYPE_TEXT_STRING;
		item->label.string = (UsefulBufC){ h.data, (size_t)h.arg };
		return QCBOR_SUCCESS;
	default:
		return QCBOR_ERR_UNSUPPORTED;
	}
}

/* The value's head, tags before it recorded on the item. */
static int read_value(QCBORDecodeContext *ctx, QCBORItem *item, struct cbor_head *h)
{
	for (;;) {
		if (cbor_read_head(&ctx->reader, h) != 0)
			return reader_error(ctx);
		if (h->major != CBOR_MAJOR_TAG)
			return QCBOR_SUCCESS;
		if (item->num_tags == ACS_QCBOR_MAX_TAGS)
			return QCBOR_ERR_UNRECOVERABLE_TAG_CONTENT;
		item->tags[item->num_tags++] = h->arg;
	}
}

static int set_value(QCBORItem *item, const struct cbor_head *h)
{
	switch (h->major) {
	case CBOR_MAJOR_UINT:
		item->uDataType = h->arg > INT64_MAX ? QCBOR_TYPE_UINT64 : QCBOR_TYPE_INT64;
		item->val.uint64 = h->arg;
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_NEGINT:
		if (h->arg > INT64_MAX)
			return QCBOR_ERR_UNSUPPORTED;
		item->uDataType = QCBOR_TYPE_INT64;
		item->val.int64 = -1 - (int64_t)h->arg;
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_BSTR:
	case CBOR_MAJOR_TSTR:
		item->uDataType = h->major == CBOR_MAJOR_BSTR ? QCBOR_TYPE_BYTE_STRING
							      : QCBOR_TYPE_TEXT_STRING;
		item->val.string = (UsefulBufC){ h->data, (size_t)h->arg };
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_ARRAY:
	case CBOR_MAJOR_MAP:
		if (h->arg >= UINT16_MAX)
			return QCBOR_ERR_ARRAY_DECODE_TOO_LONG;
		item->uDataType = h->major == CBOR_MAJOR_ARRAY ? QCBOR_TYPE_ARRAY : QCBOR_TYPE_MAP;
		item->val.uCount = (uint16_t)h->arg;
		return QCBOR_SUCCESS;
	case CBOR_MAJOR_SIMPLE:
		if (h->arg >= 20 && h->arg <= 23 && h->info < 24) {
			item->uDataType = (uint8_t)(QCBOR_TYPE_FALSE + (h->arg - 20));
			return QCBOR_SUCCESS;
		}
		return QCBOR_ERR_BAD_TYPE_7;
	default:
		return QCBOR_ERR_UNSUPPORTED;
	}
}

int QCBORDecode_GetNext(QCBORDecodeContext *ctx, QCBORItem *item)
{
	struct cbor_head h;
	int rc;

	*item = (QCBORItem){ 0 };
	if (ctx->error)
		return ctx->error;
	close_finished(ctx);
	if (ctx->depth == 0 && cbor_at_end(&ctx->reader))
		return QCBOR_ERR_NO_MORE_ITEMS;
	item->uNestingLevel = (uint8_t)ctx->depth;
	rc = ctx->depth > 0 && ctx->level[ctx->depth].map ? read_label(ctx, item) : QCBOR_SUCCESS;
	if (rc == QCBOR_SUCCESS)
		rc = read_value(ctx, item, &h);
	if (rc == QCBOR_SUCCESS)
		rc = set_value(item, &h);
	if (rc != QCBOR_SUCCESS) {
		ctx->error = rc;
		return rc;
	}
	if (ctx->depth > 0)
		ctx->level[ctx->depth].left--;
	if ((h.major == CBOR_MAJOR_ARRAY || h.major == CBOR_MAJOR_MAP) && h.arg > 0) {
		if (ctx->depth == CBOR_MAX_DEPTH) {
			ctx->error = QCBOR_ERR_NESTING_TOO_DEEP;
			return ctx->error;
		}
		ctx->depth++;
		ctx->level[ctx->depth].left = h.arg;
		ctx->level[ctx->depth].map = h.major == CBOR_MAJOR_MAP;
	}
	close_finished(ctx);
	item->uNextNestLevel = (uint8_t)ctx->depth;
	return QCBOR_SUCCESS;
}

int QCBORDecode_Finish(QCBORDecodeContext *ctx)
{
	if (ctx->error && ctx->error != QCBOR_ERR_NO_MORE_ITEMS)
		return ctx->error;
	close_finished(ctx);
	if (ctx->depth > 0)
		return QCBOR_ERR_ARRAY_OR_MAP_STILL_OPEN;
	return cbor_at_end(&ctx->reader) ? QCBOR_SUCCESS : QCBOR_ERR_EXTRA_BYTES;
}

bool QCBORDecode_IsTagged(QCBORDecodeContext *ctx, const QCBORItem *item, uint64_t tag)
{
	(void)ctx;
	for (unsigned i = 0; i < item->num_tags; i++)
		if (item->tags[i] == tag)
			return true;
	return false;
}
