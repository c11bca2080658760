/*
 * The monitor's copies to and from host (NS) memory.
 *
 * The monitor reads host structures (realm parameters, REC run pages, data to
 * measure) by PA. On hardware it would access them with NS attributes and a
 * GPF would stop it at a granule that is not NS; here it copies through its
 * own view, so the check is explicit: every granule the range touches is
 * locked (ascending PA, the GPT's lock order), checked NS, then copied, so a
 * concurrent GTSI_DELEGATE cannot slip in between check and copy.
 */
#include <string.h>

#include "hostsim_internal.h"

bool plat_ns_read(uint64_t pa, void *dst, size_t len)
{
	uint64_t first, last;

	if (!hostsim_dram_range_ok(pa, len))
		return false;
	if (len == 0)
		return true;
	if (!hostsim_gpt_lock_ns_range(pa, len, &first, &last))
		return false;
	memcpy(dst, hostsim_dram_monitor_ptr(pa), len);
	hostsim_gpt_unlock_range(first, last);
	return true;
}

bool plat_ns_write(uint64_t pa, const void *src, size_t len)
{
	uint64_t first, last;

	if (!hostsim_dram_range_ok(pa, len))
		return false;
	if (len == 0)
		return true;
	if (!hostsim_gpt_lock_ns_range(pa, len, &first, &last))
		return false;
	memcpy(hostsim_dram_monitor_ptr(pa), src, len);
	hostsim_gpt_unlock_range(first, last);
	return true;
}
