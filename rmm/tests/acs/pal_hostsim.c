/*
 * The compliance suite's platform layer (PAL) on hostsim, and the few VAL
 * functions whose suite versions are AArch64 assembly or drive hardware
 * hostsim does not have (the stage-1 MMU, the UART, NVM, watchdogs). The rest
 * of the suite's host side is compiled as it is.
 *
 * The suite is firmware: it takes a PA for a pointer, which holds here
 * because the machine's host window is at VA == PA (acs_hostsim.c).
 */
#include "pal_cdefs.h" /* first: the suite's headers use its __aligned */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acs_hostsim.h"
#include "pal_interfaces.h"
#include "val_framework.h"
#include "val_exceptions.h"
#include "val_hvc.h"
#include "val_mmu.h"
#include "val_smc.h"
#include "val_sysreg.h"

/* ---- SMC and HVC ---- */

void val_smc_call_asm(val_smc_param_ts *args)
{
	uint64_t x[ACS_SMC_REGS] = { args->x0, args->x1, args->x2, args->x3, args->x4, args->x5,
				     args->x6, args->x7, args->x8, args->x9, args->x10 };

	acs_machine_smc(x);
	args->x0 = x[0];
	args->x1 = x[1];
	args->x2 = x[2];
	args->x3 = x[3];
	args->x4 = x[4];
	args->x5 = x[5];
	args->x6 = x[6];
	args->x7 = x[7];
	args->x8 = x[8];
	args->x9 = x[9];
	args->x10 = x[10];
}

/* The host runs at (emulated) EL2 with nothing above it to take an HVC. */
void val_hvc_call_asm(val_hvc_param_ts *args)
{
	args->x0 = (uint64_t)-1; /* SMCCC NOT_SUPPORTED */
}

/* ---- what the suite reads from system registers ---- */

/* hostsim's PA space: 40 bits (HOSTSIM_MAX_DRAM_SIZE). */
uint64_t val_get_pa_range_supported(void)
{
	return 40;
}

/* ID_AA64MMFR1_EL1 of the emulated CPU: VMIDBits = 0b0010, 16-bit VMIDs,
 * as the monitor implements them (rmm/src/vmid.c); nothing else set. */
uint64_t val_id_aa64mmfr1_el1_read(void)
{
	return UINT64_C(2) << 4;
}

/* ID_AA64MMFR0_EL1: PARange 0b0010 (40 bits, as above), 4 KiB granules. */
uint64_t val_id_aa64mmfr0_el1_read(void)
{
	return 2;
}

/* The host's own exception registers. A host GPF on hostsim is fatal (the
 * machine reports it and stops; pal_config_def.h says
 * PLATFORM_GPF_SUPPORT_NS_EL2 0), so no host exception handler ever runs and
 * the test that installs one skips itself; these exist for its link. */
static _Noreturn void no_host_exceptions(const char *what)
{
	fprintf(stderr, "acs: %s: host exceptions are not delivered on hostsim\n", what);
	abort();
}

void val_exception_setup(void (*irq)(void), bool (*exception)(void))
{
	if (irq || exception)
		no_host_exceptions("val_exception_setup");
}

uint64_t val_esr_el1_read(void)
{
	no_host_exceptions("val_esr_el1_read");
}

uint64_t val_far_el1_read(void)
{
	no_host_exceptions("val_far_el1_read");
}

uint64_t val_elr_el1_read(void)
{
	no_host_exceptions("val_elr_el1_read");
}

void val_elr_el1_write(uint64_t value)
{
	(void)value;
	no_host_exceptions("val_elr_el1_write");
}

/* Permission indirection is RMM 1.1; a 1.0 run never asks for it. */
uint64_t val_pi_index_to_desc(uint64_t pi_index)
{
	fprintf(stderr, "acs: val_pi_index_to_desc(%llu) called: permission indirection is RMM 1.1, "
			"not part of this 1.0 port\n", (unsigned long long)pi_index);
	abort();
}

/* ---- console ---- */

/* The suite's format: up to two integer conversions (d, u, x, X, with an
 * optional l or ll), taken from data1 then data2. */
uint32_t pal_printf(const char *msg, uint64_t data1, uint64_t data2)
{
	uint64_t data[2] = { data1, data2 };
	unsigned next = 0;

	for (; *msg; msg++) {
		if (*msg != '%') {
			fputc(*msg, stdout);
			continue;
		}
		msg++;
		while (*msg == 'l' || *msg == 'L')
			msg++;
		uint64_t v = next < 2 ? data[next] : 0;
		switch (*msg) {
		case 'd':
		case 'i':
			printf("%lld", (long long)v);
			next++;
			break;
		case 'u':
			printf("%llu", (unsigned long long)v);
			next++;
			break;
		case 'x':
		case 'X':
		case 'p':
			printf("%llx", (unsigned long long)v);
			next++;
			break;
		case '%':
			fputc('%', stdout);
			break;
		case '\0':
			msg--;
			break;
		default:
			fputc('%', stdout);
			fputc(*msg, stdout);
			break;
		}
	}
	fflush(stdout);
	return 0;
}

/* The realm's messages, left in the shared region for the host to print. */
uint32_t val_host_realm_printf_msg_service(void)
{
	char *base = val_get_shared_region_base();

	return val_printf(base + REALM_PRINTF_MSG_OFFSET,
			  *(uint64_t *)(base + REALM_PRINTF_DATA1_OFFSET),
			  *(uint64_t *)(base + REALM_PRINTF_DATA2_OFFSET));
}

/* ---- NVM: a test's progress across reboots; one run is one boot here ---- */

static uint8_t nvm[PLATFORM_NVM_SIZE];

uint32_t pal_nvm_write(uint32_t offset, void *buffer, size_t size)
{
	if (offset > sizeof(nvm) || size > sizeof(nvm) - offset)
		return 1;
	memcpy(nvm + offset, buffer, size);
	return 0;
}

uint32_t pal_nvm_read(uint32_t offset, void *buffer, size_t size)
{
	if (offset > sizeof(nvm) || size > sizeof(nvm) - offset)
		return 1;
	memcpy(buffer, nvm + offset, size);
	return 0;
}

/* ---- watchdogs: an alarm that ends a test that hangs ---- */

#define ACS_WATCHDOG_SECONDS 60u

static void watchdog_expired(int sig)
{
	static const char msg[] = "acs: watchdog expired: the test ran longer than 60 s\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)ignored;
	(void)sig;
	_exit(1);
}

uint32_t pal_watchdog_enable(void)
{
	signal(SIGALRM, watchdog_expired);
	alarm(ACS_WATCHDOG_SECONDS);
	return 0;
}

uint32_t pal_watchdog_disable(void)
{
	alarm(0);
	return 0;
}

/* The NS and trusted watchdogs time realm interrupts on hardware; their
 * tests do not run here (no interrupts are emulated). */
void pal_ns_wdog_enable(uint32_t ms)
{
	(void)ms;
}

void pal_ns_wdog_disable(void)
{
}

uint32_t pal_twdog_enable(uint32_t ms)
{
	(void)ms;
	return 0;
}

uint32_t pal_twdog_disable(void)
{
	return 0;
}

/* VAL_PANIC: the suite met something it cannot go on from. */
uint32_t pal_terminate_simulation(void)
{
	fprintf(stderr, "acs: the suite stopped the run (VAL_PANIC)\n");
	exit(1);
}

/* ---- libc ---- */

int pal_memcmp(void *src, void *dest, size_t len)
{
	return memcmp(src, dest, len);
}

void *pal_memcpy(void *dst, const void *src, size_t len)
{
	return memcpy(dst, src, len);
}

void *pal_memset(void *dst, int val, size_t count)
{
	return memset(dst, val, count);
}

size_t pal_strlen(char *str)
{
	return strlen(str);
}

void pal_assert(const char *e, uint64_t line, const char *file)
{
	fprintf(stderr, "acs: assertion failed in the suite: %s (%s:%llu)\n", e, file,
		(unsigned long long)line);
	abort();
}
