/*
 * Confidential shared memory under concurrency: an owner realm grants and
 * revokes, two member realms attach (the host maps for them) and detach,
 * and a host thread unmaps members behind their backs and reads entries,
 * all at once, for a bounded number of rounds. Then the invariants: the
 * region's mapped count equals the members the monitor lists, every CSM
 * entry of a member maps a page of the region (and nothing else is mapped
 * there), and after the last unmap and teardown every granule is back.
 * Meant for TSan (the test command runs it there): any race or lock-order
 * inversion shows as a report or a hang (the CTest timeout).
 *
 * Each thread drives its own realm's REC 0; the scripted CPU runs on the
 * thread that entered the REC, so each thread keeps its script in
 * thread-local storage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "abi/caec.h"
#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"

#define ROUNDS      300
#define NUM_PAGES   8
#define CSM_IPA     UINT64_C(0x10000) /* slots of NUM_PAGES pages from here to 2 MiB */
#define SLOT_SIZE   (NUM_PAGES * RMI_GRANULE_SIZE)
#define NUM_SLOTS   ((UINT64_C(0x200000) - CSM_IPA) / SLOT_SIZE)
#define ID_REALM_ID 0x1100 /* where the owner keeps its identity records */

/* One RSI call per REC_ENTER: issued on the first run, collected on the next. */
struct tls_call {
	uint64_t fid, a1, a2, a3;
	uint64_t x0, x1;
	int phase; /* 0 issue, 1 collect, 2 done */
};
static _Thread_local struct tls_call call;

static void steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap)
{
	(void)step;
	(void)s2;
	if (call.phase == 0) {
		exec_fake_smc(ctx, trap, call.fid, call.a1, call.a2, call.a3, 0);
		call.phase = 1;
		return;
	}
	if (call.phase == 1) {
		call.x0 = ctx->gprs[0];
		call.x1 = ctx->gprs[1];
		call.phase = 2;
	}
	exec_fake_irq(trap);
}

static struct exec_realm owner, members[2];
static atomic_uint grants, revokes, attaches, detaches;
static uint64_t csmd, meta, pages[NUM_PAGES], csm_id;
static atomic_bool owner_done;
static pthread_barrier_t start_line; /* all four threads start together */

/* Enters r's REC 0 to make one call; returns the exit reason (the call's
 * results are in call.x0/x1 once it returned to the realm). */
static uint64_t enter(struct exec_realm *r)
{
	assert_int_equal(exec_enter(r, 0, 0, NULL), RMI_SUCCESS);
	return exec_exit(r).exit_reason;
}

static void rsi(struct exec_realm *r, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	call = (struct tls_call){ fid, a1, a2, a3, 0, 0, 0 };
	uint64_t reason = enter(r);
	while (call.phase != 2 || reason != RMI_EXIT_IRQ) {
		/* A CSM request exit: this thread is the host for it. */
		assert_int_equal(reason, RMI_EXIT_CSM_REQUEST);
		struct rmi_rec_exit ex = exec_exit(r);
		if (ex.gprs[0] == CSM_OP_ATTACH) {
			uint64_t ipa = ex.gprs[2], top = ipa + NUM_PAGES * RMI_GRANULE_SIZE;
			while (ipa < top) {
				struct smc_regs m = RMI(RMI_CSM_MAP, r->rd, r->rec[0], csmd, ipa);
				if (m.x[0] != RMI_SUCCESS)
					break; /* revoked meanwhile: the realm gets ERROR_STATE */
				ipa = m.x[1];
			}
		}
		reason = enter(r);
	}
}

static void *owner_main(void *arg)
{
	uint64_t held[2] = { 0, 0 }; /* each member's current grant */

	(void)arg;
	pthread_barrier_wait(&start_line);
	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned m = i % 2;

		if (i % 5 == 4 && held[m] != 0) { /* now and then a member loses its only grant */
			do
				rsi(&owner, RSI_CSM_REVOKE, csm_id, held[m], 0);
			while (call.x0 == RSI_INCOMPLETE);
			assert_int_equal(call.x0, RSI_SUCCESS);
			atomic_fetch_add(&revokes, 1);
			held[m] = 0;
			continue;
		}
		/* A fresh grant for member m, then the old one goes: the member is
		 * re-admitted by the new entry, or unmapped if it raced. */
		rsi(&owner, RSI_CSM_GRANT, csm_id, ID_REALM_ID + 0x100 * m, CSM_PERM_READ | CSM_PERM_WRITE);
		assert_int_equal(call.x0, RSI_SUCCESS);
		atomic_fetch_add(&grants, 1);
		uint64_t old = held[m];
		held[m] = call.x1;
		if (old == 0)
			continue;
		do
			rsi(&owner, RSI_CSM_REVOKE, csm_id, old, 0);
		while (call.x0 == RSI_INCOMPLETE);
		assert_int_equal(call.x0, RSI_SUCCESS);
		atomic_fetch_add(&revokes, 1);
	}
	/* The members' last grant stays, so they get in at least then. */
	atomic_store(&owner_done, true);
	return NULL;
}

static void *member_main(void *arg)
{
	struct exec_realm *r = arg;

	pthread_barrier_wait(&start_line);
	/* While the owner works, and at least ROUNDS times after it is done. */
	for (unsigned i = 0, after = 0; after < ROUNDS && i < 100 * ROUNDS; i++) {
		if (atomic_load(&owner_done))
			after++;
		/* A range the host unmapped or a revocation took is DESTROYED, not
		 * EMPTY: the next attach goes elsewhere. */
		rsi(r, RSI_CSM_ATTACH, csm_id, CSM_IPA + (i % NUM_SLOTS) * SLOT_SIZE, CSM_PERM_READ);
		if (call.x0 != RSI_SUCCESS)
			continue; /* not admitted (yet), or half-mapped and revoked */
		atomic_fetch_add(&attaches, 1);
		do
			rsi(r, RSI_CSM_DETACH, csm_id, 0, 0);
		while (call.x0 == RSI_INCOMPLETE);
		if (call.x0 == RSI_SUCCESS)
			atomic_fetch_add(&detaches, 1);
	}
	return NULL;
}

static void *host_main(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (unsigned i = 0; i < 4 * ROUNDS; i++) {
		struct exec_realm *r = &members[i % 2];
		uint64_t slot = CSM_IPA + ((i / 2) % NUM_SLOTS) * SLOT_SIZE;
		(void)RMI(RMI_CSM_UNMAP, r->rd, csmd, slot);
		(void)RMI(RMI_RTT_READ_ENTRY, r->rd, slot, 3);
		(void)RMI(RMI_CSM_DATA_REMOVE, csmd, NUM_PAGES); /* out of range: always refused */
	}
	return NULL;
}

/* Every level-3 entry of r over the slots is unassigned or a page of the
 * region at its place in its slot; the number mapped. */
static unsigned mapped_pages(const struct exec_realm *r)
{
	unsigned n = 0;

	for (uint64_t ipa = CSM_IPA; ipa < CSM_IPA + NUM_SLOTS * SLOT_SIZE; ipa += RMI_GRANULE_SIZE) {
		struct smc_regs e = RMI(RMI_RTT_READ_ENTRY, r->rd, ipa, 3);
		assert_int_equal(e.x[0], RMI_SUCCESS);
		if (e.x[2] == RMI_ASSIGNED) {
			assert_int_equal(e.x[3], pages[((ipa - CSM_IPA) % SLOT_SIZE) / RMI_GRANULE_SIZE]);
			n++;
		} else {
			assert_int_equal(e.x[2], RMI_UNASSIGNED);
		}
	}
	return n;
}

static void test_csm_stress(void **state)
{
	(void)state;
	static uint8_t records[4096];
	exec_fake_set_step(steps);
	exec_realm_build_config(&members[0], NULL, CAEC_REALM_CSM_EXITS);
	exec_realm_build_config(&members[1], NULL, CAEC_REALM_CSM_EXITS);
	for (unsigned m = 0; m < 2; m++) {
		struct rmm_debug_realm info;
		struct csm_identity id = { .kind = CSM_IDENTITY_REALM_ID };
		assert_true(rmm_debug_realm(members[m].rd, &info));
		memcpy(id.value, info.realm_id, 32);
		memcpy(records + (ID_REALM_ID - 0x1000) + 0x100 * m, &id, sizeof(id));
	}
	exec_realm_build_config(&owner, records, CAEC_REALM_CSM_EXITS);

	/* The region. */
	call = (struct tls_call){ RSI_CSM_CREATE, NUM_PAGES, 0, 0, 0, 0, 0 };
	assert_int_equal(enter(&owner), RMI_EXIT_CSM_REQUEST);
	csmd = test_delegated();
	meta = test_delegated();
	assert_int_equal(RMI(RMI_CSM_CREATE, owner.rd, owner.rec[0], csmd, meta, NUM_PAGES).x[0], RMI_SUCCESS);
	for (unsigned i = 0; i < NUM_PAGES; i++) {
		pages[i] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_DATA_ADD, csmd, pages[i], i).x[0], RMI_SUCCESS);
	}
	assert_int_equal(enter(&owner), RMI_EXIT_IRQ);
	assert_int_equal(call.x0, RSI_SUCCESS);
	csm_id = call.x1;

	pthread_t t[4];
	atomic_store(&owner_done, false);
	assert_int_equal(pthread_barrier_init(&start_line, NULL, 4), 0);
	assert_int_equal(pthread_create(&t[0], NULL, owner_main, NULL), 0);
	assert_int_equal(pthread_create(&t[1], NULL, member_main, &members[0]), 0);
	assert_int_equal(pthread_create(&t[2], NULL, member_main, &members[1]), 0);
	assert_int_equal(pthread_create(&t[3], NULL, host_main, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start_line);

	print_message("csm_stress: %u grants, %u revokes, %u attaches, %u detaches\n", atomic_load(&grants),
		      atomic_load(&revokes), atomic_load(&attaches), atomic_load(&detaches));
	assert_true(atomic_load(&attaches) > 0 && atomic_load(&revokes) > 0);
	/* Invariants: the monitor's, the GPT's and the host window's (hostsim_check_csm),
	 * then the monitor's count against the RTTs. */
	char why[256];
	if (!hostsim_check_csm(why, sizeof(why)))
		fail_msg("CSM invariant: %s", why);
	struct rmm_debug_csm d;
	assert_true(rmm_debug_csm(csmd, &d));
	unsigned mapping = 0;
	for (unsigned m = 0; m < 2; m++) {
		unsigned n = mapped_pages(&members[m]);
		struct rmm_debug_realm info;
		assert_true(rmm_debug_realm(members[m].rd, &info));
		mapping += info.csm_regions; /* a member reference iff some entry is mapped */
		if (info.csm_regions == 0)
			assert_int_equal(n, 0);
		else
			assert_true(n > 0 && n <= NUM_PAGES);
	}
	assert_int_equal(d.mapped_members, mapping);
	for (unsigned i = 0; i < NUM_PAGES; i++)
		assert_int_equal(test_granule_state(pages[i]), GRANULE_STATE_CSM_DATA);

	/* Teardown: unmap what is left, remove, destroy: everything comes back. */
	for (unsigned m = 0; m < 2; m++) {
		/* A member left mapped (the threads stopped between attach and
		 * detach) maps one slot: unmap from wherever it starts. */
		for (uint64_t ipa = CSM_IPA; ipa < CSM_IPA + NUM_SLOTS * SLOT_SIZE; ipa += RMI_GRANULE_SIZE)
			(void)RMI(RMI_CSM_UNMAP, members[m].rd, csmd, ipa);
		assert_int_equal(mapped_pages(&members[m]), 0);
	}
	assert_true(rmm_debug_csm(csmd, &d));
	assert_int_equal(d.mapped_members, 0);
	for (unsigned i = 0; i < NUM_PAGES; i++) {
		assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, csmd, i).x[0], RMI_SUCCESS);
		test_undelegate_free(pages[i]);
	}
	assert_int_equal(RMI(RMI_CSM_DESTROY, csmd).x[0], RMI_SUCCESS);
	test_undelegate_free(csmd);
	test_undelegate_free(meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_csm_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
