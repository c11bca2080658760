/*
 * The realm image's entry points on hostsim: the boot CPU's
 * caec_realm_entry(X0..X4), called by the platform's loader, and the entry of
 * secondary CPUs started with PSCI CPU_ON. Both move to a stack in realm RAM
 * first: the platform calls them on a stack of its own.
 *
 * Linked into every image as an object (like a C runtime's crt1.o), so the
 * entry and the gate variable are always there for the loader to find.
 */
#include "arch_internal.h"
#include "abi/rsi.h"
#include "hostsim/call_on_stack.h"

__attribute__((visibility("default"))) hostsim_smc_gate_fn caec_smc_gate;
struct caec_arch_state caec_arch;

HOSTSIM_DEFINE_CALL_ON_STACK(caec_arch_call_on_stack);

static void boot_on_realm_stack(void *arg)
{
	(void)arg;
	sdk_realm_start(caec_arch.image_base, caec_arch.image_size, caec_arch.ram_base,
			caec_arch.ram_size, caec_arch.nr_cpus);
}

__attribute__((visibility("default")))
void caec_realm_entry(uint64_t image_base, uint64_t image_size, uint64_t ram_base,
		      uint64_t ram_size, uint64_t nr_cpus)
{
	struct smc_regs regs = { .x = { HOSTSIM_GATE_IPA_WINDOW } };

	if (!caec_smc_gate)
		return; /* not loaded by hostsim: nothing can run */
	caec_smc_gate(&regs);
	caec_arch.window = (uintptr_t)regs.x[1];
	caec_arch.window_size = regs.x[2];
	caec_arch.image_base = image_base;
	caec_arch.image_size = image_size;
	caec_arch.ram_base = ram_base;
	caec_arch.ram_size = ram_size;
	caec_arch.nr_cpus = nr_cpus;
	/* RAM must lie in the protected half of the IPA space: its top becomes
	 * the stack and the rest the heap, and the unprotected half is memory the
	 * host reads and writes. The boot registers are measured, but a realm
	 * that refuses such a layout does not depend on a verifier noticing it. */
	if (ram_size < CAEC_ARCH_BOOT_STACK_SIZE || ram_base + ram_size < ram_base ||
	    ram_base + ram_size > caec_arch.window_size / 2)
		return;
	caec_arch_call_on_stack(NULL, boot_on_realm_stack, caec_arch.window + ram_base + ram_size);
}

static void secondary_on_realm_stack(void *arg)
{
	const struct caec_secondary_boot *boot = arg;
	struct smc_regs off = { .x = { PSCI_CPU_OFF } };

	boot->fn(boot->arg);
	rsi_call(&off);
}

/* X0 = the context ID of CPU_ON: the address of a struct caec_secondary_boot. */
void caec_arch_secondary_entry(uint64_t context)
{
	const struct caec_secondary_boot *boot = (const void *)(uintptr_t)context;

	caec_arch_call_on_stack((void *)boot, secondary_on_realm_stack, (uintptr_t)boot->stack_top);
}

uint64_t caec_arch_secondary_entry_ipa(void)
{
	return caec_arch_code_to_ipa((const void *)caec_arch_secondary_entry);
}
