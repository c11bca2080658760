/*
 * The entry of the suite's realm image on hostsim.
 *
 * The suite boots its realm with every register zero and a fixed layout: the
 * image's bytes at IPA VAL_PLANE0_IMAGE_BASE_IPA, PLATFORM_REALM_IMAGE_SIZE
 * bytes of it mapped as DATA, the shared region in the unprotected half. So
 * this entry takes the place of the sdk's crt (whose boot protocol passes
 * the layout in X0..X4): it fills the arch layer's state from that fixed
 * layout, keeps the top ACS_REALM_RAM_SIZE bytes of the image range (beyond
 * the image's file bytes, zero granules the host created) as the realm's RAM
 * -- its stack and the bounce granule of pal_realm.c -- and runs the test on
 * that stack. rsi_call() and the address translation are the sdk arch
 * layer's.
 */
#include "arch_internal.h"
#include "hostsim/call_on_stack.h"

#include "acs_realm.h"

__attribute__((visibility("default"))) hostsim_smc_gate_fn caec_smc_gate;
struct caec_arch_state caec_arch;

HOSTSIM_DEFINE_CALL_ON_STACK(caec_arch_call_on_stack);

static void run_on_realm_stack(void *arg)
{
	(void)arg;
	acs_realm_run();
}

__attribute__((visibility("default")))
void caec_realm_entry(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4)
{
	struct smc_regs regs = { .x = { HOSTSIM_GATE_IPA_WINDOW } };

	(void)x0;
	(void)x1;
	(void)x2;
	(void)x3;
	(void)x4;
	if (!caec_smc_gate)
		return; /* not loaded by hostsim: nothing can run */
	caec_smc_gate(&regs);
	caec_arch.window = (uintptr_t)regs.x[1];
	caec_arch.window_size = regs.x[2];
	caec_arch.image_base = ACS_REALM_IMAGE_IPA;
	caec_arch.image_size = ACS_REALM_IMAGE_SIZE;
	caec_arch.ram_base = ACS_REALM_RAM_IPA;
	caec_arch.ram_size = ACS_REALM_RAM_SIZE;
	caec_arch.nr_cpus = ACS_REALM_CPUS;
	if (ACS_REALM_IMAGE_IPA + ACS_REALM_IMAGE_SIZE > caec_arch.window_size / 2)
		return; /* an IPA space too small for the suite's layout */
	caec_arch_call_on_stack(NULL, run_on_realm_stack, caec_arch.window + ACS_REALM_STACK_TOP(0));
}

static void run_secondary(void *arg)
{
	(void)arg;
	acs_realm_run_secondary();
}

/* One entry per secondary CPU (hostsim starts a secondary at the code its pc
 * names, with X0 = the context ID, on a stack of the platform's). */
#define SECONDARY_ENTRY(n)                                                              \
	static void secondary_entry_##n(uint64_t context)                              \
	{                                                                               \
		(void)context;                                                          \
		caec_arch_call_on_stack(NULL, run_secondary,                            \
					caec_arch.window + ACS_REALM_STACK_TOP(n));     \
	}
SECONDARY_ENTRY(1)
SECONDARY_ENTRY(2)
SECONDARY_ENTRY(3)
SECONDARY_ENTRY(4)
SECONDARY_ENTRY(5)
SECONDARY_ENTRY(6)
SECONDARY_ENTRY(7)
SECONDARY_ENTRY(8)
_Static_assert(ACS_REALM_CPUS == 9, "one entry per secondary slot");

const void *acs_realm_secondary_entry(unsigned n)
{
	static void (*const entries[ACS_REALM_CPUS])(uint64_t) = {
		NULL, secondary_entry_1, secondary_entry_2, secondary_entry_3, secondary_entry_4,
		secondary_entry_5, secondary_entry_6, secondary_entry_7, secondary_entry_8,
	};

	return n > 0 && n < ACS_REALM_CPUS ? (const void *)entries[n] : NULL;
}
