/*
 * RECs (Realm Execution Contexts, a realm's vCPUs), kept in REC granules.
 *
 * A REC records its owner (the RD's PA; the RD's refcount counts its RECs),
 * its MPIDR and index, the register state the realm starts or resumes with,
 * its auxiliary granules, and the requests it has made that the host must
 * complete: a PSCI call (PSCI_COMPLETE) and a RIPAS change (RTT_SET_RIPAS).
 * The REC granule's refcount is 1 while the REC runs on a CPU.
 */
#ifndef RMM_REC_H
#define RMM_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/rmi.h"
#include "granule.h"

/* Auxiliary granules per REC (REC_AUX_COUNT): one, so the aux path is real. */
#define REC_NUM_AUX 1u
/* RECs per realm: MPIDR linear indices 0 .. REC_MAX_COUNT - 1. */
#define REC_MAX_RECS_ORDER 8u
#define REC_MAX_COUNT (UINT64_C(1) << REC_MAX_RECS_ORDER)

/* PSCI function IDs and return codes a REC's pending request may carry. */
#define PSCI_CPU_ON_64        UINT64_C(0xC4000003)
#define PSCI_AFFINITY_INFO_64 UINT64_C(0xC4000004)
#define PSCI_RET_SUCCESS      UINT64_C(0)
#define PSCI_RET_DENIED       ((uint64_t)-3)
#define PSCI_RET_ALREADY_ON   ((uint64_t)-4)
#define PSCI_AFFINITY_ON      UINT64_C(0)
#define PSCI_AFFINITY_OFF     UINT64_C(1)

struct rec {
	uint64_t owner_rd;
	uint64_t index;
	uint64_t mpidr;
	uint64_t pc;
	uint64_t gprs[RMI_REC_RUN_GPRS];
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
};
_Static_assert(sizeof(struct rec) <= GRANULE_SIZE, "the REC fits in its granule");

static inline struct rec *rec_map(struct granule *g_rec)
{
	return (struct rec *)granule_map(g_rec);
}

/* MPIDR -> linear index (Aff0[3:0] | Aff1 << 4 | Aff2 << 12 | Aff3 << 20);
 * false if bits outside those fields are set. */
bool rec_mpidr_to_index(uint64_t mpidr, uint64_t *index);

#endif
