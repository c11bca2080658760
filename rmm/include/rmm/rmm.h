/*
 * The monitor's entry points, as the platform sees them.
 *
 * The platform boots the monitor once (rmm_boot) and then forwards every SMC
 * the normal world makes with an RMI function ID to rmm_handle_rmi(), on any
 * number of CPUs at once. Everything else about the monitor is private.
 */
#ifndef CAEC_RMM_RMM_H
#define CAEC_RMM_RMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

/* Cold boot: reset every granule to NS, check the platform (DRAM size within
 * the monitor's granule array, hash algorithms), report BOOT_COMPLETE to EL3.
 * Returns 0, or a negative value when the platform cannot host the monitor.
 * May be called again after the platform is torn down (tests boot many machines). */
int rmm_boot(void);

/* One RMI call: regs->x[0] = FID, x[1..] arguments; on return x[0] = status,
 * x[1..4] outputs. Unknown FIDs return SMC_UNKNOWN. Thread-safe. */
void rmm_handle_rmi(struct smc_regs *regs);

/* True when fid (SVE hint masked) is in the RMI range the monitor serves. */
bool rmm_is_rmi_fid(uint64_t fid);

/* For invariant checkers in tests: a granule's state (abi/rmi.h
 * GRANULE_STATE_*) and refcount, read under its lock. False if pa is not a
 * granule of DRAM. */
bool rmm_debug_granule(uint64_t pa, unsigned *state, unsigned *refcount);

/* For tests: what the monitor holds about the realm whose RD is at rd (RIM
 * and REMs are the 64-byte slots, zero-padded past the hash size). False if rd
 * is not a granule in state RD. Not reachable through any ABI. */
struct rmm_debug_realm {
	unsigned state;      /* REALM_STATE_* */
	unsigned hash_algo;  /* RMI_HASH_* */
	unsigned ipa_bits;   /* s2sz */
	uint16_t vmid;
	uint8_t rim[64];
	uint8_t rem[4][64];
	uint8_t rpv[64];
	uint8_t realm_id[32];  /* the CAEC extension's realm ID */
	uint64_t caec_flags;   /* RMI_CAEC_REALM_CONFIG's flags, 0 if never called */
	unsigned csm_regions;  /* region references the RD holds (owned or mapped) */
};
bool rmm_debug_realm(uint64_t rd, struct rmm_debug_realm *out);

/* For tests: a region's descriptor and ACL (the CAEC extension). False if
 * csmd is not a granule in state CSMD. Not reachable through any ABI. */
struct rmm_debug_csm {
	uint64_t csm_id, num_granules, generation, mapped_members, pages_present;
	unsigned state;  /* 1 NEW, 2 ACTIVE, 3 DYING */
	unsigned flags;  /* bit0 owner destroyed, bit1 sealed */
	uint8_t owner_realm_id[32];
	struct {
		unsigned kind, perms, generation; /* kind 0: a free entry */
		uint8_t value[128];
	} acl[16];
};
bool rmm_debug_csm(uint64_t csmd, struct rmm_debug_csm *out);

/* For tests, on a quiescent machine: the CAEC extension's invariants. Every
 * live region is in the registry; its pages are CSM_DATA and counted; a live
 * owner and every member reference it; each member's mapped range is
 * ASSIGNED_CSM entries of the region's pages at their place with the
 * member's permissions; its mapped count equals its members; every reference
 * an RD holds names a live region that lists the realm in that role. False
 * with the first violation in why[0..cap). */
bool rmm_debug_check_csm(char *why, size_t cap);

#endif
