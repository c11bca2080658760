/*
 * The granule protection table: the physical address space of every granule.
 *
 * Only the EL3 service (el3.c) changes an entry, under the entry's lock, and
 * anything whose outcome depends on a granule staying NS while it works (the
 * monitor's copies from host memory, the host allocator) holds the same lock.
 * Reads that only report the PAS are lock-free atomic loads: the fault
 * handler uses them, and a lock cannot be taken in a signal handler.
 */
#include <errno.h>
#include <stdlib.h>

#include "hostsim_internal.h"

static struct {
	uint64_t granules;
	_Atomic uint8_t *pas;
	plat_lock_t *locks;
} gpt;

int hostsim_gpt_init(uint64_t granules, unsigned root_granules)
{
	gpt.pas = calloc(granules, sizeof(*gpt.pas));
	gpt.locks = calloc(granules, sizeof(*gpt.locks));
	if (!gpt.pas || !gpt.locks) {
		hostsim_gpt_fini();
		return -ENOMEM;
	}
	gpt.granules = granules;
	for (uint64_t g = 0; g < granules; g++)
		atomic_init(&gpt.pas[g], g < root_granules ? HOSTSIM_PAS_ROOT : HOSTSIM_PAS_NS);
	return 0;
}

void hostsim_gpt_fini(void)
{
	free((void *)gpt.pas);
	free(gpt.locks);
	gpt.pas = NULL;
	gpt.locks = NULL;
	gpt.granules = 0;
}

unsigned hostsim_gpt_entry_pas(uint64_t granule)
{
	return atomic_load_explicit(&gpt.pas[granule], memory_order_acquire);
}

void hostsim_gpt_entry_lock(uint64_t granule)
{
	plat_lock_acquire(&gpt.locks[granule]);
}

void hostsim_gpt_entry_unlock(uint64_t granule)
{
	plat_lock_release(&gpt.locks[granule]);
}

void hostsim_gpt_entry_set_pas(uint64_t granule, unsigned pas)
{
	atomic_store_explicit(&gpt.pas[granule], (uint8_t)pas, memory_order_release);
}

void hostsim_gpt_unlock_range(uint64_t first, uint64_t last)
{
	for (uint64_t g = first; g <= last; g++)
		hostsim_gpt_entry_unlock(g);
}

bool hostsim_gpt_lock_ns_range(uint64_t pa, uint64_t len, uint64_t *first, uint64_t *last)
{
	*first = pa >> PLAT_GRANULE_SHIFT;
	*last = (pa + len - 1) >> PLAT_GRANULE_SHIFT;
	for (uint64_t g = *first; g <= *last; g++) {
		hostsim_gpt_entry_lock(g);
		if (hostsim_gpt_entry_pas(g) != HOSTSIM_PAS_NS) {
			hostsim_gpt_unlock_range(*first, g);
			return false;
		}
	}
	return true;
}

unsigned hostsim_gpt_pas(uint64_t pa)
{
	uint64_t granule = pa >> PLAT_GRANULE_SHIFT;

	if (granule >= gpt.granules)
		return HOSTSIM_PAS_NONE;
	return hostsim_gpt_entry_pas(granule);
}

const char *hostsim_pas_name(unsigned pas)
{
	switch (pas) {
	case HOSTSIM_PAS_NS:
		return "NS";
	case HOSTSIM_PAS_REALM:
		return "REALM";
	case HOSTSIM_PAS_ROOT:
		return "ROOT";
	default:
		return "NONE";
	}
}
