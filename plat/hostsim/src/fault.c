/*
 * Emulated synchronous faults: SIGSEGV routed to the machine's fault windows.
 *
 * The emulated MMU and GPT work by closing pages (PROT_NONE), so a forbidden
 * access raises SIGSEGV in the accessing thread. This handler finds the fault
 * window the address falls in and lets its owner decide what the hardware
 * would do (retry, report and stop, or turn a realm's stage-2 fault into a
 * trap of its REC: each realm's IPA window is one of these windows).
 * Addresses outside every window are not hostsim's, unless realm code
 * running on a REC thread made them: they go to the previously installed
 * handler, so ASan and friends still report real bugs.
 *
 * The other signals a CPU can raise (SIGILL, SIGFPE, SIGBUS) and the one
 * that ends a REC's time slice (HOSTSIM_PREEMPT_SIGNAL) go to cpu.c first,
 * which takes those of REC threads running realm code and leaves the rest to
 * the previous handlers. Every hostsim handler runs with the preemption
 * signal blocked, on the thread's alternate stack when it has one (REC
 * threads always do: their realm stack may be the very page that faulted).
 *
 * Windows live in a fixed table of atomic pointers: the handler may run on any
 * thread at any time and must neither lock nor allocate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostsim_internal.h"

static const struct hostsim_fault_window *_Atomic windows[HOSTSIM_FAULT_WINDOWS_MAX];
static const int handled_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, HOSTSIM_PREEMPT_SIGNAL };
#define NUM_HANDLED (sizeof(handled_signals) / sizeof(handled_signals[0]))
static struct sigaction previous[NUM_HANDLED];
static bool installed;

static void chain_to_previous(int sig, siginfo_t *si, void *uctx)
{
	const struct sigaction *prev = NULL;

	for (unsigned i = 0; i < NUM_HANDLED; i++)
		if (handled_signals[i] == sig)
			prev = &previous[i];
	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, si, uctx);
		return;
	}
	if (prev->sa_handler == SIG_IGN)
		return;
	if (prev->sa_handler != SIG_DFL) {
		prev->sa_handler(sig);
		return;
	}
	/* Default action: restore it; a fault returns and runs the instruction
	 * again, so the kernel kills the process with the original fault; a sent
	 * signal is raised again. */
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
}

static void on_sigsegv(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr;

	for (unsigned i = 0; i < HOSTSIM_FAULT_WINDOWS_MAX; i++) {
		const struct hostsim_fault_window *w = atomic_load(&windows[i]);
		if (w && addr - w->base < w->size) {
			w->on_fault(w, addr, si, uctx);
			return;
		}
	}
	if (!hostsim_cpu_signal(sig, si, uctx))
		chain_to_previous(sig, si, uctx);
}

static void on_cpu_signal(int sig, siginfo_t *si, void *uctx)
{
	if (!hostsim_cpu_signal(sig, si, uctx))
		chain_to_previous(sig, si, uctx);
}

int hostsim_fault_install(void)
{
	struct sigaction sa;

	if (installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, HOSTSIM_PREEMPT_SIGNAL);
	for (unsigned i = 0; i < NUM_HANDLED; i++) {
		sa.sa_sigaction = handled_signals[i] == SIGSEGV ? on_sigsegv : on_cpu_signal;
		if (sigaction(handled_signals[i], &sa, &previous[i]) != 0) {
			int rc = -errno;
			while (i-- > 0)
				sigaction(handled_signals[i], &previous[i], NULL);
			return rc;
		}
	}
	installed = true;
	return 0;
}

void hostsim_fault_uninstall(void)
{
	if (!installed)
		return;
	for (unsigned i = NUM_HANDLED; i-- > 0;)
		sigaction(handled_signals[i], &previous[i], NULL);
	installed = false;
}

int hostsim_fault_window_add(const struct hostsim_fault_window *w)
{
	for (unsigned i = 0; i < HOSTSIM_FAULT_WINDOWS_MAX; i++) {
		const struct hostsim_fault_window *empty = NULL;
		if (atomic_compare_exchange_strong(&windows[i], &empty, w))
			return 0;
	}
	return -ENOSPC;
}

void hostsim_fault_window_remove(const struct hostsim_fault_window *w)
{
	for (unsigned i = 0; i < HOSTSIM_FAULT_WINDOWS_MAX; i++) {
		const struct hostsim_fault_window *expected = w;
		if (atomic_compare_exchange_strong(&windows[i], &expected, NULL))
			return;
	}
}

/* ---- the fatal report, with nothing but write(2) ---- */

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t append_hex(char *buf, size_t at, size_t cap, uint64_t v)
{
	char digits[17];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	at = append(buf, at, cap, "0x");
	while (n > 0 && at + 1 < cap)
		buf[at++] = digits[--n];
	return at;
}

_Noreturn void hostsim_fault_fatal(const char *what, uint64_t pa, unsigned pas)
{
	char msg[160];
	size_t n = 0;

	n = append(msg, n, sizeof(msg), "hostsim: granule protection fault: ");
	n = append(msg, n, sizeof(msg), what);
	n = append(msg, n, sizeof(msg), " to PA ");
	n = append_hex(msg, n, sizeof(msg), pa);
	n = append(msg, n, sizeof(msg), " (PAS ");
	n = append(msg, n, sizeof(msg), hostsim_pas_name(pas));
	n = append(msg, n, sizeof(msg), ")\n");
	ssize_t ignored = write(STDERR_FILENO, msg, n);
	(void)ignored;
	abort();
}

_Noreturn void hostsim_fatal_ipa(const char *what, uint16_t vmid, uint64_t ipa)
{
	char msg[200];
	size_t n = 0;

	n = append(msg, n, sizeof(msg), what);
	n = append(msg, n, sizeof(msg), " (VMID ");
	n = append_hex(msg, n, sizeof(msg), vmid);
	n = append(msg, n, sizeof(msg), ", IPA ");
	n = append_hex(msg, n, sizeof(msg), ipa);
	n = append(msg, n, sizeof(msg), ")\n");
	ssize_t ignored = write(STDERR_FILENO, msg, n);
	(void)ignored;
	abort();
}
