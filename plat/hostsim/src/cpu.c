/*
 * hostsim's CPUs: each REC runs on an OS thread of its own.
 *
 * plat_rec_run hands the CPU to the REC's thread (created on its first run)
 * and waits until the REC traps; the REC's thread then waits until the
 * monitor runs it again. The hand-over is one futex word, `turn`, written
 * with release and read with acquire, so exactly one side runs at a time and
 * everything one side wrote is visible to the other (TSan sees the atomics).
 *
 * Realm code runs natively on the REC's thread, on stacks in realm RAM. It
 * traps by:
 *  - calling the SMC gate (an SMC): its registers go to ctx->gprs and come
 *    back from there when the monitor runs the REC again;
 *  - touching its IPA window where the RTT walk finds no usable descriptor
 *    (s2_window.c resolves everything else): PLAT_TRAP_S2_FAULT, then either a
 *    retry (PLAT_RESUME_NORMAL) or a synchronous external abort delivered to
 *    the realm's SEA handler (PLAT_RESUME_INJECT_SEA);
 *  - running past its time slice: the monitor's thread sends
 *    HOSTSIM_PREEMPT_SIGNAL, the handler traps PLAT_TRAP_IRQ and returns to
 *    where the realm was;
 *  - crashing (SIGILL, SIGFPE, SIGBUS, a fault outside its window) or
 *    returning from its entry: PLAT_TRAP_HALTED, for good.
 *
 * hostsim code that a trap runs never uses the realm's stack: the gate moves
 * to the thread's own stack (below the frame that entered realm code), and
 * signal handlers run on an alternate stack. Leaving realm code for good
 * (halt, destroy) goes back to that frame with siglongjmp from the thread's
 * own stack, so the sanitizers always see a stack they know. The preemption
 * signal is blocked whenever hostsim code runs on a REC thread, so it only
 * ever interrupts realm code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#if defined(__aarch64__)
#include <asm/sigcontext.h>
#endif

#include "hostsim/call_on_stack.h"
#include "hostsim_internal.h"

enum { TURN_MONITOR = 0, TURN_REALM = 1, TURN_EXIT = 2 };

#define ALTSTACK_SIZE     (UINT64_C(256) << 10)
/* Room left on the thread's stack between the frame that enters realm code
 * and the stack the gate uses: the realm entry's own prologue runs there. */
#define HOST_STACK_MARGIN 16384u

struct hostsim_cpu {
	_Atomic uint32_t turn;
	pthread_t thread;
	struct hostsim_realm *realm;
	struct plat_rec_ctx *ctx;     /* the monitor's, valid while the REC runs */
	struct plat_trap trap;        /* the last trap, written by the REC thread */
	bool dead;                    /* halted (monitor side) */
	const char *halt_reason;
	sigjmp_buf exit_jmp;          /* where the REC thread leaves realm code for good */
	uintptr_t host_sp;            /* stack the gate and exits use */
	volatile sig_atomic_t in_realm;
	_Atomic uint64_t run_seq;     /* runs started */
	_Atomic uint64_t kick_seq;    /* the run the monitor asked to preempt */
	uintptr_t sea_handler;
	void *altstack;
	stack_t old_altstack;
	struct hostsim_cpu *prev, *next; /* every live CPU, for hostsim_cpus_stop() */
};

/* The live CPUs: a machine that stops ends those its host never destroyed. */
static pthread_mutex_t cpus_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hostsim_cpu *cpus;

static void cpu_list_add(struct hostsim_cpu *cpu)
{
	pthread_mutex_lock(&cpus_lock);
	cpu->prev = NULL;
	cpu->next = cpus;
	if (cpus)
		cpus->prev = cpu;
	cpus = cpu;
	pthread_mutex_unlock(&cpus_lock);
}

static void cpu_list_remove(struct hostsim_cpu *cpu)
{
	pthread_mutex_lock(&cpus_lock);
	if (cpu->prev)
		cpu->prev->next = cpu->next;
	else
		cpus = cpu->next;
	if (cpu->next)
		cpu->next->prev = cpu->prev;
	pthread_mutex_unlock(&cpus_lock);
}

static __thread struct hostsim_cpu *this_cpu;
static _Atomic uint64_t time_slice_us;

HOSTSIM_DEFINE_CALL_ON_STACK(hostsim_call_on_stack);

/* ---- time slice ---- */

void hostsim_set_time_slice_us(uint64_t us)
{
	atomic_store(&time_slice_us, us);
}

uint64_t hostsim_time_slice_us(void)
{
	uint64_t us = atomic_load(&time_slice_us);
	const char *env;

	if (us)
		return us;
	env = getenv("CAEC_TIME_SLICE_MS");
	if (env && *env) {
		char *end;
		unsigned long long ms = strtoull(env, &end, 10);
		if (*end == '\0' && ms > 0 && ms < UINT64_MAX / 1000)
			return ms * 1000;
	}
	return HOSTSIM_DEFAULT_TIME_SLICE_US;
}

/* ---- futex hand-over ---- */

static void futex_wait(_Atomic uint32_t *word, uint32_t expected, const struct timespec *rel)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, rel, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void hand_over(struct hostsim_cpu *cpu, uint32_t to)
{
	atomic_store_explicit(&cpu->turn, to, memory_order_release);
	futex_wake(&cpu->turn);
}

/* Raw system call: no interceptor runs while the preemption signal may land. */
static inline void preempt_signal_block(bool block)
{
	uint64_t set = UINT64_C(1) << (HOSTSIM_PREEMPT_SIGNAL - 1);

	syscall(SYS_rt_sigprocmask, block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL, sizeof(set));
}

/* ---- the REC thread's side ---- */

/* Reports the trap and waits for the next run: false when the REC is being
 * destroyed instead. */
static bool trap_and_wait(struct hostsim_cpu *cpu, enum plat_trap_kind kind, uint64_t ipa,
			  uint64_t esr)
{
	uint32_t turn;

	cpu->trap = (struct plat_trap){ .kind = kind, .ipa = ipa, .esr = esr };
	hand_over(cpu, TURN_MONITOR);
	while ((turn = atomic_load_explicit(&cpu->turn, memory_order_acquire)) == TURN_MONITOR)
		futex_wait(&cpu->turn, TURN_MONITOR, NULL);
	return turn == TURN_REALM;
}

static _Noreturn void leave_realm(struct hostsim_cpu *cpu)
{
	siglongjmp(cpu->exit_jmp, 1);
}

static _Noreturn void halt(struct hostsim_cpu *cpu, const char *why)
{
	cpu->halt_reason = why;
	leave_realm(cpu);
}

static _Noreturn void exit_trampoline(void)
{
	leave_realm(this_cpu);
}

/* Makes the interrupted context resume in exit_trampoline on the thread's
 * own stack, with the preemption signal blocked as in all hostsim code. */
static void redirect_to_exit(struct hostsim_cpu *cpu, void *uctx)
{
	ucontext_t *uc = uctx;
	uintptr_t sp = cpu->host_sp & ~(uintptr_t)15;

	sigaddset(&uc->uc_sigmask, HOSTSIM_PREEMPT_SIGNAL);
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)exit_trampoline;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(sp - 8); /* as if called */
#else
	uc->uc_mcontext.pc = (uintptr_t)exit_trampoline;
	uc->uc_mcontext.sp = sp;
	uc->uc_mcontext.regs[30] = 0;
#endif
}

static void halt_from_signal(struct hostsim_cpu *cpu, void *uctx, const char *why)
{
	cpu->halt_reason = why;
	redirect_to_exit(cpu, uctx);
}

/* A trap taken in a signal handler: false (and the context redirected to the
 * exit) when the REC is destroyed instead of resumed. */
static bool trap_from_signal(struct hostsim_cpu *cpu, void *uctx, enum plat_trap_kind kind,
			     uint64_t ipa, uint64_t esr)
{
	sig_atomic_t was_in_realm = cpu->in_realm;

	cpu->in_realm = 0;
	if (!trap_and_wait(cpu, kind, ipa, esr)) {
		redirect_to_exit(cpu, uctx);
		return false;
	}
	cpu->in_realm = was_in_realm;
	return true;
}

/* What the faulting access was, from the signal frame. */
static void fault_access(void *uctx, bool *write, bool *exec)
{
	ucontext_t *uc = uctx;
#if defined(__x86_64__)
	uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
	*write = (err & 2) != 0;
	*exec = (err & 16) != 0;
#else
	uint64_t esr = 0;
	struct _aarch64_ctx *head = (struct _aarch64_ctx *)uc->uc_mcontext.__reserved;
	while (head->magic) {
		if (head->magic == ESR_MAGIC) {
			esr = ((struct esr_context *)head)->esr;
			break;
		}
		head = (struct _aarch64_ctx *)((char *)head + head->size);
	}
	unsigned ec = (unsigned)(esr >> 26);
	*exec = ec == 0x20 || ec == 0x21;
	*write = !*exec && (esr & (1u << 6));
#endif
}

/* The realm's SEA vector, as the hardware takes an exception: the realm
 * continues in its handler (ipa, esr) on its own stack, with no way back. */
static void deliver_sea(struct hostsim_cpu *cpu, void *uctx, uint64_t ipa, uint64_t esr)
{
	ucontext_t *uc = uctx;
	struct hostsim_realm *r = cpu->realm;

	if (!cpu->sea_handler) {
		halt_from_signal(cpu, uctx, "hostsim: synchronous external abort, and the realm has no SEA handler");
		return;
	}
#if defined(__x86_64__)
	uintptr_t sp = (((uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - 128) & ~(uintptr_t)15) - 8;
	/* The return address slot holds 0: a handler that returns crashes. It is
	 * written through stage 2, as the realm's own store would be. */
	uint64_t *slot = sp - (uintptr_t)r->window < r->window_size
				 ? hostsim_s2_writable_ptr(&r->s2, sp - (uintptr_t)r->window)
				 : NULL;
	if (!slot) {
		halt_from_signal(cpu, uctx, "hostsim: synchronous external abort, and the realm's stack is not writable");
		return;
	}
	*slot = 0;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)cpu->sea_handler;
	uc->uc_mcontext.gregs[REG_RDI] = (greg_t)ipa;
	uc->uc_mcontext.gregs[REG_RSI] = (greg_t)esr;
#else
	(void)r;
	uc->uc_mcontext.sp &= ~(uint64_t)15;
	uc->uc_mcontext.pc = cpu->sea_handler;
	uc->uc_mcontext.regs[0] = ipa;
	uc->uc_mcontext.regs[1] = esr;
	uc->uc_mcontext.regs[30] = 0;
#endif
}

static _Noreturn void window_violation(const char *what, struct hostsim_realm *r, uint64_t ipa)
{
	hostsim_fatal_ipa(what, r->s2.vmid, ipa);
}

void hostsim_cpu_window_fault(struct hostsim_realm *r, uint64_t ipa, siginfo_t *si, void *uctx)
{
	struct hostsim_cpu *cpu = this_cpu;
	bool write, exec;

	(void)si;
	if (!cpu)
		window_violation("hostsim: a host thread touched a realm's IPA window (a host bug)", r, ipa);
	if (cpu->realm != r) {
		if (!cpu->in_realm)
			window_violation("hostsim: a REC thread touched another realm's IPA window", r, ipa);
		halt_from_signal(cpu, uctx, "hostsim: realm code touched another realm's memory");
		return;
	}
	fault_access(uctx, &write, &exec);
	if (exec) {
		halt_from_signal(cpu, uctx, "hostsim: realm code jumped into its IPA window (code runs from its image only)");
		return;
	}
	unsigned dfsc = hostsim_realm_map(r, ipa, write);
	if (dfsc == 0)
		return; /* mapped: the access is retried */
	if (!cpu->in_realm) {
		halt_from_signal(cpu, uctx, "hostsim: realm memory passed to the SMC gate is not accessible");
		return;
	}
	uint64_t esr = hostsim_esr_data_abort(write, dfsc);
	if (!trap_from_signal(cpu, uctx, PLAT_TRAP_S2_FAULT, ipa, esr))
		return;
	if (cpu->ctx->resume == PLAT_RESUME_INJECT_SEA)
		deliver_sea(cpu, uctx, ipa, esr);
}

bool hostsim_cpu_signal(int sig, siginfo_t *si, void *uctx)
{
	struct hostsim_cpu *cpu = this_cpu;

	(void)si;
	if (!cpu)
		return false;
	if (sig == HOSTSIM_PREEMPT_SIGNAL) {
		/* A kick meant for an earlier run (the REC trapped first) is stale. */
		if (atomic_load(&cpu->kick_seq) == atomic_load(&cpu->run_seq))
			trap_from_signal(cpu, uctx, PLAT_TRAP_IRQ, 0, 0);
		return true;
	}
	if (!cpu->in_realm)
		return false; /* hostsim's own bug: let it crash loudly */
	switch (sig) {
	case SIGILL:
		halt_from_signal(cpu, uctx, "realm crashed: illegal instruction");
		break;
	case SIGFPE:
		halt_from_signal(cpu, uctx, "realm crashed: arithmetic exception");
		break;
	case SIGBUS:
		halt_from_signal(cpu, uctx, "realm crashed: bus error");
		break;
	default:
		halt_from_signal(cpu, uctx, "realm crashed: memory access outside its IPA window");
		break;
	}
	return true;
}

/* ---- the gate: realm code's SMC instruction ---- */

/* On the thread's own stack. */
static void gate_on_host_stack(void *arg)
{
	struct hostsim_cpu *cpu = this_cpu;
	struct smc_regs *regs = arg;

	switch (regs->x[0]) {
	case HOSTSIM_GATE_SET_SEA_HANDLER:
		cpu->sea_handler = (uintptr_t)regs->x[1];
		regs->x[0] = 0;
		break;
	case HOSTSIM_GATE_IPA_WINDOW:
		regs->x[0] = 0;
		regs->x[1] = (uintptr_t)cpu->realm->window;
		regs->x[2] = cpu->realm->window_size;
		break;
	case HOSTSIM_GATE_COUNTER_FREQ:
		regs->x[0] = 0;
		regs->x[1] = hostsim_counter_freq();
		break;
	default:
		memcpy(cpu->ctx->gprs, regs->x, sizeof(regs->x));
		if (!trap_and_wait(cpu, PLAT_TRAP_SMC, 0, 0))
			leave_realm(cpu);
		memcpy(regs->x, cpu->ctx->gprs, sizeof(regs->x));
		break;
	}
}

static _Noreturn void gate_misuse(void)
{
	static const char msg[] = "hostsim: the SMC gate was called outside a REC\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)ignored;
	abort();
}

/* Runs on the realm's stack, so it is not instrumented: it only copies the
 * registers (realm memory, read as the realm would: a fault here is the
 * realm's) and moves to the thread's stack. */
__attribute__((noinline, no_sanitize_address, no_sanitize_thread))
static void gate_entry(struct smc_regs *regs)
{
	struct hostsim_cpu *cpu = this_cpu;
	struct smc_regs local;
	volatile uint64_t *vregs = regs->x;

	if (!cpu)
		gate_misuse();
	for (unsigned i = 0; i < 18; i++)
		local.x[i] = vregs[i];
	preempt_signal_block(true);
	cpu->in_realm = 0;
	atomic_signal_fence(memory_order_seq_cst);
	hostsim_call_on_stack(&local, gate_on_host_stack, cpu->host_sp);
	cpu->in_realm = 1;
	atomic_signal_fence(memory_order_seq_cst);
	preempt_signal_block(false);
	for (unsigned i = 0; i < 18; i++)
		vregs[i] = local.x[i];
}

/* ---- entering realm code ---- */

__attribute__((noinline, no_sanitize_address, no_sanitize_thread))
static void call_realm(struct hostsim_cpu *cpu, const struct hostsim_boot *boot, const uint64_t *x)
{
	cpu->in_realm = 1;
	atomic_signal_fence(memory_order_seq_cst);
	preempt_signal_block(false);
	if (boot->secondary)
		((void (*)(uint64_t))boot->fn)(x[0]);
	else
		((void (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t))boot->fn)(x[0], x[1], x[2], x[3], x[4]);
	preempt_signal_block(true);
	cpu->in_realm = 0;
	atomic_signal_fence(memory_order_seq_cst);
}

__attribute__((noinline))
static void enter_realm(struct hostsim_cpu *cpu, const struct hostsim_boot *boot, const uint64_t *x)
{
	char here;

	cpu->host_sp = ((uintptr_t)&here - HOST_STACK_MARGIN) & ~(uintptr_t)15;
	call_realm(cpu, boot, x);
}

static void boot_cpu(struct hostsim_cpu *cpu)
{
	struct hostsim_realm *r = cpu->realm;
	struct hostsim_boot boot;
	uint64_t x[5];
	const char *why;

	memcpy(x, cpu->ctx->gprs, sizeof(x));
	pthread_mutex_lock(&r->loader_lock);
	why = hostsim_image_boot(&r->image, &r->s2, cpu->ctx->pc, gate_entry, &boot);
	pthread_mutex_unlock(&r->loader_lock);
	if (why)
		halt(cpu, why);
	enter_realm(cpu, &boot, x);
	halt(cpu, "realm code returned from its entry point");
}

static bool altstack_install(struct hostsim_cpu *cpu)
{
	stack_t ss = { .ss_size = ALTSTACK_SIZE };

	ss.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED)
		return false;
	if (sigaltstack(&ss, &cpu->old_altstack) != 0) {
		munmap(ss.ss_sp, ALTSTACK_SIZE);
		return false;
	}
	cpu->altstack = ss.ss_sp;
	return true;
}

static void altstack_remove(struct hostsim_cpu *cpu)
{
	if (!cpu->altstack)
		return;
	/* Give back whatever was there (ASan frees its own at thread exit). */
	if (cpu->old_altstack.ss_flags & SS_DISABLE) {
		stack_t off = { .ss_flags = SS_DISABLE };
		sigaltstack(&off, NULL);
	} else {
		sigaltstack(&cpu->old_altstack, NULL);
	}
	munmap(cpu->altstack, ALTSTACK_SIZE);
	cpu->altstack = NULL;
}

static void *cpu_thread(void *arg)
{
	struct hostsim_cpu *cpu = arg;

	this_cpu = cpu;
	if (!altstack_install(cpu))
		cpu->halt_reason = "hostsim: no signal stack for the REC's thread";
	else if (sigsetjmp(cpu->exit_jmp, 1) == 0)
		boot_cpu(cpu);
	altstack_remove(cpu);
	this_cpu = NULL;
	if (atomic_load_explicit(&cpu->turn, memory_order_acquire) != TURN_EXIT) {
		/* Halted: the last trap, then the thread is gone. */
		cpu->trap = (struct plat_trap){ .kind = PLAT_TRAP_HALTED, .halt_reason = cpu->halt_reason };
		hand_over(cpu, TURN_MONITOR);
	}
	return NULL;
}

/* ---- the monitor's side ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits for the REC's trap; past the time slice, interrupts it once. */
static void wait_for_trap(struct hostsim_cpu *cpu, uint64_t seq)
{
	uint64_t slice_us = hostsim_time_slice_us(), start = now_ns(), deadline = UINT64_MAX;
	bool kicked = false;

	/* A slice past what nanoseconds can count never ends (no wrap-around). */
	if (slice_us <= (UINT64_MAX - start) / 1000u)
		deadline = start + slice_us * 1000u;

	while (atomic_load_explicit(&cpu->turn, memory_order_acquire) == TURN_REALM) {
		uint64_t now = kicked ? 0 : now_ns();
		if (kicked) {
			futex_wait(&cpu->turn, TURN_REALM, NULL);
		} else if (now >= deadline) {
			atomic_store(&cpu->kick_seq, seq);
			pthread_kill(cpu->thread, HOSTSIM_PREEMPT_SIGNAL);
			kicked = true;
		} else {
			struct timespec rel = { .tv_sec = (time_t)((deadline - now) / 1000000000u),
						.tv_nsec = (long)((deadline - now) % 1000000000u) };
			futex_wait(&cpu->turn, TURN_REALM, &rel);
		}
	}
}

/* The emulator's log of a CPU's death, on stderr: the monitor turns it into
 * an SError exit that carries no reason, as hardware would, but a person
 * running the emulated machine wants to know why a realm never booted or
 * crashed (once per CPU). */
static void log_halt(uint16_t vmid, const char *why)
{
	static const char self[] = "hostsim: ";

	if (!why)
		why = "no reason recorded";
	else if (!strncmp(why, self, sizeof(self) - 1))
		why += sizeof(self) - 1;
	fprintf(stderr, "hostsim: a CPU of the realm with VMID %u halted: %s\n", (unsigned)vmid, why);
}

static void halted(struct plat_trap *trap, const char *why)
{
	*trap = (struct plat_trap){ .kind = PLAT_TRAP_HALTED, .halt_reason = why };
}

/* A CPU that dies now: logged once, here or when its thread's last trap arrives. */
static void halted_logged(struct plat_trap *trap, uint16_t vmid, const char *why)
{
	log_halt(vmid, why);
	halted(trap, why);
}

static const char *cpu_start(struct hostsim_cpu *cpu)
{
	sigset_t block, old;
	int rc;

	/* The thread starts with the preemption signal blocked (hostsim code). */
	sigemptyset(&block);
	sigaddset(&block, HOSTSIM_PREEMPT_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	atomic_store_explicit(&cpu->turn, TURN_REALM, memory_order_release);
	rc = pthread_create(&cpu->thread, NULL, cpu_thread, cpu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? NULL : "hostsim: cannot create the REC's thread";
}

void plat_rec_run(const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap)
{
	struct hostsim_cpu *cpu = (struct hostsim_cpu *)(uintptr_t)ctx->cpu;
	const char *why = NULL;
	bool first = false;

	if (!cpu) {
		cpu = calloc(1, sizeof(*cpu));
		if (!cpu) {
			halted_logged(trap, s2->vmid, "hostsim: out of memory for a CPU");
			return;
		}
		cpu->realm = hostsim_realm_acquire(s2, &why);
		if (!cpu->realm) {
			free(cpu);
			halted_logged(trap, s2->vmid, why);
			return;
		}
		first = true;
	} else if (cpu->dead) {
		halted(trap, cpu->halt_reason);
		return;
	}
	cpu->ctx = ctx;
	uint64_t seq = atomic_fetch_add(&cpu->run_seq, 1) + 1;
	if (first) {
		why = cpu_start(cpu);
		if (why) {
			hostsim_realm_release(cpu->realm);
			free(cpu);
			halted_logged(trap, s2->vmid, why);
			return;
		}
		ctx->cpu = (uintptr_t)cpu;
		ctx->started = 1;
		cpu_list_add(cpu);
	} else {
		hand_over(cpu, TURN_REALM);
	}
	wait_for_trap(cpu, seq);
	*trap = cpu->trap;
	if (trap->kind == PLAT_TRAP_HALTED) {
		cpu->dead = true;
		log_halt(s2->vmid, trap->halt_reason);
	}
}

/* Ends a CPU that is parked in a trap (or halted) and frees it. */
static void cpu_end(struct hostsim_cpu *cpu)
{
	if (!cpu->dead)
		hand_over(cpu, TURN_EXIT); /* it waits in a trap: unwinds and ends */
	pthread_join(cpu->thread, NULL);
	hostsim_realm_release(cpu->realm);
	free(cpu);
}

void plat_rec_destroy(struct plat_rec_ctx *ctx)
{
	struct hostsim_cpu *cpu = (struct hostsim_cpu *)(uintptr_t)ctx->cpu;

	if (!cpu)
		return;
	cpu_list_remove(cpu);
	cpu_end(cpu);
	ctx->cpu = 0;
}

void hostsim_cpus_stop(void)
{
	for (;;) {
		pthread_mutex_lock(&cpus_lock);
		struct hostsim_cpu *cpu = cpus;
		if (cpu) {
			cpus = cpu->next;
			if (cpus)
				cpus->prev = NULL;
		}
		pthread_mutex_unlock(&cpus_lock);
		if (!cpu)
			return;
		cpu_end(cpu);
	}
}

/* ---- the realm's counter ---- */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
static uint64_t read_counter(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The TSC against CLOCK_MONOTONIC over 20 ms, once per process. */
static uint64_t measure_freq(void)
{
	uint64_t t0 = monotonic_ns(), c0 = read_counter(), t1, c1;

	do {
		t1 = monotonic_ns();
		c1 = read_counter();
	} while (t1 - t0 < 20000000u);
	return (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
}
#elif defined(__aarch64__)
static uint64_t measure_freq(void)
{
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}
#endif

uint64_t hostsim_counter_freq(void)
{
	static _Atomic uint64_t freq;
	uint64_t f = atomic_load(&freq);

	if (f == 0) {
		f = measure_freq();
		atomic_store(&freq, f);
	}
	return f;
}
