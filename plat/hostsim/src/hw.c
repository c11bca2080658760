/*
 * Bring-up and tear-down of the emulated hardware, without the monitor:
 * DRAM and its two views, the GPT, EL3 state, the fault windows and handler,
 * the host allocator. machine.c boots the monitor on top; tests of the
 * hardware alone call these directly.
 */
#include <errno.h>
#include <stdlib.h>

#include "el3_attest.h"
#include "hostsim_internal.h"

static bool running;
static unsigned tlb_entries = HOSTSIM_DEFAULT_TLB_ENTRIES;
static struct hostsim_fault_window monitor_window = { .on_fault = hostsim_dram_monitor_fault };
static struct hostsim_fault_window host_window = { .on_fault = hostsim_host_window_fault };

static int check_config(const struct hostsim_config *cfg, uint64_t *size, unsigned *root)
{
	*size = cfg && cfg->dram_size ? cfg->dram_size : HOSTSIM_DEFAULT_DRAM_SIZE;
	*root = cfg && cfg->root_granules ? cfg->root_granules : HOSTSIM_DEFAULT_ROOT_GRANULES;
	if ((*size & (PLAT_GRANULE_SIZE - 1)) != 0 || *size > HOSTSIM_MAX_DRAM_SIZE)
		return -EINVAL;
	/* At least one granule must be left for the normal world. */
	if ((uint64_t)*root >= *size >> PLAT_GRANULE_SHIFT)
		return -EINVAL;
	if (cfg && cfg->tlb_entries &&
	    (cfg->tlb_entries < HOSTSIM_MIN_TLB_ENTRIES || cfg->tlb_entries > HOSTSIM_MAX_TLB_ENTRIES))
		return -EINVAL;
	return 0;
}

/* cfg's TLB size, else CAEC_TLB_ENTRIES (in the allowed range; how a
 * test runs a whole program with a small TLB), else the default. */
static unsigned tlb_entries_of(const struct hostsim_config *cfg)
{
	const char *env = getenv("CAEC_TLB_ENTRIES");
	char *end;

	if (cfg && cfg->tlb_entries)
		return cfg->tlb_entries;
	if (env && *env) {
		unsigned long n = strtoul(env, &end, 10);
		if (*end == '\0' && n >= HOSTSIM_MIN_TLB_ENTRIES && n <= HOSTSIM_MAX_TLB_ENTRIES)
			return (unsigned)n;
	}
	return HOSTSIM_DEFAULT_TLB_ENTRIES;
}

unsigned hostsim_hw_tlb_entries(void)
{
	return tlb_entries;
}

int hostsim_hw_start(const struct hostsim_config *cfg)
{
	uint64_t size;
	unsigned root;
	int rc;

	if (running)
		return -EBUSY;
	rc = check_config(cfg, &size, &root);
	if (rc)
		return rc;
	tlb_entries = tlb_entries_of(cfg);
	rc = hostsim_attest_start(cfg); /* EL3's attestation keys and measurements */
	if (rc)
		return rc;
	rc = hostsim_dram_init(size, root, cfg && cfg->host_va_is_pa);
	if (rc)
		goto fail_attest;
	uint64_t granules = size >> PLAT_GRANULE_SHIFT;
	rc = hostsim_gpt_init(granules, root);
	if (rc)
		goto fail_dram;
	rc = hostsim_host_alloc_init(granules);
	if (rc)
		goto fail_gpt;
	monitor_window.base = (uintptr_t)hostsim_dram_monitor_ptr(0);
	monitor_window.size = size;
	host_window.base = (uintptr_t)hostsim_dram_host_ptr(0);
	host_window.size = size;
	rc = hostsim_fault_window_add(&monitor_window);
	if (rc)
		goto fail_alloc;
	rc = hostsim_fault_window_add(&host_window);
	if (rc)
		goto fail_monitor_window;
	rc = hostsim_fault_install();
	if (rc)
		goto fail_host_window;
	hostsim_el3_reset();
	hostsim_host_access_reset();
	running = true;
	return 0;

fail_host_window:
	hostsim_fault_window_remove(&host_window);
fail_monitor_window:
	hostsim_fault_window_remove(&monitor_window);
fail_alloc:
	hostsim_host_alloc_fini();
fail_gpt:
	hostsim_gpt_fini();
fail_dram:
	hostsim_dram_fini();
fail_attest:
	hostsim_attest_stop();
	return rc;
}

void hostsim_hw_stop(void)
{
	if (!running)
		return;
	/* RECs the host never destroyed still have threads parked in traps. */
	hostsim_cpus_stop();
	hostsim_fault_uninstall();
	hostsim_fault_window_remove(&host_window);
	hostsim_fault_window_remove(&monitor_window);
	hostsim_host_alloc_fini();
	hostsim_gpt_fini();
	hostsim_dram_fini();
	hostsim_attest_stop();
	running = false;
}
