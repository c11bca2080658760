/*
 * The host calls this VMM serves (RSI_HOST_CALL immediates), its side of the
 * contract with realm programs. sdk/include/sdk/host_call.h holds the same
 * numbers for the realm side; host/tests checks that the two agree.
 *
 * 0xCAE0 console write: gprs[0] = byte count (<= 240), gprs[1..30] the bytes
 *        packed little-endian. Returns gprs[0] = 0.
 * 0xCAE1 exit status: gprs[0] = the program's status, reported before
 *        PSCI SYSTEM_OFF. Returns gprs[0] = 0.
 * 0xCAE2 challenge: the 64-byte nonce the host chose for attestation. Returns
 *        gprs[0] = 0 and the nonce in gprs[1..8] (little-endian), or gprs[0] =
 *        HOST_CALL_ERROR when the host has none. The nonce reaches the realm
 *        at run time on purpose: it changes with every run, so it must not be
 *        in anything measured (boot registers, image) or the RIM would change.
 * 0xCAE3 token report: the realm hands the host the token it fetched, in
 *        chunks: gprs[0] = total length (<= HOST_CALL_TOKEN_MAX), gprs[1] =
 *        offset of this chunk, gprs[2] = chunk length (<= 224), gprs[3..30]
 *        the bytes. Returns gprs[0] = 0, or HOST_CALL_ERROR for a chunk that
 *        does not fit. The realm is the only one who can read its token (it
 *        lands in realm memory); reporting it lets the host show and verify it.
 * Any other immediate returns gprs[0] = HOST_CALL_ERROR.
 */
#ifndef CAEC_HOST_HOST_CALL_ABI_H
#define CAEC_HOST_HOST_CALL_ABI_H

#define HOST_CALL_CONSOLE      0xCAE0u
#define HOST_CALL_EXIT_STATUS  0xCAE1u
#define HOST_CALL_CHALLENGE    0xCAE2u
#define HOST_CALL_TOKEN_REPORT 0xCAE3u

#define HOST_CALL_OK    0u
#define HOST_CALL_ERROR UINT64_MAX

#define HOST_CALL_CONSOLE_MAX     240u /* gprs[1..30] */
#define HOST_CALL_TOKEN_CHUNK_MAX 224u /* gprs[3..30] */
#define HOST_CALL_TOKEN_MAX       (64u << 10)
#define HOST_CALL_CHALLENGE_SIZE  64u

#endif
