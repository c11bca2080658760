/*
 * The gateway realm: the pipeline's only door to the untrusted world. The
 * host relays TCP connections to it through host-visible memory (sdk/link.h,
 * `caec run --listen`); it terminates TLS itself (BearSSL, with a P-256 key
 * drawn here and a self-signed certificate, gw_cert.h) and serves an HTTP
 * subset of the OpenAI-style API:
 *   GET  /v1/attestation?nonce=HEX  its token for challenge
 *        gw_cert_challenge(TLS key, nonce): a client checks it (RIM, policy,
 *        platform) and that the TLS key it talks to is the bound one before
 *        it sends a prompt (`caec chat` does);
 *   POST /v1/chat/completions        {"messages": [...], "stream": bool}: the
 *        last user message goes to the agent over "net-agent"; the answer
 *        comes back as a chat.completion, or with "stream": true as
 *        server-sent events, one chat.completion.chunk per piece the model
 *        generates of its answer (the agent passes them on; the pieces of a
 *        tool call are not sent);
 *   GET  /v1/models                  the one model: "caec-agent".
 * Anything that is not TLS ends the connection before a byte of HTTP is
 * read. One request per connection.
 */
#include <bearssl.h>

#include "caec/arch.h"
#include "gw_cert.h"
#include "http.h"
#include "sdk/attest.h"
#include "sdk/console.h"
#include "sdk/format.h"
#include "sdk/heap.h"
#include "sdk/link.h"
#include "sdk/pipeline.h"
#include "sdk/rjson.h"

#define IO_WAIT_NS    (UINT64_C(30) * 1000000000u)
#define AGENT_WAIT_NS (UINT64_C(600) * 1000000000u)
#define ACCEPT_WAIT_NS (UINT64_C(24) * 3600 * 1000000000u)
#define TOKEN_MAX     (8u << 10)
#define ANSWER_MAX    (64u << 10)
#define OUT_MAX       (96u << 10)

struct gateway {
	struct pipeline p;
	struct chan_csm agent;
	bool have_agent;
	struct link link;
	br_hmac_drbg_context rng;
	struct gw_identity id;
	br_ssl_server_context sc;
	br_sslio_context io;
	unsigned char *iobuf;
	char *req;     /* HTTP_MAX_REQUEST */
	char *answer;  /* from the agent */
	char *out;     /* a response body */
	uint8_t *token;
	uint64_t served;
};

static int low_read(void *ctx, unsigned char *buf, size_t len)
{
	long n = link_read(ctx, buf, len, IO_WAIT_NS);
	return n > 0 ? (int)n : -1;
}

static int low_write(void *ctx, const unsigned char *buf, size_t len)
{
	return link_write(ctx, buf, len, IO_WAIT_NS) == 0 ? (int)len : -1;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return -1;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return s[2 * n] ? -1 : 0;
}

/* Sends a whole response. */
static void respond(struct gateway *g, int status, const char *type, const char *body, size_t len)
{
	char head[256];
	size_t h = http_head(head, sizeof(head), status, type, (long)len);

	if (br_sslio_write_all(&g->io, head, h) == 0 && (!len || br_sslio_write_all(&g->io, body, len) == 0))
		br_sslio_flush(&g->io);
}

static void respond_error(struct gateway *g, int status, const char *message)
{
	struct rjson_writer w;

	rjson_writer_init(&w, g->out, OUT_MAX);
	rjson_begin_object(&w);
	rjson_key(&w, "error");
	rjson_begin_object(&w);
	rjson_key(&w, "message");
	rjson_str(&w, message);
	rjson_key(&w, "code");
	rjson_i64(&w, status);
	rjson_end_object(&w);
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	respond(g, status, "application/json", g->out, n < 0 ? 0 : (size_t)n);
}

static void attestation(struct gateway *g, const struct http_request *r)
{
	char nhex[2 * GW_NONCE_SIZE + 2];
	uint8_t nonce[GW_NONCE_SIZE], challenge[64];
	size_t len;
	uint64_t status;

	if (http_query_param(r->query, "nonce", nhex, sizeof(nhex)) != 2 * GW_NONCE_SIZE ||
	    unhex(nhex, nonce, GW_NONCE_SIZE) != 0) {
		respond_error(g, 400, "nonce must be 128 hex digits (64 bytes)");
		return;
	}
	gw_cert_challenge(g->id.pub, nonce, challenge);
	if (sdk_attest_token(challenge, g->token, TOKEN_MAX, &len, &status) != 0) {
		respond_error(g, 500, "the monitor gave no token");
		return;
	}
	/* {"token": hex, "tls_public_key": hex}: the token dominates. */
	size_t k = sdk_snprintf(g->out, OUT_MAX, "{\"token\":\"");
	hex(g->token, len, g->out + k);
	k += 2 * len;
	k += sdk_snprintf(g->out + k, OUT_MAX - k, "\",\"tls_public_key\":\"");
	hex(g->id.pub, GW_PUB_SIZE, g->out + k);
	k += 2 * GW_PUB_SIZE;
	k += sdk_snprintf(g->out + k, OUT_MAX - k, "\"}");
	respond(g, 200, "application/json", g->out, k);
}

/* The last user message of a chat request, into user (cap bytes); *stream. */
static const char *read_chat(const struct http_request *r, char *user, size_t cap, bool *stream)
{
	static struct rjson_node nodes[1024];
	struct rjson_doc d;

	if (rjson_parse(r->body, r->body_len, nodes, 1024, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT)
		return "the body is not a JSON object";
	uint32_t msgs = rjson_get(&d, 0, "messages"), st = rjson_get(&d, 0, "stream");
	*stream = st && nodes[st].type == RJSON_TRUE;
	if (!msgs || nodes[msgs].type != RJSON_ARRAY)
		return "\"messages\" must be an array";
	uint32_t last = 0;
	for (uint32_t m = rjson_first(&d, msgs); m; m = nodes[m].next) {
		uint32_t role = nodes[m].type == RJSON_OBJECT ? rjson_get(&d, m, "role") : 0;
		if (!role || nodes[role].type != RJSON_STRING || !rjson_get(&d, m, "content"))
			return "each message needs a \"role\" and a \"content\"";
		if (rjson_string_is(&d, role, "user"))
			last = m;
	}
	if (!last)
		return "no message has the role \"user\"";
	uint32_t c = rjson_get(&d, last, "content");
	if (nodes[c].type != RJSON_STRING)
		return "a user message's content must be a string";
	if (rjson_string(&d, c, user, cap) <= 0)
		return "the user message is empty or longer than 16 KiB";
	return 0;
}

/* One server-sent event "data: TEXT\n\n". */
static int sse(struct gateway *g, const char *text, size_t len)
{
	return br_sslio_write_all(&g->io, "data: ", 6) == 0 && br_sslio_write_all(&g->io, text, len) == 0 &&
			       br_sslio_write_all(&g->io, "\n\n", 2) == 0 && br_sslio_flush(&g->io) == 0
		       ? 0
		       : -1;
}

/* A chat.completion (or, streaming, a chunk) around content: a JSON value
 * of d (node c), or text when d is NULL. Its length in g->out, or -1. */
static long completion(struct gateway *g, bool chunk, const struct rjson_doc *d, uint32_t c, const char *text,
		       size_t tlen, const char *finish, const struct rjson_doc *td, uint32_t tools)
{
	struct rjson_writer w;
	char id[32];

	sdk_snprintf(id, sizeof(id), "chatcmpl-%llu", (unsigned long long)g->served);
	rjson_writer_init(&w, g->out, OUT_MAX);
	rjson_begin_object(&w);
	rjson_key(&w, "id");
	rjson_str(&w, id);
	rjson_key(&w, "object");
	rjson_str(&w, chunk ? "chat.completion.chunk" : "chat.completion");
	rjson_key(&w, "model");
	rjson_str(&w, "caec-agent");
	rjson_key(&w, "choices");
	rjson_begin_array(&w);
	rjson_begin_object(&w);
	rjson_key(&w, "index");
	rjson_i64(&w, 0);
	rjson_key(&w, chunk ? "delta" : "message");
	rjson_begin_object(&w);
	if (d || text) {
		rjson_key(&w, "role");
		rjson_str(&w, "assistant");
		rjson_key(&w, "content");
		if (d)
			rjson_copy(&w, d, c);
		else
			rjson_str_n(&w, text, tlen);
	}
	rjson_end_object(&w);
	rjson_key(&w, "finish_reason");
	if (finish)
		rjson_str(&w, finish);
	else
		rjson_null(&w);
	rjson_end_object(&w);
	rjson_end_array(&w);
	if (td && tools) {
		rjson_key(&w, "caec_tools");
		rjson_copy(&w, td, tools);
	}
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

/* Asks the agent; the answer's JSON ({"answer"...} or {"error"...}) in
 * g->answer. Its length, or -1. Streaming, each piece the agent passes on
 * is sent to the client as an event as it comes; *pieces counts them. */
static long ask_agent(struct gateway *g, const char *user, bool stream, unsigned *pieces)
{
	struct rjson_writer w;

	*pieces = 0;
	rjson_writer_init(&w, g->out, OUT_MAX);
	rjson_begin_object(&w);
	rjson_key(&w, "user");
	rjson_str(&w, user);
	if (stream) {
		rjson_key(&w, "stream");
		rjson_bool(&w, true);
	}
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	uint64_t id = chan_next_id(&g->agent.ch), got;
	uint16_t type;
	size_t len;
	if (n < 0 || chan_send(&g->agent.ch, CHAN_MSG_REQUEST, id, g->out, (size_t)n, AGENT_WAIT_NS) != 0)
		return -1;
	for (;;) {
		if (chan_recv(&g->agent.ch, &type, &got, g->answer, ANSWER_MAX - 1, &len, AGENT_WAIT_NS) != 0)
			return -1;
		if (got != id)
			continue;
		if (type != CHAN_MSG_STREAM)
			break;
		static struct rjson_node nodes[8];
		struct rjson_doc d;
		uint32_t t;
		if (!stream || rjson_parse(g->answer, len, nodes, 8, &d, 0) != RJSON_OK || !(t = rjson_get(&d, 0, "token")))
			continue;
		long k = completion(g, true, &d, t, 0, 0, 0, 0, 0);
		if (k > 0 && sse(g, g->out, (size_t)k) == 0)
			(*pieces)++;
	}
	g->answer[len] = 0;
	return type == CHAN_MSG_RESPONSE ? (long)len : -1;
}

static void chat(struct gateway *g, const struct http_request *r)
{
	static char user[16384 + 1];
	static char why[512];
	static struct rjson_node nodes[64];
	static const char done[] = "[DONE]";
	bool stream;
	unsigned pieces;
	const char *bad = read_chat(r, user, sizeof(user), &stream);

	if (bad) {
		respond_error(g, 400, bad);
		return;
	}
	if (!g->have_agent) {
		respond_error(g, 503, "this pipeline has no agent behind its gateway");
		return;
	}
	if (stream) {
		char head[256];
		size_t h = http_head(head, sizeof(head), 200, "text/event-stream", -1);
		if (br_sslio_write_all(&g->io, head, h) != 0 || br_sslio_flush(&g->io) != 0)
			return;
	}
	long n = ask_agent(g, user, stream, &pieces);
	struct rjson_doc d;
	const char *fail = 0;
	uint32_t ans = 0, tools = 0;
	if (n < 0 || rjson_parse(g->answer, (size_t)n, nodes, 64, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT) {
		fail = "the agent did not answer";
	} else if (!(ans = rjson_get(&d, 0, "answer"))) {
		uint32_t err = rjson_get(&d, 0, "error");
		fail = err && rjson_string(&d, err, why, sizeof(why)) >= 0 ? why : "the agent's answer is malformed";
	}
	tools = fail ? 0 : rjson_get(&d, 0, "tools");
	if (!stream) {
		if (fail) {
			respond_error(g, 502, fail);
			return;
		}
		long k = completion(g, false, &d, ans, 0, 0, "stop", &d, tools);
		if (k < 0)
			respond_error(g, 500, "the answer does not fit a response");
		else
			respond(g, 200, "application/json", g->out, (size_t)k);
		return;
	}
	/* Streaming: the answer whole if no piece came (a model that does
	 * not stream), then the closing chunk with the tools, and [DONE]. */
	long k;
	if (fail) {
		struct rjson_writer w;
		rjson_writer_init(&w, g->out, OUT_MAX);
		rjson_begin_object(&w);
		rjson_key(&w, "error");
		rjson_begin_object(&w);
		rjson_key(&w, "message");
		rjson_str(&w, fail);
		rjson_end_object(&w);
		rjson_end_object(&w);
		k = rjson_writer_finish(&w);
	} else {
		if (!pieces && (k = completion(g, true, &d, ans, 0, 0, 0, 0, 0)) > 0 && sse(g, g->out, (size_t)k) != 0)
			return;
		k = completion(g, true, 0, 0, 0, 0, "stop", &d, tools);
	}
	if (k > 0 && sse(g, g->out, (size_t)k) == 0)
		sse(g, done, sizeof(done) - 1);
}

/* String equality (realm code has no strcmp to call). */
static bool is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void route(struct gateway *g, const struct http_request *r)
{
	bool get = is(r->method, "GET"), post = is(r->method, "POST");

	if (is(r->path, "/v1/attestation")) {
		if (get)
			attestation(g, r);
		else
			respond_error(g, 405, "use GET");
	} else if (is(r->path, "/v1/chat/completions")) {
		if (post)
			chat(g, r);
		else
			respond_error(g, 405, "use POST");
	} else if (is(r->path, "/v1/models")) {
		static const char models[] = "{\"object\":\"list\",\"data\":[{\"id\":\"caec-agent\",\"object\":\"model\"}]}";
		if (get)
			respond(g, 200, "application/json", models, sizeof(models) - 1);
		else
			respond_error(g, 405, "use GET");
	} else {
		respond_error(g, 404, "no such endpoint (try /v1/chat/completions)");
	}
}

static void serve(struct gateway *g)
{
	br_x509_certificate chain = { g->id.cert, g->id.cert_len };
	unsigned char seed[32];
	struct http_request r;
	size_t have = 0;
	int st = HTTP_PARTIAL;

	br_ssl_server_init_full_ec(&g->sc, &chain, 1, BR_KEYTYPE_EC, &g->id.sk);
	br_ssl_engine_set_buffer(&g->sc.eng, g->iobuf, BR_SSL_BUFSIZE_BIDI, 1);
	br_hmac_drbg_generate(&g->rng, seed, sizeof(seed));
	br_ssl_engine_inject_entropy(&g->sc.eng, seed, sizeof(seed));
	if (!br_ssl_server_reset(&g->sc)) {
		sdk_printf("net: the TLS engine did not start\n");
		return;
	}
	br_sslio_init(&g->io, &g->sc.eng, low_read, &g->link, low_write, &g->link);
	while (st == HTTP_PARTIAL) {
		int n = br_sslio_read(&g->io, g->req + have, HTTP_MAX_REQUEST - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		st = http_parse(g->req, have, &r);
	}
	if (st == HTTP_PARTIAL) {
		int e = br_ssl_engine_last_error(&g->sc.eng);
		sdk_printf("net: connection %llu: %s (TLS error %d)\n", (unsigned long long)g->served,
			   e ? "refused: not a TLS client, or its handshake failed" : "the client sent no whole request", e);
		return;
	}
	if (st != HTTP_COMPLETE)
		respond_error(g, st, http_reason(st));
	else
		route(g, &r);
	sdk_printf("net: connection %llu: %s %s -> answered\n", (unsigned long long)g->served,
		   st == HTTP_COMPLETE ? r.method : "(refused)", st == HTTP_COMPLETE ? r.path : "");
	br_sslio_close(&g->io);
}

int realm_main(void)
{
	struct gateway *g = sdk_calloc(1, sizeof(*g));
	const char *why = "";
	unsigned char seed[48];

	if (!g || !(g->iobuf = sdk_malloc(BR_SSL_BUFSIZE_BIDI)) || !(g->req = sdk_malloc(HTTP_MAX_REQUEST)) ||
	    !(g->answer = sdk_malloc(ANSWER_MAX)) || !(g->out = sdk_malloc(OUT_MAX)) || !(g->token = sdk_malloc(TOKEN_MAX))) {
		sdk_printf("net: no memory for its buffers\n");
		return 1;
	}
	if (pipeline_start(&g->p, &why) != 0) {
		sdk_printf("net: %s\n", why);
		return 1;
	}
	g->have_agent = pipeline_channel_index(&g->p, "net-agent") >= 0;
	if (g->have_agent && pipeline_channel(&g->p, "net-agent", &g->agent, &why) != 0) {
		sdk_printf("net: channel net-agent: %s\n", why);
		return 1;
	}
	if (pipeline_attest(&why) != 0) {
		sdk_printf("net: %s\n", why);
		return 1;
	}
	if (caec_arch_random(seed, sizeof(seed)) != 0) {
		sdk_printf("net: no random numbers\n");
		return 1;
	}
	br_hmac_drbg_init(&g->rng, &br_sha256_vtable, seed, sizeof(seed));
	__builtin_memset(seed, 0, sizeof(seed));
	if (gw_identity_make(&g->id, &g->rng.vtable, "caec gateway") != 0) {
		sdk_printf("net: no TLS key\n");
		return 1;
	}
	int r = link_open(&g->link);
	if (r == LINK_ENOLINK) {
		sdk_printf("net: no link (the run has no --listen): nothing to serve\n");
		if (g->have_agent)
			chan_csm_close(&g->agent);
		return 0;
	}
	if (r != 0) {
		sdk_printf("net: the host's link is broken\n");
		return 1;
	}
	char fp[2 * 8 + 1];
	hex(g->id.pub + 1, 8, fp);
	sdk_printf("net: serving TLS on the link, key %s...\n", fp);
	while ((r = link_accept(&g->link, ACCEPT_WAIT_NS)) == 0) {
		g->served++;
		serve(g);
		link_close(&g->link);
	}
	sdk_printf("net: the link ended\n");
	if (g->have_agent)
		chan_csm_close(&g->agent);
	return r == LINK_ETIMEOUT ? 0 : 1;
}
