/*
 * The start-up used when the image has no portable sdk (caec_sdk_realm
 * provides the real sdk_realm_start): run realm_main, report its status with
 * the exit host call, then PSCI SYSTEM_OFF. Weak, and alone in its object,
 * so a strong definition anywhere on the link line wins.
 */
#include "arch_internal.h"
#include "abi/rsi.h"

#define HOST_CALL_EXIT_STATUS 0xCAE1u

__attribute__((weak))
int sdk_realm_start(uint64_t image_base, uint64_t image_size, uint64_t ram_base,
		    uint64_t ram_size, uint64_t nr_cpus)
{
	(void)image_base;
	(void)image_size;
	(void)nr_cpus;
	int status = realm_main();
	/* The RsiHostCall lives at the bottom of the boot stack's page range:
	 * the stack is at the top of RAM, this is the lowest granule of it. */
	struct rsi_host_call *hc = caec_arch_ipa_to_ptr(ram_base + ram_size - CAEC_ARCH_BOOT_STACK_SIZE);
	hc->imm = HOST_CALL_EXIT_STATUS;
	hc->gprs[0] = (uint64_t)(int64_t)status;
	struct smc_regs regs = { .x = { RSI_HOST_CALL, caec_arch_ptr_to_ipa(hc) } };
	rsi_call(&regs);
	struct smc_regs off = { .x = { PSCI_SYSTEM_OFF } };
	rsi_call(&off);
	return status;
}
