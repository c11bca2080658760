/*
 * Helpers shared by hostsim's tests.
 *
 * cmocka installs its own SIGSEGV handler around every test body, replacing
 * whatever a setup fixture installed; so tests bring the machine up inside the
 * body (hostsim's handler then sits on top of cmocka's and chains to it) and
 * tear it down in the teardown fixture, which also runs after a failure.
 *
 * Death tests run a function in a child process and check that it was killed
 * by the expected signal after printing the expected message.
 */
#ifndef CAEC_HOSTSIM_TESTS_SUPPORT_H
#define CAEC_HOSTSIM_TESTS_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "plat/plat.h"

/* The physical address of granule n. */
#define G(n) ((uint64_t)(n) << PLAT_GRANULE_SHIFT)

/* hostsim_hw_start with a small machine; fails the test if it fails. */
void test_hw_start(uint64_t granules, unsigned root_granules);
/* cmocka teardown fixture: hostsim_hw_stop(). */
int test_hw_stop(void **state);
/* cmocka teardown fixture for a machine with its monitor: hostsim_stop(). */
int test_machine_stop(void **state);

/* An EL3 service call as the monitor makes it (plat_el3_smc); returns X0. */
uint64_t el3_call(uint64_t fid, uint64_t x1);
/* An SMC as the normal world makes it (hostsim_smc); returns X0. */
uint64_t host_smc(uint64_t fid, uint64_t x1);

/* Forks; the child runs fn(arg) with stderr captured, then _exit(0)s.
 * True when the child died of signal `sig` and its stderr contains `expect`
 * (NULL: anything). The captured stderr is echoed on mismatch. */
bool death_test(void (*fn)(void *), void *arg, int sig, const char *expect);

#endif
