/*
 * Why and when a run ends. The first reason wins: the realm's own PSCI
 * SYSTEM_OFF / SYSTEM_RESET, a crash or a host error (realm_exits.c), every
 * vCPU off (realm_run.c), or from outside the realm: the run's deadline or
 * vmm_request_stop(). The outside reasons are polled, not pushed: a REC that
 * runs past its time slice exits with IRQ, so each vCPU thread looks at them
 * at every exit, and the thread waiting in vmm_realm_run looks every
 * STOP_POLL_MS as well. That is what lets vmm_request_stop() be a single
 * atomic store, safe in a signal handler, where waking a condition variable
 * would not be.
 */
#include <stdio.h>
#include <time.h>

#include "realm_internal.h"

void vmm_request_stop(struct vmm *vmm)
{
	atomic_store(&vmm->stop_requested, 1);
}

bool vmm_stop_requested(const struct vmm *vmm)
{
	return atomic_load(&((struct vmm *)vmm)->stop_requested) != 0;
}

const char *vmm_stop_reason_name(enum vmm_stop_reason reason)
{
	switch (reason) {
	case VMM_STOP_SYSTEM_OFF: return "system_off";
	case VMM_STOP_SYSTEM_RESET: return "system_reset";
	case VMM_STOP_ALL_OFF: return "all_cpus_off";
	case VMM_STOP_CRASHED: return "crashed";
	case VMM_STOP_HOST_ERROR: return "host_error";
	case VMM_STOP_TIMEOUT: return "timeout";
	case VMM_STOP_INTERRUPTED: return "interrupted";
	}
	return "?";
}

void realm_stop(struct vmm_realm *r, enum vmm_stop_reason reason, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->run_lock);
	if (!r->stopping) {
		r->stopping = true;
		r->result->stop = reason;
		va_start(ap, fmt);
		vsnprintf(r->result->detail, sizeof(r->result->detail), fmt, ap);
		va_end(ap);
		pthread_cond_broadcast(&r->run_cond);
	}
	pthread_mutex_unlock(&r->run_lock);
}

bool realm_stopping(struct vmm_realm *r)
{
	pthread_mutex_lock(&r->run_lock);
	bool s = r->stopping;
	pthread_mutex_unlock(&r->run_lock);
	return s;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void realm_set_deadline(struct vmm_realm *r, uint64_t timeout_ms)
{
	const uint64_t max_ms = UINT64_MAX / UINT64_C(2000000); /* no overflow below */

	r->deadline_ns = 0;
	if (timeout_ms)
		r->deadline_ns = monotonic_ns() + (timeout_ms < max_ms ? timeout_ms : max_ms) * UINT64_C(1000000);
}

bool realm_check_stop(struct vmm_realm *r)
{
	/* deadline_ns is written before the first vCPU thread starts and never
	 * again during the run: reading it unlocked is safe. */
	if (vmm_stop_requested(r->vmm))
		realm_stop(r, VMM_STOP_INTERRUPTED, "stopped on request (vmm_request_stop)");
	else if (r->deadline_ns && monotonic_ns() >= r->deadline_ns)
		realm_stop(r, VMM_STOP_TIMEOUT, "the deadline passed (%llu ms) before the realm turned itself off",
			   (unsigned long long)r->run_cfg->timeout_ms);
	return realm_stopping(r);
}
