/*
 * REC_ENTER: argument validation only, in this version of the monitor.
 *
 * Every failure condition of RMM 1.0 is checked in the specification's
 * order. When all pass, the monitor does NOT run the REC: REC execution is
 * not implemented yet, and the command returns RMM_REC_ENTER_NOT_EXECUTED
 * (rmm/rmm.h) without touching the REC, the realm or the RmiRecRun page.
 */
#include "checked_math.h"
#include "rec.h"
#include "realm.h"
#include "rmi_handlers.h"
#include "rmm/rmm.h"

/* ICH_HCR_EL2 bits the host may set: UIE, LRENPIE, NPIE, VGrp0EIE, VGrp0DIE,
 * VGrp1EIE, VGrp1DIE, TDIR. */
#define GIC_HCR_HOST_MASK (UINT64_C(0xfe) | (UINT64_C(1) << 14))
#define GIC_LR_HW         (UINT64_C(1) << 61)
#define GIC_LR_RES0       (UINT64_C(0xf) << 56)

static bool gic_state_valid(const struct rmi_rec_entry *entry)
{
	if (entry->gicv3_hcr & ~GIC_HCR_HOST_MASK)
		return false;
	for (unsigned i = 0; i < RMI_MAX_GIC_LRS; i++)
		if (entry->gicv3_lrs[i] & (GIC_LR_HW | GIC_LR_RES0))
			return false;
	return true;
}

static uint64_t rec_enter_checks(const struct rec *rec, const struct rmi_rec_entry *entry)
{
	struct granule *g_rd = granule_from_pa(rec->owner_rd);
	const struct rd *rd;
	uint32_t realm_state;

	if (!g_rd)
		plat_panic("rec_enter: owner RD outside DRAM");
	/* The RD outlives its RECs (its refcount counts them), and the realm's
	 * state is read atomically, so the RD lock is not needed here. */
	rd = rd_map(g_rd);
	realm_state = __atomic_load_n(&rd->state, __ATOMIC_ACQUIRE);
	granule_unmap((void *)rd);
	if (realm_state == REALM_STATE_NEW)
		return RMI_REALM_ERROR(RMI_REALM_INDEX_NEW);
	if ((entry->flags & RMI_REC_ENTRY_EMUL_MMIO) && !rec->emulatable_abort)
		return RMI_REC_ERROR;                                 /* rec_mmio */
	if (rec->psci_pending)
		return RMI_REC_ERROR;                                 /* rec_psci */
	if (realm_state == REALM_STATE_SYSTEM_OFF)
		return RMI_REALM_ERROR(RMI_REALM_INDEX_SYSTEM_OFF);
	if (!rec->runnable)
		return RMI_REC_ERROR;                                 /* rec_runnable */
	if (!gic_state_valid(entry))
		return RMI_REC_ERROR;                                 /* rec_gicv3 */
	return RMI_OK;
}

uint64_t smc_rec_enter(const uint64_t *x, struct rmi_result *res)
{
	struct rmi_rec_entry entry;
	struct granule *g_rec;
	struct rec *rec;
	uint64_t status;

	(void)res;
	if (!is_aligned(x[2], GRANULE_SIZE) || !plat_ns_read(x[2], &entry, sizeof(entry)))
		return RMI_INPUT_ERROR; /* run_align, run_bound, run_pas */
	g_rec = granule_lock_expect(x[1], GRANULE_STATE_REC);
	if (!g_rec)
		return RMI_INPUT_ERROR; /* rec_align, rec_bound, rec_state */
	if (granule_refcount(g_rec) != 0) {
		granule_unlock(g_rec);
		return RMI_REC_ERROR;   /* already running on another CPU */
	}
	rec = rec_map(g_rec);
	status = rec_enter_checks(rec, &entry);
	granule_unmap(rec);
	granule_unlock(g_rec);
	return status == RMI_OK ? RMM_REC_ENTER_NOT_EXECUTED : status;
}
