/*
 * Confidential shared memory end to end on hostsim (argv: csm_owner_realm.so,
 * csm_member_realm.so): real realm code on the SDK, one VMM, several realms.
 * The owner creates a region, writes it and grants the member image's RIM
 * (measured offline) read-only access for two realms; two members map it,
 * read what the owner wrote and find themselves in the region's report
 * (csm_info), one writes and gets a synchronous external abort (the owner
 * also grants and revokes a second entry and checks its report); the VMM
 * reclaims the region when the last realm referencing it is
 * destroyed, and no granule stays behind. Negative cases: a host that did
 * not opt in to CSM exits, a member whose RIM the ACL does not name, a
 * region the host cannot back.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csm_realm_pattern.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "vmm_test_util.h"

static const char *owner_path, *member_path;

struct console {
	char text[16384];
	size_t len;
};

static void capture(void *ctx, const char *bytes, size_t len)
{
	struct console *c = ctx;

	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
}

/* 33-bit IPAs: each realm's IPA window is small enough that TSan's address
 * layout holds the five realms of one test at once, and the protected half
 * (4 GiB) still holds the sdk's first CSM window slots (1 GiB and up). */
#define CSM_TEST_IPA_BITS 33u

static void csm_opts(struct vmm_realm_opts *opts, uint64_t caec_flags)
{
	vmm_realm_opts_default(opts);
	opts->ipa_bits = CSM_TEST_IPA_BITS;
	opts->mem_size = UINT64_C(2) << 20;
	opts->caec_flags = caec_flags;
}

/* Builds and runs img with challenge; the realm stays (not destroyed). */
static struct vmm_realm *run(struct vmm *vmm, const struct realm_image *img, const struct vmm_realm_opts *opts,
			     const uint8_t challenge[HOST_CALL_CHALLENGE_SIZE], struct console *con,
			     struct vmm_run_result *res)
{
	struct vmm_run_config cfg = { .console = capture, .console_ctx = con, .challenge = challenge };
	struct vmm_error err = { "" };
	struct vmm_realm *r;

	if (vmm_realm_create(vmm, img->bytes, img->size, opts, &r, &err) != 0) {
		print_error("realm create: %s\n", err.msg);
		fail();
	}
	assert_int_equal(vmm_realm_run(r, &cfg, res), 0);
	if (res->stop != VMM_STOP_SYSTEM_OFF || !res->exit_reported)
		print_error("stop %d: %s\nconsole:\n%s\n", res->stop, res->detail, con->text);
	assert_int_equal(res->stop, VMM_STOP_SYSTEM_OFF);
	assert_true(res->exit_reported);
	return r;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void member_rim(const struct realm_image *member, const struct vmm_realm_opts *opts, uint8_t ch[64])
{
	struct vmm_measurement m;

	assert_int_equal(vmm_measure(member->bytes, member->size, opts, &m, NULL), 0);
	memset(ch, 0, HOST_CALL_CHALLENGE_SIZE);
	memcpy(ch, m.rim, m.hash_size);
	vmm_measurement_free(&m);
}

/* The owner's run: the region's csm_id, from its console. */
static uint64_t owner_region(const struct console *con)
{
	const char *p = strstr(con->text, "owner: created region 0x");
	unsigned long long id = 0;

	if (!p || sscanf(p, "owner: created region 0x%llx", &id) != 1) {
		print_error("owner console:\n%s\n", con->text);
		fail();
	}
	return id;
}

static void member_challenge(uint8_t ch[64], uint64_t id, uint64_t pages, uint8_t mode)
{
	memset(ch, 0, HOST_CALL_CHALLENGE_SIZE);
	put_le(ch, id, 8);
	put_le(ch + 8, pages, 4);
	ch[12] = mode;
}

static void assert_no_leak(struct vmm *vmm)
{
	struct leak_snapshot after;

	assert_int_equal(vmm_csm_region_count(vmm), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
}

struct images {
	struct realm_image owner, member;
};

static void load(struct images *im)
{
	assert_int_equal(realm_image_load(owner_path, &im->owner), 0);
	assert_int_equal(realm_image_load(member_path, &im->member), 0);
}

static void unload(struct images *im)
{
	realm_image_free(&im->owner);
	realm_image_free(&im->member);
}

/* The owner and two members; the region lives until the last of them goes. */
static void test_owner_and_two_members(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	struct console con_o = { .len = 0 }, con_a = { .len = 0 }, con_b = { .len = 0 };
	struct vmm_run_result res_o, res_a, res_b;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);

	member_rim(&im.member, &opts, ch);
	struct vmm_realm *owner = run(vmm, &im.owner, &opts, ch, &con_o, &res_o);
	if (res_o.exit_status != 0)
		print_error("owner console:\n%s\ncsm: %s\n", con_o.text, res_o.csm_error);
	assert_int_equal(res_o.exit_status, 0);
	assert_int_equal(res_o.csm_created, 1);
	assert_int_equal(res_o.csm_attached, 1);
	assert_int_equal(res_o.csm_detached, 1);
	assert_int_equal(res_o.csm_refused, 0);
	assert_true(res_o.exits.csm >= 3);
	uint64_t id = owner_region(&con_o);
	assert_non_null(strstr(con_o.text, "ready"));
	assert_int_equal(vmm_csm_region_count(vmm), 1);

	/* A member that writes: a SEA it survives, then it detaches. */
	member_challenge(ch, id, CSM_TEST_PAGES, 1);
	struct vmm_realm *a = run(vmm, &im.member, &opts, ch, &con_a, &res_a);
	if (res_a.exit_status != 0)
		print_error("member A console:\n%s\ncsm: %s\n", con_a.text, res_a.csm_error);
	assert_int_equal(res_a.exit_status, 0);
	assert_non_null(strstr(con_a.text, "member: read 600 pages ok"));
	assert_non_null(strstr(con_a.text, "member: the write faulted (SEA"));
	assert_non_null(strstr(con_a.text, "member: detached"));
	assert_int_equal(res_a.csm_attached, 1);
	assert_int_equal(res_a.csm_detached, 1);

	/* A second member (the grant admits two) stays mapped to the end. */
	member_challenge(ch, id, CSM_TEST_PAGES, 0);
	struct vmm_realm *b = run(vmm, &im.member, &opts, ch, &con_b, &res_b);
	if (res_b.exit_status != 0)
		print_error("member B console:\n%s\ncsm: %s\n", con_b.text, res_b.csm_error);
	assert_int_equal(res_b.exit_status, 0);
	assert_non_null(strstr(con_b.text, "member: read 600 pages ok"));
	assert_int_equal(res_b.csm_attached, 1);
	assert_int_equal(res_b.csm_detached, 0);

	char why[256];
	if (!hostsim_check_csm(why, sizeof(why)))
		fail_msg("CSM invariant: %s", why);
	/* The owner goes first: the members still reference the region. */
	assert_int_equal(vmm_realm_destroy(owner), 0);
	assert_int_equal(vmm_csm_region_count(vmm), 1);
	assert_int_equal(vmm_realm_destroy(a), 0);
	assert_int_equal(vmm_csm_region_count(vmm), 1);
	if (!hostsim_check_csm(why, sizeof(why)))
		fail_msg("CSM invariant with the owner gone: %s", why);
	/* B still maps it: the VMM unmaps it, then reclaims the region. */
	assert_int_equal(vmm_realm_destroy(b), 0);
	assert_no_leak(vmm);

	vmm_run_result_free(&res_o);
	vmm_run_result_free(&res_a);
	vmm_run_result_free(&res_b);
	unload(&im);
	vmm_test_machine_down(&machine);
}

/* A third realm of the member image: the grant admitted two, so it is
 * refused (as a realm whose RIM the ACL does not name would be); and a
 * member built differently (another RIM) is refused too. */
static void test_acl_refuses_others(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts, other;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	struct console con[4];
	struct vmm_run_result res[4];
	struct vmm_realm *r[4];

	(void)state;
	memset(con, 0, sizeof(con));
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);
	other = opts;
	other.mem_size += 4096; /* another RIM */

	member_rim(&im.member, &opts, ch);
	r[0] = run(vmm, &im.owner, &opts, ch, &con[0], &res[0]);
	assert_int_equal(res[0].exit_status, 0);
	uint64_t id = owner_region(&con[0]);

	member_challenge(ch, id, CSM_TEST_PAGES, 0);
	r[1] = run(vmm, &im.member, &other, ch, &con[1], &res[1]);
	assert_int_equal(res[1].exit_status, MEMBER_REFUSED);
	assert_int_equal(res[1].csm_attached, 0);
	assert_int_equal(res[1].exits.csm, 0); /* refused before any exit */
	r[2] = run(vmm, &im.member, &opts, ch, &con[2], &res[2]);
	assert_int_equal(res[2].exit_status, 0);
	/* This one leaves half detached: its teardown finds the rest. */
	member_challenge(ch, id, CSM_TEST_PAGES, 2);
	r[3] = run(vmm, &im.member, &opts, ch, &con[3], &res[3]);
	if (res[3].exit_status != 0)
		print_error("member console:\n%s\n", con[3].text);
	assert_int_equal(res[3].exit_status, 0);
	assert_non_null(strstr(con[3].text, "member: half detached"));
	assert_int_equal(res[3].csm_detached, 0);
	/* r[2] and r[3] are the two the entry admits (r[3] still maps part of
	 * the region); none beyond. */
	struct console con_x = { .len = 0 };
	struct vmm_run_result res_x;
	struct vmm_realm *x = run(vmm, &im.member, &opts, ch, &con_x, &res_x);
	assert_int_equal(res_x.exit_status, MEMBER_REFUSED);

	assert_int_equal(vmm_realm_destroy(x), 0);
	vmm_run_result_free(&res_x);
	for (int i = 3; i >= 0; i--) {
		assert_int_equal(vmm_realm_destroy(r[i]), 0);
		vmm_run_result_free(&res[i]);
	}
	assert_no_leak(vmm);
	unload(&im);
	vmm_test_machine_down(&machine);
}

struct parallel_run {
	struct vmm_realm *r;
	struct vmm_run_config cfg;
	struct vmm_run_result res;
	struct console con;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	int rc;
};

static void *run_thread(void *arg)
{
	struct parallel_run *p = arg;

	p->rc = vmm_realm_run(p->r, &p->cfg, &p->res);
	return NULL;
}

/* Two members attach, read and detach at the same time, on their own host
 * threads: the VMM's region list and the monitor serve both. */
static void test_members_in_parallel(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	struct console con_o = { .len = 0 };
	struct vmm_run_result res_o;
	struct vmm_error err = { "" };
	static struct parallel_run p[2];
	pthread_t t[2];

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);
	member_rim(&im.member, &opts, ch);
	struct vmm_realm *owner = run(vmm, &im.owner, &opts, ch, &con_o, &res_o);
	assert_int_equal(res_o.exit_status, 0);
	uint64_t id = owner_region(&con_o);
	for (int i = 0; i < 2; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		member_challenge(p[i].ch, id, CSM_TEST_PAGES, 1);
		p[i].cfg = (struct vmm_run_config){ .console = capture, .console_ctx = &p[i].con, .challenge = p[i].ch };
		assert_int_equal(vmm_realm_create(vmm, im.member.bytes, im.member.size, &opts, &p[i].r, &err), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run_thread, &p[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i].rc, 0);
		if (p[i].res.exit_status != 0)
			print_error("member %d console:\n%s\ncsm: %s\n", i, p[i].con.text, p[i].res.csm_error);
		assert_int_equal(p[i].res.stop, VMM_STOP_SYSTEM_OFF);
		assert_int_equal(p[i].res.exit_status, 0);
		assert_non_null(strstr(p[i].con.text, "member: detached"));
	}
	/* Members first this time; the owner's teardown reclaims the region. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(vmm_realm_destroy(p[i].r), 0);
		vmm_run_result_free(&p[i].res);
	}
	assert_int_equal(vmm_csm_region_count(vmm), 1);
	assert_int_equal(vmm_realm_destroy(owner), 0);
	assert_no_leak(vmm);
	vmm_run_result_free(&res_o);
	unload(&im);
	vmm_test_machine_down(&machine);
}

/* A grant by realm ID admits that one realm and not another of the same
 * image (same RIM). The host learns the member's realm ID from the monitor's
 * debug view, as a verifier would from its token (claim 65001). */
static void test_grant_by_realm_id(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE] = { 0 };
	struct vmm_run_config cfg_m = { .console = capture }, cfg_n = { .console = capture };
	struct console con_o = { .len = 0 }, con_m = { .len = 0 }, con_n = { .len = 0 };
	struct vmm_run_result res_o, res_m, res_n;
	struct vmm_error err = { "" };
	struct vmm_realm *m, *n;
	struct rmm_debug_realm info;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);
	assert_int_equal(vmm_realm_create(vmm, im.member.bytes, im.member.size, &opts, &m, &err), 0);
	assert_int_equal(vmm_realm_create(vmm, im.member.bytes, im.member.size, &opts, &n, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(m), &info));
	assert_int_equal(info.caec_flags, CAEC_REALM_CSM_EXITS);
	memcpy(ch, info.realm_id, sizeof(info.realm_id));
	ch[36] = OWNER_GRANT_REALM_ID;

	struct vmm_realm *owner = run(vmm, &im.owner, &opts, ch, &con_o, &res_o);
	if (res_o.exit_status != 0)
		print_error("owner console:\n%s\n", con_o.text);
	assert_int_equal(res_o.exit_status, 0);
	uint64_t id = owner_region(&con_o);
	assert_true(rmm_debug_realm(vmm_realm_rd(owner), &info));
	assert_int_equal(info.csm_regions, 1); /* it owns the region, maps nothing */

	member_challenge(ch, id, CSM_TEST_PAGES, 0);
	cfg_n.console_ctx = &con_n;
	cfg_n.challenge = ch;
	assert_int_equal(vmm_realm_run(n, &cfg_n, &res_n), 0);
	assert_int_equal(res_n.exit_status, MEMBER_REFUSED);
	cfg_m.console_ctx = &con_m;
	cfg_m.challenge = ch;
	assert_int_equal(vmm_realm_run(m, &cfg_m, &res_m), 0);
	if (res_m.exit_status != 0)
		print_error("member console:\n%s\ncsm: %s\n", con_m.text, res_m.csm_error);
	assert_int_equal(res_m.exit_status, 0);
	assert_non_null(strstr(con_m.text, "member: read 600 pages ok"));

	assert_int_equal(vmm_realm_destroy(owner), 0);
	assert_int_equal(vmm_realm_destroy(n), 0);
	assert_int_equal(vmm_realm_destroy(m), 0);
	assert_no_leak(vmm);
	vmm_run_result_free(&res_o);
	vmm_run_result_free(&res_m);
	vmm_run_result_free(&res_n);
	unload(&im);
	vmm_test_machine_down(&machine);
}

/* Without CSM exits the monitor refuses at once: no exit reaches the VMM. */
static void test_no_csm_exits(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE] = { 0 };
	struct console con = { .len = 0 };
	struct vmm_run_result res;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, 0);
	struct vmm_realm *r = run(vmm, &im.owner, &opts, ch, &con, &res);
	assert_int_equal(res.exit_status, OWNER_NO_REGION);
	assert_int_equal(res.exits.csm, 0);
	assert_int_equal(res.csm_created, 0);
	assert_int_equal(vmm_realm_destroy(r), 0);
	assert_no_leak(vmm);
	vmm_run_result_free(&res);
	unload(&im);
	vmm_test_machine_down(&machine);
}

/* A region larger than the machine's free memory: the VMM undoes what it
 * delegated and bound, the realm gets ERROR_STATE and goes on. */
static void test_create_the_host_cannot_back(void **state)
{
	void *machine = NULL;
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE] = { 0 };
	struct console con = { .len = 0 };
	struct vmm_run_result res;
	const uint64_t pages = VMM_TEST_DRAM / 4096; /* more than is free */

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);
	put_le(ch + 32, pages, 4);
	struct vmm_realm *r = run(vmm, &im.owner, &opts, ch, &con, &res);
	assert_int_equal(res.exit_status, OWNER_NO_REGION);
	assert_int_equal(res.exits.csm, 1);
	assert_int_equal(res.csm_created, 0);
	assert_int_equal(res.csm_refused, 1);
	assert_non_null(strstr(res.csm_error, "CREATE"));
	assert_int_equal(vmm_csm_region_count(vmm), 0);
	assert_int_equal(vmm_realm_destroy(r), 0);
	assert_no_leak(vmm);
	vmm_run_result_free(&res);
	unload(&im);
	vmm_test_machine_down(&machine);
}

/* A region of 256 MiB (65536 pages in 128 page lists): created, filled by
 * its owner, mapped by a member that reads every page, torn down with
 * nothing left behind, on a machine of 1 GiB. */
static void test_large_region(void **state)
{
	struct hostsim_config cfg = { .dram_size = UINT64_C(1) << 30 };
	struct images im;
	struct vmm_realm_opts opts;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	struct console con_o = { .len = 0 }, con_m = { .len = 0 };
	struct vmm_run_result res_o, res_m;
	const uint64_t pages = (UINT64_C(256) << 20) / 4096;
	static struct vmm vmm;
	char want[64];

	(void)state;
	assert_int_equal(hostsim_start(&cfg), 0);
	vmm_init(&vmm);
	load(&im);
	csm_opts(&opts, CAEC_REALM_CSM_EXITS);
	member_rim(&im.member, &opts, ch);
	put_le(ch + 32, pages, 4);
	struct vmm_realm *owner = run(&vmm, &im.owner, &opts, ch, &con_o, &res_o);
	if (res_o.exit_status != 0)
		print_error("owner console:\n%s\ncsm: %s\n", con_o.text, res_o.csm_error);
	assert_int_equal(res_o.exit_status, 0);
	uint64_t id = owner_region(&con_o);
	member_challenge(ch, id, pages, 0);
	struct vmm_realm *m = run(&vmm, &im.member, &opts, ch, &con_m, &res_m);
	if (res_m.exit_status != 0)
		print_error("member console:\n%s\ncsm: %s\n", con_m.text, res_m.csm_error);
	assert_int_equal(res_m.exit_status, 0);
	snprintf(want, sizeof(want), "member: read %llu pages ok", (unsigned long long)pages);
	assert_non_null(strstr(con_m.text, want));
	assert_int_equal(vmm_realm_destroy(owner), 0);
	assert_int_equal(vmm_realm_destroy(m), 0);
	assert_no_leak(&vmm);
	vmm_run_result_free(&res_o);
	vmm_run_result_free(&res_m);
	unload(&im);
	hostsim_stop();
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vmm_csm CSM_OWNER_REALM.so CSM_MEMBER_REALM.so\n");
		return 2;
	}
	owner_path = argv[1];
	member_path = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_and_two_members),
		cmocka_unit_test(test_acl_refuses_others),
		cmocka_unit_test(test_members_in_parallel),
		cmocka_unit_test(test_grant_by_realm_id),
		cmocka_unit_test(test_no_csm_exits),
		cmocka_unit_test(test_create_the_host_cannot_back),
		cmocka_unit_test(test_large_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
