/*
 * The sdk's CSM calls against a scripted monitor (a fake rsi_call): RSI
 * statuses mapped to the named errors, the identity record the monitor
 * is given, the CSM window's slots (chosen for ipa 0, freed at detach,
 * exhausted), csm_detach and csm_revoke looping on RSI_INCOMPLETE, and
 * csm_info reading a report of more than one granule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/csm.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

/* ---- the realm the sdk thinks it runs in ---- */

#define RAM_BASE  UINT64_C(0x10000)
#define RAM_SIZE  (UINT64_C(3) << 20)
#define WINDOW    (UINT64_C(1) << 30) /* the first 1 GiB boundary above RAM */

static const struct sdk_realm_info info = { .ram_base = RAM_BASE, .ram_size = RAM_SIZE, .nr_cpus = 1 };

const struct sdk_realm_info *sdk_realm_info(void)
{
	return &info;
}

/* Natively an IPA is the pointer's value: the test reads records back. */
uint64_t sdk_ipa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void *sdk_ptr_of(uint64_t ipa)
{
	return (void *)(uintptr_t)ipa;
}

void *sdk_aligned_alloc(size_t align, size_t size)
{
	return aligned_alloc(align, (size + align - 1) / align * align);
}

void sdk_free(void *p)
{
	free(p);
}

/* ---- the scripted monitor ---- */

static struct smc_regs calls[16];  /* what the sdk asked, in order */
static unsigned ncalls;
static uint64_t answers[16][2];    /* X0, X1 per call */
static struct csm_identity seen;   /* the record RSI_CSM_GRANT pointed at */
static uint8_t report[6000];       /* what RSI_CSM_INFO hands out */

void rsi_call(struct smc_regs *regs)
{
	assert_true(ncalls < 16);
	calls[ncalls] = *regs;
	if (regs->x[0] == RSI_CSM_GRANT)
		memcpy(&seen, (const void *)(uintptr_t)regs->x[2], sizeof(seen));
	if (regs->x[0] == RSI_CSM_INFO && answers[ncalls][0] == RSI_SUCCESS) {
		uint64_t off = regs->x[3], size = answers[ncalls][1];

		assert_int_equal(regs->x[2] % 4096, 0);
		if (off < size)
			memcpy((void *)(uintptr_t)regs->x[2], report + off, size - off < 4096 ? size - off : 4096);
	}
	regs->x[0] = answers[ncalls][0];
	regs->x[1] = answers[ncalls][1];
	ncalls++;
}

static int reset(void **state)
{
	(void)state;
	memset(calls, 0, sizeof(calls));
	memset(answers, 0, sizeof(answers));
	ncalls = 0;
	return 0;
}

static void test_statuses_are_named(void **state)
{
	const struct { uint64_t x0; int want; } map[] = {
		{ RSI_SUCCESS, 0 },
		{ RSI_ERROR_INPUT, SDK_CSM_INVALID },
		{ RSI_ERROR_STATE, SDK_CSM_STATE },
		{ SMC_UNKNOWN, SDK_CSM_UNSUPPORTED },
		{ RSI_ERROR_UNKNOWN, SDK_CSM_MONITOR },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uint64_t id = 99, status = 77;

		reset(state);
		answers[0][0] = map[i].x0;
		answers[0][1] = 0x1234;
		assert_int_equal(csm_create(7, &id, &status), map[i].want);
		assert_int_equal(status, map[i].x0);
		assert_int_equal(id, map[i].want == 0 ? 0x1234 : 0); /* no id on failure */
		assert_int_equal(calls[0].x[0], RSI_CSM_CREATE);
		assert_int_equal(calls[0].x[1], 7);
		assert_int_equal(calls[0].x[2], 0); /* flags */
		assert_string_not_equal(csm_strerror(map[i].want), "unknown CSM error");
	}
}

static void test_version(void **state)
{
	uint64_t v = 1;

	reset(state);
	answers[0][1] = CAEC_CSM_ABI_VERSION;
	assert_int_equal(csm_version(&v, NULL), 0);
	assert_int_equal(v, CAEC_CSM_ABI_VERSION);
	assert_int_equal(calls[0].x[0], RSI_CSM_VERSION);
	reset(state);
	answers[0][0] = SMC_UNKNOWN; /* a monitor without the extension */
	assert_int_equal(csm_version(&v, NULL), SDK_CSM_UNSUPPORTED);
	assert_int_equal(v, 0);
}

static void test_grant_writes_the_identity_record(void **state)
{
	uint8_t rim[32], rid[CAEC_REALM_ID_SIZE];
	uint64_t handle = 0;

	reset(state);
	memset(rim, 0xab, sizeof(rim));
	answers[0][1] = 0x55;
	assert_int_equal(csm_grant_rim(0x42, rim, sizeof(rim), CSM_PERM_READ | csm_admit(3), &handle, NULL), 0);
	assert_int_equal(handle, 0x55);
	assert_int_equal(calls[0].x[0], RSI_CSM_GRANT);
	assert_int_equal(calls[0].x[1], 0x42);
	assert_int_equal(calls[0].x[2] % 8, 0);
	assert_int_equal(calls[0].x[2] / 4096, (calls[0].x[2] + sizeof(seen) - 1) / 4096); /* one granule */
	assert_int_equal(calls[0].x[3], CSM_PERM_READ | (UINT64_C(3) << CSM_PERM_ADMIT_SHIFT));
	assert_int_equal(seen.kind, CSM_IDENTITY_RIM);
	assert_memory_equal(seen.value, rim, sizeof(rim));
	for (size_t i = sizeof(rim); i < CSM_IDENTITY_VALUE_SIZE; i++)
		assert_int_equal(seen.value[i], 0);

	reset(state);
	memset(rid, 0x3c, sizeof(rid));
	answers[0][0] = RSI_ERROR_STATE;
	answers[0][1] = 0x66;
	handle = 1;
	assert_int_equal(csm_grant_realm_id(0x42, rid, CSM_PERM_READ, &handle, NULL), SDK_CSM_STATE);
	assert_int_equal(handle, 0);
	assert_int_equal(seen.kind, CSM_IDENTITY_REALM_ID);
	assert_memory_equal(seen.value, rid, sizeof(rid));

	/* A value longer than a record holds never reaches the monitor. */
	reset(state);
	uint8_t big[CSM_IDENTITY_VALUE_SIZE + 1] = { 0 };
	assert_int_equal(csm_grant_rim(0x42, big, sizeof(big), CSM_PERM_READ, NULL, NULL), SDK_CSM_INVALID);
	assert_int_equal(ncalls, 0);
}

static void test_window_slots(void **state)
{
	void *base;

	reset(state);
	/* ipa 0: the first slot; a given IPA is passed as it is. */
	assert_int_equal(csm_attach(0x100, 0, CSM_PERM_READ, &base, NULL), 0);
	assert_int_equal(calls[0].x[0], RSI_CSM_ATTACH);
	assert_int_equal(calls[0].x[2], WINDOW);
	assert_ptr_equal(base, (void *)(uintptr_t)WINDOW);
	assert_int_equal(csm_attach(0x101, UINT64_C(0x80000000), CSM_PERM_READ, &base, NULL), 0);
	assert_int_equal(calls[1].x[2], UINT64_C(0x80000000));
	/* A refused attach gives its slot back. */
	answers[2][0] = RSI_ERROR_INPUT;
	assert_int_equal(csm_attach(0x102, 0, CSM_PERM_READ, &base, NULL), SDK_CSM_INVALID);
	assert_null(base);
	assert_int_equal(calls[2].x[2], WINDOW + SDK_CSM_SLOT_SIZE);
	assert_int_equal(csm_attach(0x103, 0, CSM_PERM_READ, &base, NULL), 0);
	assert_int_equal(calls[3].x[2], WINDOW + SDK_CSM_SLOT_SIZE);
	/* Detaching frees the slot; the next region gets it. */
	assert_int_equal(csm_detach(0x100, NULL), 0);
	assert_int_equal(csm_attach(0x104, 0, CSM_PERM_READ, &base, NULL), 0);
	assert_int_equal(calls[5].x[2], WINDOW);

	/* Exhaustion: no call is made once every slot is taken. */
	reset(state);
	for (unsigned i = 2; i < SDK_CSM_WINDOW_SLOTS; i++)
		assert_int_equal(csm_attach(0x200 + i, 0, CSM_PERM_READ, &base, NULL), 0);
	unsigned before = ncalls;
	assert_int_equal(csm_attach(0x300, 0, CSM_PERM_READ, &base, NULL), SDK_CSM_NO_SPACE);
	assert_int_equal(ncalls, before);
	/* csm_ids 0 and 1 do not exist. */
	assert_int_equal(csm_attach(1, 0, CSM_PERM_READ, &base, NULL), SDK_CSM_INVALID);
	assert_int_equal(ncalls, before);
	for (unsigned i = 2; i < SDK_CSM_WINDOW_SLOTS; i++) {
		reset(state);
		assert_int_equal(csm_detach(0x200 + i, NULL), 0);
	}
	reset(state);
	assert_int_equal(csm_detach(0x103, NULL), 0);
	reset(state);
	assert_int_equal(csm_detach(0x104, NULL), 0);
}

static void test_detach_loops_until_done(void **state)
{
	reset(state);
	answers[0][0] = RSI_INCOMPLETE;
	answers[1][0] = RSI_INCOMPLETE;
	answers[2][0] = RSI_SUCCESS;
	assert_int_equal(csm_detach(0x77, NULL), 0);
	assert_int_equal(ncalls, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(calls[i].x[0], RSI_CSM_DETACH);
		assert_int_equal(calls[i].x[1], 0x77);
	}
	reset(state);
	answers[0][0] = RSI_INCOMPLETE;
	answers[1][0] = RSI_ERROR_INPUT;
	assert_int_equal(csm_detach(0x77, NULL), SDK_CSM_INVALID);
	assert_int_equal(ncalls, 2);
}

static void test_revoke_loops_until_done(void **state)
{
	reset(state);
	answers[0][0] = RSI_INCOMPLETE;
	answers[1][0] = RSI_SUCCESS;
	assert_int_equal(csm_revoke(0x42, 0x107, NULL), 0);
	assert_int_equal(ncalls, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(calls[i].x[0], RSI_CSM_REVOKE);
		assert_int_equal(calls[i].x[1], 0x42);
		assert_int_equal(calls[i].x[2], 0x107); /* the same handle each time */
	}
	reset(state);
	answers[0][0] = RSI_ERROR_INPUT; /* a stale handle */
	assert_int_equal(csm_revoke(0x42, 0x107, NULL), SDK_CSM_INVALID);
}

static void test_info_reads_every_piece(void **state)
{
	static uint8_t buf[sizeof(report)];
	const uint64_t size = 5272; /* two pieces */
	size_t len = 0;

	for (size_t i = 0; i < sizeof(report); i++)
		report[i] = (uint8_t)(i * 13 + 1);
	reset(state);
	answers[0][1] = answers[1][1] = size;
	assert_int_equal(csm_info(0x42, buf, sizeof(buf), &len, NULL), 0);
	assert_int_equal(len, size);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0].x[0], RSI_CSM_INFO);
	assert_int_equal(calls[0].x[3], 0);
	assert_int_equal(calls[1].x[3], 4096);
	assert_int_equal(calls[0].x[2], calls[1].x[2]); /* one borrowed granule */
	assert_memory_equal(buf, report, size);

	/* Too small: the size needed, nothing copied past the first call. */
	reset(state);
	answers[0][1] = size;
	assert_int_equal(csm_info(0x42, buf, 100, &len, NULL), SDK_CSM_NO_SPACE);
	assert_int_equal(len, size);
	assert_int_equal(ncalls, 1);

	/* The report grew between two pieces: read it again. */
	reset(state);
	answers[0][1] = size;
	answers[1][1] = size + 176;
	assert_int_equal(csm_info(0x42, buf, sizeof(buf), &len, NULL), SDK_CSM_STATE);
	assert_int_equal(len, 0);

	/* Refused: the monitor's answer. */
	reset(state);
	answers[0][0] = RSI_ERROR_INPUT;
	assert_int_equal(csm_info(0x42, buf, sizeof(buf), &len, NULL), SDK_CSM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_statuses_are_named, reset),
		cmocka_unit_test_setup(test_version, reset),
		cmocka_unit_test_setup(test_grant_writes_the_identity_record, reset),
		cmocka_unit_test_setup(test_window_slots, reset),
		cmocka_unit_test_setup(test_detach_loops_until_done, reset),
		cmocka_unit_test_setup(test_revoke_loops_until_done, reset),
		cmocka_unit_test_setup(test_info_reads_every_piece, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
