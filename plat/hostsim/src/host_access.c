/*
 * The normal world's accesses to DRAM through the host window.
 *
 * hostsim_host_read/write are the host's checked copies: they hold the GPT
 * entries of the range (ascending PA) while they check that every granule is
 * NS and copy, so a copy either happens entirely before a concurrent
 * GTSI_DELEGATE of one of its granules or fails (as a GPF, counted, with
 * nothing copied) entirely after it. Once the check passed under the locks,
 * the copy goes through the monitor view (the same pages): the host window
 * opens granules only on a fault, and these copies never raise a signal. That matters: test frameworks (cmocka around every test and
 * fixture) replace the process's SIGSEGV handler, and a copy that relied on
 * catching its own fault would then be killed by someone else's handler.
 *
 * Any other host access goes straight through hostsim_host_va() pointers. A
 * fault there is an emulated GPF when the GPT says the granule is not NS: the
 * host has touched memory it does not own, which it cannot survive on
 * hardware either, so hostsim reports it and aborts. When the GPT says NS, the
 * granule is opened in the host window's TLB (dram.c) and the access retried.
 */
#include <string.h>

#include "hostsim_internal.h"

static _Atomic uint64_t gpf_count;

void hostsim_host_access_reset(void)
{
	atomic_store(&gpf_count, 0);
}

uint64_t hostsim_gpf_count(void)
{
	return atomic_load(&gpf_count);
}

void hostsim_host_window_fault(const struct hostsim_fault_window *w, uintptr_t addr,
			       siginfo_t *si, void *uctx)
{
	uint64_t pa = addr - w->base;
	unsigned pas;

	/* Realm code has no host window: a wild pointer of a realm that lands
	 * here crashes that realm's CPU, not the machine, and is no host GPF. */
	if (hostsim_cpu_signal(SIGSEGV, si, uctx))
		return;
	if (hostsim_dram_host_fill(pa >> PLAT_GRANULE_SHIFT))
		return; /* NS: opened, retry */
	pas = hostsim_gpt_pas(pa);
	atomic_fetch_add(&gpf_count, 1);
	hostsim_fault_fatal("host access", pa, pas);
}

/* dst or src is DRAM at pa (monitor view); the other is ordinary host memory. */
static bool checked_copy(uint64_t pa, void *dst, const void *src, size_t len)
{
	uint64_t first, last;

	if (!hostsim_gpt_lock_ns_range(pa, len, &first, &last)) {
		atomic_fetch_add(&gpf_count, 1);
		return false;
	}
	memcpy(dst, src, len);
	hostsim_gpt_unlock_range(first, last);
	return true;
}

bool hostsim_host_read(uint64_t pa, void *dst, size_t len)
{
	if (!hostsim_dram_range_ok(pa, len))
		return false;
	if (len == 0)
		return true;
	return checked_copy(pa, dst, hostsim_dram_monitor_ptr(pa), len);
}

bool hostsim_host_write(uint64_t pa, const void *src, size_t len)
{
	if (!hostsim_dram_range_ok(pa, len))
		return false;
	if (len == 0)
		return true;
	return checked_copy(pa, hostsim_dram_monitor_ptr(pa), src, len);
}
