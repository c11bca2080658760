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
 * Realm execution: s2_walk.c (the stage-2 table walker), s2_window.c (a
 * realm's IPA window, per VMID), realm_loader.c (the boot protocol's image
 * loader), cpu.c (REC threads, traps, preemption, SEA delivery).
 *
 * Lock order: host allocator lock, then GPT entry locks in ascending PA order.
 * Realm table lock (s2_window.c), then a realm's loader lock.
 */
#ifndef CAEC_HOSTSIM_INTERNAL_H
#define CAEC_HOSTSIM_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hostsim/hostsim.h"
#include "hostsim/realm_elf.h"
#include "plat/plat.h"

/* ---- hw.c: the machine without its monitor ---- */
/* Builds DRAM, GPT, windows and fault handling (cfg NULL = defaults).
 * 0, -EBUSY, -EINVAL or -errno; nothing is left behind on failure. */
int hostsim_hw_start(const struct hostsim_config *cfg);
void hostsim_hw_stop(void);

/* Live fills per realm IPA window (a TLB's entries), from hostsim_config. */
unsigned hostsim_hw_tlb_entries(void);

/* ---- dram.c ---- */
/* host_va_is_pa: the host window at VA == PA (hostsim_config). */
int hostsim_dram_init(uint64_t size, unsigned root_granules, bool host_va_is_pa);
void hostsim_dram_fini(void);
/* True when [pa, pa + len) lies inside DRAM (len 0: pa <= size). */
bool hostsim_dram_range_ok(uint64_t pa, uint64_t len);
/* Pointers for an in-range pa; no checks. */
uint8_t *hostsim_dram_monitor_ptr(uint64_t pa);
uint8_t *hostsim_dram_host_ptr(uint64_t pa);
/* The host window's TLB. fill: opens the granule if the GPT says NS (true),
 * else false (a GPF); async-signal-safe. close: after the granule left NS,
 * no host access reaches it once this returns. Neither can fail. */
bool hostsim_dram_host_fill(uint64_t granule);
void hostsim_dram_host_close(uint64_t granule);
/* The frequency of the counter realm code reads (HOSTSIM_GATE_COUNTER_FREQ). */
uint64_t hostsim_counter_freq(void);
/* Granules the host window has open, and whether it has this one (tests). */
unsigned hostsim_dram_host_open_granules(void);
bool hostsim_dram_host_is_open(uint64_t granule);
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
/* The same for an access to a realm's IPA window that no realm code made. */
_Noreturn void hostsim_fatal_ipa(const char *what, uint16_t vmid, uint64_t ipa);

/* ---- host_access.c ---- */
void hostsim_host_access_reset(void);
/* The host window's fault handler (registered by hw.c). */
void hostsim_host_window_fault(const struct hostsim_fault_window *w, uintptr_t addr,
			       siginfo_t *si, void *uctx);

/* ---- host_alloc.c ---- */
int hostsim_host_alloc_init(uint64_t granules);
void hostsim_host_alloc_fini(void);

const char *hostsim_pas_name(unsigned pas);

/* ---- s2_walk.c: the MMU's stage-2 walk over a realm's RTT in DRAM ---- */
/* Data abort fault status codes (ESR_ELx.ISS.DFSC) the walk reports. */
#define HOSTSIM_DFSC_ADDR_SIZE(level) (0x00u + (unsigned)(level))
#define HOSTSIM_DFSC_TRANSLATION(level) (0x04u + (unsigned)(level))
#define HOSTSIM_DFSC_ACCESS_FLAG(level) (0x08u + (unsigned)(level))
#define HOSTSIM_DFSC_PERMISSION(level) (0x0cu + (unsigned)(level))
#define HOSTSIM_DFSC_GPF_WALK(level) (0x24u + (unsigned)(level))
#define HOSTSIM_DFSC_GPF 0x28u
/* ESR_EL2 of a data abort from a lower EL: EC 0x24, IL, ISV = 0, WnR, DFSC. */
static inline uint64_t hostsim_esr_data_abort(bool write, unsigned dfsc)
{
	return (UINT64_C(0x24) << 26) | (UINT64_C(1) << 25) | ((uint64_t)write << 6) | dfsc;
}

struct hostsim_s2_translation {
	bool valid;        /* a leaf descriptor with AF set was found */
	unsigned dfsc;     /* !valid: why (HOSTSIM_DFSC_*) */
	int level;         /* level of the leaf, or of the fault */
	bool read, write;  /* S2AP */
	bool ns;           /* output in the NS PAS (bit 55) */
	uint64_t ipa;      /* base of the block or page the leaf maps */
	uint64_t pa;       /* its output address */
	uint64_t size;     /* its size */
};
/* Walks the RTT of s2 for ipa (tables read from DRAM, as the MMU does). */
void hostsim_s2_translate(const struct plat_s2 *s2, uint64_t ipa, struct hostsim_s2_translation *t);
/* True when [pa, pa + size) is DRAM outside the Root granules and every granule
 * of it is in the PAS the translation targets (GPC check). */
bool hostsim_s2_gpc_ok(uint64_t pa, uint64_t size, bool ns);
/* Reads len bytes at ipa the way realm code would read them: protected IPAs
 * mapped readable to Realm-PAS granules only. False if any byte fails. */
bool hostsim_s2_read(const struct plat_s2 *s2, uint64_t ipa, void *dst, uint64_t len);
/* Monitor-view pointer to the byte at ipa when it is writable realm memory
 * (protected, valid, S2AP write, Realm PAS); NULL otherwise. */
void *hostsim_s2_writable_ptr(const struct plat_s2 *s2, uint64_t ipa);

/* ---- realm_loader.c: the image a realm boots from ---- */
/* The loader takes what the validator accepts, no more. */
#define HOSTSIM_IMAGE_MAX_SIZE HOSTSIM_REALM_ELF_MAX_SIZE
#define HOSTSIM_IMAGE_MAX_EXEC 8
struct hostsim_image {
	bool loaded;
	void *handle;               /* dlopen handle */
	int memfd;                  /* sealed copy of the measured bytes */
	uint64_t ipa_base, ipa_size;/* where the image lies in the realm (granule multiple) */
	uintptr_t load_base;        /* address of the loaded copy's ELF vaddr 0 */
	unsigned num_exec;          /* executable PT_LOAD ranges (vaddr) */
	uint64_t exec_start[HOSTSIM_IMAGE_MAX_EXEC], exec_end[HOSTSIM_IMAGE_MAX_EXEC];
	void (*entry)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
};
/* What a REC's first run starts (loader lock held by the caller). */
struct hostsim_boot {
	bool secondary;
	uintptr_t fn;               /* entry (boot) or pc translated (secondary) */
};
/* NULL, or a static reason to halt. */
const char *hostsim_image_boot(struct hostsim_image *img, const struct plat_s2 *s2,
			       uint64_t pc, hostsim_smc_gate_fn gate, struct hostsim_boot *boot);
void hostsim_image_unload(struct hostsim_image *img);

/* ---- fill epochs and spinlocks: the TLBs of the host window (dram.c) and
 * of the realm windows (s2_window.c), both driven from signal handlers ----
 * An invalidation ends the current epoch, then waits for the fills still in
 * flight from the one it ended (each undoes its mapping or leaves it for the
 * invalidation's own clear), so none can leave a stale mapping after it
 * returns; fills of the new epoch count in the other slot and cannot starve
 * it. Both sides are seq_cst. A fill never blocks; all of it is
 * async-signal-safe. Callers serialise invalidations of one epoch. */
struct hostsim_fill_epoch {
	_Atomic uint64_t seq;
	_Atomic unsigned in_flight[2]; /* fills by the parity of their epoch */
};
/* Counts a fill in; true when its epoch (*seq) is still current. Pair with
 * hostsim_fill_end whatever it returns. */
static inline bool hostsim_fill_begin(struct hostsim_fill_epoch *e, uint64_t *seq)
{
	*seq = atomic_load(&e->seq);
	atomic_fetch_add(&e->in_flight[*seq & 1], 1);
	return atomic_load(&e->seq) == *seq;
}
static inline void hostsim_fill_end(struct hostsim_fill_epoch *e, uint64_t seq)
{
	atomic_fetch_sub(&e->in_flight[seq & 1], 1);
}
/* True when an invalidation began since the fill's epoch seq started. */
static inline bool hostsim_fill_stale(struct hostsim_fill_epoch *e, uint64_t seq)
{
	return atomic_load(&e->seq) != seq;
}
/* Ends the epoch and waits for its fills. */
static inline void hostsim_fill_epoch_end(struct hostsim_fill_epoch *e)
{
	uint64_t ended = atomic_fetch_add(&e->seq, 1);

	while (atomic_load(&e->in_flight[ended & 1]) != 0)
		sched_yield();
}
/* A lock a signal handler may take (no futex wait, no allocation). */
static inline void hostsim_spin_lock(atomic_flag *f)
{
	while (atomic_flag_test_and_set_explicit(f, memory_order_acquire))
		sched_yield();
}
static inline void hostsim_spin_unlock(atomic_flag *f)
{
	atomic_flag_clear_explicit(f, memory_order_release);
}

/* ---- s2_window.c: a realm (one per live VMID) and its IPA window ---- */
struct hostsim_realm {
	struct hostsim_realm *next;     /* realm table, under its lock */
	unsigned refs;                  /* CPUs bound to it, under the table lock */
	struct plat_s2 s2;
	uint8_t *window;
	uint64_t window_size;
	struct hostsim_fault_window fault_window;
	/* Orders fills against TLBIs: a fault that mapped from a walk older than
	 * an invalidation undoes its mapping and walks again. */
	struct hostsim_fill_epoch tlbi;
	/* The TLB's live fills (s2_window.c): at most tlb_capacity pairwise
	 * disjoint ranges, each fully mapped, so the window never holds more
	 * than 2 * tlb_capacity + 1 host mappings. Under tlb_lock (a spinlock:
	 * fills run in signal handlers). */
	atomic_flag tlb_lock;
	struct hostsim_tlb_fill { uint64_t ipa, size; } *tlb;
	unsigned tlb_capacity, tlb_cursor, tlb_live;
	pthread_mutex_t loader_lock;
	struct hostsim_image image;
};
/* The realm of s2->vmid with a reference for one CPU, created with its window
 * on first use. NULL with *why when it cannot be. */
struct hostsim_realm *hostsim_realm_acquire(const struct plat_s2 *s2, const char **why);
void hostsim_realm_release(struct hostsim_realm *r);
/* Resolves a fault at ipa from the realm's RTT: 0 when the access may be
 * retried (mapped), else the DFSC of the stage-2 fault. Async-signal-safe. */
unsigned hostsim_realm_map(struct hostsim_realm *r, uint64_t ipa, bool write);
/* Drops the window's mappings of [ipa, ipa + size) of the realm with this
 * VMID (all of them for size UINT64_MAX); no-op when none is live. */
void hostsim_realm_invalidate(uint16_t vmid, uint64_t ipa, uint64_t size);

/* ---- cpu.c: REC threads ---- */
/* A stage-2 fault in r's window (from s2_window.c's fault window). */
void hostsim_cpu_window_fault(struct hostsim_realm *r, uint64_t ipa, siginfo_t *si, void *uctx);
/* Signals that may belong to a REC thread (preemption, a crash in realm code):
 * true when handled; false to chain to the previous handler. */
bool hostsim_cpu_signal(int sig, siginfo_t *si, void *uctx);
/* Ends every REC thread still alive (machine stop): the host may stop a
 * machine without destroying its RECs. No CPU may be running. */
void hostsim_cpus_stop(void);
/* The signal that ends a REC's time slice. */
#define HOSTSIM_PREEMPT_SIGNAL SIGSYS

#endif
