/*
 * The CAEC extension (../shared/spec/caec-ext.md, revision 2): confidential
 * shared memory (CSM), realm identity and monitor-enforced communication
 * policy. It lives in
 * the SMCCC SiP range so it never collides with future RMM versions; status
 * codes are the RMI/RSI ones.
 *
 * Points revision 2 leaves open or gets wrong, as this implementation
 * settles them (each is tested; the handler comments in rmm/src say more):
 * - RMI_CSM_CREATE returns the new csm_id in X1 (the host needs it for its
 *   own bookkeeping; the realm learns it from RSI_CSM_CREATE).
 * - The region report does not always fit one granule (up to 5,272 bytes:
 *   16 ACL entries and 16 members of SHA-512 realms), so RSI_CSM_INFO takes
 *   a byte offset (X3, granule aligned) and returns the report's size in X1.
 * - Kind 3 (RIM + RPV) enters the ACL digest with a value of hash size + 64
 *   bytes (the RIM at the realm's hash size, then the whole 64-byte RPV),
 *   not "2 x hash size" (verify/README.md defines the bytes).
 * - There is no list-removal command: RMI_CSM_DATA_REMOVE gives back a list
 *   granule with the last page it held (X2), RMI_CSM_DESTROY the lists that
 *   never got a page.
 * - RMI_REALM_DESTROY of a region's owner is allowed: its regions live on,
 *   sealed and flagged owner-destroyed; it is refused while the realm maps
 *   any region (owner or member).
 * - A realm's token may exceed one granule (a SHA-512 realm with 16 regions
 *   in claim 65002: 5,407 bytes): RMI_REC_AUX_COUNT is 2 and the token lives
 *   in a REC's aux granules.
 */
#ifndef CAEC_ABI_CAEC_H
#define CAEC_ABI_CAEC_H

#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

#define CAEC_CSM_ABI_VERSION ABI_VERSION(1, 0)

/* Host -> monitor. */
#define RMI_CSM_VERSION        SMC64_SIP_FID(0xA00)
#define RMI_CSM_CREATE         SMC64_SIP_FID(0xA01) /* rd, rec, csmd, meta, num_granules */
#define RMI_CSM_DATA_ADD       SMC64_SIP_FID(0xA02) /* csmd, data, index */
#define RMI_CSM_LIST_ADD       SMC64_SIP_FID(0xA03) /* csmd, list, slot */
#define RMI_CSM_MAP            SMC64_SIP_FID(0xA04) /* rd, rec, csmd, ipa -> X1 next ipa */
#define RMI_CSM_UNMAP          SMC64_SIP_FID(0xA05) /* rd, csmd, ipa -> X1 next ipa */
#define RMI_CSM_DATA_REMOVE    SMC64_SIP_FID(0xA06) /* csmd, index -> X1 PA */
#define RMI_CSM_DESTROY        SMC64_SIP_FID(0xA07) /* csmd */
#define RMI_CAEC_REALM_CONFIG  SMC64_SIP_FID(0xA08) /* rd, flags */
/* The extension's RMI range, which EL3 forwards to the monitor. */
#define RMI_CAEC_FID_FIRST     RMI_CSM_VERSION
#define RMI_CAEC_FID_LAST      SMC64_SIP_FID(0xA0F)

/* Realm -> monitor. */
#define RSI_CSM_VERSION        SMC64_SIP_FID(0xA10)
#define RSI_CSM_CREATE         SMC64_SIP_FID(0xA11) /* num_granules, flags[, channel] -> X1 csm_id */
#define RSI_CSM_GRANT          SMC64_SIP_FID(0xA12) /* csm_id, identity ipa, perms -> X1 handle */
#define RSI_CSM_REVOKE         SMC64_SIP_FID(0xA13) /* csm_id, handle */
#define RSI_CSM_ATTACH         SMC64_SIP_FID(0xA14) /* csm_id, ipa, perms */
#define RSI_CSM_DETACH         SMC64_SIP_FID(0xA15) /* csm_id */
#define RSI_CSM_INFO           SMC64_SIP_FID(0xA16) /* csm_id, ipa of a granule, offset -> X1 size */
#define RSI_POLICY_SET         SMC64_SIP_FID(0xA17) /* ipa, length */
#define RSI_CSM_SEAL           SMC64_SIP_FID(0xA18) /* csm_id */
#define RSI_CAEC_FID_FIRST     RSI_CSM_VERSION
#define RSI_CAEC_FID_LAST      RSI_CSM_SEAL

/* RMI_CAEC_REALM_CONFIG flags, measured into the RIM by a 0x100-byte
 * descriptor: type 0x80 at 0, length 0x100 at 8, the current RIM at 0x10,
 * flags at 0x50. CSM_EXITS: the host serves the CSM request exit; without it
 * every CSM RSI call that would exit fails at once with ERROR_STATE. */
#define CAEC_REALM_POLICY_REQUIRED (UINT64_C(1) << 0)
#define CAEC_REALM_CSM_EXITS       (UINT64_C(1) << 1)
#define CAEC_REALM_FLAGS_VALID     (CAEC_REALM_POLICY_REQUIRED | CAEC_REALM_CSM_EXITS)
#define CAEC_MEASURE_CONFIG_TYPE   UINT64_C(0x80)
#define CAEC_MEASURE_CONFIG_FLAGS  0x50 /* offset of the flags in the descriptor */

/* The data-free channel doorbell, the only host calls a policy's
 * "doorbell" mode lets through: one of these immediates with every GPR
 * zero. RING: wake the realms that share a region with the caller; WAIT:
 * sleep until one of them rings, or the host's own bound passes. The host
 * learns that a realm rang or waits, and nothing else (not even which
 * region: revision 2 says "a fixed immediate"; two of them keep ringing
 * from ever putting the ringer to sleep). */
#define CAEC_HOST_CALL_DOORBELL_RING 0xCAE5u
#define CAEC_HOST_CALL_DOORBELL_WAIT 0xCAE6u

/* CSM request exit (RmiRecExit.exit_reason) and its operations in exit.gprs[0]. */
#define RMI_EXIT_CSM_REQUEST 0x80u
#define CSM_OP_CREATE   1u
#define CSM_OP_ATTACH   2u
#define CSM_OP_DETACHED 3u

/* Access permissions: bit0 READ, bit1 WRITE, bits[15:8] the most realms an
 * ACL entry may admit (0 means 1); other bits must be 0. */
#define CSM_PERM_READ        (UINT64_C(1) << 0)
#define CSM_PERM_WRITE       (UINT64_C(1) << 1)
#define CSM_PERM_ADMIT_SHIFT 8
#define CSM_PERM_ADMIT_MASK  (UINT64_C(0xff) << CSM_PERM_ADMIT_SHIFT)
#define CSM_PERM_VALID       (CSM_PERM_READ | CSM_PERM_WRITE | CSM_PERM_ADMIT_MASK)
/* The admit count of perms: how many realms the entry may admit. */
static inline unsigned csm_perm_admit(uint64_t perms)
{
	unsigned n = (unsigned)((perms & CSM_PERM_ADMIT_MASK) >> CSM_PERM_ADMIT_SHIFT);
	return n ? n : 1;
}

/* Granule states the extension adds after GRANULE_STATE_RTT. */
#define GRANULE_STATE_CSMD     7u
#define GRANULE_STATE_CSM_DATA 8u
#define GRANULE_STATE_CSM_LIST 9u
#define GRANULE_STATE_CSM_META 10u

#define CSM_INLINE_PAGES   480 /* pages listed in the descriptor itself */
#define CSM_LIST_ENTRIES   512 /* pages per list granule */
#define CSM_MAX_GRANULES   (CSM_INLINE_PAGES * CSM_LIST_ENTRIES)
#define CSM_ACL_ENTRIES    16  /* exactly 16 ACL entries and 16 members */
#define CSM_MAX_MEMBERS    16
#define CSM_MAX_REGIONS    16  /* regions a realm may own or map */
#define CAEC_REALM_ID_SIZE 32

/* Identity record in realm memory (RSI_CSM_GRANT): 8-byte aligned, inside one
 * granule, copied into the monitor once before it is validated. */
#define CSM_IDENTITY_RIM      1u /* any realm whose RIM equals value[0..hash size) */
#define CSM_IDENTITY_REALM_ID 2u /* the realm whose realm ID equals value[0..32) */
#define CSM_IDENTITY_RIM_RPV  3u /* RIM equals value[0..64) and RPV value[64..128) */
#define CSM_IDENTITY_VALUE_SIZE 128
struct csm_identity {
	uint64_t kind;
	uint8_t value[CSM_IDENTITY_VALUE_SIZE];
};
_Static_assert(sizeof(struct csm_identity) == 136, "identity record");

/*
 * The region report RSI_CSM_INFO writes (little endian, packed): a header,
 * acl_count ACL entries, a u64 member_count and the members. Digests and
 * RIMs are 64-byte slots (zero past the hash size). At most 16 of each, it
 * can exceed one granule (5272 bytes with SHA-512 and everything full), so
 * RSI_CSM_INFO(csm_id, ipa, offset) writes the bytes [offset, offset + 4096)
 * of it into the granule at ipa and returns its whole size in X1.
 */
#define CSM_REPORT_VERSION 1u
struct csm_report_header {
	uint64_t version;
	uint64_t csm_id;
	uint64_t num_granules;
	uint64_t generation;
	uint64_t flags;           /* CAEC_REGION_FLAG_* */
	uint8_t owner_realm_id[CAEC_REALM_ID_SIZE];
	uint8_t owner_rim[64];
	uint64_t acl_count;
};
struct csm_report_acl_entry {
	uint64_t kind;
	uint8_t value[CSM_IDENTITY_VALUE_SIZE];
	uint64_t perms;
};
struct csm_report_member {
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint8_t rim[64];
	uint64_t perms;
	uint64_t state;           /* CSM_REPORT_MEMBER_* */
	uint8_t policy_digest[64]; /* zero while the realm has no policy */
};
#define CSM_REPORT_MEMBER_ATTACHING 1u
#define CSM_REPORT_MEMBER_MAPPED    2u
#define CSM_REPORT_MEMBER_DETACHING 3u
_Static_assert(sizeof(struct csm_report_header) == 144, "report header");
_Static_assert(sizeof(struct csm_report_acl_entry) == 144, "report ACL entry");
_Static_assert(sizeof(struct csm_report_member) == 176, "report member");

/* Attestation claims the extension adds to the realm token. */
#define CAEC_CLAIM_REALM_ID      65001
#define CAEC_CLAIM_REGIONS       65002
#define CAEC_CLAIM_POLICY_DIGEST 65003
#define CAEC_CLAIM_CONFIG_FLAGS  65004
/* Keys inside a region map of claim 65002. */
#define CAEC_REGION_CSM_ID            1
#define CAEC_REGION_ROLE              2 /* 0 owner, 1 member */
#define CAEC_REGION_PERMS             3
#define CAEC_REGION_OWNER_RIM         4
#define CAEC_REGION_MEMBERSHIP_DIGEST 5
#define CAEC_REGION_GENERATION        6
#define CAEC_REGION_OWNER_REALM_ID    7
#define CAEC_REGION_ACL_DIGEST        8
#define CAEC_REGION_FLAGS             9 /* CAEC_REGION_FLAG_* */
#define CAEC_REGION_FLAG_OWNER_DESTROYED (UINT64_C(1) << 0)
#define CAEC_REGION_FLAG_SEALED          (UINT64_C(1) << 1)

#endif
