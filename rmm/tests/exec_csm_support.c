/*
 * The CSM execution tests' common steps (exec_csm_support.h): a scripted
 * realm that asks for regions, attaches, calls RSI; the host's RMI side;
 * checks of what the monitor holds.
 */
#include <stdbool.h>
#include <string.h>

#include "exec_csm_support.h"
#include "exec_fake_cpu.h"

struct exec_realm realm;
/* The realm the helpers below act for (several in the member tests). */
struct exec_realm *cur = &realm;

/* What the scripted realm asks, and what it got back. */
static uint64_t ask_num, ask_flags;
uint64_t got_x0, got_x1;

static void create_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			 struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_CSM_CREATE, ask_num, ask_flags, 0, 0);
		break;
	default:
		got_x0 = ctx->gprs[0];
		got_x1 = ctx->gprs[1];
		exec_fake_irq(trap);
		break;
	}
}

/* The realm calls RSI_CSM_CREATE(num, flags): true if it exited with the
 * CSM request (checked field by field), false if the call returned at once
 * (got_x0 holds the status; the REC then exited IRQ). */
bool realm_asks(uint64_t num, uint64_t flags)
{
	ask_num = num;
	ask_flags = flags;
	got_x0 = got_x1 = UINT64_MAX;
	exec_fake_set_step(create_steps);
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	struct rmi_rec_exit exit = exec_exit(cur);
	if (exit.exit_reason == RMI_EXIT_IRQ)
		return false;
	assert_int_equal(exit.exit_reason, RMI_EXIT_CSM_REQUEST);
	assert_int_equal(exit.gprs[0], CSM_OP_CREATE);
	assert_int_equal(exit.gprs[1], num);
	for (unsigned i = 2; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
	assert_int_equal(exit.esr, 0);
	assert_int_equal(exit.far, 0);
	assert_int_equal(exit.hpfar, 0);
	assert_int_equal(exit.imm, 0);
	return true;
}

/* The host enters the REC again; the realm's X0 (and X1) afterwards. */
uint64_t realm_resumes(void)
{
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(cur).exit_reason, RMI_EXIT_IRQ);
	return got_x0;
}

unsigned rd_regions(void)
{
	struct rmm_debug_realm info;

	assert_true(rmm_debug_realm(cur->rd, &info));
	return info.csm_regions;
}

void build_realm(void)
{
	cur = &realm;
	exec_realm_build_config(&realm, NULL, CAEC_REALM_CSM_EXITS);
}

struct rmm_debug_csm debug_csm(uint64_t csmd)
{
	struct rmm_debug_csm d;

	assert_true(rmm_debug_csm(csmd, &d));
	return d;
}

void bind_region(struct region *g, uint64_t num)
{
	g->num = num;
	g->csmd = test_delegated();
	g->meta = test_delegated();
	struct smc_regs r = RMI(RMI_CSM_CREATE, cur->rd, cur->rec[0], g->csmd, g->meta, num);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_true(r.x[1] > 1); /* the csm_id */
	assert_int_equal(debug_csm(g->csmd).csm_id, r.x[1]);
	assert_int_equal(test_granule_state(g->csmd), GRANULE_STATE_CSMD);
	assert_int_equal(test_granule_state(g->meta), GRANULE_STATE_CSM_META);
}

void add_pages(struct region *g, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++) {
		g->pages[i] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_DATA_ADD, g->csmd, g->pages[i], i).x[0], RMI_SUCCESS);
		assert_int_equal(test_granule_state(g->pages[i]), GRANULE_STATE_CSM_DATA);
	}
}

bool is_zero_granule(uint64_t pa)
{
	const uint8_t *p = hostsim_monitor_view(pa);

	for (unsigned i = 0; i < RMI_GRANULE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/* The CSM invariants hold (hostsim_check_csm: the monitor's, the GPT, the host window). */
void expect_invariants(void)
{
	char why[256];

	if (!hostsim_check_csm(why, sizeof(why)))
		fail_msg("CSM invariant: %s", why);
}

/* Removes every page (checking X1 and the scrub), destroys, frees. */
void remove_all(struct region *g)
{
	expect_invariants();
	for (uint64_t i = 0; i < g->num; i++) {
		if (!g->pages[i])
			continue;
		struct smc_regs r = RMI(RMI_CSM_DATA_REMOVE, g->csmd, i);
		assert_int_equal(r.x[0], RMI_SUCCESS);
		assert_int_equal(r.x[1], g->pages[i]);
		assert_int_equal(test_granule_state(g->pages[i]), GRANULE_STATE_DELEGATED);
		assert_true(is_zero_granule(g->pages[i]));
		if (r.x[2]) {
			assert_int_equal(test_granule_state(r.x[2]), GRANULE_STATE_DELEGATED);
			assert_true(is_zero_granule(r.x[2]));
			for (unsigned s = 0; s < 4; s++)
				if (g->lists[s] == r.x[2])
					g->lists[s] = 0, test_undelegate_free(r.x[2]);
		}
		test_undelegate_free(g->pages[i]);
		g->pages[i] = 0;
	}
	assert_int_equal(RMI(RMI_CSM_DESTROY, g->csmd).x[0], RMI_SUCCESS);
	for (unsigned s = 0; s < 4; s++)
		if (g->lists[s]) {
			assert_int_equal(test_granule_state(g->lists[s]), GRANULE_STATE_DELEGATED);
			test_undelegate_free(g->lists[s]);
			g->lists[s] = 0;
		}
	assert_int_equal(test_granule_state(g->csmd), GRANULE_STATE_DELEGATED);
	assert_int_equal(test_granule_state(g->meta), GRANULE_STATE_DELEGATED);
	assert_true(is_zero_granule(g->csmd));
	assert_true(is_zero_granule(g->meta));
	test_undelegate_free(g->csmd);
	test_undelegate_free(g->meta);
	expect_invariants();
}

struct region region; /* large: not on the stack */

struct call *prog;
unsigned prog_len;

void prog_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		struct plat_trap *trap)
{
	(void)s2;
	if (step > 0) {
		prog[step - 1].x0 = ctx->gprs[0];
		prog[step - 1].x1 = ctx->gprs[1];
	}
	if (step < prog_len)
		exec_fake_smc(ctx, trap, prog[step].fid, prog[step].a1, prog[step].a2, prog[step].a3, 0);
	else
		exec_fake_irq(trap);
}

void run_prog(struct call *calls, unsigned n)
{
	prog = calls;
	prog_len = n;
	exec_fake_set_step(prog_steps);
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(cur).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), n + 1);
}

/* A complete region of one page owned by the realm; its csm_id. */
uint64_t owned_region(struct region *g)
{
	assert_true(realm_asks(1, 0));
	bind_region(g, 1);
	add_pages(g, 0, 1);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	return got_x1;
}

const void *identity_page(void)
{
	static uint8_t page[4096];
	struct csm_identity id;

	memset(page, 0, sizeof(page));
	memset(&id, 0, sizeof(id));
	id.kind = CSM_IDENTITY_RIM;
	memset(id.value, 0x11, 32);
	memcpy(page + (ID_RIM - 0x1000), &id, sizeof(id));
	memset(&id, 0, sizeof(id));
	id.kind = CSM_IDENTITY_REALM_ID;
	memset(id.value, 0x22, 32);
	memcpy(page + (ID_REALM_ID - 0x1000), &id, sizeof(id));
	memset(&id, 0, sizeof(id));
	id.kind = CSM_IDENTITY_RIM_RPV;
	memset(id.value, 0x33, 32);
	memset(id.value + 64, 0x44, 64);
	memcpy(page + (ID_RIM_RPV - 0x1000), &id, sizeof(id));
	memset(&id, 0, sizeof(id));
	id.kind = 4;
	memcpy(page + (ID_BAD_KIND - 0x1000), &id, sizeof(id));
	memset(&id, 0, sizeof(id));
	id.kind = CSM_IDENTITY_RIM;
	id.value[40] = 1;
	memcpy(page + (ID_RIM_TAIL - 0x1000), &id, sizeof(id));
	memset(&id, 0, sizeof(id));
	id.kind = CSM_IDENTITY_REALM_ID;
	id.value[100] = 1;
	memcpy(page + (ID_ID_TAIL - 0x1000), &id, sizeof(id));
	return page;
}

void build_with_identities(void)
{
	cur = &realm;
	exec_realm_build_config(&realm, identity_page(), CAEC_REALM_CSM_EXITS);
}

uint64_t owner_and_realms(unsigned others)
{
	build_with_identities();
	uint64_t id = owned_region(&region);
	struct exec_realm *more[] = { &other, &third };
	for (unsigned i = 0; i < others && i < 2; i++) {
		cur = more[i];
		exec_realm_build_config(more[i], NULL, CAEC_REALM_CSM_EXITS);
	}
	return id;
}

/* The realm asks to attach; true if it exited with the ATTACH request. */
bool realm_attaches(uint64_t id, uint64_t ipa, uint64_t perms)
{
	static struct call c[1]; /* the script reads it again when the REC resumes */

	c[0] = CALL_VALUE(RSI_CSM_ATTACH, id, ipa, perms);
	prog = c;
	prog_len = 1;
	got_x0 = UINT64_MAX;
	exec_fake_set_step(prog_steps);
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	struct rmi_rec_exit exit = exec_exit(cur);
	if (exit.exit_reason == RMI_EXIT_IRQ) {
		got_x0 = c[0].x0;
		return false;
	}
	assert_int_equal(exit.exit_reason, RMI_EXIT_CSM_REQUEST);
	assert_int_equal(exit.gprs[0], CSM_OP_ATTACH);
	assert_int_equal(exit.gprs[1], id);
	assert_int_equal(exit.gprs[2], ipa);
	assert_int_equal(exit.gprs[3], perms);
	for (unsigned i = 4; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
	return true;
}

/* After an ATTACH exit the REC resumes with the prog script's next step:
 * the realm's X0 then. */
uint64_t realm_resumes_prog(void)
{
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(cur).exit_reason, RMI_EXIT_IRQ);
	return prog[0].x0;
}

/* The level-3 entry of realm r at ipa, as the monitor wrote it. */
uint64_t l3_entry(const struct exec_realm *r, uint64_t ipa)
{
	const uint64_t *l2 = hostsim_monitor_view(r->l2);
	uint64_t table = l2[(ipa >> 21) & 511];

	assert_true(ipa < (UINT64_C(1) << 30)); /* under the realm's level-2 table */
	assert_int_equal(table & 3, 3);          /* a table descriptor */
	const uint64_t *l3 = hostsim_monitor_view(table & DESC_OA);
	return l3[(ipa >> 12) & 511];
}

void expect_mapped(const struct exec_realm *r, const struct region *g, uint64_t ipa, bool writable)
{
	for (uint64_t i = 0; i < g->num; i++) {
		uint64_t e = l3_entry(r, ipa + i * RMI_GRANULE_SIZE);
		assert_int_equal(e & 1, 1);
		assert_int_equal(e & DESC_OA, g->pages[i]);
		assert_int_equal(e & DESC_S2AP_R, DESC_S2AP_R);
		assert_int_equal(e & DESC_S2AP_W, writable ? DESC_S2AP_W : 0);
		assert_int_equal(e & DESC_XN, DESC_XN);
		/* The host's view: ASSIGNED, RIPAS RAM, the page. */
		struct smc_regs re = RMI(RMI_RTT_READ_ENTRY, r->rd, ipa + i * RMI_GRANULE_SIZE, 3);
		assert_int_equal(re.x[0], RMI_SUCCESS);
		assert_int_equal(re.x[2], RMI_ASSIGNED);
		assert_int_equal(re.x[3], g->pages[i]);
		assert_int_equal(re.x[4], RIPAS_RAM);
	}
}

struct exec_realm other, third;

#ifdef HAVE_CAEC_VERIFY
/* The token the realm's REC 0 gets from ATTEST_TOKEN_INIT, decoded by the
 * verifier (strict), from the REC's aux granules where the monitor keeps it. */
void realm_token(struct exec_realm *r, struct cca_token *tok)
{
	struct call c[] = { CALL(RSI_ATTEST_TOKEN_INIT, 0, 0, 0) };
	struct verify_result res;

	cur = r;
	run_prog(c, 1);
	assert_int_equal(c[0].x0, RSI_SUCCESS);
	/* The token lies in the REC's aux granules, one after the other. */
	static uint8_t token[EXEC_REC_AUX * RMI_GRANULE_SIZE];
	assert_true(c[0].x1 <= sizeof(token));
	for (unsigned i = 0; i < EXEC_REC_AUX; i++)
		memcpy(token + i * RMI_GRANULE_SIZE, hostsim_monitor_view(r->aux[0][i]), RMI_GRANULE_SIZE);
	memset(tok, 0, sizeof(*tok));
	if (cca_token_decode(token, c[0].x1, true, tok, &res) != 0)
		fail_msg("token: %s: %s", verify_check_name(res.failed), res.reason);
}
#endif

/* Tears an exec realm down completely (its DATA, RTTs, RECs, RD). */
void exec_realm_destroy(struct exec_realm *r)
{
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(RMI(RMI_DATA_DESTROY, r->rd, (uint64_t)i * RMI_GRANULE_SIZE).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_DESTROY, r->rd, 0, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_DESTROY, r->rd, 0, 2).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_DESTROY, r->rd, EXEC_UNPROT_BASE, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_DESTROY, r->rd, EXEC_UNPROT_BASE, 2).x[0], RMI_SUCCESS);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(RMI(RMI_REC_DESTROY, r->rec[i]).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_REALM_DESTROY, r->rd).x[0], RMI_SUCCESS);
}

/* The REC resumes from a request exit, whatever script made it: its X0. */
static uint64_t resumed_x0;

static void resume_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			 struct plat_trap *trap)
{
	(void)s2;
	if (step == 0)
		resumed_x0 = ctx->gprs[0];
	exec_fake_irq(trap);
}

uint64_t realm_resume_x0(void)
{
	exec_fake_set_step(resume_steps);
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(cur).exit_reason, RMI_EXIT_IRQ);
	return resumed_x0;
}

/* A write or an instruction fetch on a read-only member mapping: a SEA for
 * the realm, nothing for the host. */
void permission_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		      struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0: /* a write: permission fault, level 3 */
		trap->kind = PLAT_TRAP_S2_FAULT;
		trap->ipa = CSM_IPA;
		trap->esr = (UINT64_C(0x24) << 26) | (UINT64_C(1) << 25) | (UINT64_C(1) << 6) | 0x0f;
		break;
	case 1:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		trap->kind = PLAT_TRAP_S2_FAULT; /* an instruction fetch */
		trap->ipa = CSM_IPA;
		trap->esr = (UINT64_C(0x20) << 26) | (UINT64_C(1) << 25) | 0x0f;
		break;
	case 2:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		trap->kind = PLAT_TRAP_S2_FAULT; /* a translation fault that raced the mapping */
		trap->ipa = CSM_IPA;
		trap->esr = (UINT64_C(0x24) << 26) | (UINT64_C(1) << 25) | 0x07;
		break;
	case 3:
		assert_int_equal(ctx->resume, PLAT_RESUME_NORMAL);
		exec_fake_irq(trap);
		break;
	}
}
