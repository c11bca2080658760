/* Stopping a command's VMM on SIGINT/SIGTERM (cli.h, "signals"). */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "cli.h"
#include "host/vmm.h"

/* ---- stopping on a signal -------------------------------------------------------
 * The handler may run before the VMM exists (while the machine starts) or
 * after: it counts the signal, and stops the VMM if there is one; whoever
 * publishes the VMM checks the count afterwards. A second signal restores
 * the default action and raises it again: the user wants out now. Only
 * lock-free atomics and async-signal-safe calls here. */
static struct vmm *_Atomic signal_vmm;
static atomic_int stop_signals;       /* signals received */
static atomic_int first_stop_signal;  /* the first one's number */

static void on_stop_signal(int sig)
{
	if (atomic_fetch_add(&stop_signals, 1) > 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	atomic_store(&first_stop_signal, sig);
	struct vmm *vmm = atomic_load(&signal_vmm);
	if (vmm)
		vmm_request_stop(vmm);
}

void cli_catch_stop_signals(struct cli_saved_signals *saved)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	atomic_store(&stop_signals, 0);
	atomic_store(&first_stop_signal, 0);
	/* Also when the shell ignored SIGINT (a background job): whoever sends
	 * it to this process by its id means it. */
	sigaction(SIGINT, &sa, &saved->intr);
	sigaction(SIGTERM, &sa, &saved->term);
}

void cli_restore_stop_signals(const struct cli_saved_signals *saved)
{
	sigaction(SIGINT, &saved->intr, NULL);
	sigaction(SIGTERM, &saved->term, NULL);
}

/* Makes vmm the one a signal stops (NULL: none). */
void cli_publish_vmm(struct vmm *vmm)
{
	atomic_store(&signal_vmm, vmm);
	if (vmm && atomic_load(&stop_signals) > 0)
		vmm_request_stop(vmm);
}

const char *cli_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}


int cli_stop_signal(void)
{
	return atomic_load(&first_stop_signal);
}
