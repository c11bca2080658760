/*
 * Helpers for the monitor's unit tests: RMI calls through hostsim, granule
 * allocation and delegation, expected measurements computed with OpenSSL.
 */
#ifndef RMM_TEST_UTIL_H
#define RMM_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "abi/rmi.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

/* cmocka setup/teardown: a fresh emulated machine with the default config. */
static inline int test_machine_up(void **state)
{
	(void)state;
	return hostsim_start(NULL);
}

static inline int test_machine_down(void **state)
{
	(void)state;
	hostsim_stop();
	return 0;
}

#define TEST_ON_MACHINE(fn) cmocka_unit_test_setup_teardown(fn, test_machine_up, test_machine_down)

#define RMI(fid, ...) rmi_args(fid, __VA_ARGS__, 0, 0, 0, 0, 0)
#define rmi_args(fid, a1, a2, a3, a4, a5, ...) hostsim_smc_call(fid, a1, a2, a3, a4, a5, 0)

static inline uint64_t test_alloc(void)
{
	uint64_t pa = hostsim_host_alloc();

	assert_true(pa != HOSTSIM_NO_PA);
	return pa;
}

static inline uint64_t test_delegated(void)
{
	uint64_t pa = test_alloc();

	assert_int_equal(RMI(RMI_GRANULE_DELEGATE, pa).x[0], RMI_SUCCESS);
	return pa;
}

/* n contiguous delegated granules aligned to n granules. */
static inline uint64_t test_delegated_run(unsigned n)
{
	uint64_t got[64];
	unsigned count = 0;
	uint64_t base = HOSTSIM_NO_PA;

	while (base == HOSTSIM_NO_PA && count < 64) {
		got[count++] = test_alloc();
		for (unsigned i = 0; i < count && base == HOSTSIM_NO_PA; i++) {
			uint64_t b = got[i];
			unsigned found = 0;

			if (b % (n * RMI_GRANULE_SIZE))
				continue;
			for (unsigned k = 0; k < n; k++)
				for (unsigned j = 0; j < count; j++)
					if (got[j] == b + k * RMI_GRANULE_SIZE)
						found++;
			if (found == n)
				base = b;
		}
	}
	assert_true(base != HOSTSIM_NO_PA);
	for (unsigned j = 0; j < count; j++)
		if (got[j] < base || got[j] >= base + n * RMI_GRANULE_SIZE)
			hostsim_host_free(got[j]);
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(RMI(RMI_GRANULE_DELEGATE, base + k * RMI_GRANULE_SIZE).x[0], RMI_SUCCESS);
	return base;
}

static inline void test_undelegate_free(uint64_t pa)
{
	assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, pa).x[0], RMI_SUCCESS);
	hostsim_host_free(pa);
}

static inline unsigned test_granule_state(uint64_t pa)
{
	unsigned state, refcount;

	assert_true(rmm_debug_granule(pa, &state, &refcount));
	return state;
}

static inline unsigned test_granule_refcount(uint64_t pa)
{
	unsigned state, refcount;

	assert_true(rmm_debug_granule(pa, &state, &refcount));
	return refcount;
}

/* Writes a host structure into a fresh NS granule. */
static inline uint64_t test_ns_struct(const void *s, size_t len)
{
	uint64_t pa = test_alloc();

	assert_true(hostsim_host_write(pa, s, len));
	return pa;
}

/* out[64] = H(data), zero padded. */
static inline void test_hash(unsigned algo, const void *data, size_t len, uint8_t out[64])
{
	unsigned int n = 0;

	memset(out, 0, 64);
	assert_true(EVP_Digest(data, len, out, &n, algo == RMI_HASH_SHA_512 ? EVP_sha512() : EVP_sha256(),
			       NULL));
}

/* Enters a REC whose PC does not point at a bootable image: the realm's CPU
 * halts at once, so REC_ENTER succeeds with an SError exit. */
static inline void test_rec_enter_halts(uint64_t rec, uint64_t run)
{
	struct rmi_rec_exit exit;

	assert_int_equal(RMI(RMI_REC_ENTER, rec, run).x[0], RMI_SUCCESS);
	assert_true(hostsim_host_read(run + offsetof(struct rmi_rec_run, exit), &exit, sizeof(exit)));
	assert_int_equal(exit.exit_reason, RMI_EXIT_SERROR);
	/* The halted CPU never runs again. */
	assert_int_equal(RMI(RMI_REC_ENTER, rec, run).x[0], RMI_ERROR_REC);
}

static inline void test_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8); /* hosts running the tests are little endian */
}

#endif
