/*
 * A small active realm for the execution tests, built through RMI:
 * IPA width 39 (one level-1 root RTT), level 2 and 3 RTTs at IPA 0 and at the
 * unprotected alias base, RIPAS RAM over [0, 0x4000), EMPTY above:
 *   0x0000 DATA (measured, content = pattern), 0x1000 DATA (measured, the
 *   test's content: e.g. an RsiHostCall), 0x2000 DATA_CREATE_UNKNOWN,
 *   0x3000 RAM but UNASSIGNED, 0x4000.. EMPTY.
 * Two RECs: MPIDR 0 runnable at pc 0x0, MPIDR 1 not runnable. A run page.
 */
#ifndef EXEC_REALM_H
#define EXEC_REALM_H

#include <stdint.h>

#include "rmm_test_util.h"

#define EXEC_IPA_BITS     39
#define EXEC_UNPROT_BASE  (UINT64_C(1) << (EXEC_IPA_BITS - 1))
#define EXEC_RAM_TOP      UINT64_C(0x4000)
#define EXEC_REC_AUX      2 /* aux granules per REC (RMI_REC_AUX_COUNT) */

struct exec_realm {
	uint64_t rd, root, l2, l3, ul2, ul3, data[3], rec[2], aux[2][EXEC_REC_AUX];
	uint64_t run; /* NS RmiRecRun page */
};

/* cmocka setup/teardown: a fresh machine; teardown also drops the script
 * (exec_fake_cpu.h), so no test's steps run in the next test. */
int exec_machine_up(void **state);
int exec_machine_down(void **state);
#define EXEC_TEST(fn) cmocka_unit_test_setup_teardown(fn, exec_machine_up, exec_machine_down)

/* data1: 4096 bytes for the DATA granule at IPA 0x1000, or NULL for zeros. */
void exec_realm_build(struct exec_realm *r, const void *data1);
/* The same, with RMI_CAEC_REALM_CONFIG(caec_flags) right after REALM_CREATE
 * (EXEC_NO_CAEC_CONFIG: not called). Several realms may be built on one
 * machine (VMIDs 9, 10, ...); they all have the same RIM. */
#define EXEC_NO_CAEC_CONFIG UINT64_MAX
void exec_realm_build_config(struct exec_realm *r, const void *data1, uint64_t caec_flags);
/* The same with the RD in rd, a DELEGATED granule (e.g. a destroyed realm's). */
void exec_realm_build_at(struct exec_realm *r, uint64_t rd, const void *data1, uint64_t caec_flags);
/* The same with the realm's hash algorithm (RMI_HASH_*; the others: SHA-256). */
void exec_realm_build_hash(struct exec_realm *r, uint64_t rd, unsigned hash_algo, const void *data1,
			   uint64_t caec_flags);

/* REC_ENTER with the given entry flags and gprs (NULL = zeros); returns X0. */
uint64_t exec_enter(const struct exec_realm *r, unsigned rec, uint64_t flags, const uint64_t *gprs);
/* The exit record of the last REC_ENTER. */
struct rmi_rec_exit exec_exit(const struct exec_realm *r);

#endif
