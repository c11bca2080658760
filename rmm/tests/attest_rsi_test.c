/*
 * RSI_ATTEST_TOKEN_INIT / CONTINUE (attest_rsi.c) on a realm built through
 * the RMI (rmm/tests/rmi harness), calling the handlers the RSI dispatcher
 * calls with the REC as the running CPU holds it. The token is read back
 * out of the realm's DATA granule, verified with OpenSSL and checked
 * against the realm's RIM, REMs and RPV as the monitor reports them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/rsi.h"
#include "attest.h"
#include "attest_test_support.h"
#include "hostsim/hostsim.h"
#include "attest_rsi_peek.h"
#include "rmi_harness.h"
#include "rmm/rmm.h"

#define RAM_BASE   UINT64_C(0x10000)  /* two DATA granules with RIPAS RAM */
#define EMPTY_IPA  UINT64_C(0x20000)  /* a DATA granule whose RIPAS is EMPTY */
#define HOLE_IPA   UINT64_C(0x30000)  /* RIPAS RAM, but nothing assigned */

struct fixture {
	struct realm *r;
	uint64_t data[2];
	uint64_t empty_data;
	struct rec *rec;
};

static struct fixture fx;

static int setup(void **state)
{
	struct realm_cfg cfg;
	struct rec_cfg rc;

	(void)state;
	rmi_machine_start(UINT64_C(64) << 20);
	realm_cfg_default(&cfg);
	for (unsigned i = 0; i < sizeof(cfg.rpv); i++)
		cfg.rpv[i] = (uint8_t)(0x5a ^ i);
	fx.r = realm_new(&cfg);
	realm_rtt_map(fx.r, RAM_BASE, 3);
	realm_init_ripas(fx.r, RAM_BASE, RAM_BASE + 2 * 4096);
	realm_init_ripas(fx.r, HOLE_IPA, HOLE_IPA + 4096);
	for (unsigned i = 0; i < 2; i++)
		fx.data[i] = realm_data_create(fx.r, RAM_BASE + i * 4096, NULL, RMI_MEASURE_CONTENT);
	/* DATA_CREATE_UNKNOWN keeps the RIPAS (EMPTY) that DATA_CREATE would make RAM. */
	fx.empty_data = realm_data_create_unknown(fx.r, EMPTY_IPA);
	memset(&rc, 0, sizeof(rc));
	rc.flags = RMI_REC_FLAG_RUNNABLE;
	uint64_t rec_pa = realm_rec_create(fx.r, &rc);
	realm_activate(fx.r);
	/* The handlers run on a REC the CPU has claimed: nothing else touches it. */
	fx.rec = plat_granule_map(rec_pa);
	assert_non_null(fx.rec);
	return 0;
}

static int teardown(void **state)
{
	plat_granule_unmap(fx.rec);
	return rmi_machine_down(state);
}

static void challenge_regs(struct smc_regs *regs, uint8_t challenge[64], uint8_t seed)
{
	memset(regs, 0, sizeof(*regs));
	regs->x[0] = RSI_ATTEST_TOKEN_INIT;
	for (unsigned i = 0; i < 64; i++) {
		challenge[i] = (uint8_t)(seed * 7 + i);
		regs->x[1 + i / 8] |= (uint64_t)challenge[i] << (8 * (i % 8));
	}
}

static uint64_t init(uint8_t challenge[64], uint8_t seed, uint64_t *bound)
{
	struct smc_regs regs;

	struct peek_exit exit;

	challenge_regs(&regs, challenge, seed);
	uint64_t status = peek_attest_call(true, fx.rec, fx.r->rd, &regs, &exit);
	assert_false(exit.exited);
	*bound = regs.x[1];
	return status;
}

static uint64_t cont(uint64_t ipa, uint64_t offset, uint64_t size, uint64_t *written)
{
	struct smc_regs regs = { .x = { RSI_ATTEST_TOKEN_CONTINUE, ipa, offset, size } };
	struct peek_exit exit;
	uint64_t status = peek_attest_call(false, fx.rec, fx.r->rd, &regs, &exit);

	assert_false(exit.exited);
	*written = regs.x[1];
	return status;
}

/* Reads the whole token in chunks of `chunk` bytes, filling the two RAM
 * granules; returns its size and copies it to out. */
static size_t read_token(size_t chunk, uint8_t *out, size_t cap)
{
	size_t total = 0;
	uint64_t status = RSI_INCOMPLETE, n;
	unsigned calls = 0;

	while (status == RSI_INCOMPLETE) {
		uint64_t at = total % 4096;
		uint64_t g = (total / 4096) % 2;
		uint64_t size = chunk < 4096 - at ? chunk : 4096 - at;

		status = cont(RAM_BASE + g * 4096, at, size, &n);
		assert_true(status == RSI_INCOMPLETE || status == RSI_SUCCESS);
		assert_true(n > 0 && n <= size);
		const uint8_t *view = hostsim_monitor_view(fx.data[g]);
		assert_true(total + n <= cap);
		memcpy(out + total, view + at, n);
		total += n;
		assert_true(++calls < 10000);
	}
	return total;
}

static void check_token(const uint8_t *tok, size_t len, const uint8_t challenge[64])
{
	struct crd r = crd_make(tok, len), v;
	struct rmm_debug_realm info;
	struct test_sign1 s = { 0 };
	const uint8_t *realm = NULL, *p = NULL;
	size_t realm_len = 0, n = 0;
	uint64_t arg;
	int64_t fmt;

	assert_true(crd_expect(&r, 6, &arg));
	assert_int_equal(arg, 907);
	assert_true(crd_map_find(tok + r.pos, len - r.pos, 44241, &v));
	assert_true(crd_expect(&v, 4, &arg) && arg == 2 && crd_int(&v, &fmt) && fmt == 263);
	assert_true(crd_string(&v, 2, &realm, &realm_len));
	assert_true(test_sign1_parse(realm, realm_len, &s));

	uint8_t x[48], y[48];
	assert_true(plat_rak_public(x, y));
	EVP_PKEY *rak = test_p384_key(x, y);
	assert_true(test_sign1_verify(&s, rak));
	EVP_PKEY_free(rak);

	assert_true(rmm_debug_realm(fx.r->rd, &info));
	assert_true(crd_map_bytes(s.payload, s.payload_len, 10, 2, &p, &n));
	assert_int_equal(n, 64);
	assert_memory_equal(p, challenge, 64);
	assert_true(crd_map_bytes(s.payload, s.payload_len, 44238, 2, &p, &n));
	assert_int_equal(n, 32); /* SHA-256 realm */
	assert_memory_equal(p, info.rim, 32);
	assert_true(crd_map_bytes(s.payload, s.payload_len, 44235, 2, &p, &n));
	assert_int_equal(n, 64);
	assert_memory_equal(p, info.rpv, 64);
	assert_true(crd_map_text_is(s.payload, s.payload_len, 44236, "sha-256"));
}

static void continue_without_init_is_a_state_error(void **state)
{
	uint64_t n = 99;

	(void)state;
	assert_int_equal(cont(RAM_BASE, 0, 4096, &n), RSI_ERROR_STATE);
	assert_int_equal(n, 0);
}

static void token_read_in_chunks_verifies(void **state)
{
	uint8_t challenge[64], tok[8192];
	uint64_t bound, n;
	static const size_t chunks[] = { 4096, 1000, 97, 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(init(challenge, (uint8_t)i, &bound), RSI_SUCCESS);
		assert_true(bound > 1000 && bound <= 4096);
		size_t len = read_token(chunks[i], tok, sizeof(tok));
		assert_true(len <= bound);
		check_token(tok, len, challenge);
		/* All out: CONTINUE needs a new INIT. */
		assert_int_equal(cont(RAM_BASE, 0, 4096, &n), RSI_ERROR_STATE);
	}
}

static void bad_continue_arguments(void **state)
{
	uint8_t challenge[64];
	uint64_t bound, n;
	struct realm *r = fx.r;
	uint64_t unprotected = realm_unprotected(r, RAM_BASE);

	(void)state;
	assert_int_equal(init(challenge, 3, &bound), RSI_SUCCESS);
	const uint64_t bad[][3] = {
		{ RAM_BASE + 8, 0, 16 },          /* IPA not granule aligned */
		{ RAM_BASE, 4096, 1 },            /* offset outside the granule */
		{ RAM_BASE, 4000, 97 },           /* offset + size beyond the granule */
		{ RAM_BASE, 1, UINT64_MAX },      /* ... wrapping around */
		{ unprotected, 0, 64 },           /* unprotected IPA */
		{ EMPTY_IPA, 0, 64 },             /* ASSIGNED but RIPAS EMPTY */
		{ UINT64_C(1) << 47, 0, 64 },     /* beyond the IPA space */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		assert_int_equal(cont(bad[i][0], bad[i][1], bad[i][2], &n), RSI_ERROR_INPUT);
		assert_int_equal(n, 0);
	}
	/* The realm's other granules were not written. */
	const uint8_t *empty = hostsim_monitor_view(fx.empty_data);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(empty[i], 0);
	/* Refused calls did not consume the token: it is read whole. */
	uint8_t tok[8192];
	size_t len = read_token(4096, tok, sizeof(tok));
	assert_int_equal(len, bound);
	check_token(tok, len, challenge);
}

static void init_restarts(void **state)
{
	uint8_t c1[64], c2[64], tok[8192];
	uint64_t bound, n;

	(void)state;
	assert_int_equal(init(c1, 10, &bound), RSI_SUCCESS);
	assert_int_equal(cont(RAM_BASE, 0, 100, &n), RSI_INCOMPLETE);
	assert_int_equal(n, 100);
	/* A new challenge, read from the start. */
	assert_int_equal(init(c2, 20, &bound), RSI_SUCCESS);
	size_t len = read_token(512, tok, sizeof(tok));
	check_token(tok, len, c2);
}

/* The token reports the measurements as they are at INIT: a REM extended
 * since (written here straight into the RD, as MEASUREMENT_EXTEND would)
 * shows up in the next token. */
static void rems_are_read_at_init(void **state)
{
	uint8_t challenge[64], tok[8192];
	uint64_t bound;

	(void)state;
	assert_true(peek_rd_fill_rem(fx.r->rd, 2, 0x77));

	assert_int_equal(init(challenge, 30, &bound), RSI_SUCCESS);
	size_t len = read_token(4096, tok, sizeof(tok));
	check_token(tok, len, challenge);

	struct crd r = crd_make(tok, len), v;
	uint64_t arg;
	int64_t fmt;
	const uint8_t *realm = NULL, *p = NULL;
	size_t realm_len = 0, n = 0;
	struct test_sign1 s = { 0 };
	assert_true(crd_expect(&r, 6, &arg));
	assert_true(crd_map_find(tok + r.pos, len - r.pos, 44241, &v));
	assert_true(crd_expect(&v, 4, &arg) && crd_int(&v, &fmt));
	assert_true(crd_string(&v, 2, &realm, &realm_len));
	assert_true(test_sign1_parse(realm, realm_len, &s));
	assert_true(crd_map_find(s.payload, s.payload_len, 44239, &v));
	assert_true(crd_expect(&v, 4, &arg));
	assert_int_equal(arg, 4);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t want[32];
		memset(want, i == 2 ? 0x77 : 0, sizeof(want));
		assert_true(crd_string(&v, 2, &p, &n));
		assert_int_equal(n, 32);
		assert_memory_equal(p, want, 32);
	}
}

static void rec_without_aux_cannot_attest(void **state)
{
	uint8_t challenge[64];
	uint64_t bound;
	(void)state;
	/* An impossible REC (REC_AUX_COUNT is 1): no room for a token. */
	uint64_t saved = peek_rec_set_num_aux(fx.rec, 0);
	assert_int_equal(init(challenge, 1, &bound), RSI_ERROR_UNKNOWN);
	assert_int_equal(bound, 0);
	peek_rec_set_num_aux(fx.rec, saved);
	uint64_t n;
	assert_int_equal(cont(RAM_BASE, 0, 64, &n), RSI_ERROR_STATE);
}

/* A token the monitor cannot build (here: the realm token, for a hash
 * algorithm the monitor has no claims for) is RSI_ERROR_UNKNOWN, not a
 * fault of the realm's input or state; nothing is left to read. */
static void unbuildable_token_is_unknown(void **state)
{
	uint8_t challenge[64];
	uint64_t bound = 99, n = 99;

	(void)state;
	uint64_t saved = peek_rd_set_hash_algo(fx.r->rd, 7);
	assert_int_equal(init(challenge, 2, &bound), RSI_ERROR_UNKNOWN);
	assert_int_equal(bound, 0);
	peek_rd_set_hash_algo(fx.r->rd, saved);
	assert_int_equal(cont(RAM_BASE, 0, 64, &n), RSI_ERROR_STATE);
	assert_int_equal(n, 0);
	/* The realm can ask again once the platform can build it. */
	assert_int_equal(init(challenge, 2, &bound), RSI_SUCCESS);
}

/* A size of 0 writes nothing and is not an error (TF-RMM: INCOMPLETE). */
static void continue_with_no_room_writes_nothing(void **state)
{
	uint8_t challenge[64], tok[8192];
	uint64_t bound, n = 99;

	(void)state;
	assert_int_equal(init(challenge, 4, &bound), RSI_SUCCESS);
	assert_int_equal(cont(RAM_BASE, 100, 0, &n), RSI_INCOMPLETE);
	assert_int_equal(n, 0);
	size_t len = read_token(4096, tok, sizeof(tok));
	assert_int_equal(len, bound);
	check_token(tok, len, challenge);
}

/* CONTINUE into a page the host has not mapped yet: exits with the stage-2
 * data abort the host can serve, consuming nothing. */
static void expect_unmapped_exit(uint64_t ipa, uint64_t offset)
{
	struct smc_regs regs = { .x = { RSI_ATTEST_TOKEN_CONTINUE, ipa, offset, 64 } };
	struct peek_exit exit;

	peek_attest_call(false, fx.rec, fx.r->rd, &regs, &exit);
	assert_true(exit.exited);
	assert_int_equal(exit.reason, RMI_EXIT_SYNC);
	/* EC data abort from a lower EL, IL, DFSC = translation fault, level 3. */
	assert_int_equal(exit.esr, (UINT64_C(0x24) << 26) | (UINT64_C(1) << 25) | 0x07);
	assert_int_equal(exit.far, 0);
	assert_int_equal(exit.hpfar, (ipa >> 12) << 4);
}

static void continue_into_unmapped_ram_exits_then_succeeds(void **state)
{
	uint8_t challenge[64], tok[8192];
	uint64_t bound, n;

	(void)state;
	assert_int_equal(init(challenge, 5, &bound), RSI_SUCCESS);
	expect_unmapped_exit(HOLE_IPA, 0);
	expect_unmapped_exit(HOLE_IPA, 64); /* again: the host has not acted */
	/* The host maps the page; the call, run again, writes the token there. */
	uint64_t pa = realm_data_create_unknown(fx.r, HOLE_IPA);
	size_t total = 0;
	uint64_t status = RSI_INCOMPLETE;
	while (status == RSI_INCOMPLETE) {
		status = cont(HOLE_IPA, 0, 512, &n);
		assert_true(status == RSI_INCOMPLETE || status == RSI_SUCCESS);
		memcpy(tok + total, hostsim_monitor_view(pa), n);
		total += n;
	}
	assert_int_equal(total, bound);
	check_token(tok, total, challenge);
}

/* DESTROYED memory is not EMPTY: it exits to the host too (TF-RMM rel0),
 * which cannot back it, but it is the host's call what happens next. */
static void continue_into_destroyed_ram_exits(void **state)
{
	uint8_t challenge[64];
	uint64_t bound;

	(void)state;
	assert_int_equal(init(challenge, 6, &bound), RSI_SUCCESS);
	assert_int_equal(rmi_call(RMI_DATA_DESTROY, fx.r->rd, RAM_BASE + 4096, 0, 0, 0, 0).x[0], RMI_SUCCESS);
	expect_unmapped_exit(RAM_BASE + 4096, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(continue_without_init_is_a_state_error, setup, teardown),
		cmocka_unit_test_setup_teardown(token_read_in_chunks_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_continue_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(init_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(rems_are_read_at_init, setup, teardown),
		cmocka_unit_test_setup_teardown(rec_without_aux_cannot_attest, setup, teardown),
		cmocka_unit_test_setup_teardown(unbuildable_token_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(continue_with_no_room_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(continue_into_unmapped_ram_exits_then_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(continue_into_destroyed_ram_exits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
