/*
 * The VMM: builds realms through the RMI, runs them, tears them down, the way
 * KVM and kvmtool do it for a CCA host, on the hostsim machine.
 *
 * struct vmm is one VMM on one running machine (hostsim_start first): it owns
 * the VMID counter and the granule ledger. A realm is built in the order the
 * specification expects (realm_layout.h says what goes where):
 *   delegate RD and root RTTs, REALM_CREATE; RTT_INIT_RIPAS over the whole
 *   protected range, creating RTTs where it answers ERROR_RTT; DATA_CREATE
 *   of the image granules with MEASURE_CONTENT in ascending IPA;
 *   DATA_CREATE_UNKNOWN of the RAM; REC_CREATE for each vCPU (only vCPU 0
 *   runnable); REALM_ACTIVATE.
 * vmm_realm_run() enters vCPU 0 on a host thread and serves every exit until
 * the realm turns itself off; CPU_ON starts a host thread for that vCPU.
 * A run also ends when its deadline passes (vmm_run_config.timeout_ms) or
 * vmm_request_stop() is called: a REC that runs past its time slice exits
 * with IRQ, so every vCPU thread sees either at its next exit and stops
 * entering; the realm is then torn down as always.
 * vmm_realm_destroy() returns every granule to the NS world and the
 * allocator: DATA, unprotected mappings, RTTs bottom-up, RECs with their aux
 * granules, the RD and the root RTTs.
 *
 * Confidential shared memory (the CAEC extension, caec-ext.md): a realm built
 * with CAEC_REALM_CSM_EXITS (vmm_realm_opts.caec_flags) may ask for regions;
 * the run loop serves its CSM request exits:
 *   CREATE    delegates the region's CSMD, CSM_META, page lists (regions of
 *             more than 480 pages) and pages, binds them (RMI_CSM_CREATE,
 *             LIST_ADD, DATA_ADD); if any step fails, everything done is
 *             undone and the realm gets ERROR_STATE.
 *   ATTACH    finds the region among every region this VMM created (several
 *             realms of one VMM share them), creates the RTTs the range
 *             needs and calls RMI_CSM_MAP until the region is mapped; on
 *             failure the partial mapping is removed (ERROR_STATE for the
 *             realm).
 *   DETACHED  notes that the realm no longer maps the region.
 * Regions belong to the VMM, not to a realm. A region is reclaimed
 * (RMI_CSM_DATA_REMOVE of every page, RMI_CSM_DESTROY) when the last realm
 * that created or attached it is destroyed: a detach alone never frees it,
 * since the owner may still grant others, and a realm of this VMM that has
 * not attached yet finds it only while such a realm lives. Before a realm is
 * destroyed, every mapping it still has is removed (RMI_CSM_UNMAP).
 * The VMM learns a region's csm_id (the monitor does not tell the host at
 * CREATE) from the first ATTACH that maps it: until then it tries the
 * regions whose csm_id it does not know yet (a MAP with the wrong CSMD is
 * refused with ERROR_REC and changes nothing).
 *
 * Functions return 0 or a negative errno; a refusal from the monitor during
 * building is -EPROTO, and the struct vmm_error (optional) names the call.
 */
#ifndef CAEC_HOST_VMM_H
#define CAEC_HOST_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/granule_ledger.h"
#include "host/host_call_abi.h"
#include "host/realm_layout.h"

struct vmm_csm_region;

struct vmm {
	struct granule_ledger ledger;
	_Atomic unsigned next_vmid;
	_Atomic int stop_requested;  /* vmm_request_stop() was called */
	/* CSM regions of all this VMM's realms (csm_lock; lock order: a realm's
	 * mm_lock, then csm_lock). */
	pthread_mutex_t csm_lock;
	struct vmm_csm_region **csm_regions;
	size_t ncsm_regions, csm_regions_cap;
	/* Channel doorbells (csm_doorbell.c): a leaf lock, after mm_lock. The
	 * doorbells of host-visible memory are counted by the NS granule they
	 * name (shared_bells, under bell_lock). */
	pthread_mutex_t bell_lock;
	pthread_cond_t bell_cond;
	struct vmm_shared_bell { uint64_t pa, seq; } *shared_bells;
	size_t nshared_bells, shared_bells_cap;
	/* Called (bell_lock held, so it must not block) whenever a realm rings
	 * the doorbell of a host-visible page: a host program that relays
	 * such memory (`caec run --listen`) sleeps on it instead of polling. */
	void (*shared_bell_hook)(void *ctx, uint64_t pa);
	void *shared_bell_ctx;
};

void vmm_init(struct vmm *vmm);

/* Asks every run of this VMM, now or later, to stop at its next exit (with
 * VMM_STOP_INTERRUPTED). Safe from any thread and from a signal handler: it
 * only sets an atomic flag, which the run loop polls. The request stays until
 * vmm_init. */
void vmm_request_stop(struct vmm *vmm);
bool vmm_stop_requested(const struct vmm *vmm);

struct vmm_realm;

/* One line saying what failed, e.g. "RMI_DATA_CREATE(ipa 0x3000) -> ERROR_RTT(2)". */
struct vmm_error {
	char msg[160];
};

/* Builds and activates a realm from image[0..size). On failure everything
 * built so far is torn down, *out is NULL and err (if not NULL) says why. */
int vmm_realm_create(struct vmm *vmm, const uint8_t *image, size_t size,
		     const struct vmm_realm_opts *opts, struct vmm_realm **out, struct vmm_error *err);

/* Like vmm_realm_create but leaves the realm NEW (not activated), for tests
 * that attack a realm under construction. vmm_realm_activate finishes it. */
int vmm_realm_create_new(struct vmm *vmm, const uint8_t *image, size_t size,
			 const struct vmm_realm_opts *opts, struct vmm_realm **out,
			 struct vmm_error *err);
int vmm_realm_activate(struct vmm_realm *r, struct vmm_error *err);

/* Tears the realm down and frees it. 0, or -EBUSY when the monitor refused a
 * step (granules then stay held: the leak checker will say so). */
int vmm_realm_destroy(struct vmm_realm *r);

/* What the run loop did and why it stopped. */
enum vmm_stop_reason {
	VMM_STOP_SYSTEM_OFF = 0,  /* PSCI SYSTEM_OFF */
	VMM_STOP_SYSTEM_RESET,    /* PSCI SYSTEM_RESET (not restarted) */
	VMM_STOP_ALL_OFF,         /* every vCPU turned itself off (CPU_OFF) */
	VMM_STOP_CRASHED,         /* a vCPU died (SError exit, or REC_ENTER refused it) */
	VMM_STOP_HOST_ERROR,      /* the VMM could not serve an exit */
	VMM_STOP_TIMEOUT,         /* the run's deadline passed first (timeout_ms) */
	VMM_STOP_INTERRUPTED,     /* vmm_request_stop() */
};

/* "system_off", "system_reset", "all_cpus_off", "crashed", "host_error",
 * "timeout", "interrupted" (the names the CLI's JSON uses); "?" otherwise. */
const char *vmm_stop_reason_name(enum vmm_stop_reason reason);

struct vmm_run_config {
	/* Console bytes as they arrive (from any vCPU thread, one call at a time). */
	void (*console)(void *ctx, const char *bytes, size_t len);
	void *console_ctx;
	/* Attestation challenge for host call 0xCAE2; NULL = none. */
	const uint8_t *challenge; /* HOST_CALL_CHALLENGE_SIZE bytes */
	/* Stop the run this long after vmm_realm_run starts (CLOCK_MONOTONIC)
	 * unless the realm turned itself off first; 0 = no deadline. */
	uint64_t timeout_ms;
	/* Host calls 0xCB00..0xCBFF (host_call_abi.h), from any vCPU thread:
	 * gprs[0..30] in and out (gprs[0] is the status the realm sees). NULL:
	 * they fail with HOST_CALL_ERROR. */
	void (*app_call)(void *ctx, struct vmm_realm *r, uint16_t imm, uint64_t *gprs);
	void *app_ctx;
};

struct vmm_exit_counts {
	uint64_t sync, irq, fiq, psci, ripas_change, host_call, serror, csm, other;
};

struct vmm_run_result {
	enum vmm_stop_reason stop;
	bool exit_reported;       /* host call 0xCAE1 seen */
	uint64_t exit_status;
	uint8_t *token;           /* last complete token the realm reported (malloc) */
	size_t token_len;
	struct vmm_exit_counts exits;
	uint64_t unprotected_maps;  /* NS pages given on SYNC exits */
	uint64_t ripas_changes;
	/* CSM requests served (the region bound, mapped; a DETACHED noted) and
	 * refused (the realm got ERROR_STATE; csm_error says why, last one). */
	uint64_t csm_created, csm_attached, csm_detached, csm_refused;
	/* Time the host spent serving CREATE and ATTACH requests (delegating,
	 * RMI_CSM_CREATE/LIST_ADD/DATA_ADD; RTTs and RMI_CSM_MAP), in ns. */
	uint64_t csm_create_ns, csm_attach_ns;
	char csm_error[160];
	char detail[160];         /* why, for CRASHED / HOST_ERROR */
};

/* Runs an activated realm to its end: the realm turns itself off or dies,
 * the deadline passes, or a stop is requested; each vCPU thread stops
 * entering at its next exit and all are joined before this returns. 0 when
 * the run loop worked (look at result->stop), -EINVAL if the realm was
 * already run, -errno if a host thread could not start. vCPU threads block
 * the process's asynchronous signals (SIGINT, SIGTERM, ...), so those reach
 * the caller's threads, never a thread running realm code. */
int vmm_realm_run(struct vmm_realm *r, const struct vmm_run_config *cfg,
		  struct vmm_run_result *result);
void vmm_run_result_free(struct vmm_run_result *result);

/* Host-visible memory several realms share: NS granules the host (and so
 * anyone) can read, mapped at an unprotected IPA of each realm (the plain
 * and encrypted channel baselines). Map it before the realm runs; destroy
 * every realm it is mapped into before freeing it (their teardown unmaps
 * it and leaves the granules to the buffer). */
struct vmm_ns_buffer {
	struct vmm *vmm;
	uint64_t *pas;
	size_t n;
};
int vmm_ns_buffer_alloc(struct vmm *vmm, size_t pages, struct vmm_ns_buffer *b, struct vmm_error *err);
void vmm_ns_buffer_free(struct vmm_ns_buffer *b);
/* Maps b at the unprotected alias of protected IPA ipa; *unprot_ipa = where
 * the realm finds it. */
int vmm_realm_map_ns_buffer(struct vmm_realm *r, const struct vmm_ns_buffer *b, uint64_t ipa, uint64_t *unprot_ipa,
			    struct vmm_error *err);

/* The host's side of a host-visible page's doorbell: wakes a realm waiting
 * on the page at PA pa (HOST_DOORBELL_WAIT_SHARED). */
void vmm_shared_doorbell_ring(struct vmm *vmm, uint64_t pa);

/* CSM regions this VMM holds (created and not reclaimed yet). */
size_t vmm_csm_region_count(struct vmm *vmm);
/* The csm_id of the region r created or attached last, 0 if none yet
 * (a host program passes it to the realms that should attach). */
uint64_t vmm_realm_last_csm_id(struct vmm_realm *r);

/* Introspection for tests and the CLI. */
uint64_t vmm_realm_rd(const struct vmm_realm *r);
const struct vmm_layout *vmm_realm_layout(const struct vmm_realm *r);
unsigned vmm_realm_num_recs(const struct vmm_realm *r);
uint64_t vmm_realm_rec(const struct vmm_realm *r, unsigned index);
/* PA of the DATA granule at a protected IPA, or 0 when none is mapped. */
uint64_t vmm_realm_data_pa(const struct vmm_realm *r, uint64_t ipa);
/* Unprotected alias of a protected IPA. */
uint64_t vmm_realm_unprotected_ipa(const struct vmm_realm *r, uint64_t ipa);

#endif
