/*
 * The realm program of hostsim's execution tests: it says hello, then runs
 * the commands the test (acting as the monitor) hands it over SMCs.
 */
#include <stdint.h>

#include "abi/rsi.h"
#include "caec/arch.h"
#include "exec_realm_abi.h"

static const volatile uint64_t image_magic = EXEC_IMAGE_MAGIC;
static struct caec_secondary_boot secondary_boot;

static struct smc_regs call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct smc_regs r = { .x = { fid, a1, a2, a3, a4 } };

	rsi_call(&r);
	return r;
}

static void crash(uint64_t how, uint64_t arg)
{
	if (how == 1)
		__builtin_trap();
	if (how == 2) {
		volatile uint64_t *volatile where = (volatile uint64_t *)(uintptr_t)arg;
		*where = 1;
	}
	volatile uint64_t zero = 0;
	volatile uint64_t q = arg / zero;
	(void)q;
}

static int command_loop(uint64_t cpu)
{
	for (;;) {
		struct smc_regs c = call(EXEC_FID_NEXT, cpu, 0, 0, 0);
		volatile uint64_t *p;
		uint64_t n = 0;

		switch (c.x[0]) {
		case EXEC_CMD_EXIT:
			return (int)c.x[1];
		case EXEC_CMD_READ:
			p = caec_arch_ipa_to_ptr(c.x[1]);
			call(EXEC_FID_RESULT, *p, 0, 0, 0);
			break;
		case EXEC_CMD_WRITE:
			p = caec_arch_ipa_to_ptr(c.x[1]);
			*p = c.x[2];
			call(EXEC_FID_RESULT, 0, 0, 0, 0);
			break;
		case EXEC_CMD_ECHO:
			call(EXEC_FID_RESULT, c.x[1] + 1, c.x[2] + 2, c.x[3] + 3, 0);
			break;
		case EXEC_CMD_SPIN:
			p = caec_arch_ipa_to_ptr(c.x[1]);
			while (*p == 0)
				n++;
			call(EXEC_FID_RESULT, n, *p, 0, 0);
			break;
		case EXEC_CMD_CRASH:
			crash(c.x[1], c.x[2]);
			break;
		case EXEC_CMD_SECONDARY:
			secondary_boot.stack_top = caec_arch_ipa_to_ptr(c.x[1]);
			secondary_boot.fn = (void (*)(void *))(uintptr_t)command_loop;
			secondary_boot.arg = (void *)(uintptr_t)1;
			call(EXEC_FID_RESULT, (uintptr_t)&secondary_boot, 0, 0, 0);
			break;
		default:
			call(EXEC_FID_RESULT, UINT64_MAX, 0, 0, 0);
			break;
		}
	}
}

static void on_sea(uint64_t ipa, uint64_t esr)
{
	struct smc_regs off = { .x = { PSCI_SYSTEM_OFF } };

	call(EXEC_FID_SEA, ipa, esr, 0, 0);
	command_loop(0);
	rsi_call(&off);
	for (;;)
		;
}

int realm_main(void)
{
	caec_arch_set_sea_handler(on_sea);
	call(EXEC_FID_HELLO, image_magic, caec_arch_image_base(),
	     (uintptr_t)caec_arch_ipa_to_ptr(0), caec_arch_secondary_entry_ipa());
	return command_loop(0);
}
