/*
 * Emulated DRAM: one memfd, a PA being an offset into it, mapped twice.
 *
 * The monitor view maps everything but the Root granules (the monitor runs in
 * the Realm world, whose GPT permissions let it reach Realm and NS memory).
 * The host window maps the same pages for the normal world; the EL3 service
 * keeps exactly the NS granules accessible in it (hostsim_dram_host_window_set),
 * so a host access to any other granule faults like a GPC check would.
 *
 * Both views come from the same file, so a store through one is visible
 * through the other with no copying, as it is for two aliases of one PA.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostsim_internal.h"

static struct {
	int fd;
	uint64_t size;
	uint64_t root_size;
	uint8_t *monitor_view;
	uint8_t *host_window;
} dram = { .fd = -1 };

static int map_view(uint8_t **view)
{
	void *p = mmap(NULL, dram.size, PROT_READ | PROT_WRITE, MAP_SHARED, dram.fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*view = p;
	/* Root memory belongs to the firmware: no world above EL3 reaches it. */
	if (dram.root_size && mprotect(p, dram.root_size, PROT_NONE) != 0)
		return -errno;
	return 0;
}

int hostsim_dram_init(uint64_t size, unsigned root_granules)
{
	int rc;

	dram.size = size;
	dram.root_size = (uint64_t)root_granules << PLAT_GRANULE_SHIFT;
	dram.fd = memfd_create("caec-dram", MFD_CLOEXEC);
	if (dram.fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (ftruncate(dram.fd, (off_t)size) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = map_view(&dram.monitor_view);
	if (rc == 0)
		rc = map_view(&dram.host_window);
	if (rc == 0)
		return 0;
fail:
	hostsim_dram_fini();
	return rc;
}

void hostsim_dram_fini(void)
{
	if (dram.host_window)
		munmap(dram.host_window, dram.size);
	if (dram.monitor_view)
		munmap(dram.monitor_view, dram.size);
	if (dram.fd >= 0)
		close(dram.fd);
	dram.fd = -1;
	dram.size = 0;
	dram.root_size = 0;
	dram.monitor_view = NULL;
	dram.host_window = NULL;
}

bool hostsim_dram_range_ok(uint64_t pa, uint64_t len)
{
	return pa <= dram.size && len <= dram.size - pa;
}

uint8_t *hostsim_dram_monitor_ptr(uint64_t pa)
{
	return dram.monitor_view + pa;
}

uint8_t *hostsim_dram_host_ptr(uint64_t pa)
{
	return dram.host_window + pa;
}

int hostsim_dram_host_window_set(uint64_t granule, bool accessible)
{
	void *va = dram.host_window + (granule << PLAT_GRANULE_SHIFT);
	int prot = accessible ? PROT_READ | PROT_WRITE : PROT_NONE;

	return mprotect(va, PLAT_GRANULE_SIZE, prot) == 0 ? 0 : -errno;
}

/* ---- plat.h ---- */

uint64_t plat_dram_base(void)
{
	return 0;
}

uint64_t plat_dram_size(void)
{
	return dram.size;
}

void *plat_granule_map(uint64_t pa)
{
	if ((pa & (PLAT_GRANULE_SIZE - 1)) != 0 || pa >= dram.size || pa < dram.root_size)
		return NULL;
	return dram.monitor_view + pa;
}

void plat_granule_unmap(void *va)
{
	/* The monitor view is permanent: nothing to undo. */
	(void)va;
}

/* ---- hostsim.h ---- */

void *hostsim_host_va(uint64_t pa)
{
	return pa < dram.size ? dram.host_window + pa : NULL;
}

const void *hostsim_monitor_view(uint64_t pa)
{
	return pa < dram.size && pa >= dram.root_size ? dram.monitor_view + pa : NULL;
}

/* The monitor view's fault handler: only Root granules are closed in it, and
 * the monitor touching firmware memory is a monitor bug, fatal as on hardware.
 * Realm code reaching it through a wild pointer crashes only its own CPU. */
void hostsim_dram_monitor_fault(const struct hostsim_fault_window *w, uintptr_t addr,
				siginfo_t *si, void *uctx)
{
	if (hostsim_cpu_signal(SIGSEGV, si, uctx))
		return;
	uint64_t pa = addr - w->base;
	hostsim_fault_fatal("monitor access", pa, hostsim_gpt_pas(pa));
}
