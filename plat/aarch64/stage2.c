/*
 * Stage-2 TLB maintenance at R-EL2. TLBI by IPA and by VMID act on the VMID
 * in VTTBR_EL2, so the realm's VMID is switched in for the invalidation and
 * the previous value restored after.
 */
#include "plat/plat.h"

#define VTTBR_VMID_SHIFT 48

static uint64_t switch_vmid(uint16_t vmid)
{
	uint64_t old;

	__asm__ volatile("mrs %0, vttbr_el2" : "=r"(old));
	__asm__ volatile("msr vttbr_el2, %0\n\tisb"
			 :
			 : "r"((uint64_t)vmid << VTTBR_VMID_SHIFT)
			 : "memory");
	return old;
}

static void restore_vmid(uint64_t old)
{
	__asm__ volatile("msr vttbr_el2, %0\n\tisb" : : "r"(old) : "memory");
}

void plat_s2_tlbi_ipa(uint16_t vmid, uint64_t ipa, uint64_t size)
{
	uint64_t old = switch_vmid(vmid);

	__asm__ volatile("dsb ishst" ::: "memory");
	for (uint64_t off = 0; off < size; off += PLAT_GRANULE_SIZE)
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"((ipa + off) >> 12) : "memory");
	/* Stage-1 entries combined with the stale stage-2 ones go too. */
	__asm__ volatile("dsb ish\n\ttlbi vmalle1is\n\tdsb ish\n\tisb" ::: "memory");
	restore_vmid(old);
}

void plat_s2_tlbi_vmid(uint16_t vmid)
{
	uint64_t old = switch_vmid(vmid);

	__asm__ volatile("dsb ishst\n\ttlbi vmalls12e1is\n\tdsb ish\n\tisb" ::: "memory");
	restore_vmid(old);
}
