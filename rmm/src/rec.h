/*
 * RECs (Realm Execution Contexts, a realm's vCPUs), kept in REC granules.
 *
 * A REC records its owner (the RD's PA; the RD's refcount counts its RECs),
 * its MPIDR and index, the register state the realm starts or resumes with,
 * its auxiliary granules, and the requests it has made that the host must
 * complete: a PSCI call (PSCI_COMPLETE) and a RIPAS change (RTT_SET_RIPAS).
 *
 * Running (rec_enter.c): REC_ENTER claims the REC under its granule lock by
 * raising the refcount to 1, drops the lock while the realm runs, and gives
 * the claim back under the lock. Who may touch what:
 *  - ctx (the execution context, whose gprs/pc alias the fields below),
 *    last_exit, host_call_ipa and attest belong to the claim holder while
 *    the refcount is 1, and to whoever holds the lock while it is 0;
 *  - runnable, the psci_* and ripas_* fields are read by other commands
 *    (PSCI_COMPLETE, RTT_SET_RIPAS) under the lock even while the REC runs,
 *    so the claim holder reads and writes them only under the lock, and
 *    publishes a stop (runnable = false) together with the refcount drop:
 *    a REC that is not runnable is never running.
 */
#ifndef RMM_REC_H
#define RMM_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/rmi.h"
#include "abi/rsi.h"
#include "attest.h"
#include "granule.h"
#include "plat/plat.h"

/* Auxiliary granules per REC (REC_AUX_COUNT): they hold the REC's
 * attestation token (attest_rsi.c). */
#define REC_NUM_AUX ATTEST_TOKEN_GRANULES
/* RECs per realm: MPIDR linear indices 0 .. REC_MAX_COUNT - 1. */
#define REC_MAX_RECS_ORDER 8u
#define REC_MAX_COUNT (UINT64_C(1) << REC_MAX_RECS_ORDER)

/* PSCI function IDs and return codes a REC's pending request may carry, as
 * the 64-bit register values (abi/rsi.h has the numbers). */
#define PSCI_CPU_ON_64        PSCI_CPU_ON
#define PSCI_AFFINITY_INFO_64 PSCI_AFFINITY_INFO
#define PSCI_RET_SUCCESS      ((uint64_t)(int64_t)PSCI_SUCCESS)
#define PSCI_RET_DENIED       ((uint64_t)(int64_t)PSCI_DENIED)
#define PSCI_RET_ALREADY_ON   ((uint64_t)(int64_t)PSCI_ALREADY_ON)

/* Why the REC last left the realm, for what the next REC_ENTER completes. */
enum rec_last_exit {
	REC_LAST_EXIT_NONE = 0,      /* never ran, or nothing to complete */
	REC_LAST_EXIT_HOST_CALL,     /* entry gprs go back into the RsiHostCall */
	REC_LAST_EXIT_RIPAS_CHANGE,  /* X0..X2 report the host's progress and answer */
	REC_LAST_EXIT_UNPROT_ABORT,  /* the host may answer INJECT_SEA */
	REC_LAST_EXIT_RSI_UNMAPPED,  /* an RSI call waits for memory: it runs again */
	REC_LAST_EXIT_CSM_REQUEST,   /* the CAEC extension's CSM request exit (0x80) */
};

struct rec {
	uint64_t owner_rd;
	uint64_t index;
	uint64_t mpidr;
	/* The register state lives in the platform's context; gprs and pc name
	 * its first two members, so REC_CREATE and PSCI_COMPLETE write the
	 * registers the platform runs with. */
	union {
		struct plat_rec_ctx ctx;
		struct {
			uint64_t gprs[RMI_REC_RUN_GPRS];
			uint64_t pc;
		};
	};
	uint32_t last_exit;          /* enum rec_last_exit */
	uint64_t host_call_ipa;      /* the RsiHostCall of a HOST_CALL exit */
	struct rec_attest attest;
	uint64_t num_aux;
	uint64_t aux[RMI_REC_MAX_AUX];
	bool runnable;
	/* The last exit was a data abort the host may emulate (EMUL_MMIO). */
	bool emulatable_abort;
	/* PSCI request waiting for PSCI_COMPLETE: function, target MPIDR (the
	 * realm's X1), entry point and context ID for CPU_ON. */
	bool psci_pending;
	uint64_t psci_fid;
	uint64_t psci_target_mpidr;
	uint64_t psci_entry;
	uint64_t psci_context;
	/* RIPAS change request: [ripas_addr, ripas_top) to ripas_value. The host
	 * advances ripas_addr with RTT_SET_RIPAS. */
	uint64_t ripas_addr;
	uint64_t ripas_top;
	uint64_t ripas_value;
	bool ripas_change_destroyed;
	/* The CSM request of the last exit (caec-ext.md): operation (CSM_OP_*, 0
	 * none), num_granules or csm_id, IPA, perms; for CREATE, the region
	 * RMI_CSM_CREATE bound to the request (CSMD PA and csm_id, 0 if none
	 * yet). Like ctx, the claim holder's while the REC runs and the lock
	 * holder's otherwise: RMI_CSM_CREATE refuses a running REC. Cleared at
	 * the next REC_ENTER, which completes or fails the request. */
	uint32_t csm_req_op;
	uint64_t csm_req_arg;
	uint64_t csm_req_ipa;
	uint64_t csm_req_perms;
	uint64_t csm_req_csmd;
	uint64_t csm_req_id;
	uint64_t csm_req_channel; /* CREATE: the policy's channel (X3), or POLICY_NO_CHANNEL */
};
_Static_assert(sizeof(struct rec) <= GRANULE_SIZE, "the REC fits in its granule");
_Static_assert(offsetof(struct rec, gprs) == offsetof(struct rec, ctx.gprs), "gprs alias ctx.gprs");
_Static_assert(offsetof(struct rec, pc) == offsetof(struct rec, ctx.pc), "pc aliases ctx.pc");

static inline struct rec *rec_map(struct granule *g_rec)
{
	return (struct rec *)granule_map(g_rec);
}

/* MPIDR -> linear index (Aff0[3:0] | Aff1 << 4 | Aff2 << 12 | Aff3 << 20);
 * false if bits outside those fields are set. */
bool rec_mpidr_to_index(uint64_t mpidr, uint64_t *index);

#endif
