/*
 * Attestation from inside the realm: the realm token (with the platform
 * token) for a 64-byte challenge, fetched with RSI_ATTEST_TOKEN_INIT and then
 * RSI_ATTEST_TOKEN_CONTINUE until the monitor says it is complete. The
 * monitor writes each piece into one granule of realm RAM; the sdk borrows a
 * granule from the heap for that and copies the pieces into the caller's
 * buffer.
 */
#ifndef CAEC_SDK_ATTEST_H
#define CAEC_SDK_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "abi/rsi.h"

/* sdk_attest_token's errors. */
#define SDK_ATTEST_REFUSED   (-1) /* the monitor refused: *status = RSI status */
#define SDK_ATTEST_TOO_SMALL (-2) /* buf is too small: *len = the size needed, when known */
#define SDK_ATTEST_NO_MEMORY (-3) /* the heap has no granule to spare */

/* 0 with *len = token size, or one of the SDK_ATTEST_ errors above. status
 * may be NULL. */
int sdk_attest_token(const uint8_t challenge[RSI_CHALLENGE_SIZE], uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *status);

#endif
