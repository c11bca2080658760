/* The VMM's granule accounting and leak checker (see granule_ledger.h). */
#include "host/granule_ledger.h"

#include <errno.h>

#include "host/rmi_call.h"
#include "hostsim/hostsim.h"

uint64_t ledger_alloc_ns(struct granule_ledger *l)
{
	uint64_t pa = hostsim_host_alloc();

	if (pa == HOSTSIM_NO_PA)
		return GRANULE_LEDGER_NO_PA;
	atomic_fetch_add(&l->held, 1);
	atomic_fetch_add(&l->allocated, 1);
	return pa;
}

void ledger_free_ns(struct granule_ledger *l, uint64_t pa)
{
	hostsim_host_free(pa);
	atomic_fetch_sub(&l->held, 1);
}

uint64_t ledger_alloc_delegated(struct granule_ledger *l)
{
	uint64_t pa = ledger_alloc_ns(l);

	if (pa == GRANULE_LEDGER_NO_PA)
		return pa;
	if (RMI(RMI_GRANULE_DELEGATE, pa).x[0] != RMI_SUCCESS) {
		ledger_free_ns(l, pa);
		return GRANULE_LEDGER_NO_PA;
	}
	return pa;
}

int ledger_free_delegated(struct granule_ledger *l, uint64_t pa)
{
	if (RMI(RMI_GRANULE_UNDELEGATE, pa).x[0] != RMI_SUCCESS)
		return -EBUSY;
	ledger_free_ns(l, pa);
	return 0;
}

void leak_snapshot_take(const struct granule_ledger *l, struct leak_snapshot *s)
{
	s->held = atomic_load(&l->held);
	s->not_ns = 0;
	/* The GPT answers NONE past the end of DRAM: that is where the scan stops. */
	for (uint64_t pa = 0;; pa += 4096) {
		unsigned pas = hostsim_gpt_pas(pa);

		if (pas == HOSTSIM_PAS_NONE)
			break;
		if (pas == HOSTSIM_PAS_REALM)
			s->not_ns++;
	}
}

bool leak_snapshot_same(const struct leak_snapshot *before, const struct leak_snapshot *after)
{
	return after->held <= before->held && after->not_ns <= before->not_ns;
}
