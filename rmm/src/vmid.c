/*
 * VMID allocation: a realm's VMID is unique among live realms. One bit per
 * 16-bit VMID, claimed and released with atomic bit operations, so
 * REALM_CREATE and REALM_DESTROY need no lock besides their RD's.
 */
#include <stdatomic.h>

#include "realm.h"

#define VMID_WORDS ((UINT32_C(1) << 16) / 64u)

static _Atomic uint64_t vmid_in_use[VMID_WORDS];

bool vmid_reserve(uint16_t vmid)
{
	uint64_t bit = UINT64_C(1) << (vmid % 64u);
	uint64_t old = atomic_fetch_or_explicit(&vmid_in_use[vmid / 64u], bit, memory_order_acq_rel);

	return (old & bit) == 0;
}

void vmid_release(uint16_t vmid)
{
	uint64_t bit = UINT64_C(1) << (vmid % 64u);

	atomic_fetch_and_explicit(&vmid_in_use[vmid / 64u], ~bit, memory_order_acq_rel);
}

void vmid_reset_all(void)
{
	for (unsigned i = 0; i < VMID_WORDS; i++)
		atomic_store_explicit(&vmid_in_use[i], 0, memory_order_relaxed);
}
