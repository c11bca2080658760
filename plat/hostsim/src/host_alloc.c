/*
 * The host's allocator of NS granules (what the VMM would get from the
 * kernel's page allocator). A bitmap of granules handed out, a rotating
 * cursor, and the GPT: a granule is handed out only if it is free here and NS
 * in the GPT at that moment (its entry lock held while it is claimed and
 * zeroed), so Root granules and granules someone delegated without
 * allocating them are never returned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsim_internal.h"

static struct {
	plat_lock_t lock;
	uint64_t granules;
	uint64_t cursor;
	uint64_t *used; /* bit per granule */
} alloc;

int hostsim_host_alloc_init(uint64_t granules)
{
	alloc.used = calloc((granules + 63) / 64, sizeof(uint64_t));
	if (!alloc.used)
		return -ENOMEM;
	alloc.granules = granules;
	alloc.cursor = 0;
	return 0;
}

void hostsim_host_alloc_fini(void)
{
	free(alloc.used);
	alloc.used = NULL;
	alloc.granules = 0;
}

static bool is_used(uint64_t g)
{
	return alloc.used[g / 64] & (UINT64_C(1) << (g % 64));
}

/* Claims g if it is NS now; caller holds alloc.lock. */
static bool try_claim(uint64_t g)
{
	bool claimed = false;

	hostsim_gpt_entry_lock(g);
	if (hostsim_gpt_entry_pas(g) == HOSTSIM_PAS_NS) {
		alloc.used[g / 64] |= UINT64_C(1) << (g % 64);
		memset(hostsim_dram_monitor_ptr(g << PLAT_GRANULE_SHIFT), 0, PLAT_GRANULE_SIZE);
		claimed = true;
	}
	hostsim_gpt_entry_unlock(g);
	return claimed;
}

uint64_t hostsim_host_alloc(void)
{
	uint64_t pa = HOSTSIM_NO_PA;

	plat_lock_acquire(&alloc.lock);
	for (uint64_t n = 0; n < alloc.granules; n++) {
		uint64_t g = (alloc.cursor + n) % alloc.granules;
		if (alloc.used[g / 64] == UINT64_MAX) {
			n += 63 - g % 64; /* skip the rest of a full word */
			continue;
		}
		if (!is_used(g) && try_claim(g)) {
			alloc.cursor = g + 1;
			pa = g << PLAT_GRANULE_SHIFT;
			break;
		}
	}
	plat_lock_release(&alloc.lock);
	return pa;
}

void hostsim_host_free(uint64_t pa)
{
	uint64_t g = pa >> PLAT_GRANULE_SHIFT;

	plat_lock_acquire(&alloc.lock);
	if ((pa & (PLAT_GRANULE_SIZE - 1)) != 0 || g >= alloc.granules || !is_used(g)) {
		fprintf(stderr, "hostsim: host_free of PA 0x%llx, which hostsim_host_alloc "
			"did not hand out (or it was freed already)\n", (unsigned long long)pa);
		abort();
	}
	alloc.used[g / 64] &= ~(UINT64_C(1) << (g % 64));
	plat_lock_release(&alloc.lock);
}
