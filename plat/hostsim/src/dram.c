/*
 * Emulated DRAM: one memfd, a PA being an offset into it, mapped twice.
 *
 * The monitor view maps everything but the Root granules (the monitor runs in
 * the Realm world, whose GPT permissions let it reach Realm and NS memory).
 * The host window maps the same pages for the normal world, closed
 * (PROT_NONE) but for a bounded TLB of granules opened on demand: a host
 * access to a closed granule faults, and the fault opens it when the GPT says
 * NS (hostsim_dram_host_fill) and is a GPF otherwise. GTSI_DELEGATE closes
 * its granule again (hostsim_dram_host_close). So however the host delegates,
 * the window costs at most 2 * tlb_entries + 1 host mappings, and EL3 never
 * needs a new one from the OS to change a granule's PAS.
 *
 * Both views come from the same file, so a store through one is visible
 * through the other with no copying, as it is for two aliases of one PA.
 *
 * With hostsim_config.host_va_is_pa the host window lies at VA == PA: only
 * its mapping's address changes (MAP_FIXED_NOREPLACE at the PA of the first
 * granule above the Root ones, which are left unmapped and so stay closed),
 * never what it opens. Nothing else maps DRAM for the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostsim_internal.h"

static struct {
	int fd;
	uint64_t size;
	uint64_t root_size;
	uint8_t *monitor_view;
	/* The host window: VA of PA 0 (an address, never dereferenced as such:
	 * at VA == PA it is 0), and the part of it actually mapped. */
	uintptr_t host_window;
	uint8_t *host_map;
	uint64_t host_map_len;
} dram = { .fd = -1 };

/* The host window's open granules: a ring of granule index + 1 (0 empty),
 * the oldest evicted for a new one. The epoch orders fills against
 * GTSI_DELEGATE, as it orders realm-window fills against TLBIs. */
static struct {
	atomic_flag lock;
	uint64_t *open;
	unsigned capacity, cursor;
	struct hostsim_fill_epoch epoch;
} host_tlb = { .lock = ATOMIC_FLAG_INIT };

/* -errno of the call that just failed (never 0, whatever errno says). */
static int failure(void)
{
	return errno ? -errno : -EIO;
}

/* *view is set only on success; nothing stays mapped on failure. */
static int map_view(uint8_t **view, int prot)
{
	void *p = mmap(NULL, dram.size, prot, MAP_SHARED, dram.fd, 0);
	if (p == MAP_FAILED)
		return failure();
	/* Root memory belongs to the firmware: no world above EL3 reaches it. */
	if (dram.root_size && mprotect(p, dram.root_size, PROT_NONE) != 0) {
		int rc = failure();
		munmap(p, dram.size);
		return rc;
	}
	*view = p;
	return 0;
}

/* The host window at VA == PA: the granules above the Root ones, mapped at
 * their own PAs, or -errno (-EEXIST when something of the process's is in the
 * way, -EPERM below vm.mmap_min_addr). */
static int map_host_window_at_pa(void)
{
	void *want = (void *)(uintptr_t)dram.root_size;
	uint64_t len = dram.size - dram.root_size;
	void *p = mmap(want, len, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE, dram.fd,
		       (off_t)dram.root_size);

	if (p == MAP_FAILED)
		return failure();
	if (p != want) { /* a kernel that took the flag for a hint */
		munmap(p, len);
		return -EEXIST;
	}
	dram.host_window = 0;
	dram.host_map = p;
	dram.host_map_len = len;
	return 0;
}

static int map_host_window(bool at_pa)
{
	uint8_t *view;
	int rc;

	if (at_pa)
		return map_host_window_at_pa();
	rc = map_view(&view, PROT_NONE);
	if (rc)
		return rc;
	dram.host_window = (uintptr_t)view;
	dram.host_map = view;
	dram.host_map_len = dram.size;
	return 0;
}

int hostsim_dram_init(uint64_t size, unsigned root_granules, bool host_va_is_pa)
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
	host_tlb.capacity = hostsim_hw_tlb_entries();
	host_tlb.cursor = 0;
	host_tlb.open = calloc(host_tlb.capacity, sizeof(*host_tlb.open));
	if (!host_tlb.open) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = map_view(&dram.monitor_view, PROT_READ | PROT_WRITE);
	if (rc == 0)
		rc = map_host_window(host_va_is_pa);
	if (rc == 0)
		return 0;
fail:
	hostsim_dram_fini();
	return rc;
}

void hostsim_dram_fini(void)
{
	if (dram.host_map)
		munmap(dram.host_map, dram.host_map_len);
	if (dram.monitor_view)
		munmap(dram.monitor_view, dram.size);
	if (dram.fd >= 0)
		close(dram.fd);
	free(host_tlb.open);
	host_tlb.open = NULL;
	dram.fd = -1;
	dram.size = 0;
	dram.root_size = 0;
	dram.monitor_view = NULL;
	dram.host_window = 0;
	dram.host_map = NULL;
	dram.host_map_len = 0;
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
	return (uint8_t *)(dram.host_window + (uintptr_t)pa);
}

/* Closes the whole window: every mapping of it becomes one again, so the OS
 * needs nothing new for it (tried again should it still refuse). */
static void host_window_flush(void)
{
	while (mprotect(dram.host_map, dram.host_map_len, PROT_NONE) != 0)
		sched_yield();
	for (unsigned i = 0; i < host_tlb.capacity; i++)
		host_tlb.open[i] = 0;
}

static void host_granule_close(uint64_t granule)
{
	if (mprotect(hostsim_dram_host_ptr(granule << PLAT_GRANULE_SHIFT), PLAT_GRANULE_SIZE,
		     PROT_NONE) != 0)
		host_window_flush(); /* a split the OS refused: close everything */
}

/* One fill under epoch seq: 1 opened, 0 not NS, -1 to try again. */
static int host_fill_once(uint64_t granule, uint64_t seq)
{
	void *va = hostsim_dram_host_ptr(granule << PLAT_GRANULE_SHIFT);
	int ret = 1;

	if (hostsim_gpt_entry_pas(granule) != HOSTSIM_PAS_NS)
		return 0;
	hostsim_spin_lock(&host_tlb.lock);
	uint64_t *slot = &host_tlb.open[host_tlb.cursor];
	host_tlb.cursor = (host_tlb.cursor + 1) % host_tlb.capacity;
	if (*slot) {
		host_granule_close(*slot - 1);
		*slot = 0;
	}
	bool opened = mprotect(va, PLAT_GRANULE_SIZE, PROT_READ | PROT_WRITE) == 0;
	if (!opened) {
		host_window_flush();
		opened = mprotect(va, PLAT_GRANULE_SIZE, PROT_READ | PROT_WRITE) == 0;
	}
	if (!opened) {
		ret = -1; /* a miss again */
	} else if (hostsim_fill_stale(&host_tlb.epoch, seq)) {
		host_granule_close(granule); /* a delegation may have missed it */
		ret = -1;
	} else {
		*slot = granule + 1;
	}
	hostsim_spin_unlock(&host_tlb.lock);
	if (!opened)
		sched_yield();
	return ret;
}

bool hostsim_dram_host_fill(uint64_t granule)
{
	for (;;) {
		uint64_t seq;
		int ret = -1;

		if (hostsim_fill_begin(&host_tlb.epoch, &seq))
			ret = host_fill_once(granule, seq);
		hostsim_fill_end(&host_tlb.epoch, seq);
		if (ret >= 0)
			return ret == 1;
	}
}

void hostsim_dram_host_close(uint64_t granule)
{
	/* Fills that read the old PAS finish first (undoing themselves or
	 * leaving their granule for the close below); later ones read the new. */
	hostsim_fill_epoch_end(&host_tlb.epoch);
	hostsim_spin_lock(&host_tlb.lock);
	for (unsigned i = 0; i < host_tlb.capacity; i++) {
		if (host_tlb.open[i] == granule + 1) {
			host_tlb.open[i] = 0;
			host_granule_close(granule);
		}
	}
	hostsim_spin_unlock(&host_tlb.lock);
}

bool hostsim_dram_host_is_open(uint64_t granule)
{
	bool open = false;

	hostsim_spin_lock(&host_tlb.lock);
	for (unsigned i = 0; i < host_tlb.capacity && !open; i++)
		open = host_tlb.open[i] == granule + 1;
	hostsim_spin_unlock(&host_tlb.lock);
	return open;
}

unsigned hostsim_dram_host_open_granules(void)
{
	unsigned n = 0;

	hostsim_spin_lock(&host_tlb.lock);
	for (unsigned i = 0; i < host_tlb.capacity; i++)
		n += host_tlb.open[i] != 0;
	hostsim_spin_unlock(&host_tlb.lock);
	return n;
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
	return pa < dram.size ? hostsim_dram_host_ptr(pa) : NULL;
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
