/*
 * Communication policies in the monitor (caec-ext.md, "Policy"): RSI_POLICY_SET
 * and each rule it makes the monitor enforce, every rule with a case it
 * allows and a case it refuses (and a refusal changes nothing), and one test
 * per weakness of Mica's prototype that ours closes: a realm that claims
 * another's identity, a tampered blob, actions before the upload under
 * POLICY_REQUIRED, and escapes that are not CSM calls (host-visible memory,
 * host calls). The realms are exec realms played by the scripted CPU; their
 * measured DATA granules differ, so their RIMs do, and each blob is written
 * into the realm's memory after it was measured (its RIM is in the blob).
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/sha.h>

#include "abi/caec_policy.h"
#include "exec_csm_support.h"
#include "exec_fake_cpu.h"
#include "rmm/policy_blob.h"

#define BLOB_IPA  UINT64_C(0x1800) /* in the DATA granule at 0x1000 */
#define CALL_IPA  UINT64_C(0x1600) /* an RsiHostCall there */
#define UNPROT_IPA (EXEC_UNPROT_BASE + 0x5000)

/* ---- blobs, built by hand (the compiler in verify/ has its own tests) ---- */

struct pol_realm {
	const char *name;
	const uint8_t *rim; /* 32 bytes */
	bool gateway;
};
struct pol_channel {
	const char *name;
	unsigned owner;
	uint32_t pages;
	uint8_t perms[POLICY_MAX_REALMS];
};
struct pol {
	unsigned self, host_calls, num_realms, num_channels;
	bool strict;
	struct pol_realm realms[4];
	struct pol_channel channels[4];
};

static uint64_t blob_store[POLICY_MAX_SIZE / 8];

/* The canonical blob of p in blob_store; its length. */
static size_t build_blob(const struct pol *p)
{
	uint8_t *b = (uint8_t *)blob_store;
	struct policy_header h = {
		.magic = POLICY_MAGIC, .version = POLICY_VERSION, .header_size = sizeof(h),
		.flags = p->strict ? POLICY_FLAG_STRICT : 0, .host_calls = (uint8_t)p->host_calls,
		.self = (uint8_t)p->self, .num_realms = (uint8_t)p->num_realms,
		.num_channels = (uint8_t)p->num_channels,
	};
	h.realms_offset = sizeof(h);
	h.channels_offset = (uint16_t)(h.realms_offset + p->num_realms * sizeof(struct policy_realm));
	h.names_offset = (uint16_t)(h.channels_offset + p->num_channels * sizeof(struct policy_channel));
	memset(b, 0, sizeof(blob_store));
	char *names = (char *)b + h.names_offset;
	uint16_t at = 0;
	for (unsigned i = 0; i < p->num_realms; i++) {
		struct policy_realm r = { .name_offset = at, .name_len = (uint8_t)strlen(p->realms[i].name),
					  .flags = p->realms[i].gateway ? POLICY_REALM_GATEWAY : 0, .rim_size = 32 };
		memcpy(r.rim, p->realms[i].rim, 32);
		memcpy(names + at, p->realms[i].name, r.name_len);
		at = (uint16_t)(at + r.name_len);
		memcpy(b + h.realms_offset + i * sizeof(r), &r, sizeof(r));
	}
	for (unsigned i = 0; i < p->num_channels; i++) {
		struct policy_channel c = { .name_offset = at, .name_len = (uint8_t)strlen(p->channels[i].name),
					    .owner = (uint8_t)p->channels[i].owner, .pages = p->channels[i].pages };
		memcpy(c.perms, p->channels[i].perms, sizeof(c.perms));
		memcpy(names + at, p->channels[i].name, c.name_len);
		at = (uint16_t)(at + c.name_len);
		memcpy(b + h.channels_offset + i * sizeof(c), &c, sizeof(c));
	}
	h.names_size = (uint16_t)((at + 7u) & ~7u);
	h.total_size = h.names_offset + h.names_size;
	memcpy(b, &h, sizeof(h));
	assert_int_equal(policy_blob_check(b, h.total_size, NULL), POLICY_BLOB_OK);
	return h.total_size;
}

/* ---- realms ---- */

static uint8_t rim_realm[64], rim_other[64], rim_third[64];
static uint8_t page_other[4096], page_third[4096];

static void rim_of(const struct exec_realm *r, uint8_t rim[64])
{
	struct rmm_debug_realm d;

	assert_true(rmm_debug_realm(r->rd, &d));
	memcpy(rim, d.rim, 64);
}

/* realm (the owner, identity records in its DATA), other and third, each
 * measured differently; flags for all three. */
static void three_realms(uint64_t flags)
{
	cur = &realm;
	exec_realm_build_config(&realm, identity_page(), flags);
	memset(page_other, 0x0e, sizeof(page_other));
	memset(page_third, 0x3d, sizeof(page_third));
	exec_realm_build_config(&other, page_other, flags);
	exec_realm_build_config(&third, page_third, flags);
	rim_of(&realm, rim_realm);
	rim_of(&other, rim_other);
	rim_of(&third, rim_third);
	assert_memory_not_equal(rim_realm, rim_other, 32);
	assert_memory_not_equal(rim_other, rim_third, 32);
}

/* agent (realm, index 0) owns "prompt" (1 page) shared rw with llm (other,
 * 1) and "notes" (2 pages) read by llm; tool (third, 2) is declared with no
 * channel. */
static struct pol pipeline(unsigned self)
{
	struct pol p = {
		.self = self, .host_calls = POLICY_HOST_CALLS_DOORBELL, .num_realms = 3, .num_channels = 2,
		.strict = true,
		.realms = { { "agent", rim_realm, false }, { "llm", rim_other, false }, { "tool", rim_third, true } },
		.channels = { { "prompt", 0, 1, { RW, RW } }, { "notes", 0, 2, { RW, CSM_PERM_READ } } },
	};
	return p;
}

/* Writes the blob of p into r's memory at BLOB_IPA (after measurement). */
static size_t place_blob(const struct exec_realm *r, const struct pol *p)
{
	size_t len = build_blob(p);
	uint8_t *page = (uint8_t *)(uintptr_t)hostsim_monitor_view(r->data[1]);

	memcpy(page + (BLOB_IPA - 0x1000), blob_store, len);
	return len;
}

static uint64_t policy_set(struct exec_realm *r, uint64_t ipa, uint64_t len)
{
	struct call c[] = { CALL(RSI_POLICY_SET, ipa, len, 0) };

	cur = r;
	run_prog(c, 1);
	return c[0].x0;
}

static uint64_t set_policy_of(struct exec_realm *r, const struct pol *p)
{
	return policy_set(r, BLOB_IPA, place_blob(r, p));
}

#ifdef HAVE_CAEC_VERIFY
static bool token_policy_digest(struct exec_realm *r, uint8_t digest[32])
{
	struct cca_token tok;

	realm_token(r, &tok);
	if (!tok.realm_claims.has_policy_digest)
		return false;
	assert_int_equal(tok.realm_claims.policy_digest.len, 32);
	memcpy(digest, tok.realm_claims.policy_digest.ptr, 32);
	return true;
}
#endif

/* ---- RSI_POLICY_SET ---- */

static void test_policy_set(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol p = pipeline(0);
#ifdef HAVE_CAEC_VERIFY
	uint8_t d[32], want[32];
	assert_false(token_policy_digest(&realm, d)); /* no claim 65003 before */
#endif
	size_t len = place_blob(&realm, &p);
	assert_int_equal(policy_set(&realm, BLOB_IPA, len), RSI_SUCCESS);
#ifdef HAVE_CAEC_VERIFY
	SHA256((const uint8_t *)blob_store, len, want);
	assert_true(token_policy_digest(&realm, d));
	assert_memory_equal(d, want, 32);
#endif
	/* Once: a second upload, even of the same blob, is refused. */
	assert_int_equal(policy_set(&realm, BLOB_IPA, len), RSI_ERROR_STATE);
#ifdef HAVE_CAEC_VERIFY
	assert_true(token_policy_digest(&realm, d));
	assert_memory_equal(d, want, 32);
#endif
}

/* Each refusal leaves the realm without a policy: a good upload still works. */
static void test_policy_set_refusals(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol p = pipeline(0);
	size_t len = place_blob(&realm, &p);
	uint8_t *page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);

	assert_int_equal(policy_set(&realm, BLOB_IPA, 0), RSI_ERROR_INPUT);
	assert_int_equal(policy_set(&realm, BLOB_IPA, POLICY_MAX_SIZE + 1), RSI_ERROR_INPUT);
	assert_int_equal(policy_set(&realm, BLOB_IPA + 4, len), RSI_ERROR_INPUT);       /* alignment */
	assert_int_equal(policy_set(&realm, EXEC_UNPROT_BASE, len), RSI_ERROR_INPUT);   /* host memory */
	assert_int_equal(policy_set(&realm, 0x5000, len), RSI_ERROR_INPUT);             /* RIPAS EMPTY */
	assert_int_equal(policy_set(&realm, UINT64_MAX - 7, 16), RSI_ERROR_INPUT);      /* wraps */
	assert_int_equal(policy_set(&realm, BLOB_IPA, len - 8), RSI_ERROR_INPUT);       /* truncated */
	/* Tampered: a reserved byte, then the magic. */
	page[(BLOB_IPA - 0x1000) + 30] = 1;
	assert_int_equal(policy_set(&realm, BLOB_IPA, len), RSI_ERROR_INPUT);
	page[(BLOB_IPA - 0x1000) + 30] = 0;
	page[BLOB_IPA - 0x1000] ^= 0x20;
	assert_int_equal(policy_set(&realm, BLOB_IPA, len), RSI_ERROR_INPUT);
	/* Another realm's identity: llm's blob (self = llm) uploaded by agent. */
	struct pol theirs = pipeline(1);
	assert_int_equal(set_policy_of(&realm, &theirs), RSI_ERROR_INPUT);
#ifdef HAVE_CAEC_VERIFY
	uint8_t d[32];
	assert_false(token_policy_digest(&realm, d));
#endif
	assert_int_equal(set_policy_of(&realm, &p), RSI_SUCCESS);
}

/* The blob must come before any sharing: a realm that holds a region, or
 * that the host gave host-visible memory, cannot set one. */
static void test_policy_set_after_sharing(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	cur = &realm;
	owned_region(&region);
	struct pol p = pipeline(0);
	assert_int_equal(set_policy_of(&realm, &p), RSI_ERROR_STATE);
	remove_all(&region);
	assert_int_equal(rd_regions(), 0);

	uint64_t ns = test_alloc();
	uint64_t desc = ns | (UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, realm.rd, UNPROT_IPA, 3, desc).x[0], RMI_SUCCESS);
	assert_int_equal(set_policy_of(&realm, &p), RSI_ERROR_STATE);
	assert_int_equal(RMI(RMI_RTT_UNMAP_UNPROTECTED, realm.rd, UNPROT_IPA, 3).x[0], RMI_SUCCESS);
	assert_int_equal(set_policy_of(&realm, &p), RSI_SUCCESS);
	hostsim_host_free(ns);
}

/* ---- host-visible memory ---- */

/* A data abort at an unprotected IPA, then (when it resumes with a SEA) an IRQ. */
static void unprotected_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			      struct plat_trap *trap)
{
	(void)s2;
	if (step == 0) {
		trap->kind = PLAT_TRAP_S2_FAULT;
		trap->ipa = UNPROT_IPA;
		trap->esr = (UINT64_C(0x24) << 26) | (UINT64_C(1) << 25) | (UINT64_C(1) << 6) | 0x07;
		return;
	}
	assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
	exec_fake_irq(trap);
}

/* r writes to host-visible memory: a SEA into the realm (no exit) when the
 * policy forbids it, else a SYNC exit the host sees. */
static void expect_unprotected_write(struct exec_realm *r, bool refused)
{
	exec_fake_set_step(unprotected_steps);
	assert_int_equal(exec_enter(r, 0, 0, NULL), RMI_SUCCESS);
	if (refused) {
		assert_int_equal(exec_exit(r).exit_reason, RMI_EXIT_IRQ);
		assert_int_equal(exec_fake_runs(), 2);
	} else {
		struct rmi_rec_exit e = exec_exit(r);
		assert_int_equal(e.exit_reason, RMI_EXIT_SYNC);
		assert_int_equal(e.hpfar, (UNPROT_IPA >> 12) << 4);
		assert_int_equal(exec_enter(r, 0, RMI_REC_ENTRY_INJECT_SEA, NULL), RMI_SUCCESS);
	}
}

static uint64_t map_unprotected(struct exec_realm *r, uint64_t ns)
{
	uint64_t desc = ns | (UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8);

	return RMI(RMI_RTT_MAP_UNPROTECTED, r->rd, UNPROT_IPA, 3, desc).x[0];
}

/* A non-gateway realm with a policy has no host-visible memory: the host
 * cannot map it any, and its accesses there abort inside the realm instead
 * of reaching the host (Mica filtered only SMC exits). A gateway may. */
static void test_policy_unprotected(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	uint64_t ns = test_alloc();
	struct pol a = pipeline(0), t = pipeline(2);

	/* Without a policy: the host's memory, its exit. */
	expect_unprotected_write(&realm, false);
	assert_int_equal(set_policy_of(&realm, &a), RSI_SUCCESS);
	expect_unprotected_write(&realm, true);
	assert_int_equal(map_unprotected(&realm, ns), RMI_ERROR_REALM);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, realm.rd, UNPROT_IPA, 3).x[2], RMI_UNASSIGNED);
	/* tool is the gateway. */
	assert_int_equal(set_policy_of(&third, &t), RSI_SUCCESS);
	expect_unprotected_write(&third, false);
	assert_int_equal(map_unprotected(&third, ns), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_UNMAP_UNPROTECTED, third.rd, UNPROT_IPA, 3).x[0], RMI_SUCCESS);
	hostsim_host_free(ns);
}

/* ---- host calls ---- */

static uint64_t host_call_x0;

static void host_call_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	if (step == 0) {
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, CALL_IPA, 0, 0, 0);
		return;
	}
	host_call_x0 = ctx->gprs[0];
	exec_fake_irq(trap);
}

/* r makes the host call (imm, gpr0) written at CALL_IPA: true if it reached
 * the host (the exit carried it), false if the monitor refused it (X0). */
static bool host_call(struct exec_realm *r, uint16_t imm, uint64_t gpr0)
{
	struct rsi_host_call call = { .imm = imm };
	uint8_t *page = (uint8_t *)(uintptr_t)hostsim_monitor_view(r->data[1]);

	call.gprs[0] = gpr0;
	memcpy(page + (CALL_IPA - 0x1000), &call, sizeof(call));
	host_call_x0 = UINT64_MAX;
	exec_fake_set_step(host_call_steps);
	assert_int_equal(exec_enter(r, 0, 0, NULL), RMI_SUCCESS);
	struct rmi_rec_exit e = exec_exit(r);
	if (e.exit_reason == RMI_EXIT_HOST_CALL) {
		assert_int_equal(e.imm, imm);
		assert_int_equal(e.gprs[0], gpr0);
		assert_int_equal(exec_enter(r, 0, 0, NULL), RMI_SUCCESS);
		assert_int_equal(host_call_x0, RSI_SUCCESS);
		return true;
	}
	assert_int_equal(e.exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(host_call_x0, RSI_ERROR_STATE);
	return false;
}

static void test_policy_host_calls(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol p = pipeline(0);

	assert_true(host_call(&realm, 0xCAE0, 42)); /* no policy: anything */
	p.host_calls = POLICY_HOST_CALLS_DOORBELL;
	assert_int_equal(set_policy_of(&realm, &p), RSI_SUCCESS);
	assert_true(host_call(&realm, CAEC_HOST_CALL_DOORBELL_RING, 0));
	assert_true(host_call(&realm, CAEC_HOST_CALL_DOORBELL_WAIT, 0));
	assert_false(host_call(&realm, CAEC_HOST_CALL_DOORBELL_RING, 1)); /* a doorbell with data */
	assert_false(host_call(&realm, 0xCAE0, 0));                      /* another call */

	struct pol deny = pipeline(1);
	deny.host_calls = POLICY_HOST_CALLS_DENY;
	assert_int_equal(set_policy_of(&other, &deny), RSI_SUCCESS);
	assert_false(host_call(&other, CAEC_HOST_CALL_DOORBELL_RING, 0));
	assert_false(host_call(&other, 0xCAE0, 7));

	struct pol allow = pipeline(2);
	allow.host_calls = POLICY_HOST_CALLS_ALLOW;
	assert_int_equal(set_policy_of(&third, &allow), RSI_SUCCESS);
	assert_true(host_call(&third, 0xCAE0, 7));
}

/* ---- POLICY_REQUIRED ---- */

/* Before its policy, a POLICY_REQUIRED realm can do nothing that reaches
 * another realm or the host: CSM calls, host calls and host-visible memory
 * all fail; CSM_VERSION and POLICY_SET work. After it, the policy rules. */
static void test_policy_required(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS | CAEC_REALM_POLICY_REQUIRED);
	uint64_t ns = test_alloc();
	struct call c[] = {
		CALL(RSI_CSM_CREATE, 1, 0, 0), CALL(RSI_CSM_ATTACH, 2, CSM_IPA, CSM_PERM_READ),
		CALL(RSI_CSM_GRANT, 2, ID_RIM, CSM_PERM_READ), CALL(RSI_CSM_DETACH, 2, 0, 0),
		CALL(RSI_CSM_REVOKE, 2, 1, 0), CALL(RSI_CSM_SEAL, 2, 0, 0), CALL(RSI_CSM_INFO, 2, 0x2000, 0),
		CALL(RSI_CSM_VERSION, 0, 0, 0),
	};
	cur = &realm;
	run_prog(c, 8);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(c[i].x0, RSI_ERROR_STATE);
	assert_int_equal(c[7].x0, RSI_SUCCESS);
	assert_false(host_call(&realm, CAEC_HOST_CALL_DOORBELL_RING, 0));
	expect_unprotected_write(&realm, true);
	assert_int_equal(map_unprotected(&realm, ns), RMI_ERROR_REALM);
	assert_int_equal(rd_regions(), 0);

	/* The gateway, once its policy is set, gets what the policy gives. */
	struct pol t = pipeline(2);
	t.host_calls = POLICY_HOST_CALLS_ALLOW;
	expect_unprotected_write(&third, true);
	assert_int_equal(set_policy_of(&third, &t), RSI_SUCCESS);
	expect_unprotected_write(&third, false);
	assert_true(host_call(&third, 0xCAE0, 1));
	assert_int_equal(map_unprotected(&third, ns), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_UNMAP_UNPROTECTED, third.rd, UNPROT_IPA, 3).x[0], RMI_SUCCESS);
	hostsim_host_free(ns);
}

/* ---- channels: CREATE, GRANT, ATTACH ---- */

static uint64_t create_x0;
static struct call create_call[1]; /* the script reads it again when the REC resumes */

/* cur asks for a region of num pages for channel; true if it exited with
 * the request. */
static bool asks_for_channel(uint64_t num, uint64_t channel)
{
	struct call *c = create_call;

	c[0] = CALL_VALUE(RSI_CSM_CREATE, num, 0, channel);
	prog = c;
	prog_len = 1;
	exec_fake_set_step(prog_steps);
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	if (exec_exit(cur).exit_reason == RMI_EXIT_CSM_REQUEST)
		return true;
	create_x0 = c[0].x0;
	return false;
}

/* After the request exit: the REC resumes; the realm's X0 (X1: the csm_id). */
static uint64_t created(uint64_t *id)
{
	assert_int_equal(exec_enter(cur, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(cur).exit_reason, RMI_EXIT_IRQ);
	*id = create_call[0].x1;
	return create_call[0].x0;
}

/* The owner makes the region for channel 0 ("prompt", one page). */
static uint64_t prompt_region(void)
{
	cur = &realm;
	assert_true(asks_for_channel(1, 0));
	bind_region(&region, 1);
	add_pages(&region, 0, 1);
	uint64_t id;
	assert_int_equal(created(&id), RSI_SUCCESS);
	return id;
}

static void test_policy_create(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol p = pipeline(0);
	assert_int_equal(set_policy_of(&realm, &p), RSI_SUCCESS);
	cur = &realm;
	assert_false(asks_for_channel(1, POLICY_NO_CHANNEL)); /* strict: a channel or nothing */
	assert_int_equal(create_x0, RSI_ERROR_INPUT);
	assert_false(asks_for_channel(1, 2));                  /* no such channel */
	assert_int_equal(create_x0, RSI_ERROR_INPUT);
	assert_false(asks_for_channel(2, 0));                  /* prompt has one page */
	assert_int_equal(create_x0, RSI_ERROR_INPUT);
	assert_int_equal(rd_regions(), 0);
	uint64_t id = prompt_region();
	assert_true(id > 1);
	assert_int_equal(rd_regions(), 1);

	/* llm owns no channel: it cannot make one of agent's. */
	struct pol l = pipeline(1);
	assert_int_equal(set_policy_of(&other, &l), RSI_SUCCESS);
	cur = &other;
	assert_false(asks_for_channel(1, 0));
	assert_int_equal(create_x0, RSI_ERROR_INPUT);
	/* Without strict, a region outside the channels is the ACL's business. */
	struct pol loose = pipeline(2);
	loose.strict = false;
	assert_int_equal(set_policy_of(&third, &loose), RSI_SUCCESS);
	cur = &third;
	assert_true(asks_for_channel(1, POLICY_NO_CHANNEL));
	uint64_t none;
	assert_int_equal(created(&none), RSI_ERROR_STATE); /* the host did not serve it */
	cur = &realm;
	remove_all(&region);
}

/* An identity record in the owner's DATA: kind 1 with rim. */
static uint64_t put_rim_identity(const uint8_t rim[32], uint64_t kind)
{
	uint8_t *page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	struct csm_identity id = { .kind = kind };

	memcpy(id.value, rim, 32);
	memcpy(page + 0x700, &id, sizeof(id));
	return 0x1700;
}

static uint64_t grant(uint64_t id, uint64_t ipa, uint64_t perms)
{
	struct call c[] = { CALL(RSI_CSM_GRANT, id, ipa, perms) };

	cur = &realm;
	run_prog(c, 1);
	return c[0].x0;
}

static void test_policy_grant(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol p = pipeline(0);
	assert_int_equal(set_policy_of(&realm, &p), RSI_SUCCESS);
	uint64_t id = prompt_region();
	uint64_t gen = debug_csm(region.csmd).generation;

	/* tool is not a member of prompt; llm may not have more than rw. */
	assert_int_equal(grant(id, put_rim_identity(rim_third, CSM_IDENTITY_RIM), CSM_PERM_READ), RSI_ERROR_INPUT);
	/* A realm ID cannot be named by a policy. */
	assert_int_equal(grant(id, ID_REALM_ID, CSM_PERM_READ), RSI_ERROR_INPUT);
	assert_int_equal(debug_csm(region.csmd).generation, gen); /* the ACL unchanged */
	assert_int_equal(grant(id, put_rim_identity(rim_other, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).generation, gen + 1);
	remove_all(&region);
}

/* A member's policy names the channel; attach within it, nothing beyond. */
static void test_policy_attach(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	struct pol a = pipeline(0), l = pipeline(1), t = pipeline(2);
	assert_int_equal(set_policy_of(&realm, &a), RSI_SUCCESS);
	uint64_t id = prompt_region();
	/* The ACL admits llm and tool alike (one grant of admit count 2 each). */
	assert_int_equal(grant(id, put_rim_identity(rim_other, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	/* (tool cannot be granted: the rule. Its attach below fails on the rule
	 * and on its own policy.) */
	assert_int_equal(set_policy_of(&other, &l), RSI_SUCCESS);
	assert_int_equal(set_policy_of(&third, &t), RSI_SUCCESS);
	cur = &third;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	cur = &other;
	assert_true(realm_attaches(id, CSM_IPA, RW));
	/* The host maps it; the member is in. */
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	expect_mapped(&other, &region, CSM_IPA, true);
	cur = &realm;
}

/* A member's own policy holds it to what it declares, even where the ACL
 * admits more: here the owner has no policy and grants read/write to all. */
static void test_policy_attach_own_policy(void **state)
{
	(void)state;
	three_realms(CAEC_REALM_CSM_EXITS);
	cur = &realm;
	uint64_t id = owned_region(&region);
	assert_int_equal(grant(id, put_rim_identity(rim_other, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	assert_int_equal(grant(id, put_rim_identity(rim_third, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	/* llm declares prompt read-only. */
	struct pol l = pipeline(1);
	l.channels[0].perms[1] = CSM_PERM_READ;
	assert_int_equal(set_policy_of(&other, &l), RSI_SUCCESS);
	cur = &other;
	assert_false(realm_attaches(id, CSM_IPA, RW));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	expect_mapped(&other, &region, CSM_IPA, false);
	/* tool (strict) is no member of any channel of agent's. */
	struct pol t = pipeline(2);
	assert_int_equal(set_policy_of(&third, &t), RSI_SUCCESS);
	cur = &third;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 1);
	cur = &realm;
}

/* Without strict, a region of an owner the policy says nothing about is
 * left to the ACL; with strict it is refused. */
static void test_policy_attach_undeclared_owner(void **state)
{
	(void)state;
	static const uint8_t someone[32] = { 0x77, 0x77, 0x77 };
	three_realms(CAEC_REALM_CSM_EXITS);
	cur = &realm;
	uint64_t id = owned_region(&region);
	assert_int_equal(grant(id, put_rim_identity(rim_third, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	struct pol t = pipeline(2);
	t.realms[0].rim = someone; /* "agent" is someone else: the owner is undeclared */
	t.strict = false;
	assert_int_equal(set_policy_of(&third, &t), RSI_SUCCESS);
	cur = &third;
	assert_true(realm_attaches(id, CSM_IPA, RW));
	assert_int_equal(RMI(RMI_CSM_MAP, third.rd, third.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);

	struct pol s = pipeline(1);
	s.realms[0].rim = someone;
	assert_int_equal(grant(id, put_rim_identity(rim_other, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	assert_int_equal(set_policy_of(&other, &s), RSI_SUCCESS);
	cur = &other;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	cur = &realm;
}

/* ---- MAP checks again: a policy set by another REC after the ATTACH ---- */

static uint64_t race_id, race_attach_x0, race_set_x0;
static size_t race_len;

/* REC 0: CPU_ON for REC 1, then the ATTACH request. */
static void race_rec0_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	if (step == 0)
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, 0x0, 0, 0);
	else
		exec_fake_smc(ctx, trap, RSI_CSM_ATTACH, race_id, CSM_IPA, CSM_PERM_READ, 0);
}

/* REC 1: uploads the policy while REC 0's request waits. */
static void race_rec1_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	if (step == 0) {
		exec_fake_smc(ctx, trap, RSI_POLICY_SET, BLOB_IPA, race_len, 0, 0);
		return;
	}
	race_set_x0 = ctx->gprs[0];
	exec_fake_irq(trap);
}

static void race_result_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			      struct plat_trap *trap)
{
	(void)s2;
	(void)step;
	race_attach_x0 = ctx->gprs[0];
	exec_fake_irq(trap);
}

/* The ACL admits llm and its ATTACH is recorded; before the host maps it,
 * llm's second REC sets a strict policy that declares no channel of this
 * owner. RMI_CSM_MAP refuses, nothing is mapped, the realm gets ERROR_STATE. */
static void test_policy_map_recheck(void **state)
{
	(void)state;
	static const uint8_t someone[32] = { 0x55 };
	three_realms(CAEC_REALM_CSM_EXITS);
	cur = &realm;
	race_id = owned_region(&region);
	assert_int_equal(grant(race_id, put_rim_identity(rim_other, CSM_IDENTITY_RIM), RW), RSI_SUCCESS);
	struct pol l = pipeline(1);
	l.realms[0].rim = someone;
	race_len = place_blob(&other, &l);

	exec_fake_set_step(race_rec0_steps);
	assert_int_equal(exec_enter(&other, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&other).exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, other.rec[0], other.rec[1], 0).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&other, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&other).exit_reason, RMI_EXIT_CSM_REQUEST);

	exec_fake_set_step(race_rec1_steps);
	assert_int_equal(exec_enter(&other, 1, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&other).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(race_set_x0, RSI_SUCCESS); /* it held no region yet */

	uint64_t members = debug_csm(region.csmd).mapped_members;
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_ERROR_INPUT);
	assert_int_equal(debug_csm(region.csmd).mapped_members, members);
	cur = &other;
	assert_int_equal(rd_regions(), 0);
	exec_fake_set_step(race_result_steps);
	assert_int_equal(exec_enter(&other, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(race_attach_x0, RSI_ERROR_STATE);
	cur = &realm;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_policy_set),          EXEC_TEST(test_policy_set_refusals),
		EXEC_TEST(test_policy_set_after_sharing), EXEC_TEST(test_policy_unprotected),
		EXEC_TEST(test_policy_host_calls),   EXEC_TEST(test_policy_required),
		EXEC_TEST(test_policy_create),       EXEC_TEST(test_policy_grant),
		EXEC_TEST(test_policy_attach),       EXEC_TEST(test_policy_attach_own_policy),
		EXEC_TEST(test_policy_attach_undeclared_owner), EXEC_TEST(test_policy_map_recheck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
