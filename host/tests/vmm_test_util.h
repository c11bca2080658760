/*
 * Shared kit of the VMM tests: a hostsim machine per test and a fake realm
 * image (an ELF header followed by recognisable bytes: enough to build and
 * measure a realm, never run).
 */
#ifndef CAEC_HOST_VMM_TEST_UTIL_H
#define CAEC_HOST_VMM_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "host/vmm.h"

#define VMM_TEST_DRAM (UINT64_C(256) << 20)

/* cmocka setup/teardown: starts/stops a machine, state = a struct vmm. */
int vmm_test_machine_up(void **state);
int vmm_test_machine_down(void **state);

/* size bytes: "\177ELF" then a pattern seeded by seed. Caller frees. */
uint8_t *vmm_test_fake_image(size_t size, unsigned seed);

#endif
