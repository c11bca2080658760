/*
 * Emulated synchronous faults: SIGSEGV routed to the machine's fault windows.
 *
 * The emulated MMU and GPT work by closing pages (PROT_NONE), so a forbidden
 * access raises SIGSEGV in the accessing thread. This handler finds the fault
 * window the address falls in and lets its owner decide what the hardware
 * would do (retry, report and stop, or, in a later issue, turn a realm's
 * stage-2 fault into a REC exit). Addresses outside every window are
 * not hostsim's: they go to the previously installed handler, so ASan and
 * friends still report real bugs.
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
static struct sigaction previous;
static bool installed;

static void chain_to_previous(int sig, siginfo_t *si, void *uctx)
{
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, si, uctx);
		return;
	}
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/* Default action: restore it and return, so the faulting instruction runs
	 * again and the kernel kills the process with the original fault. */
	signal(sig, SIG_DFL);
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
	chain_to_previous(sig, si, uctx);
}

int hostsim_fault_install(void)
{
	struct sigaction sa;

	if (installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsegv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &previous) != 0)
		return -errno;
	installed = true;
	return 0;
}

void hostsim_fault_uninstall(void)
{
	if (!installed)
		return;
	sigaction(SIGSEGV, &previous, NULL);
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
