/*
 * The VMM's private view of a realm: every granule it gave the monitor for
 * it, where, and the run state. Shared by the builder, the memory manager,
 * the run loop and the teardown; nothing outside host/src sees it.
 *
 * Locking: mm_lock guards the memory bookkeeping (RTT set, DATA map, shared
 * pages) and serialises the RMI sequences that change the realm's memory,
 * since several vCPU threads can need memory at once. run_lock guards the
 * run state (vCPU threads, stop reason, token, console ordering).
 * Order: run_lock before mm_lock, never the other way; the VMM's csm_lock
 * (its CSM regions, csm_region.c) after mm_lock.
 */
#ifndef CAEC_HOST_REALM_INTERNAL_H
#define CAEC_HOST_REALM_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "host/vmm.h"
#include "rtt_set.h"

struct vmm_vcpu {
	struct vmm_realm *realm;
	unsigned index;
	uint64_t mpidr;
	uint64_t rec;               /* delegated granule for the REC, NO_PA if none */
	bool is_rec;                /* REC_CREATE succeeded on it */
	unsigned num_aux;
	uint64_t aux[RMI_REC_MAX_AUX];
	uint64_t run;               /* NS granule holding RmiRecRun */
	pthread_t thread;
	bool thread_live;           /* its host thread is running (run_lock) */
	bool joinable;              /* a thread was started and not joined (run_lock) */
	bool restart;               /* CPU_ON arrived while its thread was ending (run_lock) */
};

struct shared_page {
	uint64_t ipa;               /* unprotected IPA */
	uint64_t pa;                /* NS granule */
	bool foreign;               /* a vmm_ns_buffer's: unmapped at teardown, not freed */
	uint64_t bell_seen;         /* its shared doorbell's count when this realm last woke (bell_lock) */
};

/* A CSM region as the VMM holds it (csm_region.c), under vmm->csm_lock. */
struct vmm_csm_region {
	struct granule_ledger *ledger; /* its VMM's: the region outlives its creator */
	uint64_t csm_id;            /* 0 until the first ATTACH that maps it */
	uint64_t csmd, meta;        /* delegated granules */
	uint64_t num_granules;
	uint64_t *pages;            /* PA of page i, 0 when not in the region */
	uint64_t nlists;
	uint64_t *lists;            /* PA of list s, 0 when not in the region */
	bool bound;                 /* RMI_CSM_CREATE succeeded: the monitor holds it */
	unsigned refs;              /* realms that created or attached it, not destroyed */
	uint64_t bell_seq;          /* doorbells rung for it (vmm bell_lock) */
};

/* A region a realm created or attached (mm_lock). */
struct realm_csm_ref {
	struct vmm_csm_region *region;
	bool mapped;                /* the VMM mapped it at base and saw no DETACHED since */
	uint64_t base, mapped_top;  /* [base, mapped_top) as the VMM mapped it */
	uint64_t bell_seen;         /* region's bell_seq when this realm last woke (bell_lock) */
};

struct vmm_realm {
	struct vmm *vmm;
	struct vmm_realm_opts opts;
	struct vmm_layout layout;
	uint16_t vmid;
	uint64_t rd;
	uint64_t rtt_base;          /* first root RTT */
	bool created;               /* REALM_CREATE succeeded */

	pthread_mutex_t mm_lock;
	struct rtt_set rtts;        /* non-root RTTs */
	uint64_t *data;             /* DATA PA per protected granule of [image_base, top) */
	uint64_t ndata_slots;
	struct shared_page *shared;
	size_t nshared, shared_cap;
	size_t bell_page_hint;      /* csm_doorbell.c: the shared page last rung or waited on */
	struct realm_csm_ref *csm_refs;
	size_t ncsm_refs, csm_refs_cap;
	_Atomic uint64_t last_csm_id; /* vmm_realm_last_csm_id */

	struct vmm_vcpu *vcpus;
	unsigned nvcpus;            /* RECs created */

	/* Run state. */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	bool ran;
	bool stopping;
	uint64_t deadline_ns;        /* CLOCK_MONOTONIC; 0 = none (set before threads start) */
	unsigned live_threads;
	const struct vmm_run_config *run_cfg;
	struct vmm_run_result *result;
	uint8_t *token_buf;          /* token being reassembled */
	size_t token_total;
	size_t token_fill;
};

#define GRANULE RMI_GRANULE_SIZE

/* Formats err ("what -> STATUS(index)") and returns -EPROTO. */
int vmm_rmi_fail(struct vmm_error *err, const char *what, uint64_t x0);
void vmm_err(struct vmm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* realm_memory.c (caller holds mm_lock unless noted). */
/* Creates the RTT at `level` mapping ipa (its parent must exist). */
int realm_rtt_create(struct vmm_realm *r, uint64_t ipa, int level, struct vmm_error *err);
/* Calls an RTT-walking command, creating the RTT it asks for on ERROR_RTT
 * (index < 3) and retrying. call() returns X0. */
int realm_with_rtts(struct vmm_realm *r, uint64_t ipa, uint64_t (*call)(struct vmm_realm *, uint64_t ipa, void *ctx),
		    void *ctx, const char *what, struct vmm_error *err);
int realm_init_ripas(struct vmm_realm *r, uint64_t base, uint64_t top, struct vmm_error *err);
int realm_data_create(struct vmm_realm *r, uint64_t ipa, const uint8_t page[GRANULE], struct vmm_error *err);
int realm_data_create_unknown(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err);
/* DATA_CREATE without MEASURE_CONTENT (the policy granule, realm_layout.h). */
int realm_data_create_unmeasured(struct vmm_realm *r, uint64_t ipa, const uint8_t page[GRANULE],
				 struct vmm_error *err);
int realm_data_destroy(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err);
int realm_map_shared(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err);
bool realm_ipa_in_ram_range(const struct vmm_realm *r, uint64_t ipa);
bool realm_ipa_is_unprotected(const struct vmm_realm *r, uint64_t ipa);

/* realm_run.c */
/* Starts (or keeps alive) the host thread of a vCPU; run_lock held. */
int realm_vcpu_start_locked(struct vmm_realm *r, struct vmm_vcpu *v);

/* realm_stop.c */
/* Ends the run with reason (first reason wins); detail printf-style. */
void realm_stop(struct vmm_realm *r, enum vmm_stop_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether the run is ending (run_lock taken inside). */
bool realm_stopping(struct vmm_realm *r);
/* Sets the run's deadline timeout_ms from now (0: none); before any thread runs. */
void realm_set_deadline(struct vmm_realm *r, uint64_t timeout_ms);
/* Ends the run (realm_stop) when a stop was requested or the deadline passed;
 * true when the run is ending, for whatever reason. run_lock not held. */
bool realm_check_stop(struct vmm_realm *r);

/* realm_exits.c: serves one exit. RESUME: enter again with *entry;
 * VCPU_OFF: this vCPU's thread ends; STOP: realm_stop() was called. */
enum exit_action {
	EXIT_RESUME,
	EXIT_VCPU_OFF,
	EXIT_STOP,
};
enum exit_action realm_handle_exit(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
				   struct rmi_rec_entry *entry);

/* realm_csm.c: the CSM request exit (vmm.h); the realm's mappings removed
 * before its teardown (mm_lock held) and its references dropped after it,
 * reclaiming regions nobody references any more. -EBUSY if a step failed. */
enum exit_action realm_handle_csm(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
				  struct rmi_rec_entry *entry);
int realm_csm_unmap_all(struct vmm_realm *r);
int realm_csm_release(struct vmm_realm *r);

/* csm_region.c (vmm->csm_lock held unless noted). */
/* Delegates and binds a region of num pages to the pending CREATE of rec;
 * the region, not yet registered, or NULL after undoing every step (err
 * says why). No lock needed: only the caller knows the granules. */
struct vmm_csm_region *csm_region_create(struct vmm_realm *r, uint64_t rec, uint64_t num,
					 struct vmm_error *err);
/* Undoes csm_region_create / reclaims a region no realm maps: every page
 * removed, the region destroyed, every granule undelegated, the record
 * freed. -EBUSY (the record kept, its granules held) if the monitor refused. */
int csm_region_reclaim(struct vmm_csm_region *c);
int csm_region_register(struct vmm *vmm, struct vmm_csm_region *c);
void csm_region_unregister(struct vmm *vmm, struct vmm_csm_region *c);
static inline uint64_t csm_region_size(const struct vmm_csm_region *c)
{
	return c->num_granules * GRANULE;
}

/* csm_doorbell.c: host call 0xCAE4 (gprs in, the status out); a ring for a
 * region's waiters when its membership changes (DETACHED, unmapping). */
void csm_doorbell_init(struct vmm *vmm);
uint64_t csm_doorbell_call(struct vmm_realm *r, const uint64_t *gprs);
/* The data-free doorbell (abi/caec.h): ring every region r holds; wait
 * until any of them rings. */
uint64_t csm_doorbell_ring_all(struct vmm_realm *r);
uint64_t csm_doorbell_wait_any(struct vmm_realm *r);
void csm_doorbell_ring_region(struct vmm *vmm, struct vmm_csm_region *c);
/* Drops the doorbells of NS pages given back (vmm_ns_buffer_free). */
void csm_doorbell_forget_shared(struct vmm *vmm, const uint64_t *pas, size_t n);

/* realm_teardown.c: undoes whatever the realm holds; -EBUSY if any step failed. */
int realm_teardown(struct vmm_realm *r);

#endif
