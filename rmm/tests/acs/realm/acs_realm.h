/*
 * The suite's realm image on hostsim: its layout (the suite's fixed one) and
 * the pieces of ours in it. acs_realm_crt.c includes this without the
 * suite's headers, so the layout is restated here and checked against the
 * suite's names in pal_realm.c.
 */
#ifndef ACS_REALM_H
#define ACS_REALM_H

#include <stdint.h>

#define ACS_REALM_IMAGE_IPA  UINT64_C(0x400000) /* VAL_PLANE0_IMAGE_BASE_IPA */
#define ACS_REALM_IMAGE_SIZE UINT64_C(0xC0000)  /* PLATFORM_REALM_IMAGE_SIZE */
/* The realm's RAM: the top of the image range; the image file must end
 * below it (the runner checks). Per CPU, a bounce granule (pal_realm.c) and a
 * stack: slot 0 is the boot CPU's (REC 0, MPIDR 0, as the suite creates it),
 * slot n the CPU with MPIDR n started by PSCI CPU_ON. */
#define ACS_REALM_CPUS        9u
#define ACS_REALM_STACK_SIZE  UINT64_C(0x8000)
#define ACS_REALM_BOUNCE_SIZE UINT64_C(0x1000)
#define ACS_REALM_RAM_SIZE    (ACS_REALM_CPUS * (ACS_REALM_BOUNCE_SIZE + ACS_REALM_STACK_SIZE))
#define ACS_REALM_RAM_IPA     (ACS_REALM_IMAGE_IPA + ACS_REALM_IMAGE_SIZE - ACS_REALM_RAM_SIZE)
#define ACS_REALM_BOUNCE_IPA(n) (ACS_REALM_RAM_IPA + (uint64_t)(n) * ACS_REALM_BOUNCE_SIZE)
#define ACS_REALM_STACKS_IPA  ACS_REALM_BOUNCE_IPA(ACS_REALM_CPUS)
/* The top of CPU slot n's stack. */
#define ACS_REALM_STACK_TOP(n) (ACS_REALM_STACKS_IPA + ((uint64_t)(n) + 1) * ACS_REALM_STACK_SIZE)

/* Runs the test the host named in the shared region, then returns to the
 * host; never returns. */
_Noreturn void acs_realm_run(void);
/* A secondary CPU's start, on its stack: the test's realm side again, as the
 * suite's secondary boot does. */
_Noreturn void acs_realm_run_secondary(void);
/* The code address PSCI CPU_ON is given for the CPU with MPIDR n
 * (1 <= n < ACS_REALM_CPUS): each has its own entry, so a CPU knows which
 * stack is its own. */
const void *acs_realm_secondary_entry(unsigned n);

struct acs_realm_test {
	const char *name;
	void (*realm_fn)(void);
};
extern const struct acs_realm_test acs_realm_tests[];
extern const unsigned acs_realm_num_tests;

#endif
