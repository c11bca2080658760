/*
 * Stage-2 TLB maintenance: what the monitor's TLBI IPAS2E1IS and
 * VMALLS12E1IS do to the emulated MMU. The "TLB" of a realm is what its IPA
 * window has mapped (s2_window.c); invalidating puts the range back to
 * PROT_NONE, so the next access walks the changed RTT again.
 */
#include "hostsim_internal.h"

void plat_s2_tlbi_ipa(uint16_t vmid, uint64_t ipa, uint64_t size)
{
	if (size == 0)
		return;
	hostsim_realm_invalidate(vmid, ipa, size);
}

void plat_s2_tlbi_vmid(uint16_t vmid)
{
	hostsim_realm_invalidate(vmid, 0, UINT64_MAX);
}
