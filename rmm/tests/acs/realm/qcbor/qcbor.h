/*
 * The part of QCBOR's decoding interface the compliance suite's attestation
 * tests use (test/attestation_measurement/common/attestation_realm.c), over
 * the project's own CBOR reader (verify/include/verify/cbor.h). The suite's
 * build clones QCBOR from the network; nothing is downloaded here.
 *
 * The semantics are QCBOR's where the suite relies on them: GetNext walks
 * the items in pre-order, a container's item carries its element count (pairs
 * for a map) and is followed by its elements, items inside a map carry their
 * label, tags before an item are recorded on it, and the end of the input is
 * QCBOR_ERR_NO_MORE_ITEMS. Definite lengths only (as the reader), no floats
 * (as the suite builds QCBOR: USEFULBUF_DISABLE_ALL_FLOAT).
 */
#ifndef ACS_QCBOR_H
#define ACS_QCBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/cbor.h"

struct q_useful_buf_c {
	const void *ptr;
	size_t len;
};
typedef struct q_useful_buf_c UsefulBufC;

/* 0 when equal; else the sign of the first difference, a shorter buffer
 * ordering first when one is a prefix of the other. */
int UsefulBuf_Compare(UsefulBufC a, UsefulBufC b);

#define QCBOR_DECODE_MODE_NORMAL 0

/* Item types (QCBOR's values). */
#define QCBOR_TYPE_NONE        0
#define QCBOR_TYPE_INT64       2
#define QCBOR_TYPE_UINT64      3
#define QCBOR_TYPE_ARRAY       4
#define QCBOR_TYPE_MAP         5
#define QCBOR_TYPE_BYTE_STRING 6
#define QCBOR_TYPE_TEXT_STRING 7
#define QCBOR_TYPE_FALSE       20
#define QCBOR_TYPE_TRUE        21
#define QCBOR_TYPE_NULL        22
#define QCBOR_TYPE_UNDEF       23

/* Errors. */
#define QCBOR_SUCCESS                       0
#define QCBOR_ERR_HIT_END                   11
#define QCBOR_ERR_UNSUPPORTED               12
#define QCBOR_ERR_ARRAY_OR_MAP_STILL_OPEN   14
#define QCBOR_ERR_EXTRA_BYTES               15
#define QCBOR_ERR_NESTING_TOO_DEEP          16
#define QCBOR_ERR_BAD_TYPE_7                17
#define QCBOR_ERR_NO_MORE_ITEMS             18
#define QCBOR_ERR_UNRECOVERABLE_TAG_CONTENT 19
#define QCBOR_ERR_ARRAY_DECODE_TOO_LONG     20

#define CBOR_TAG_COSE_SIGN1 18

#define ACS_QCBOR_MAX_TAGS 4

typedef struct {
	uint8_t uDataType;
	uint8_t uLabelType;
	uint8_t uNestingLevel;  /* depth of this item */
	uint8_t uNextNestLevel; /* depth of the next one */
	union {
		int64_t int64;
		uint64_t uint64;
		UsefulBufC string;
		uint16_t uCount;
	} val;
	union {
		int64_t int64;
		uint64_t uint64;
		UsefulBufC string;
	} label;
	uint64_t tags[ACS_QCBOR_MAX_TAGS];
	unsigned num_tags;
} QCBORItem;

typedef struct {
	struct cbor_reader reader;
	unsigned depth;
	struct {
		uint64_t left; /* items (map: pairs) still to come */
		bool map;
	} level[CBOR_MAX_DEPTH + 1];
	int error; /* sticky, like QCBOR's unrecoverable errors */
} QCBORDecodeContext;

void QCBORDecode_Init(QCBORDecodeContext *ctx, UsefulBufC buf, uint8_t mode);
int QCBORDecode_GetNext(QCBORDecodeContext *ctx, QCBORItem *item);
int QCBORDecode_Finish(QCBORDecodeContext *ctx);
bool QCBORDecode_IsTagged(QCBORDecodeContext *ctx, const QCBORItem *item, uint64_t tag);

#endif
