/*
 * The machine the compliance suite runs on, kept apart from the suite's
 * headers (whose names would clash with the project's): one hostsim machine
 * with its host window at VA == PA and its DRAM laid out as
 * include/pal_config_def.h says, and the normal world's SMC into it.
 */
#ifndef ACS_HOSTSIM_H
#define ACS_HOSTSIM_H

#include <stdint.h>

#define ACS_SMC_REGS 11 /* X0..X10, as the suite passes them */

/* 0, or a negative errno after printing one line saying why. */
int acs_machine_start(uint64_t dram_size, unsigned root_granules);
void acs_machine_stop(void);
/* X0..X10 in, the registers as the call left them out. */
void acs_machine_smc(uint64_t x[ACS_SMC_REGS]);

#endif
