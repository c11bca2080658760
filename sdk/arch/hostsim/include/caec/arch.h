/*
 * The realm side's lowest layer: what a realm program needs from the CPU it
 * runs on, on hostsim.
 *
 * On hostsim a realm image is a shared object the platform loads from the
 * realm's own measured memory; its code runs natively, and its RAM (stacks
 * and heap) is reached through the realm's IPA window, where a pointer is
 * the window's base plus the IPA. Calls to the monitor (RSI, PSCI) go through
 * the SMC gate the platform stores in `caec_smc_gate`. The crt here defines
 * the image's entry: it switches to a stack at the top of RAM and calls
 * sdk_realm_start(), the portable sdk's start-up (a weak default here calls
 * realm_main() and then PSCI SYSTEM_OFF).
 *
 * Code addresses and IPAs: the image is loaded at IPA image_base (X0 at
 * boot); a code address's IPA is image_base plus its offset from the loaded
 * image's base. That is what PSCI CPU_ON takes as the entry point.
 */
#ifndef CAEC_ARCH_H
#define CAEC_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

/* The boot CPU's stack: the top CAEC_ARCH_BOOT_STACK_SIZE bytes of RAM. The
 * heap must stay below it. */
#define CAEC_ARCH_BOOT_STACK_SIZE (UINT64_C(64) << 10)

/* The portable sdk's start-up, called on the boot CPU's realm stack with the
 * boot registers; it calls realm_main() and should not return (returning
 * halts the CPU). */
int sdk_realm_start(uint64_t image_base, uint64_t image_size, uint64_t ram_base,
		    uint64_t ram_size, uint64_t nr_cpus);
/* The realm program. */
int realm_main(void);

/* One SMC to the monitor: x[0] = FID, x[1..] arguments; results in place
 * (X0..X4, X1..X8 for RSI_MEASUREMENT_READ). */
void rsi_call(struct smc_regs *regs);

/* IPA <-> pointer for realm memory (RAM, and the image's own IPA range as
 * bytes). caec_arch_ipa_to_ptr returns NULL for an IPA outside the realm's
 * IPA space. */
void *caec_arch_ipa_to_ptr(uint64_t ipa);
uint64_t caec_arch_ptr_to_ipa(const void *ptr);
/* Code address -> IPA, e.g. for PSCI CPU_ON's entry point; and back. */
uint64_t caec_arch_code_to_ipa(const void *code);
const void *caec_arch_ipa_to_code(uint64_t ipa);
/* The boot registers as the platform gave them. */
uint64_t caec_arch_image_base(void);

/* Synchronous external abort: the platform calls the handler on the realm's
 * stack with the faulting IPA and ESR; the handler must not return. NULL
 * removes it (an abort then stops the CPU). 0 or a negative value. */
typedef void (*caec_sea_handler_fn)(uint64_t ipa, uint64_t esr);
int caec_arch_set_sea_handler(caec_sea_handler_fn handler);

/* The CPU's free-running counter (the generic timer's virtual count on
 * Arm; the TSC on hostsim's x86-64 CPUs) and its frequency in Hz, which
 * the platform reports (CNTFRQ_EL0 on Arm) and the SDK caches. */
static inline uint64_t caec_arch_counter(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
#error "no counter for this architecture"
#endif
}
uint64_t caec_arch_counter_freq(void);

/* A spin-wait hint to the CPU (x86 PAUSE, Arm YIELD). */
static inline void caec_arch_relax(void)
{
#if defined(__x86_64__)
	__asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}
/* Nanoseconds since an arbitrary start, from the counter. */
uint64_t caec_arch_now_ns(void);

/* len bytes from the CPU's random number generator (x86-64 RDRAND, Arm
 * RNDR): 0, or -1 when it has none or keeps failing. */
int caec_arch_random(void *buf, size_t len);

/* Secondary CPUs: PSCI CPU_ON with entry = caec_arch_secondary_entry_ipa()
 * and context_id = the realm address of a struct caec_secondary_boot the
 * boot CPU filled (in realm RAM). The new CPU switches to stack_top and
 * calls fn(arg); when fn returns, it calls PSCI CPU_OFF. */
struct caec_secondary_boot {
	void *stack_top;  /* 16-byte aligned, in realm RAM */
	void (*fn)(void *arg);
	void *arg;
};
uint64_t caec_arch_secondary_entry_ipa(void);

#endif
