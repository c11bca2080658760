/* realm/acs_qcbor.c: QCBOR's decoding behaviour, as the suite's attestation
 * code relies on it, over verify/'s CBOR reader. Runs natively. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qcbor/qcbor.h"

#define BUF(a) ((UsefulBufC){ (a), sizeof(a) })

/* 399({1: h'0102', 2: [3, -4], "k": "v"}) */
static const uint8_t token[] = {
	0xd9, 0x01, 0x8f, 0xa3, 0x01, 0x42, 0x01, 0x02, 0x02, 0x82, 0x03, 0x23,
	0x61, 'k', 0x61, 'v',
};

static void walks_in_pre_order_with_labels_and_tags(void **state)
{
	QCBORDecodeContext ctx;
	QCBORItem item;

	(void)state;
	QCBORDecode_Init(&ctx, BUF(token), QCBOR_DECODE_MODE_NORMAL);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.uDataType, QCBOR_TYPE_MAP);
	assert_int_equal(item.val.uCount, 3);
	assert_true(QCBORDecode_IsTagged(&ctx, &item, 399));
	assert_false(QCBORDecode_IsTagged(&ctx, &item, 18));

	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.uLabelType, QCBOR_TYPE_INT64);
	assert_int_equal(item.label.int64, 1);
	assert_int_equal(item.uDataType, QCBOR_TYPE_BYTE_STRING);
	assert_int_equal(item.val.string.len, 2);
	assert_memory_equal(item.val.string.ptr, "\x01\x02", 2);
	assert_false(QCBORDecode_IsTagged(&ctx, &item, 399));

	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.label.int64, 2);
	assert_int_equal(item.uDataType, QCBOR_TYPE_ARRAY);
	assert_int_equal(item.val.uCount, 2);
	assert_int_equal(item.uNestingLevel, 1);
	assert_int_equal(item.uNextNestLevel, 2);

	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.uLabelType, QCBOR_TYPE_NONE); /* array elements: no label */
	assert_int_equal(item.uDataType, QCBOR_TYPE_INT64);
	assert_int_equal(item.val.int64, 3);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.val.int64, -4);
	assert_int_equal(item.uNextNestLevel, 1); /* the array is closed */

	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(item.uLabelType, QCBOR_TYPE_TEXT_STRING);
	assert_memory_equal(item.label.string.ptr, "k", 1);
	assert_int_equal(item.uDataType, QCBOR_TYPE_TEXT_STRING);
	assert_int_equal(item.uNextNestLevel, 0);

	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_ERR_NO_MORE_ITEMS);
	assert_int_equal(QCBORDecode_Finish(&ctx), QCBOR_SUCCESS);
}

static void truncated_input_fails_and_stays_failed(void **state)
{
	QCBORDecodeContext ctx;
	QCBORItem item;

	(void)state;
	/* The last string's payload is missing. */
	QCBORDecode_Init(&ctx, (UsefulBufC){ token, sizeof(token) - 1 }, QCBOR_DECODE_MODE_NORMAL);
	for (int i = 0; i < 5; i++) /* the map, h'0102', the array, 3, -4 */
		assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_ERR_HIT_END);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_ERR_HIT_END);
	/* A count the remaining bytes cannot hold fails at the container. */
	QCBORDecode_Init(&ctx, (UsefulBufC){ token, 7 }, QCBOR_DECODE_MODE_NORMAL);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_ERR_HIT_END);
	assert_int_not_equal(QCBORDecode_Finish(&ctx), QCBOR_SUCCESS);
}

static void finish_refuses_open_containers_and_leftovers(void **state)
{
	QCBORDecodeContext ctx;
	QCBORItem item;
	static const uint8_t two_items[] = { 0x01, 0x02 };

	(void)state;
	QCBORDecode_Init(&ctx, BUF(token), QCBOR_DECODE_MODE_NORMAL);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(QCBORDecode_Finish(&ctx), QCBOR_ERR_ARRAY_OR_MAP_STILL_OPEN);

	QCBORDecode_Init(&ctx, BUF(two_items), QCBOR_DECODE_MODE_NORMAL);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	assert_int_equal(QCBORDecode_Finish(&ctx), QCBOR_ERR_EXTRA_BYTES);
}

static void indefinite_lengths_and_floats_are_refused(void **state)
{
	QCBORDecodeContext ctx;
	QCBORItem item;
	static const uint8_t indefinite[] = { 0x9f, 0x01, 0xff };
	static const uint8_t half_float[] = { 0xf9, 0x3c, 0x00 };

	(void)state;
	QCBORDecode_Init(&ctx, BUF(indefinite), QCBOR_DECODE_MODE_NORMAL);
	assert_int_not_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_SUCCESS);
	QCBORDecode_Init(&ctx, BUF(half_float), QCBOR_DECODE_MODE_NORMAL);
	assert_int_equal(QCBORDecode_GetNext(&ctx, &item), QCBOR_ERR_BAD_TYPE_7);
}

static void compare_orders_by_bytes_then_length(void **state)
{
	(void)state;
	assert_int_equal(UsefulBuf_Compare((UsefulBufC){ "ab", 2 }, (UsefulBufC){ "ab", 2 }), 0);
	assert_true(UsefulBuf_Compare((UsefulBufC){ "aa", 2 }, (UsefulBufC){ "ab", 2 }) < 0);
	assert_true(UsefulBuf_Compare((UsefulBufC){ "ab", 2 }, (UsefulBufC){ "a", 1 }) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_in_pre_order_with_labels_and_tags),
		cmocka_unit_test(truncated_input_fails_and_stays_failed),
		cmocka_unit_test(finish_refuses_open_containers_and_leftovers),
		cmocka_unit_test(indefinite_lengths_and_floats_are_refused),
		cmocka_unit_test(compare_orders_by_bytes_then_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
