/*
 * chan_bench_realm: one end of `caec bench channel`'s realm transports. The
 * challenge says the part: [0] 1 client (creates the CSM channel, pages
 * [12..16), for the RIM at [24..56)) or 2 server (joins channel [16..24)).
 * Then it asks the host for jobs with application call 0xCB01 (the host
 * answers when it wants this size measured): the transport (CSM channel, or
 * the host-visible area the host laid out at an unprotected IPA, plain or
 * with every record sealed after an attested key exchange: chan_sealed.h),
 * size,
 * iterations, warm-up and API; runs chan_bench_core's loop; and reports
 * its side's figures with 0xCB02. Transport 0 ends the run.
 */
#include "caec/arch.h"
#include "chan_bench_core.h"
#include "chan_bench_proto.h"
#include "sdk/chan_csm.h"
#include "sdk/chan_sealed.h"
#include "sdk/peer_attest.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define WAIT_NS (UINT64_C(20) * 1000000000u)

static uint64_t counter(void)
{
	return caec_arch_counter();
}

/* The host-visible channel waits on its own area's doorbell (the host's,
 * keyed by the area's first page, as a system without CSM has it); only its
 * peer check borrows the CSM channel's (the same peer). */
static struct chan_csm csm;
static uint64_t ns_ipa;

static void ns_doorbell(void *ctx) { (void)ctx; sdk_shared_doorbell(SDK_DOORBELL_RING_SHARED, ns_ipa, 0); }
static void ns_sleep(void *ctx, uint64_t ns) { (void)ctx; sdk_shared_doorbell(SDK_DOORBELL_WAIT_SHARED, ns_ipa, ns); }
static uint64_t ns_now(void *ctx) { (void)ctx; return caec_arch_now_ns(); }
static bool ns_alive(void *ctx) { (void)ctx; return csm.ch.ops->peer_alive(&csm); }
static const struct chan_ops ns_ops = { ns_doorbell, ns_sleep, ns_now, ns_alive };

static int sealed_send(void *ctx, uint16_t type, uint64_t id, const void *buf, size_t len, uint64_t timeout_ns)
{
	return chan_sealed_send(ctx, type, id, buf, len, timeout_ns);
}

static int sealed_recv(void *ctx, uint16_t *type, uint64_t *id, void *buf, size_t cap, size_t *len,
		       uint64_t timeout_ns)
{
	return chan_sealed_recv(ctx, type, id, buf, cap, len, timeout_ns);
}

/* The sealed transports over the host-visible channel: one attested
 * handshake per AEAD (chan_sealed_handshake: X25519 keys bound to both
 * realms' tokens, each checked by the other; both realms run this image, so
 * each expects its own RIM). */
static struct chan_sealed sealed[2];
static uint8_t *seal_scratch;

static int sealed_setup(struct chan *ns, bool client)
{
	static const unsigned aead[2] = { CHAN_AEAD_AES256_GCM, CHAN_AEAD_CHACHA20_POLY1305 };
	uint8_t *tokens = sdk_malloc(2 * 8192);
	struct peer_token peer;
	const char *why = "";
	int r = 0;

	seal_scratch = sdk_malloc(BENCH_MAX_SIZE + BENCH_BUF_SLACK);
	if (!seal_scratch || !tokens)
		return CHAN_ESYSTEM;
	for (unsigned i = 0; i < 2 && r == 0; i++)
		r = chan_sealed_handshake(&sealed[i], ns, aead[i], client, NULL, 0, seal_scratch,
					  BENCH_MAX_SIZE + BENCH_BUF_SLACK, tokens, 8192, &peer, WAIT_NS, &why);
	if (r != 0)
		sdk_printf("bench: the sealed handshake failed: %s\n", why);
	sdk_free(tokens);
	return r;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	struct chan ns;
	bool ns_open = false;
	int csm_err = 0, r;

	if (sdk_host_challenge(ch) != 0)
		return 1;
	bool client = ch[0] == BENCH_ROLE_CLIENT;
	if (client) {
		struct chan_csm_peer peer = { .rim = ch + 24, .rim_len = 32 };
		r = chan_csm_create(&csm, le(ch + 12, 4), &peer, NULL, &csm_err);
	} else {
		uint64_t until = caec_arch_now_ns() + WAIT_NS;
		while ((r = chan_csm_join(&csm, le(ch + 16, 8), &csm_err)) == CHAN_ESYSTEM &&
		       csm_err == SDK_CSM_INVALID && caec_arch_now_ns() < until)
			;
	}
	if (r != 0) {
		sdk_printf("bench %s: no channel: %s (%s)\n", client ? "client" : "server", chan_strerror(r),
			   csm_strerror(csm_err));
		return 1;
	}
	uint8_t *buf = sdk_malloc(BENCH_MAX_SIZE + BENCH_BUF_SLACK);
	uint64_t *samples = sdk_malloc(BENCH_MAX_ITERS * sizeof(uint64_t));
	uint64_t *work = sdk_malloc(BENCH_MAX_ITERS * sizeof(uint64_t));
	if (!buf || !samples || !work)
		return 1;
	for (uint32_t i = 0; i < BENCH_MAX_SIZE; i++)
		buf[i] = (uint8_t)(i * 7);
	for (;;) {
		uint64_t g[RSI_HOST_CALL_GPRS] = { ch[0] };
		if (sdk_host_call(BENCH_CALL_NEXT, g) != RSI_SUCCESS || g[0] != 0)
			return 1;
		uint64_t transport = g[1];
		struct bench_job j = { .size = (uint32_t)g[2], .iters = (uint32_t)g[3], .warmup = (uint32_t)g[4],
				       .api = (uint32_t)g[5], .stream = (uint32_t)(g[3] >> 32) };
		if (transport == BENCH_TRANSPORT_DONE)
			break;
		if (j.size > BENCH_MAX_SIZE || j.size < 8 || j.iters == 0 || j.iters > BENCH_MAX_ITERS ||
		    j.stream == 0 || j.stream > BENCH_MAX_STREAM)
			return 1;
		struct chan *c = &csm.ch;
		struct bench_io io, *iop = NULL;
		if (transport != BENCH_TRANSPORT_CSM) {
			if (!ns_open) {
				ns_ipa = g[6];
				void *area = caec_arch_ipa_to_ptr(ns_ipa);
				if (!area || chan_open(&ns, area, g[7], client, &ns_ops, NULL) != 0) {
					sdk_puts("bench: the host-visible channel does not open\n");
					return 1;
				}
				ns_open = true;
			}
			c = &ns;
		}
		if (transport == BENCH_TRANSPORT_AES || transport == BENCH_TRANSPORT_CHACHA) {
			if (!seal_scratch && (r = sealed_setup(&ns, client)) != 0) {
				sdk_printf("bench: no sealed channel: %s\n", chan_strerror(r));
				return 1;
			}
			io = (struct bench_io){ sealed_send, sealed_recv,
						&sealed[transport == BENCH_TRANSPORT_AES ? 0 : 1] };
			iop = &io;
		}
		struct bench_side s;
		if (client)
			bench_client(c, iop, &j, counter, buf, samples, work, &s);
		else
			bench_server(c, iop, &j, counter, buf, samples, work, &s);
		uint64_t res[RSI_HOST_CALL_GPRS] = { ch[0], (uint64_t)(int64_t)s.err, s.rtt_med, s.rtt_p95,
						     s.oneway_med, s.oneway_p95, s.work_med, s.stream_ticks,
						     caec_arch_counter_freq() };
		if (sdk_host_call(BENCH_CALL_RESULT, res) != RSI_SUCCESS || res[0] != 0)
			return 1;
	}
	if (ns_open)
		chan_close(&ns);
	chan_csm_close(&csm);
	return 0;
}
