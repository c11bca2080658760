/*
 * caec chat --connect ADDR:PORT --pipeline PIPELINE.json --platform-key KEY
 *           [--json] PROMPT
 *
 * The pipeline's client. It trusts nothing the network or the host says:
 * before the prompt leaves this process it asks the gateway for a token
 * bound to its own fresh nonce and to the gateway's TLS key
 * (GET /v1/attestation), and checks that the token verifies under the
 * platform key, that its RIM is the one the pipeline file's gateway image
 * measures to, that the gateway runs under the pipeline's policy (claim
 * 65003 is the digest of the blob compiled from the file for that realm),
 * and that the TLS key it talked to is the bound one. Only then does it
 * send the prompt (POST /v1/chat/completions), over a connection whose
 * key must again be that key.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "abi/caec_link.h"
#include "cli.h"
#include "verify/hex.h"
#include "verify/policy.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CMD "chat"
#define PUB_SIZE 65
#define NONCE_SIZE 64
#define RESPONSE_MAX (4u << 20)

static const char usage_text[] =
	"usage: caec chat --connect ADDR:PORT --pipeline PIPELINE.json --platform-key KEY\n"
	"                 [--json] PROMPT\n"
	"\n"
	"Sends PROMPT to a pipeline's gateway (`caec run PIPELINE.json --listen`)\n"
	"and prints the answer, but only after the gateway proved what it is: a\n"
	"token for this client's fresh nonce, bound to the TLS key of the\n"
	"connection, signed under the platform key, whose RIM is the pipeline's\n"
	"gateway image and whose policy is the pipeline's.\n"
	"  --connect ADDR:PORT   the gateway (an IPv4 address or host name)\n"
	"  --pipeline FILE       the pipeline file the gateway must run\n"
	"  --platform-key KEY    the platform's public key (PEM or JWK), e.g. the\n"
	"                        one `caec run --platform-key-out` wrote\n"
	"  --json                the answer and the verification as JSON\n"
	"\n" CLI_EXIT_CODES;

struct expect {
	uint8_t rim[POLICY_RIM_SIZE];
	size_t rim_len;
	uint8_t blob[POLICY_MAX_SIZE];
	size_t blob_len;
	const char *name;
};

/* The gateway's RIM and policy blob as the pipeline file defines them. */
static int expected(const char *path, struct expect *e)
{
	struct policy_source src;
	struct policy_err perr = { "" };
	json_error_t je;
	int rc = cli_check_input(CMD, "--pipeline", path);

	if (rc != CLI_OK)
		return rc;
	json_t *root = json_load_file(path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return cli_usage_error(CMD, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	json_object_del(root, "workload");
	rc = cli_policy_source_from_json(root, path, &src, &perr);
	json_decref(root);
	if (rc != 0)
		return cli_usage_error(CMD, "%s: %s", path, perr.msg);
	int gw = -1;
	for (unsigned i = 0; i < src.num_realms; i++)
		if (src.realms[i].gateway) {
			if (gw >= 0)
				return cli_usage_error(CMD, "%s: more than one gateway realm ('%s', '%s')", path,
						       src.realms[gw].name, src.realms[i].name);
			gw = (int)i;
		}
	if (gw < 0)
		return cli_usage_error(CMD, "%s: no realm says \"gateway\": true", path);
	memcpy(e->rim, src.realms[gw].rim, src.realms[gw].rim_size);
	e->rim_len = src.realms[gw].rim_size;
	static char name[POLICY_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", src.realms[gw].name);
	e->name = name;
	if (policy_compile(&src, gw, e->blob, sizeof(e->blob), &e->blob_len, &perr) != 0)
		return cli_fail(CMD, "the gateway's policy: %s", perr.msg);
	return CLI_OK;
}

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint8_t pub[PUB_SIZE];
};

static void conn_close(struct conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

/* A TLS connection; the server's key in c->pub. The certificate is not
 * checked against any CA: the attestation vouches for the key instead. */
static int conn_open(struct conn *c, SSL_CTX *ctx, const char *addr, char *why, size_t cap)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;

	c->fd = -1;
	c->ssl = NULL;
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host) || !colon[1]) {
		snprintf(why, cap, "'%s' is not ADDR:PORT", addr);
		return CLI_USAGE;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	int e = getaddrinfo(host, colon + 1, &hints, &ai);
	if (e) {
		snprintf(why, cap, "%s: %s", addr, gai_strerror(e));
		return CLI_USAGE;
	}
	for (struct addrinfo *a = ai; a && c->fd < 0; a = a->ai_next) {
		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (c->fd >= 0 && connect(c->fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (c->fd < 0) {
		snprintf(why, cap, "cannot connect to %s: %s", addr, strerror(errno));
		return CLI_FAIL;
	}
	struct timeval tv = { .tv_sec = 600 };
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1) {
		snprintf(why, cap, "the TLS handshake with %s failed", addr);
		conn_close(c);
		return CLI_FAIL;
	}
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	size_t len = 0;
	int ok = x && EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), "encoded-pub-key", c->pub, PUB_SIZE, &len) == 1 &&
		 len == PUB_SIZE;
	X509_free(x);
	if (!ok) {
		snprintf(why, cap, "the gateway's certificate holds no P-256 key");
		conn_close(c);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* One request, the whole response (status in *status, body in *body). */
static int exchange(struct conn *c, const char *req, size_t len, int *status, char **body, size_t *body_len,
		    char *why, size_t cap)
{
	if (SSL_write(c->ssl, req, (int)len) != (int)len) {
		snprintf(why, cap, "the gateway closed the connection before the request was sent");
		return CLI_FAIL;
	}
	size_t have = 0, room = 65536;
	char *buf = malloc(room + 1);
	for (;;) {
		if (!buf) {
			snprintf(why, cap, "out of memory");
			return CLI_FAIL;
		}
		if (have == room) {
			if (room >= RESPONSE_MAX) {
				free(buf);
				snprintf(why, cap, "the gateway's response is larger than 4 MiB");
				return CLI_FAIL;
			}
			room *= 2;
			char *nb = realloc(buf, room + 1);
			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		int n = SSL_read(c->ssl, buf + have, (int)(room - have));
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = 0;
	char *sep = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.1 ", 9) != 0 || !sep) {
		free(buf);
		snprintf(why, cap, "the gateway's answer is not HTTP");
		return CLI_FAIL;
	}
	*status = atoi(buf + 9);
	size_t off = (size_t)(sep + 4 - buf);
	memmove(buf, buf + off, have - off + 1);
	*body = buf;
	*body_len = have - off;
	return CLI_OK;
}

static void sha512_challenge(const uint8_t pub[PUB_SIZE], const uint8_t nonce[NONCE_SIZE], uint8_t out[64])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int n;

	EVP_DigestInit_ex(m, EVP_sha512(), NULL);
	EVP_DigestUpdate(m, LINK_TLS_KEY_LABEL, sizeof(LINK_TLS_KEY_LABEL) - 1);
	EVP_DigestUpdate(m, pub, PUB_SIZE);
	EVP_DigestUpdate(m, nonce, NONCE_SIZE);
	EVP_DigestFinal_ex(m, out, &n);
	EVP_MD_CTX_free(m);
}

struct verdict {
	bool ok;
	char reason[VERIFY_REASON_MAX + 128];
	uint8_t pub[PUB_SIZE];
	uint8_t rim[64];
	size_t rim_len;
};

/* The gateway's attestation over connection c. */
static int attest(struct conn *c, EVP_PKEY *key, const struct expect *e, struct verdict *v, char *why, size_t cap)
{
	uint8_t nonce[NONCE_SIZE], challenge[64];
	char nhex[2 * NONCE_SIZE + 1], req[512];
	int status;
	char *body;
	size_t blen;

	memcpy(v->pub, c->pub, PUB_SIZE);
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		snprintf(why, cap, "no random nonce");
		return CLI_FAIL;
	}
	for (size_t i = 0; i < NONCE_SIZE; i++)
		snprintf(nhex + 2 * i, 3, "%02x", nonce[i]);
	int n = snprintf(req, sizeof(req), "GET /v1/attestation?nonce=%s HTTP/1.1\r\nHost: caec\r\n\r\n", nhex);
	int rc = exchange(c, req, (size_t)n, &status, &body, &blen, why, cap);
	if (rc != CLI_OK)
		return rc;
	json_error_t je;
	json_t *j = status == 200 ? json_loadb(body, blen, 0, &je) : NULL;
	free(body);
	const char *thex = json_string_value(json_object_get(j, "token"));
	const char *khex = json_string_value(json_object_get(j, "tls_public_key"));
	uint8_t kbytes[PUB_SIZE];
	size_t tlen = thex ? strlen(thex) / 2 : 0;
	uint8_t *token = tlen ? malloc(tlen) : NULL;
	if (!thex || !khex || !token || hex_decode_padded(thex, token, tlen) != 0 || strlen(khex) != 2 * PUB_SIZE ||
	    hex_decode_padded(khex, kbytes, PUB_SIZE) != 0) {
		json_decref(j);
		free(token);
		snprintf(v->reason, sizeof(v->reason), "the gateway gave no attestation (HTTP %d)", status);
		return CLI_OK;
	}
	json_decref(j);
	sha512_challenge(c->pub, nonce, challenge);
	struct verify_options vo = { .platform_keys = &key, .num_platform_keys = 1, .nonce = challenge,
				     .nonce_len = sizeof(challenge), .strict = true };
	struct cca_token tok;
	struct verify_result res;
	if (memcmp(kbytes, c->pub, PUB_SIZE) != 0) {
		snprintf(v->reason, sizeof(v->reason), "the key the gateway names is not the key of its TLS connection");
	} else if (cca_token_verify(token, tlen, &vo, &tok, &res) != 0) {
		snprintf(v->reason, sizeof(v->reason), "the token does not verify (%s): %s", verify_check_name(res.failed),
			 res.reason);
	} else {
		const struct cca_realm_claims *rc2 = &tok.realm_claims;
		uint8_t digest[64];
		size_t dl = rc2->policy_digest.len;
		memcpy(v->rim, rc2->rim.ptr, rc2->rim.len < 64 ? rc2->rim.len : 64);
		v->rim_len = rc2->rim.len;
		if (rc2->rim.len != e->rim_len || memcmp(rc2->rim.ptr, e->rim, e->rim_len) != 0)
			snprintf(v->reason, sizeof(v->reason), "the gateway's RIM is not the one the pipeline's '%s' image measures to",
				 e->name);
		else if (!rc2->has_policy_digest || (dl != 32 && dl != 64) ||
			 policy_blob_digest(e->blob, e->blob_len, dl, digest) != 0 ||
			 memcmp(digest, rc2->policy_digest.ptr, dl) != 0)
			snprintf(v->reason, sizeof(v->reason), "the gateway does not run under the pipeline's policy");
		else
			v->ok = true;
	}
	free(token);
	return CLI_OK;
}

static json_t *verdict_json(const struct verdict *v, const struct expect *e)
{
	json_t *j = json_object();

	json_object_set_new(j, "accepted", json_boolean(v->ok));
	json_object_set_new(j, "reason", v->ok ? json_null() : json_string(v->reason));
	json_object_set_new(j, "gateway", json_string(e->name));
	json_object_set_new(j, "rim", v->rim_len ? cli_hex_json(v->rim, v->rim_len) : json_null());
	json_object_set_new(j, "tls_public_key", cli_hex_json(v->pub, PUB_SIZE));
	return j;
}

int cmd_chat(int argc, char **argv)
{
	static const struct cli_option options[] = { { "--connect", NULL, true }, { "--pipeline", NULL, true },
						     { "--platform-key", NULL, true }, { "--json", NULL, false } };
	const char *connect_to = NULL, *pipeline = NULL, *key_path = NULL, *prompt = NULL;
	bool json = false;
	struct cli_parser cp;
	char why[512];
	int opt, rc = CLI_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	cli_parser_init(&cp, CMD, options, 4, argc, argv);
	while (rc == CLI_OK && (opt = cli_next(&cp)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			rc = CLI_USAGE;
		else if (opt == CLI_ARG && prompt)
			rc = cli_usage_error(CMD, "one PROMPT only (quote it: '%s' is another)", cp.value);
		else if (opt == CLI_ARG)
			prompt = cp.value;
		else if (opt == 0)
			connect_to = cp.value;
		else if (opt == 1)
			pipeline = cp.value;
		else if (opt == 2)
			key_path = cp.value;
		else
			json = true;
	}
	if (rc == CLI_OK && (!connect_to || !pipeline || !key_path || !prompt))
		rc = cli_usage_error(CMD, "needs --connect, --pipeline, --platform-key and a PROMPT");
	if (rc == CLI_OK && !*prompt)
		rc = cli_usage_error(CMD, "the PROMPT is empty");
	static struct expect e;
	if (rc == CLI_OK)
		rc = expected(pipeline, &e);
	EVP_PKEY *key = NULL;
	if (rc == CLI_OK) {
		size_t len;
		char kwhy[PUBKEY_WHY_MAX];
		uint8_t *text = cli_read_bounded(CMD, "--platform-key", key_path, 64 * 1024, "64 KiB", &len);
		if (!text)
			rc = CLI_USAGE;
		else if (pubkey_from_text((const char *)text, len, &key, kwhy) != 0)
			rc = cli_usage_error(CMD, "--platform-key %s: %s", key_path, kwhy);
		free(text);
	}
	if (rc != CLI_OK)
		return rc;

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct conn c = { .fd = -1 };
	struct verdict v = { .ok = false };
	json_t *out = NULL;
	if (!ctx) {
		rc = cli_fail(CMD, "no TLS context");
		goto done;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if ((rc = conn_open(&c, ctx, connect_to, why, sizeof(why))) != CLI_OK ||
	    (rc = attest(&c, key, &e, &v, why, sizeof(why))) != CLI_OK) {
		rc = rc == CLI_USAGE ? cli_usage_error(CMD, "--connect: %s", why) : cli_fail(CMD, "%s", why);
		goto done;
	}
	conn_close(&c);
	if (!v.ok) {
		rc = cli_fail(CMD, "the gateway was not accepted, the prompt was not sent: %s", v.reason);
		goto done;
	}
	/* The prompt, over a connection to the attested key only. */
	if ((rc = conn_open(&c, ctx, connect_to, why, sizeof(why))) != CLI_OK) {
		rc = cli_fail(CMD, "%s", why);
		goto done;
	}
	if (memcmp(c.pub, v.pub, PUB_SIZE) != 0) {
		rc = cli_fail(CMD, "the second connection's TLS key is not the attested one: the prompt was not sent");
		goto done;
	}
	json_t *msg = json_pack("{s:[{s:s,s:s}]}", "messages", "role", "user", "content", prompt);
	char *body_text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	size_t bl = body_text ? strlen(body_text) : 0;
	char *req = body_text ? malloc(bl + 256) : NULL;
	int status = 0;
	char *body = NULL;
	size_t blen = 0;
	if (!req) {
		free(body_text);
		rc = cli_fail(CMD, "out of memory");
		goto done;
	}
	int hn = snprintf(req, 256, "POST /v1/chat/completions HTTP/1.1\r\nHost: caec\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n", bl);
	memcpy(req + hn, body_text, bl);
	free(body_text);
	rc = exchange(&c, req, (size_t)hn + bl, &status, &body, &blen, why, sizeof(why));
	free(req);
	if (rc != CLI_OK) {
		rc = cli_fail(CMD, "%s", why);
		goto done;
	}
	json_error_t je;
	json_t *resp = json_loadb(body, blen, 0, &je);
	free(body);
	const char *answer = json_string_value(
		json_object_get(json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message"), "content"));
	if (status != 200 || !answer) {
		const char *m = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
		rc = cli_fail(CMD, "the pipeline did not answer (HTTP %d): %s", status, m ? m : "no message");
		if (json) {
			out = json_object();
			json_object_set_new(out, "verification", verdict_json(&v, &e));
			json_object_set_new(out, "error", json_string(m ? m : "no answer"));
		}
		json_decref(resp);
		goto done;
	}
	if (json) {
		out = json_object();
		json_object_set_new(out, "answer", json_string(answer));
		json_t *tools = json_object_get(resp, "caec_tools");
		json_object_set_new(out, "tools", tools ? json_incref(tools) : json_array());
		json_object_set_new(out, "verification", verdict_json(&v, &e));
	} else {
		printf("caec chat: gateway '%s' attested (RIM and policy of %s, TLS key bound to this client's nonce)\n",
		       e.name, pipeline);
		printf("%s\n", answer);
		json_t *tools = json_object_get(resp, "caec_tools");
		if (json_array_size(tools)) {
			printf("caec chat: tools the agent called:");
			for (size_t i = 0; i < json_array_size(tools); i++)
				printf(" %s", json_string_value(json_array_get(tools, i)) ?: "?");
			printf("\n");
		}
	}
	json_decref(resp);
done:
	if (json && !out && rc != CLI_USAGE) {
		out = json_object();
		json_object_set_new(out, "verification", verdict_json(&v, &e));
	}
	if (json && out)
		cli_print_json(out, rc != CLI_OK);
	conn_close(&c);
	SSL_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}
