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
 * 0xCAE4 doorbell (channels, sdk/channel.h): gprs[0] = HOST_DOORBELL_RING or
 *        HOST_DOORBELL_WAIT, gprs[1] = the csm_id of a region the realm
 *        created or attached. RING wakes the other realms that wait on the
 *        region; WAIT returns when a doorbell rang for the region since the
 *        realm's last WAIT returned, or after gprs[2] ns (at most
 *        HOST_DOORBELL_MAX_WAIT_NS). No data passes: the host learns only
 *        that a region's doorbell rang. Returns gprs[0] = 0, or
 *        HOST_CALL_ERROR for a region the realm has nothing to do with.
 *        HOST_DOORBELL_RING_SHARED / HOST_DOORBELL_WAIT_SHARED do the same
 *        for a channel in host-visible memory (a system without CSM):
 *        gprs[1] = an unprotected IPA the host mapped into the realm; the
 *        doorbell is that NS granule's, shared by every realm that maps it.
 *        HOST_CALL_ERROR for an IPA that is not such a page.
 * 0xCB00..0xCBFF application calls: handed to the run's app_call
 *        (vmm_run_config) if it has one; gprs[0] = HOST_CALL_ERROR if not.
 * Any other immediate returns gprs[0] = HOST_CALL_ERROR.
 */
#ifndef CAEC_HOST_HOST_CALL_ABI_H
#define CAEC_HOST_HOST_CALL_ABI_H

#define HOST_CALL_CONSOLE      0xCAE0u
#define HOST_CALL_EXIT_STATUS  0xCAE1u
#define HOST_CALL_CHALLENGE    0xCAE2u
#define HOST_CALL_TOKEN_REPORT 0xCAE3u
#define HOST_CALL_DOORBELL     0xCAE4u
#define HOST_CALL_APP_FIRST    0xCB00u
#define HOST_CALL_APP_LAST     0xCBFFu

#define HOST_DOORBELL_RING 1u
#define HOST_DOORBELL_WAIT 2u
#define HOST_DOORBELL_RING_SHARED 3u
#define HOST_DOORBELL_WAIT_SHARED 4u
#define HOST_DOORBELL_MAX_WAIT_NS 50000000u /* 50 ms */

#define HOST_CALL_OK    0u
#define HOST_CALL_ERROR UINT64_MAX

#define HOST_CALL_CONSOLE_MAX     240u /* gprs[1..30] */
#define HOST_CALL_TOKEN_CHUNK_MAX 224u /* gprs[3..30] */
#define HOST_CALL_TOKEN_MAX       (64u << 10)
#define HOST_CALL_CHALLENGE_SIZE  64u

#endif
