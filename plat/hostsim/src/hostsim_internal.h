/*
 * hostsim's internal interfaces: the pieces of the emulated machine and how
 * they reach each other. Not installed; tests include it to bring the
 * hardware up without the monitor.
 *
 * Pieces (a file each): dram.c (memfd, monitor view, host window), gpt.c
 * (PAS per granule, per-granule locks), el3.c (the EL3 services), fault.c
 * (SIGSEGV dispatch to fault windows), host_access.c (host window GPFs and
 * checked copies), ns_access.c (the monitor's copies from host memory),
 * host_alloc.c (NS granules for the host), hw.c (bring-up and tear-down of
 * all of it), machine.c (the monitor on top).
 *
 * Lock order: host allocator lock, then GPT entry locks in ascending PA order.
 */
#ifndef CAEC_HOSTSIM_INTERNAL_H
#define CAEC_HOSTSIM_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "hostsim/hostsim.h"
#include "plat/plat.h"

/* ---- hw.c: the machine without its monitor ---- */
/* Builds DRAM, GPT, windows and fault handling (cfg NULL = defaults).
 * 0, -EBUSY, -EINVAL or -errno; nothing is left behind on failure. */
int hostsim_hw_start(const struct hostsim_config *cfg);
void hostsim_hw_stop(void);

/* ---- dram.c ---- */
int hostsim_dram_init(uint64_t size, unsigned root_granules);
void hostsim_dram_fini(void);
/* True when [pa, pa + len) lies inside DRAM (len 0: pa <= size). */
bool hostsim_dram_range_ok(uint64_t pa, uint64_t len);
/* Pointers for an in-range pa; no checks. */
uint8_t *hostsim_dram_monitor_ptr(uint64_t pa);
uint8_t *hostsim_dram_host_ptr(uint64_t pa);
/* Opens or closes one granule of the host window (mprotect). 0 or -errno. */
int hostsim_dram_host_window_set(uint64_t granule, bool accessible);
struct hostsim_fault_window;
/* The monitor view's fault handler (registered by hw.c). */
void hostsim_dram_monitor_fault(const struct hostsim_fault_window *w, uintptr_t addr,
				siginfo_t *si, void *uctx);

/* ---- gpt.c ---- */
int hostsim_gpt_init(uint64_t granules, unsigned root_granules);
void hostsim_gpt_fini(void);
/* Lock-free read of a granule's PAS (index, not PA). */
unsigned hostsim_gpt_entry_pas(uint64_t granule);
/* The entry lock serialises PAS changes against copies that depend on the PAS. */
void hostsim_gpt_entry_lock(uint64_t granule);
void hostsim_gpt_entry_unlock(uint64_t granule);
/* Caller holds the entry lock. */
void hostsim_gpt_entry_set_pas(uint64_t granule, unsigned pas);
/* Locks the entries of [pa, pa + len) in ascending order and returns true if
 * all are NS; on false nothing is left locked. len > 0, range inside DRAM. */
bool hostsim_gpt_lock_ns_range(uint64_t pa, uint64_t len, uint64_t *first, uint64_t *last);
void hostsim_gpt_unlock_range(uint64_t first, uint64_t last);

/* ---- el3.c ---- */
void hostsim_el3_reset(void);
/* True once the monitor reported BOOT_COMPLETE with status 0. */
bool hostsim_el3_boot_completed(void);

/* ---- fault.c: SIGSEGV to the emulated hardware's fault windows ----
 * A fault window is a VA range whose faults mean something to the emulated
 * machine: the host window (GPFs), the monitor view (Root accesses) and, in a
 * later issue, each realm's IPA window (stage-2 faults). on_fault runs in the
 * signal handler of the faulting thread; it may return (the access is retried),
 * siglongjmp out, or abort. Faults outside every window go to the handler that
 * was installed before hostsim's (ASan's, or the default). */
struct hostsim_fault_window {
	uintptr_t base;
	uintptr_t size;
	void (*on_fault)(const struct hostsim_fault_window *w, uintptr_t addr,
			 siginfo_t *si, void *uctx);
	void *ctx;
};
#define HOSTSIM_FAULT_WINDOWS_MAX 64
int hostsim_fault_install(void);
void hostsim_fault_uninstall(void);
/* 0 or -ENOSPC. The window must stay valid until removed. */
int hostsim_fault_window_add(const struct hostsim_fault_window *w);
void hostsim_fault_window_remove(const struct hostsim_fault_window *w);
/* Async-signal-safe report of a fatal emulated fault, then abort(). */
_Noreturn void hostsim_fault_fatal(const char *what, uint64_t pa, unsigned pas);

/* ---- host_access.c ---- */
void hostsim_host_access_reset(void);
/* The host window's fault handler (registered by hw.c). */
void hostsim_host_window_fault(const struct hostsim_fault_window *w, uintptr_t addr,
			       siginfo_t *si, void *uctx);

/* ---- host_alloc.c ---- */
int hostsim_host_alloc_init(uint64_t granules);
void hostsim_host_alloc_fini(void);

const char *hostsim_pas_name(unsigned pas);

#endif
