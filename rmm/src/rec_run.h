/*
 * One REC_ENTER in progress: the REC the monitor is running, the exit record
 * it is building for the host, and the REC state changes it will publish when
 * it gives the REC back (rec.h explains who may touch which REC field).
 *
 * rec_enter.c owns the loop: run the REC, hand the trap to a handler, resume
 * or exit. The handlers (rsi.c, psci_realm.c, rec_exit.c) say which with
 * enum rec_action; those that exit fill run->exit and run->publish.
 */
#ifndef RMM_REC_RUN_H
#define RMM_REC_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/rmi.h"
#include "abi/smc.h"
#include "rec.h"

enum rec_action {
	REC_RESUME, /* run the realm again */
	REC_EXIT,   /* return to the host with run->exit */
};

/* Changes to the lock-protected REC fields, applied under the REC lock when
 * the claim is given back. */
struct rec_publish {
	bool stop;                 /* the REC is no longer runnable */
	bool psci_request;
	uint64_t psci_fid;
	uint64_t psci_target_mpidr;
	uint64_t psci_entry;
	uint64_t psci_context;
	bool ripas_request;
	uint64_t ripas_base;
	uint64_t ripas_top;
	uint64_t ripas_value;
	bool ripas_change_destroyed;
};

struct rec_run {
	struct rec *rec;           /* mapped; claimed (refcount 1), not locked */
	uint64_t rec_pa;
	uint64_t rd_pa;
	/* RD constants read once: they never change while the realm has RECs. */
	unsigned ipa_bits;
	unsigned hash_algo;
	uint64_t rec_count;
	struct rmi_rec_exit exit;
	struct rec_publish publish;
};

static inline uint64_t rec_run_protected_top(const struct rec_run *run)
{
	return UINT64_C(1) << (run->ipa_bits - 1);
}

static inline uint64_t rec_run_ipa_top(const struct rec_run *run)
{
	return UINT64_C(1) << run->ipa_bits;
}

/* rsi.c: an SMC from the realm (RSI, PSCI, SMCCC, anything else). */
enum rec_action rec_handle_smc(struct rec_run *run);

/* psci_realm.c: a PSCI call; regs are the realm's X0..X17 and receive the
 * results when the call returns to the realm. */
enum rec_action psci_realm_call(struct rec_run *run, struct smc_regs *regs);

/* rec_exit.c: the other traps. */
enum rec_action rec_handle_s2_fault(struct rec_run *run, uint64_t ipa, uint64_t esr);
enum rec_action rec_handle_irq(struct rec_run *run);
enum rec_action rec_handle_halt(struct rec_run *run);

/* rec_exit.c: starts an exit record of the given reason (everything else zero). */
void rec_exit_begin(struct rec_run *run, uint64_t reason);

/* rec_exit.c: a SYNC exit reporting a stage-2 translation fault (a data
 * abort with no valid descriptor) at the protected IPA ipa, found by an RTT
 * walk that stopped at level: what the host sees when the monitor needs
 * realm memory the host has not mapped yet. */
void rec_exit_unmapped_ipa(struct rec_run *run, uint64_t ipa, int level);

#endif
