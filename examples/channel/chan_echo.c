/*
 * chan_echo: the two ends of a channel over confidential shared memory, one
 * image for both (so the owner grants its own RIM). The host's challenge
 * says the part and its parameters:
 *   [0]      PART_CLIENT: create the channel (pages [12..16), granted to
 *            the RIM at [24..56)), send [4..8) messages of varying sizes
 *            (some larger than the ring: fragments), check every echo,
 *            then (if [3] is 1) ask the host, with application call
 *            0xCB00, whether it may close, and close. PART_SERVER: join the channel [16..24) and echo
 *            every message until the client is gone; PART_QUITTER: join,
 *            echo [4..8) messages, then detach without closing (the
 *            client must see CHAN_EPEER, not hang); PART_INTRUDER: try
 *            once to join a channel that already has its peer (the grant
 *            admits one realm: it must be refused). PART_REVOKER: a client
 *            that revokes its server after [4..8) echoes; its next receive
 *            must end with CHAN_EPEER, and the server, whose next access
 *            aborts, reports status 4 from its SEA handler.
 * The sealed parts talk through the host-visible area the host laid out at
 * the unprotected IPA [56..64) ([12..16) pages): PART_SEALED_CLIENT runs
 * the attested handshake (chan_sealed.h) as the creator, sends [4..8)
 * sealed messages and checks the echoes; PART_SEALED_SERVER answers it;
 * PART_SEALED_LIAR sends one public key and binds its token to another (the
 * client must refuse it with CHAN_EATTEST).
 * Each prints one line with its counts and reports exit status 0 when its
 * part worked.
 */
#include <stdbool.h>

#include <bearssl.h>

#include "caec/arch.h"
#include "chan_echo_parts.h"
#include "sdk/chan_csm.h"
#include "sdk/chan_sealed.h"
#include "sdk/peer_attest.h"
#include "sdk/attest.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"
#include "sdk/realm.h"

#define RIM_SIZE     32u
#define MAX_MSG      (256u << 10)
#define WAIT_NS      (UINT64_C(10) * 1000000000u)

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

static size_t msg_len(uint64_t i)
{
	uint64_t r = mix(i + 1);

	return r % 16 == 0 ? 40000 + r % 100000 : 1 + (r >> 8) % 3000;
}

static void fill(uint8_t *p, uint64_t i, size_t n)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (uint8_t)(i * 31 + k);
}

static int client(const uint8_t *ch, bool revoke)
{
	struct chan_csm cc;
	struct chan_csm_peer peer = { .rim = ch + 24, .rim_len = RIM_SIZE };
	uint64_t n = le(ch + 4, 4), pages = le(ch + 12, 4);
	int csm_err = 0;
	int r = chan_csm_create(&cc, pages, &peer, NULL, &csm_err);

	if (r != 0) {
		sdk_printf("client: no channel: %s (%s)\n", chan_strerror(r), csm_strerror(csm_err));
		return 1;
	}
	sdk_printf("client: channel 0x%llx, %llu pages\n", (unsigned long long)cc.csm_id,
		   (unsigned long long)pages);
	uint8_t *out = sdk_malloc(MAX_MSG), *in = sdk_malloc(MAX_MSG);
	if (!out || !in)
		return 1;
	uint64_t bytes = 0, i = 0;
	for (; i < n || revoke; i++) {
		if (revoke && i == n) {
			if ((r = chan_csm_revoke_peer(&cc, &csm_err)) != 0) {
				sdk_printf("client: revoke failed: %s\n", csm_strerror(csm_err));
				return 1;
			}
			sdk_puts("client: revoked the server\n");
			size_t got;
			r = chan_recv(&cc.ch, NULL, NULL, in, MAX_MSG, &got, WAIT_NS);
			sdk_printf("client: after the revoke: %s\n", chan_strerror(r));
			chan_csm_close(&cc);
			return r == CHAN_EPEER ? 0 : 1;
		}
		size_t len = msg_len(i), got;
		uint64_t id;
		uint16_t type;
		fill(out, i, len);
		if ((r = chan_send(&cc.ch, CHAN_MSG_REQUEST, i, out, len, WAIT_NS)) != 0)
			break;
		if ((r = chan_recv(&cc.ch, &type, &id, in, MAX_MSG, &got, WAIT_NS)) != 0)
			break;
		if (type != CHAN_MSG_RESPONSE || id != i || got != len || sdk_memcmp(in, out, len) != 0) {
			sdk_printf("client: echo %llu differs\n", (unsigned long long)i);
			return 1;
		}
		bytes += len;
	}
	if (ch[3] == 1) {
		uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
		sdk_host_call(SDK_HOST_CALL_APP_FIRST, g); /* the host answers when we may close */
	}
	sdk_printf("client: %llu of %llu echoes ok, %llu bytes, %llu doorbells, %llu sleeps; last: %s\n",
		   (unsigned long long)i, (unsigned long long)n, (unsigned long long)bytes,
		   (unsigned long long)cc.ch.doorbells, (unsigned long long)cc.ch.sleeps, chan_strerror(r));
	chan_csm_close(&cc);
	return r == 0 ? 0 : (r == CHAN_EPEER ? 3 : 1);
}

/* A revoked server's next access to the region aborts: it ends there. */
static void revoked(uint64_t ipa, uint64_t esr)
{
	(void)esr;
	sdk_printf("server: revoked: the access at 0x%llx aborted\n", (unsigned long long)ipa);
	sdk_realm_exit(4);
}

static int server(const uint8_t *ch, bool quit_early)
{
	struct chan_csm cc;
	uint64_t id = le(ch + 16, 8), limit = le(ch + 4, 4);
	int csm_err = 0, r;
	/* The owner grants only after laying the channel out: try again for a while. */
	uint64_t until = caec_arch_now_ns() + WAIT_NS;
	while ((r = chan_csm_join(&cc, id, &csm_err)) == CHAN_ESYSTEM && csm_err == SDK_CSM_INVALID &&
	       caec_arch_now_ns() < until)
		;
	if (r != 0) {
		sdk_printf("server: cannot join 0x%llx: %s (%s)\n", (unsigned long long)id, chan_strerror(r),
			   csm_strerror(csm_err));
		return 1;
	}
	sdk_printf("server: joined 0x%llx\n", (unsigned long long)id);
	caec_arch_set_sea_handler(revoked);
	uint8_t *buf = sdk_malloc(MAX_MSG);
	if (!buf)
		return 1;
	uint64_t n = 0;
	for (;;) {
		size_t len;
		uint64_t msg;
		if (quit_early && n == limit)
			break;
		r = chan_recv(&cc.ch, NULL, &msg, buf, MAX_MSG, &len, WAIT_NS);
		if (r != 0)
			break;
		if ((r = chan_send(&cc.ch, CHAN_MSG_RESPONSE, msg, buf, len, WAIT_NS)) != 0)
			break;
		n++;
	}
	sdk_printf("server: echoed %llu; ended: %s\n", (unsigned long long)n,
		   quit_early ? "detached on purpose" : chan_strerror(r));
	if (quit_early) {
		csm_detach(id, NULL); /* no close: the client must notice on its own */
		return 0;
	}
	chan_csm_close(&cc);
	return r == CHAN_EPEER ? 0 : 1;
}

static int intruder(const uint8_t *ch)
{
	struct chan_csm cc;
	int csm_err = 0;
	int r = chan_csm_join(&cc, le(ch + 16, 8), &csm_err);

	if (r == 0) {
		sdk_puts("intruder: joined a channel that had its peer\n");
		return 1;
	}
	sdk_printf("intruder: refused: %s (%s)\n", chan_strerror(r), csm_strerror(csm_err));
	return 0;
}

/* ---- sealed, over the host-visible area, waiting on that area's own
 * doorbell (the host's, keyed by its first page: no CSM involved) ---- */

static uint64_t ns_ipa, ns_bell_errors;

static void ns_doorbell(void *ctx)
{
	(void)ctx;
	ns_bell_errors += sdk_shared_doorbell(SDK_DOORBELL_RING_SHARED, ns_ipa, 0) != 0;
}
static void ns_sleep(void *ctx, uint64_t ns)
{
	(void)ctx;
	ns_bell_errors += sdk_shared_doorbell(SDK_DOORBELL_WAIT_SHARED, ns_ipa, ns) != 0;
}
static uint64_t ns_now(void *ctx) { (void)ctx; return caec_arch_now_ns(); }
static const struct chan_ops ns_ops = { ns_doorbell, ns_sleep, ns_now, NULL };

static int open_ns(const uint8_t *ch, bool creator, struct chan *c)
{
	ns_ipa = le(ch + 56, 8);
	void *area = caec_arch_ipa_to_ptr(ns_ipa);
	/* The host's doorbells are only for the pages it shares: one of this
	 * realm's own pages (its heap) is refused. */
	uint64_t own = caec_arch_ptr_to_ipa(ch) & ~UINT64_C(4095);
	if (sdk_shared_doorbell(SDK_DOORBELL_RING_SHARED, own, 0) == 0)
		sdk_puts("sealed: the host rang a doorbell for a private page\n");
	int r = area ? chan_open(c, area, le(ch + 12, 4) * 4096, creator, &ns_ops, NULL) : CHAN_EINVAL;

	if (r != 0)
		sdk_printf("sealed: the host-visible channel does not open: %s\n", chan_strerror(r));
	return r;
}

static int sealed(const uint8_t *ch, unsigned part)
{
	bool creator = part == PART_SEALED_CLIENT;
	struct chan c;
	struct chan_sealed s;
	struct peer_token peer;
	const char *why = "";
	uint8_t *scratch = sdk_malloc(MAX_MSG + CHAN_SEALED_TAG), *tokens = sdk_malloc(2 * 8192);
	uint8_t *out = sdk_malloc(MAX_MSG), *in = sdk_malloc(MAX_MSG + CHAN_SEALED_TAG);

	if (!scratch || !tokens || !out || !in || open_ns(ch, creator, &c) != 0)
		return 1;
	/* The server never spins: every wait sleeps on the area's doorbell, so
	 * each echo needs the client's ring to arrive. */
	if (part == PART_SEALED_SERVER)
		c.spin_ns = 0;
	if (part == PART_SEALED_LIAR) {
		/* A hello with one key, a token bound to another. */
		uint8_t hello[64], theirs[64], challenge[64], real[32];
		size_t len, tlen;
		caec_arch_random(hello, sizeof(hello));
		caec_arch_random(real, sizeof(real));
		if (chan_send(&c, CHAN_MSG_REQUEST, 1, hello, 64, WAIT_NS) != 0 ||
		    chan_recv(&c, NULL, NULL, theirs, 64, &len, WAIT_NS) != 0)
			return 1;
		br_sha512_context h;
		br_sha512_init(&h);
		br_sha512_update(&h, real, 32);
		br_sha512_update(&h, theirs + 32, 32);
		br_sha512_out(&h, challenge);
		if (sdk_attest_token(challenge, tokens, 8192, &tlen, NULL) != 0 ||
		    chan_send(&c, CHAN_MSG_REQUEST, 2, tokens, tlen, WAIT_NS) != 0)
			return 1;
		int r = chan_recv(&c, NULL, NULL, in, MAX_MSG, &len, WAIT_NS); /* the client's token */
		if (r == 0)
			r = chan_recv(&c, NULL, NULL, in, MAX_MSG, &len, WAIT_NS);
		sdk_printf("liar: after the lie: %s\n", chan_strerror(r));
		return r == CHAN_EPEER ? 0 : 1;
	}
	int r = chan_sealed_handshake(&s, &c, CHAN_AEAD_AES256_GCM, creator, NULL, 0, scratch,
				      MAX_MSG + CHAN_SEALED_TAG, tokens, 8192, &peer, WAIT_NS, &why);
	if (r != 0) {
		sdk_printf("sealed %s: handshake refused: %s: %s\n", creator ? "client" : "server", chan_strerror(r), why);
		chan_close(&c);
		return r == CHAN_EATTEST ? 5 : 1;
	}
	sdk_printf("sealed %s: peer attested, realm ID %02x%02x%02x%02x...\n", creator ? "client" : "server",
		   peer.realm_id[0], peer.realm_id[1], peer.realm_id[2], peer.realm_id[3]);
	uint64_t n = le(ch + 4, 4), i = 0;
	size_t len;
	uint64_t id;
	if (creator) {
		for (; i < n; i++) {
			size_t l = msg_len(i) % 20000 + 1;
			fill(out, i, l);
			if ((r = chan_sealed_send(&s, CHAN_MSG_REQUEST, i, out, l, WAIT_NS)) != 0 ||
			    (r = chan_sealed_recv(&s, NULL, &id, in, MAX_MSG + CHAN_SEALED_TAG, &len, WAIT_NS)) != 0)
				break;
			if (id != i || len != l || sdk_memcmp(in, out, l) != 0)
				return 1;
		}
		sdk_printf("sealed client: %llu of %llu sealed echoes ok; last: %s; %llu doorbells, %llu doorbell errors\n",
			   (unsigned long long)i, (unsigned long long)n, chan_strerror(r),
			   (unsigned long long)c.doorbells, (unsigned long long)ns_bell_errors);
		chan_close(&c);
		return r == 0 ? 0 : 1;
	}
	for (;;) {
		r = chan_sealed_recv(&s, NULL, &id, in, MAX_MSG + CHAN_SEALED_TAG, &len, WAIT_NS);
		if (r != 0 || (r = chan_sealed_send(&s, CHAN_MSG_RESPONSE, id, in, len, WAIT_NS)) != 0)
			break;
		i++;
	}
	sdk_printf("sealed server: echoed %llu; ended: %s; %llu sleeps, %llu doorbell errors\n", (unsigned long long)i,
		   chan_strerror(r), (unsigned long long)c.sleeps, (unsigned long long)ns_bell_errors);
	return r == CHAN_EPEER ? 0 : 1;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];

	if (sdk_host_challenge(ch) != 0) {
		sdk_puts("chan_echo: no challenge\n");
		return 1;
	}
	switch (ch[0]) {
	case PART_CLIENT:
		return client(ch, false);
	case PART_REVOKER:
		return client(ch, true);
	case PART_SERVER:
		return server(ch, false);
	case PART_QUITTER:
		return server(ch, true);
	case PART_INTRUDER:
		return intruder(ch);
	case PART_SEALED_CLIENT:
	case PART_SEALED_SERVER:
	case PART_SEALED_LIAR:
		return sealed(ch, ch[0]);
	default:
		sdk_puts("chan_echo: unknown part\n");
		return 1;
	}
}
