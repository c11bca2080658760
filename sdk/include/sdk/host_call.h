/*
 * Host calls (RSI_HOST_CALL): a realm asks its host for a service by number
 * (the immediate) with 31 registers of arguments and results. The numbers
 * are the VMM's contract (host/include/host/host_call_abi.h has the host
 * side; a host test checks they agree):
 *   0xCAE0 console write, 0xCAE1 exit status, 0xCAE2 attestation challenge
 *   (the nonce the host chose, given at run time so it is never measured),
 *   0xCAE3 token report (the realm hands its token to the host in chunks),
 *   0xCAE4 doorbell (ring or wait on a CSM region's doorbell: channel.h, or
 *   on the doorbell of a host-visible page the host mapped for a channel),
 *   0xCB00..0xCBFF the application's own calls (what the host program
 *   running the realm answers; the VMM's vmm_run_config.app_call).
 */
#ifndef CAEC_SDK_HOST_CALL_H
#define CAEC_SDK_HOST_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "abi/rsi.h"

#define SDK_HOST_CALL_CONSOLE      0xCAE0u
#define SDK_HOST_CALL_EXIT_STATUS  0xCAE1u
#define SDK_HOST_CALL_CHALLENGE    0xCAE2u
#define SDK_HOST_CALL_TOKEN_REPORT 0xCAE3u
#define SDK_HOST_CALL_DOORBELL     0xCAE4u
#define SDK_HOST_CALL_APP_FIRST    0xCB00u
#define SDK_HOST_CALL_APP_LAST     0xCBFFu
#define SDK_DOORBELL_RING          1u
#define SDK_DOORBELL_WAIT          2u
#define SDK_DOORBELL_RING_SHARED   3u /* gprs[1] = an unprotected IPA: host-visible memory's doorbell */
#define SDK_DOORBELL_WAIT_SHARED   4u
#define SDK_HOST_CALL_ERROR        UINT64_MAX
#define SDK_CONSOLE_CHUNK          240u
#define SDK_TOKEN_CHUNK            224u
#define SDK_CHALLENGE_SIZE         64u

/* One host call: gprs[0..30] in, results back in gprs. RSI status. */
uint64_t sdk_host_call(uint16_t imm, uint64_t gprs[RSI_HOST_CALL_GPRS]);

/* Console bytes (any length: sent in chunks). 0, or -1 if the host refused. */
int sdk_console_write(const char *bytes, size_t len);
/* Reports the program's exit status. */
int sdk_report_exit(uint64_t status);
/* The host's attestation challenge. 0, or -1 when the host has none. */
int sdk_host_challenge(uint8_t challenge[SDK_CHALLENGE_SIZE]);
/* Hands token[0..len) to the host. 0, or -1 if it refused a chunk. */
int sdk_report_token(const uint8_t *token, size_t len);
/* Rings (SDK_DOORBELL_RING_SHARED) or waits at most max_ns on
 * (SDK_DOORBELL_WAIT_SHARED) the doorbell of the host-visible page at
 * unprotected IPA ipa, one the host mapped for a channel in several realms.
 * 0, or -1 when the host refused (not such a page, or the policy's
 * host-call rule forbids it). */
int sdk_shared_doorbell(uint64_t op, uint64_t ipa, uint64_t max_ns);

#endif
