/* State the hostsim crt shares with the rest of the arch layer (one copy
 * per realm: the image's own globals). */
#ifndef CAEC_SDK_ARCH_INTERNAL_H
#define CAEC_SDK_ARCH_INTERNAL_H

#include <stdint.h>

#include "caec/arch.h"
#include "hostsim/hostsim.h"

struct caec_arch_state {
	uint64_t image_base;
	uint64_t image_size;
	uint64_t ram_base;
	uint64_t ram_size;
	uint64_t nr_cpus;
	uintptr_t window;       /* VA of IPA 0 */
	uint64_t window_size;
};
extern struct caec_arch_state caec_arch;
extern hostsim_smc_gate_fn caec_smc_gate;
/* The image's ELF header: its loaded base (GNU ld defines it). */
extern const char __ehdr_start[];

/* Calls fn(arg) on the stack whose top is stack_top; returns what fn returned. */
void caec_arch_call_on_stack(void *arg, void (*fn)(void *), uintptr_t stack_top);

#endif
