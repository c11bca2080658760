/*
 * The run loop: one host thread per running vCPU, each entering its REC with
 * RMI_REC_ENTER and serving the exits (realm_exits.c) until the vCPU turns
 * off or the realm stops. vCPU 0 starts the run; PSCI CPU_ON starts others.
 * The caller of vmm_realm_run waits until the realm is off (or every vCPU
 * is, or the run must stop: realm_stop.c), then joins every thread: a thread
 * still inside the realm comes back at the next IRQ exit (time slice) or when
 * REC_ENTER finds the realm off, and enters no more once the run is ending.
 *
 * vCPU threads (and the REC threads hostsim starts from them) block the
 * asynchronous signals a user or a shell sends, so that a Ctrl-C is handled
 * by the application's own thread, not in the middle of realm code.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/rmi_call.h"
#include "hostsim/hostsim.h"
#include "realm_internal.h"

/* How often the thread waiting in vmm_realm_run looks at the deadline and
 * the stop flag on its own (the vCPU threads look at every exit). */
#define STOP_POLL_MS 50

/* One REC_ENTER; false when the REC could not be entered (reason in x0). */
static bool enter(struct vmm_vcpu *v, const struct rmi_rec_entry *entry, struct rmi_rec_exit *exit,
		  uint64_t *x0)
{
	if (!hostsim_host_write(v->run, entry, sizeof(*entry))) {
		*x0 = SMC_UNKNOWN;
		return false;
	}
	*x0 = RMI(RMI_REC_ENTER, v->rec, v->run).x[0];
	if (*x0 != RMI_SUCCESS)
		return false;
	if (!hostsim_host_read(v->run + offsetof(struct rmi_rec_run, exit), exit, sizeof(*exit))) {
		*x0 = SMC_UNKNOWN;
		return false;
	}
	return true;
}

/* Runs the vCPU until it is off or the realm stops. */
static void vcpu_loop(struct vmm_vcpu *v)
{
	struct vmm_realm *r = v->realm;
	struct rmi_rec_entry *entry = calloc(1, sizeof(*entry));
	struct rmi_rec_exit *exit = calloc(1, sizeof(*exit));
	uint64_t x0;

	if (!entry || !exit) {
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: out of memory", v->index);
		goto out;
	}
	while (!realm_check_stop(r)) {
		if (!enter(v, entry, exit, &x0)) {
			if (x0 == RMI_STATUS(RMI_ERROR_REALM, 1))
				break; /* the realm is off (another vCPU turned it off) */
			if (!realm_stopping(r))
				realm_stop(r, VMM_STOP_CRASHED, "vCPU %u: RMI_REC_ENTER -> %s(%u)", v->index,
					   rmi_status_name(x0), RMI_STATUS_INDEX(x0));
			break;
		}
		memset(entry, 0, sizeof(*entry));
		enum exit_action a = realm_handle_exit(v, exit, entry);
		if (a != EXIT_RESUME)
			break;
	}
out:
	free(entry);
	free(exit);
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm_realm *r = v->realm;

	for (;;) {
		vcpu_loop(v);
		pthread_mutex_lock(&r->run_lock);
		if (v->restart && !r->stopping) {
			/* CPU_ON completed while this thread was on its way out. */
			v->restart = false;
			pthread_mutex_unlock(&r->run_lock);
			continue;
		}
		v->restart = false;
		v->thread_live = false;
		r->live_threads--;
		pthread_cond_broadcast(&r->run_cond);
		pthread_mutex_unlock(&r->run_lock);
		return NULL;
	}
}

/* Starts a thread with the signals meant for the application blocked (it
 * inherits the mask of its creator, so the caller's mask is swapped around
 * pthread_create). hostsim's own signals (preemption, stage-2 faults) are
 * synchronous or thread-directed and stay open. */
static int start_thread_masked(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	static const int app_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM,
					   SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD };
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(app_signals) / sizeof(app_signals[0]); i++)
		sigaddset(&block, app_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int realm_vcpu_start_locked(struct vmm_realm *r, struct vmm_vcpu *v)
{
	int rc;

	if (r->stopping)
		return 0;
	if (v->thread_live) {
		v->restart = true;
		return 0;
	}
	if (v->joinable) {
		/* The previous thread has cleared thread_live and only returns now;
		 * it takes no lock on the way, so joining under run_lock is safe. */
		pthread_join(v->thread, NULL);
		v->joinable = false;
	}
	rc = start_thread_masked(&v->thread, vcpu_thread, v);
	if (rc)
		return -rc;
	v->thread_live = true;
	v->joinable = true;
	r->live_threads++;
	return 0;
}

static void join_all(struct vmm_realm *r)
{
	for (;;) {
		struct vmm_vcpu *v = NULL;

		pthread_mutex_lock(&r->run_lock);
		for (unsigned i = 0; i < r->nvcpus && !v; i++)
			if (r->vcpus[i].joinable)
				v = &r->vcpus[i];
		if (v)
			v->joinable = false;
		pthread_mutex_unlock(&r->run_lock);
		if (!v)
			return;
		pthread_join(v->thread, NULL);
	}
}

int vmm_realm_run(struct vmm_realm *r, const struct vmm_run_config *cfg,
		  struct vmm_run_result *result)
{
	int rc;

	memset(result, 0, sizeof(*result));
	pthread_mutex_lock(&r->run_lock);
	if (r->ran || r->nvcpus == 0) {
		pthread_mutex_unlock(&r->run_lock);
		return -EINVAL;
	}
	r->ran = true;
	r->run_cfg = cfg;
	r->result = result;
	realm_set_deadline(r, cfg->timeout_ms);
	rc = realm_vcpu_start_locked(r, &r->vcpus[0]);
	if (rc == 0) {
		while (!r->stopping && r->live_threads > 0) {
			struct timespec until;

			/* Wakes at least every STOP_POLL_MS: a signal handler can set
			 * the stop flag but cannot signal run_cond. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += STOP_POLL_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&r->run_cond, &r->run_lock, &until);
			if (!r->stopping) {
				pthread_mutex_unlock(&r->run_lock);
				realm_check_stop(r);
				pthread_mutex_lock(&r->run_lock);
			}
		}
		if (!r->stopping) {
			r->stopping = true;
			result->stop = VMM_STOP_ALL_OFF;
			snprintf(result->detail, sizeof(result->detail), "every vCPU is off");
		}
	} else {
		r->stopping = true;
	}
	pthread_mutex_unlock(&r->run_lock);
	join_all(r);
	pthread_mutex_lock(&r->run_lock);
	r->result = NULL;
	r->run_cfg = NULL;
	pthread_mutex_unlock(&r->run_lock);
	return rc;
}

void vmm_run_result_free(struct vmm_run_result *result)
{
	free(result->token);
	result->token = NULL;
	result->token_len = 0;
}
