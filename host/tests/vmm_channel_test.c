/*
 * Channels over confidential shared memory end to end (argv: chan_echo.so):
 * two realms of one VMM run at once, one creating the channel and granting
 * it to the image's RIM for one realm, the other joining it by csm_id; they
 * exchange thousands of messages (some in fragments) through memory the
 * host cannot read, waiting on the region's doorbell; meanwhile a third
 * realm of the same image is not admitted (the grant admits one). A server
 * that detaches without a word, or that its owner revokes, makes the
 * client's calls end with CHAN_EPEER (the revoked one's next access aborts).
 * Nothing leaks.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/measure.h"
#include "chan_echo_parts.h"
#include "host/realm_image.h"
#include "hostsim/hostsim.h"
#include "sdk/channel.h"
#include "vmm_test_util.h"

static const char *image_path;

#define NS_AREA_IPA UINT64_C(0xC0000000)
#define CHAN_PAGES   64u

struct console {
	pthread_mutex_t lock;
	char text[16384];
	size_t len;
};

static void capture(void *ctx, const char *bytes, size_t len)
{
	struct console *c = ctx;

	pthread_mutex_lock(&c->lock);
	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
	pthread_mutex_unlock(&c->lock);
}

/* Application call 0xCB00 of the client: it returns once the test says so. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go;
	unsigned calls;
} hold = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0 };

static void hold_call(void *ctx, struct vmm_realm *r, uint16_t imm, uint64_t *gprs)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&hold.lock);
	hold.calls++;
	while (!hold.go)
		pthread_cond_wait(&hold.cond, &hold.lock);
	pthread_mutex_unlock(&hold.lock);
	gprs[0] = imm == 0xCB00 ? 0 : UINT64_MAX;
}

static void release_hold(void)
{
	pthread_mutex_lock(&hold.lock);
	hold.go = true;
	pthread_cond_broadcast(&hold.cond);
	pthread_mutex_unlock(&hold.lock);
}

struct party {
	struct vmm_realm *r;
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE];
	struct console con;
	struct vmm_run_result res;
	int rc;
	pthread_t thread;
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void *run_party(void *arg)
{
	struct party *p = arg;
	struct vmm_run_config cfg = { .console = capture, .console_ctx = &p->con, .challenge = p->ch,
				      .timeout_ms = 60000, .app_call = hold_call };

	p->rc = vmm_realm_run(p->r, &cfg, &p->res);
	return NULL;
}

static void opts_for(struct vmm_realm_opts *opts)
{
	vmm_realm_opts_default(opts);
	opts->ipa_bits = 33; /* small IPA windows: TSan's address space holds three realms */
	opts->mem_size = UINT64_C(8) << 20;
	opts->caec_flags = CAEC_REALM_CSM_EXITS;
}

static void start(struct vmm *vmm, const struct realm_image *img, struct party *p, uint8_t part, uint64_t count,
		  uint64_t csm_id, const uint8_t *rim, bool hold_open, const struct vmm_ns_buffer *ns)
{
	struct vmm_realm_opts opts;
	struct vmm_error err = { "" };

	opts_for(&opts);
	pthread_mutex_init(&p->con.lock, NULL);
	memset(p->ch, 0, sizeof(p->ch));
	p->ch[0] = part;
	p->ch[3] = hold_open; /* the client asks (0xCB00) before it closes */
	put_le(p->ch + 4, count, 4);
	put_le(p->ch + 12, CHAN_PAGES, 4);
	put_le(p->ch + 16, csm_id, 8);
	if (rim)
		memcpy(p->ch + 24, rim, 32);
	if (vmm_realm_create(vmm, img->bytes, img->size, &opts, &p->r, &err) != 0)
		fail_msg("realm create: %s", err.msg);
	if (ns) {
		uint64_t at;
		if (vmm_realm_map_ns_buffer(p->r, ns, NS_AREA_IPA, &at, &err) != 0)
			fail_msg("mapping the host-visible area: %s", err.msg);
		put_le(p->ch + 56, at, 8);
	}
	assert_int_equal(pthread_create(&p->thread, NULL, run_party, p), 0);
}

static void finish(struct party *p, uint64_t want_status, const char *name)
{
	pthread_join(p->thread, NULL);
	assert_int_equal(p->rc, 0);
	if (p->res.stop != VMM_STOP_SYSTEM_OFF || !p->res.exit_reported || p->res.exit_status != want_status)
		fail_msg("%s: stop %d (%s), status %" PRIu64 "; console:\n%s", name, p->res.stop, p->res.detail,
			 p->res.exit_status, p->con.text);
}

/* The client's csm_id, once it has mapped its region. */
static uint64_t wait_for_channel(struct party *client)
{
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t id = vmm_realm_last_csm_id(client->r);
		if (id)
			return id;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("the client made no channel; console:\n%s", client->con.text);
	return 0;
}

static void wait_for_line(struct party *p, const char *line)
{
	for (unsigned i = 0; i < 20000; i++) {
		pthread_mutex_lock(&p->con.lock);
		bool seen = strstr(p->con.text, line) != NULL;
		pthread_mutex_unlock(&p->con.lock);
		if (seen)
			return;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("no \"%s\"; console:\n%s", line, p->con.text);
}

static void image_rim(const struct realm_image *img, uint8_t rim[32])
{
	struct vmm_realm_opts opts;
	struct vmm_measurement m;

	opts_for(&opts);
	assert_int_equal(vmm_measure(img->bytes, img->size, &opts, &m, NULL), 0);
	memcpy(rim, m.rim, 32);
	vmm_measurement_free(&m);
}

static void no_leak(struct vmm *vmm)
{
	struct leak_snapshot after;
	char why[256];

	if (!hostsim_check_csm(why, sizeof(why)))
		fail_msg("CSM invariant: %s", why);
	assert_int_equal(vmm_csm_region_count(vmm), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
}

static void test_echo_thousands(void **state)
{
	void *machine = NULL;
	struct realm_image img;
	uint8_t rim[32];
	static struct party client, server, intruder;
	const uint64_t n = 20000;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(image_path, &img), 0);
	image_rim(&img, rim);
	start(vmm, &img, &client, PART_CLIENT, n, 0, rim, true, NULL); /* open until the intruder is done */
	uint64_t id = wait_for_channel(&client);
	start(vmm, &img, &server, PART_SERVER, 0, id, NULL, false, NULL);
	wait_for_line(&server, "server: joined");
	start(vmm, &img, &intruder, PART_INTRUDER, 0, id, NULL, false, NULL);
	finish(&intruder, 0, "intruder");
	release_hold();
	assert_non_null(strstr(intruder.con.text, "intruder: refused: the region, the doorbell or the monitor failed (the monitor refused the arguments"));
	finish(&client, 0, "client");
	finish(&server, 0, "server");
	assert_int_equal(hold.calls, 1);
	char want[128];
	snprintf(want, sizeof(want), "client: %" PRIu64 " of %" PRIu64 " echoes ok", n, n);
	assert_non_null(strstr(client.con.text, want));
	snprintf(want, sizeof(want), "server: echoed %" PRIu64 "; ended: the peer is gone", n);
	assert_non_null(strstr(server.con.text, want));
	assert_true(client.res.exits.host_call > 0);
	assert_int_equal(vmm_realm_destroy(intruder.r), 0);
	assert_int_equal(vmm_realm_destroy(client.r), 0);
	assert_int_equal(vmm_realm_destroy(server.r), 0);
	no_leak(vmm);
	vmm_run_result_free(&client.res);
	vmm_run_result_free(&server.res);
	vmm_run_result_free(&intruder.res);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

/* The server leaves after 100 echoes without closing: the client's next
 * receive ends with CHAN_EPEER (exit status 3), not a hang. */
static void test_peer_detaches(void **state)
{
	void *machine = NULL;
	struct realm_image img;
	uint8_t rim[32];
	static struct party client, quitter;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(image_path, &img), 0);
	image_rim(&img, rim);
	start(vmm, &img, &client, PART_CLIENT, 1000, 0, rim, false, NULL);
	uint64_t id = wait_for_channel(&client);
	start(vmm, &img, &quitter, PART_QUITTER, 100, id, NULL, false, NULL);
	finish(&quitter, 0, "quitter");
	finish(&client, 3, "client");
	assert_non_null(strstr(client.con.text, "client: 100 of 1000 echoes ok"));
	assert_non_null(strstr(client.con.text, "last: the peer is gone"));
	assert_non_null(strstr(quitter.con.text, "server: echoed 100; ended: detached on purpose"));
	assert_int_equal(vmm_realm_destroy(quitter.r), 0);
	assert_int_equal(vmm_realm_destroy(client.r), 0);
	no_leak(vmm);
	vmm_run_result_free(&client.res);
	vmm_run_result_free(&quitter.res);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

/* The owner revokes its server after 50 echoes: the owner's next receive
 * ends with CHAN_EPEER; the server's next access aborts (status 4). */
static void test_owner_revokes_peer(void **state)
{
	void *machine = NULL;
	struct realm_image img;
	uint8_t rim[32];
	static struct party client, server;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(image_path, &img), 0);
	image_rim(&img, rim);
	start(vmm, &img, &client, PART_REVOKER, 50, 0, rim, false, NULL);
	uint64_t id = wait_for_channel(&client);
	start(vmm, &img, &server, PART_SERVER, 0, id, NULL, false, NULL);
	finish(&client, 0, "client");
	finish(&server, 4, "server");
	assert_non_null(strstr(client.con.text, "client: revoked the server"));
	assert_non_null(strstr(client.con.text, "client: after the revoke: the peer is gone"));
	assert_non_null(strstr(server.con.text, "server: revoked: the access at 0x"));
	assert_int_equal(vmm_realm_destroy(server.r), 0);
	assert_int_equal(vmm_realm_destroy(client.r), 0);
	no_leak(vmm);
	vmm_run_result_free(&client.res);
	vmm_run_result_free(&server.res);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

/* A host-visible channel area of CHAN_PAGES pages, laid out by the host. */
static void ns_area(struct vmm *vmm, struct vmm_ns_buffer *ns)
{
	struct vmm_error err = { "" };
	struct chan_geometry g;
	static uint8_t head[4096];

	if (vmm_ns_buffer_alloc(vmm, CHAN_PAGES, ns, &err) != 0)
		fail_msg("ns buffer: %s", err.msg);
	assert_int_equal(chan_geometry_default(CHAN_PAGES * 4096, &g), 0);
	assert_int_equal(chan_format(head, CHAN_PAGES * 4096, &g), 0);
	assert_true(hostsim_host_write(ns->pas[0], head, sizeof(head)));
}

/* Sealed channel through host-visible memory with the attested handshake:
 * 500 sealed echoes; then a peer whose token is bound to another key than
 * the one it sent is refused (CHAN_EATTEST, status 5) before any key. */
static void test_sealed_attested(void **state)
{
	void *machine = NULL;
	struct realm_image img;
	static struct party client, server, client2, liar;
	struct vmm_ns_buffer ns, ns2;

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(image_path, &img), 0);
	ns_area(vmm, &ns);
	start(vmm, &img, &client, PART_SEALED_CLIENT, 500, 0, NULL, false, &ns);
	start(vmm, &img, &server, PART_SEALED_SERVER, 0, 0, NULL, false, &ns);
	finish(&client, 0, "sealed client");
	finish(&server, 0, "sealed server");
	assert_non_null(strstr(client.con.text, "sealed client: peer attested, realm ID"));
	assert_non_null(strstr(client.con.text, "sealed client: 500 of 500 sealed echoes ok"));
	assert_non_null(strstr(server.con.text, "sealed server: echoed 500; ended: the peer is gone"));
	/* The server sleeps on every wait (it never spins), on the host-visible
	 * area's own doorbell; the client rang it; the host refused neither. */
	assert_non_null(strstr(client.con.text, " 0 doorbell errors"));
	assert_non_null(strstr(server.con.text, " 0 doorbell errors"));
	assert_null(strstr(server.con.text, "; 0 sleeps"));
	assert_null(strstr(client.con.text, "; 0 doorbells"));
	assert_null(strstr(client.con.text, "a doorbell for a private page"));
	assert_null(strstr(server.con.text, "a doorbell for a private page"));

	ns_area(vmm, &ns2);
	start(vmm, &img, &client2, PART_SEALED_CLIENT, 10, 0, NULL, false, &ns2);
	start(vmm, &img, &liar, PART_SEALED_LIAR, 0, 0, NULL, false, &ns2);
	finish(&client2, 5, "client facing a liar");
	finish(&liar, 0, "liar");
	assert_non_null(strstr(client2.con.text,
			       "handshake refused: the peer's attestation token did not check out: "
			       "the peer's token is not bound to its key and our nonce"));
	struct vmm_realm *all[] = { client.r, server.r, client2.r, liar.r };
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vmm_realm_destroy(all[i]), 0);
	vmm_ns_buffer_free(&ns);
	vmm_ns_buffer_free(&ns2);
	no_leak(vmm);
	struct party *ps[] = { &client, &server, &client2, &liar };
	for (unsigned i = 0; i < 4; i++)
		vmm_run_result_free(&ps[i]->res);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vmm_channel CHAN_ECHO_REALM.so\n");
		return 2;
	}
	image_path = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_thousands),
		cmocka_unit_test(test_peer_detaches),
		cmocka_unit_test(test_owner_revokes_peer),
		cmocka_unit_test(test_sealed_attested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
