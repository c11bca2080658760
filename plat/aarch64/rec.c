/*
 * Realm execution at R-EL2: running a REC is restoring its registers, loading
 * VTTBR_EL2/VTCR_EL2 from struct plat_s2 and ERET-ing into the realm; the
 * trap comes back through the EL2 exception vectors, which save the realm's
 * registers into the context and decode ESR_EL2 into a struct plat_trap.
 *
 * The port target has no exception vectors yet (a board port adds them with
 * its boot code, see plat_aarch64.h), so there is nothing to come back
 * through: plat_rec_run stops the machine instead of pretending. The stage-2
 * part is written out so that what the vectors must complete is explicit.
 */
#include "plat/plat.h"

#define VTTBR_VMID_SHIFT 48
#define VTCR_T0SZ_SHIFT  0
#define VTCR_SL0_SHIFT   6
#define VTCR_TG0_4K      (UINT64_C(0) << 14)
#define VTCR_PS_40BIT    (UINT64_C(2) << 16)

/* VTCR_EL2.SL0 for a 4 KiB granule: 2 - start level (levels 0..2). */
static uint64_t vtcr_for(const struct plat_s2 *s2)
{
	uint64_t t0sz = 64u - s2->ipa_bits;
	uint64_t sl0 = (uint64_t)(2 - s2->level_start) & 3u;

	return (t0sz << VTCR_T0SZ_SHIFT) | (sl0 << VTCR_SL0_SHIFT) | VTCR_TG0_4K | VTCR_PS_40BIT;
}

void plat_rec_run(const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap)
{
	uint64_t vttbr = s2->rtt_base | ((uint64_t)s2->vmid << VTTBR_VMID_SHIFT);
	uint64_t vtcr = vtcr_for(s2);

	__asm__ volatile("msr vtcr_el2, %0\n\tmsr vttbr_el2, %1\n\tisb"
			 :
			 : "r"(vtcr), "r"(vttbr)
			 : "memory");
	(void)ctx;
	(void)trap;
	/* Restoring X0..X30 and ELR_EL2 = ctx->pc, then ERET, needs the EL2
	 * vectors to return here; without them the realm would never trap back. */
	plat_panic("plat_rec_run: REC execution needs the EL2 exception vectors of a board port");
}

void plat_rec_destroy(struct plat_rec_ctx *ctx)
{
	/* A REC's context is all in its granule: nothing else to release. */
	ctx->cpu = 0;
}
