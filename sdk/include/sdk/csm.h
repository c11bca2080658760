/*
 * Confidential shared memory (the CAEC extension, caec-ext.md) from inside a
 * realm: regions of zeroed pages that the monitor maps into several realms
 * and that the host can never read or fill.
 *
 * A region's life, as the owner sees it: csm_create() asks for num_pages
 * pages and returns its csm_id; csm_grant_rim() / csm_grant_realm_id() add
 * an ACL entry naming who else may map it and how; csm_seal() makes the ACL
 * final; csm_revoke() removes an entry again (members only it admitted are
 * unmapped: their next access aborts); csm_attach() maps the region into
 * the caller (the owner too maps it before touching it) and csm_detach()
 * unmaps it. A member only attaches and detaches, with a csm_id it learnt
 * from the owner (the csm_id is not a secret: the ACL protects the region).
 * csm_info() fetches the region's report (owner, ACL, members with their
 * RIMs), so any participant can check who else can read the region.
 *
 * Where a region goes: at an IPA the caller names, or, for ipa 0, at a slot
 * of the SDK's CSM window. The window starts at the first 1 GiB boundary
 * above the realm's RAM (never the realm's own memory: a region can only be
 * mapped where the RIPAS is EMPTY) and has SDK_CSM_WINDOW_SLOTS slots of
 * SDK_CSM_SLOT_SIZE bytes, one per region mapped at a time (the monitor's
 * limit), each large enough for the largest region. A slot is free again
 * after csm_detach. The realm's IPA space must reach the slot (39-bit IPAs,
 * the VMM's default, leave room for every slot); else csm_attach fails with
 * SDK_CSM_INVALID.
 *
 * The calls that exit to the host (create, attach) work only when the host
 * opted in to CSM exits (RMI_CAEC_REALM_CONFIG CSM_EXITS, `vmm_realm_opts`
 * caec_flags); otherwise they fail with SDK_CSM_STATE. What a realm gets
 * back never depends on the host's word: the monitor checks that the host
 * really bound or mapped the region.
 *
 * A member mapping read-only that writes to the region gets a synchronous
 * external abort (caec_arch_set_sea_handler in caec/arch.h catches it).
 *
 * Errors: 0, or one of SDK_CSM_* below (negative). The RSI status behind an
 * error is in *status when the caller passes one (functions that take it).
 */
#ifndef CAEC_SDK_CSM_H
#define CAEC_SDK_CSM_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec.h"

/* The monitor refused the arguments (RSI_ERROR_INPUT): a size, IPA or perms
 * out of range, an identity record it does not accept, or a region that
 * does not exist or whose ACL does not admit the caller (the monitor gives
 * both the same answer, so a realm cannot probe for regions), or, for
 * csm_detach, a region the caller does not map. */
#define SDK_CSM_INVALID     (-1)
/* Not now (RSI_ERROR_STATE): the host did not opt in to CSM exits or did not
 * serve the request; the region is not active, is sealed (grant), already
 * mapped by the caller (attach); the ACL is full; the realm holds the most
 * regions it may (CSM_MAX_REGIONS). */
#define SDK_CSM_STATE       (-2)
/* The monitor does not implement the call (it answered SMC_UNKNOWN). */
#define SDK_CSM_UNSUPPORTED (-3)
/* No free slot in the SDK's CSM window, no heap for the identity record or
 * the report's granule, or (csm_info) a buffer too small for the report. */
#define SDK_CSM_NO_SPACE    (-4)
/* Any other RSI status (see *status). */
#define SDK_CSM_MONITOR     (-5)

/* A one-line description of an SDK_CSM_* error ("ok" for 0). */
const char *csm_strerror(int err);

#define SDK_CSM_SLOT_SIZE    (UINT64_C(1) << 30)
#define SDK_CSM_WINDOW_SLOTS CSM_MAX_REGIONS

/* The perms of grants and attaches (caec.h): CSM_PERM_READ, optionally
 * CSM_PERM_WRITE; a grant may admit up to n realms with
 * csm_admit(n) | perms (n 1..255; 0 means 1). */
static inline uint64_t csm_admit(unsigned n)
{
	return ((uint64_t)n << CSM_PERM_ADMIT_SHIFT) & CSM_PERM_ADMIT_MASK;
}

/* RSI_CSM_VERSION: *version = the extension's ABI version (CAEC_CSM_ABI_VERSION
 * is 1.0); SDK_CSM_UNSUPPORTED from a monitor without the extension. */
int csm_version(uint64_t *version, uint64_t *status);

/* RSI_CSM_CREATE: a new region of num_pages zeroed pages (1..CSM_MAX_GRANULES)
 * owned by the caller; *id = its csm_id. The region is for no channel of a
 * policy (POLICY_NO_CHANNEL), which a strict policy refuses. */
int csm_create(uint64_t num_pages, uint64_t *id, uint64_t *status);
/* The same for channel (its index in the realm's policy blob): num_pages
 * must be the channel's pages, and the region carries the channel's
 * members, which the monitor holds every mapping to. */
int csm_create_channel(uint64_t num_pages, uint64_t channel, uint64_t *id, uint64_t *status);

/* RSI_POLICY_SET: uploads the realm's communication policy, len bytes at
 * blob (abi/caec_policy.h; `caec policy compile` makes it), once. The SDK
 * copies it into its own RAM first, as the monitor requires. SDK_CSM_INVALID
 * for a blob the monitor refuses (malformed, or for another realm's RIM),
 * SDK_CSM_STATE when the realm already has one or already shares memory. */
int csm_policy_set(const void *blob, size_t len, uint64_t *status);

/* The blob the host put in the realm's policy granule (a realm built with
 * POLICY_REQUIRED has one between its image and its RAM, measured by place
 * but not by content; host/realm_layout.h): *blob and *len (the blob's own
 * total_size). SDK_CSM_INVALID when there is no granule or it holds no
 * blob. Whatever the host put there, the monitor checks it at
 * csm_policy_set (its `self` must carry this realm's RIM) and claim 65003
 * tells a verifier which one the realm runs under. */
int csm_policy_provided(const void **blob, size_t *len);

/* RSI_CSM_GRANT by RIM (kind 1): any realm whose RIM is rim[0..rim_len)
 * (the hash size of the owner's algorithm: 32 for SHA-256, 64 for SHA-512)
 * may map the region with perms. *handle (may be NULL) names the entry. */
int csm_grant_rim(uint64_t id, const uint8_t *rim, size_t rim_len, uint64_t perms, uint64_t *handle,
		  uint64_t *status);
/* RSI_CSM_GRANT by realm ID (kind 2): the one realm whose realm ID this is. */
int csm_grant_realm_id(uint64_t id, const uint8_t realm_id[CAEC_REALM_ID_SIZE], uint64_t perms,
		       uint64_t *handle, uint64_t *status);
/* RSI_CSM_SEAL: the ACL becomes final. */
int csm_seal(uint64_t id, uint64_t *status);

/* RSI_CSM_ATTACH: maps region id at ipa (4 KiB aligned, RIPAS EMPTY) or, for
 * ipa 0, at a free slot of the SDK's window; *base = where it starts. */
int csm_attach(uint64_t id, uint64_t ipa, uint64_t perms, void **base, uint64_t *status);
/* RSI_CSM_DETACH, called again while the monitor answers RSI_INCOMPLETE
 * (it unmaps one level-3 table per call). */
int csm_detach(uint64_t id, uint64_t *status);

/* RSI_CSM_REVOKE of the entry handle names (what the grant returned), called
 * again while the monitor answers RSI_INCOMPLETE (it unmaps one level-3
 * table of a member per call). A stale handle is SDK_CSM_INVALID. */
int csm_revoke(uint64_t id, uint64_t handle, uint64_t *status);

/* RSI_CSM_INFO: the region's report (abi/caec.h: struct csm_report_header,
 * acl_count struct csm_report_acl_entry, u64 member_count, the
 * struct csm_report_member) into buf[0..cap), *len = its size. The monitor
 * writes it a granule at a time into a granule the SDK borrows from the
 * heap. SDK_CSM_NO_SPACE with *len = the size needed when cap is too small;
 * SDK_CSM_STATE when the report changed size while it was read (call
 * again). Only the owner, members and realms an entry names may read it
 * (others get SDK_CSM_INVALID, as for a region that does not exist). */
int csm_info(uint64_t id, void *buf, size_t cap, size_t *len, uint64_t *status);

#endif
