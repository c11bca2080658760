/*
 * A realm program's life: the platform's entry (sdk/arch) calls
 * sdk_realm_start() on vCPU 0 with the boot registers the VMM measured (image
 * base and size, RAM base and size as IPAs, number of vCPUs). It sets up the
 * heap over the realm's RAM (below the boot stack the arch layer placed at
 * the top of RAM), calls the program's realm_main(), reports its return value
 * with host call 0xCAE1 and turns the realm off with PSCI SYSTEM_OFF.
 */
#ifndef CAEC_SDK_REALM_H
#define CAEC_SDK_REALM_H

#include <stddef.h>
#include <stdint.h>

/* The program. Its return value is the realm's exit status (reported to the
 * host; `caec realm run --exit-status` exits with it). */
int realm_main(void);

#define SDK_EXIT_SUCCESS 0
#define SDK_EXIT_FAILURE 1

struct sdk_realm_info {
	uint64_t image_base, image_size;  /* IPAs / bytes */
	uint64_t ram_base, ram_size;
	unsigned nr_cpus;
};

/* Never returns (declared int to match sdk/arch's caec/arch.h). */
int sdk_realm_start(uint64_t image_base, uint64_t image_size, uint64_t ram_base,
		    uint64_t ram_size, uint64_t nr_cpus);

/* What the realm booted with. */
const struct sdk_realm_info *sdk_realm_info(void);

/* Ends the program now with status (as if realm_main returned it). */
_Noreturn void sdk_realm_exit(int status);

#endif
