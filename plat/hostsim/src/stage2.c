/*
 * Stage-2 TLB maintenance.
 *
 * No realm executes yet, so there are no realm IPA windows whose mappings
 * could be stale: the monitor's invalidations have nothing to act on and are
 * deliberately not recorded. The next issue adds the IPA windows (see the
 * fault windows in fault.c) and wires these calls to resynchronise a window
 * with the realm's RTT.
 */
#include "plat/plat.h"

void plat_s2_tlbi_ipa(uint16_t vmid, uint64_t ipa, uint64_t size)
{
	(void)vmid;
	(void)ipa;
	(void)size;
}

void plat_s2_tlbi_vmid(uint16_t vmid)
{
	(void)vmid;
}
