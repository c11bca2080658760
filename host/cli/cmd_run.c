/*
 * caec run PIPELINE.json: runs a pipeline of realms on a fresh hostsim
 * machine, each realm in its own thread. The pipeline file is a policy
 * source whose realms name their images (and memory, vCPUs), plus an
 * optional "workload": {"realm": NAME, "items": [TEXT, ...]} the named realm
 * reads with PIPE_CALL_WORK. A realm may name a "model": FILE, which the
 * host loads into the realm's image (abi/caec_pipeline.h), measured: the
 * realm's RIM, and so the policy every peer checks it against, covers the
 * model's bytes. Or a "sealed_model": FILE with its owner's "model_key":
 * KEY, given unmeasured after the realm's RAM and its key released by the
 * host (standing for the owner's service, verify/key_release.h) only to
 * the realm's token once the group was attested (PIPE_CALL_MODEL).
 *
 * Every realm is measured as `caec policy` measures it, built with
 * POLICY_REQUIRED and its own policy blob in its policy granule, and given
 * its realm nonce (verify/group.h) as challenge. The host brokers the
 * channels' csm_ids (abi/caec_pipeline.h); once every realm has opened its
 * channels and reported its token, the group is attested against the
 * pipeline's policy (group_verify), and only an accepted group is let go on
 * to its work. Results come back as lines; at the end every realm is torn
 * down and the machine checked for leaked granules. SIGINT/SIGTERM stop the
 * pipeline the same way.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "abi/caec.h"
#include "abi/caec_pipeline.h"
#include "cli.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "run_link.h"
#include "run_scan.h"
#include "verify/group.h"
#include "verify/hex.h"
#include "verify/key_release.h"
#include "verify/policy.h"
#include "verify/pubkey.h"

#define CMD "run"
#define RUN_TIMEOUT_MS (10u * 60u * 1000u)

static const char usage_text[] =
	"usage: caec run PIPELINE.json [--listen ADDR:PORT [--platform-key-out FILE]]\n"
	"                [--nonce HEX] [--json]\n"
	"\n"
	"Runs a pipeline of realms on a fresh hostsim machine: builds every realm\n"
	"the pipeline names (a progress line each), provisions each its policy,\n"
	"brokers their channels, attests the group against the pipeline's policy\n"
	"(as 'caec attest group' does) and lets an accepted group run its\n"
	"workload; prints the results and an attestation summary, tears every\n"
	"realm down and checks that no granule leaked.\n"
	"  --listen ADDR:PORT  relay TCP connections on ADDR:PORT (e.g.\n"
	"                127.0.0.1:8443; port 0 picks one) to the pipeline's gateway\n"
	"                realm, which terminates TLS itself; the pipeline then runs\n"
	"                until SIGINT or SIGTERM\n"
	"  --platform-key-out FILE  write the machine's platform public key (PEM),\n"
	"                which a client such as `caec chat` verifies the gateway with\n"
	"  --scan-plaintext FILE  after the run, search every host-visible granule\n"
	"                of the machine for pieces of FILE (a private model's\n"
	"                plaintext) and fail if any holds one\n"
	"  --nonce HEX   the group nonce (128 hex digits; default random)\n"
	"  --json        the summary and results as JSON on stdout (progress and\n"
	"                the realms' consoles on stderr)\n"
	"\n"
	"SIGINT or SIGTERM stops every realm and tears the pipeline down.\n"
	"\n" CLI_EXIT_CODES;

struct run;

struct member {
	struct run *run;
	unsigned index;
	char image[PATH_MAX];
	char model[PATH_MAX]; /* "" when the realm has none */
	char sealed_path[PATH_MAX], key_path[PATH_MAX]; /* "": no sealed model */
	uint8_t *sealed;      /* the sealed model's bytes, the realm's host data */
	size_t sealed_size;
	uint8_t model_key[CAEC_MODEL_KEY_SIZE];
	uint8_t key_nonce[CAEC_KEY_NONCE_SIZE];
	bool key_nonce_given;
	uint8_t *key_req; /* the key request being received */
	size_t key_req_len;
	struct realm_image img;
	struct vmm_realm_opts opts;
	uint8_t blob[POLICY_MAX_SIZE];
	size_t blob_len;
	uint8_t challenge[HOST_CALL_CHALLENGE_SIZE];
	struct vmm_realm *realm;
	struct cli_console con;
	struct vmm_run_config cfg;
	struct vmm_run_result res;
	pthread_t thread;
	bool started, finished, ran_ok;
	unsigned ready; /* the READY steps it passed */
	char *line;     /* a result line being received in chunks */
	size_t line_len;
};

enum verdict { VERDICT_PENDING, VERDICT_ACCEPTED, VERDICT_REJECTED };

struct run {
	const char *path;
	const char *listen; /* --listen: the gateway's address */
	struct run_link *link;
	bool json;
	json_t *root; /* the pipeline, "workload" removed: the policy source */
	struct policy_source src;
	uint8_t nonce[GROUP_NONCE_SIZE];
	struct vmm vmm;
	EVP_PKEY *key;
	unsigned n;
	struct member m[POLICY_MAX_REALMS];
	int work_realm; /* -1: no workload */
	json_t *items;  /* its strings */
	json_t *results;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t csm_id[POLICY_MAX_CHANNELS];
	unsigned opened, attested;
	enum verdict verdict;
	bool abort;
	struct group_verdict gv;
};

static FILE *progress(const struct run *r)
{
	return r->json ? stderr : stdout;
}

/* Waits on the run's condition (lock held) for at most 100 ms, so a stop
 * request is seen. */
static void wait_a_little(struct run *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

static bool stopping(struct run *r)
{
	return r->abort || vmm_stop_requested(&r->vmm);
}

/* Every realm's token is in: the group against the pipeline's policy. */
static void judge_group(struct run *r)
{
	struct group_token t[POLICY_MAX_REALMS];
	/* hostsim says what it is: a platform in its debug lifecycle (the
	 * emulated hardware isolates nothing from code in its process). A run
	 * on it accepts that, and the summary says so. */
	struct group_options o = { .verify = { .platform_keys = &r->key, .num_platform_keys = 1 },
				   .appraise = { .allow_debug = true } };

	for (unsigned i = 0; i < r->n; i++)
		t[i] = (struct group_token){ r->m[i].res.token, r->m[i].res.token_len, r->src.realms[i].name };
	int rc = group_verify(&r->src, r->nonce, t, r->n, &o, &r->gv);
	r->verdict = rc == 0 ? VERDICT_ACCEPTED : VERDICT_REJECTED;
	fprintf(progress(r), "caec run: attestation: %s (%u realm%s, %u channel%s, this machine's platform key, its debug "
			     "lifecycle accepted: hostsim)%s%s\n",
		rc == 0 ? "the group was accepted" : "the group was REJECTED", r->n, r->n == 1 ? "" : "s",
		r->src.num_channels, r->src.num_channels == 1 ? "" : "s", rc == 0 ? "" : ": ", rc == 0 ? "" : r->gv.reason);
	fflush(progress(r));
}

static uint64_t ready(struct member *m, uint64_t step)
{
	struct run *r = m->run;

	if ((step != 1 && step != 2) || m->ready != step - 1)
		return 1;
	m->ready = (unsigned)step;
	if (step == 1) {
		r->opened++;
		pthread_cond_broadcast(&r->cond);
		while (r->opened < r->n && !stopping(r))
			wait_a_little(r);
		return stopping(r) ? 1 : 0;
	}
	if (!m->res.token)
		return 1;
	if (++r->attested == r->n) {
		judge_group(r);
		pthread_cond_broadcast(&r->cond);
	}
	while (r->verdict == VERDICT_PENDING && !stopping(r))
		wait_a_little(r);
	return r->verdict == VERDICT_ACCEPTED && !stopping(r) ? 0 : 1;
}

static void work(struct member *m, uint64_t *g)
{
	struct run *r = m->run;
	const char *item = (int)m->index == r->work_realm ? json_string_value(json_array_get(r->items, g[0])) : NULL;

	if (r->verdict != VERDICT_ACCEPTED || !item) {
		g[0] = 1;
		return;
	}
	size_t len = strlen(item), at = g[1];
	if (at >= len) {
		g[0] = 2;
		return;
	}
	size_t n = len - at < PIPE_WORK_CHUNK ? len - at : PIPE_WORK_CHUNK;
	memset(g, 0, 31 * sizeof(*g));
	g[1] = len;
	g[2] = n;
	for (size_t i = 0; i < n; i++)
		g[3 + i / 8] |= (uint64_t)(uint8_t)item[at + i] << (8 * (i % 8));
}

static void result(struct member *m, uint64_t *g)
{
	struct run *r = m->run;
	size_t n = g[0];

	if (n > PIPE_RESULT_MAX || m->line_len + n > (1u << 20)) {
		g[0] = 1;
		return;
	}
	char *l = realloc(m->line, m->line_len + n + 1);
	if (!l) {
		g[0] = 1;
		return;
	}
	m->line = l;
	for (size_t i = 0; i < n; i++)
		l[m->line_len++] = (char)(g[1 + i / 8] >> (8 * (i % 8)));
	l[m->line_len] = 0;
	if (!g[30]) { /* the line is complete */
		json_t *e = json_object();
		json_object_set_new(e, "realm", json_string(r->src.realms[m->index].name));
		json_object_set_new(e, "text", json_stringn(m->line, m->line_len));
		json_array_append_new(r->results, e);
		if (!r->json)
			printf("%s: %s\n", r->src.realms[m->index].name, m->line);
		m->line_len = 0;
	}
	g[0] = 0;
}

/* The key-release service's answer to the request the realm sent. */
static void release_key(struct member *m, uint64_t *g)
{
	struct run *r = m->run;
	const struct policy_source_realm *sr = &r->src.realms[m->index];
	struct key_release_policy pol = { .platform_keys = &r->key, .num_platform_keys = 1, .num_rims = 1 };
	uint8_t resp[CAEC_KEY_RESPONSE_SIZE];
	char why[KEY_RELEASE_WHY_MAX] = "";

	memcpy(pol.rims[0].value, sr->rim, sr->rim_size);
	pol.rims[0].len = sr->rim_size;
	/* The digest claim 65003 carries, in the token's hash size (0 refuses). */
	if (policy_blob_digest(m->blob, m->blob_len, sr->rim_size, pol.policy_digest) == 0)
		pol.policy_digest_len = sr->rim_size;
	memcpy(pol.model_key, m->model_key, sizeof(pol.model_key));
	int rc = key_release_answer(&pol, m->key_nonce, m->key_req, m->key_req_len, resp, why);
	OPENSSL_cleanse(pol.model_key, sizeof(pol.model_key));
	m->key_nonce_given = false; /* a nonce answers one request */
	m->key_req_len = 0;
	if (rc != 0) {
		fprintf(progress(r), "caec run: the model key was REFUSED to realm '%s': %s\n", sr->name, why);
		g[0] = 1;
		return;
	}
	fprintf(progress(r), "caec run: the model key was released to realm '%s' (its token verified with its RIM "
			     "and policy, the key wrapped to the key it binds)\n",
		sr->name);
	memset(g, 0, 31 * sizeof(*g));
	for (size_t i = 0; i < sizeof(resp); i++)
		g[1 + i / 8] |= (uint64_t)resp[i] << (8 * (i % 8));
}

/* PIPE_CALL_MODEL (abi/caec_pipeline.h): a secret, so only for an accepted group. */
static void model_call(struct member *m, uint64_t *g)
{
	struct vmm_layout l;

	if (m->run->verdict != VERDICT_ACCEPTED || !m->sealed ||
	    vmm_layout_compute(&m->opts, m->img.size, &l, NULL) != 0) {
		g[0] = 1;
		return;
	}
	if (g[0] == PIPE_MODEL_WHERE) {
		g[0] = 0;
		g[1] = l.host_data_ipa;
		g[2] = m->sealed_size;
	} else if (g[0] == PIPE_MODEL_NONCE) {
		if (RAND_bytes(m->key_nonce, sizeof(m->key_nonce)) != 1) {
			g[0] = 1;
			return;
		}
		m->key_nonce_given = true;
		m->key_req_len = 0;
		memset(g, 0, 31 * sizeof(*g));
		for (size_t i = 0; i < sizeof(m->key_nonce); i++)
			g[1 + i / 8] |= (uint64_t)m->key_nonce[i] << (8 * (i % 8));
	} else if (g[0] == PIPE_MODEL_REQUEST && m->key_nonce_given) {
		size_t at = g[1], n = g[2], cap = CAEC_KEY_REQUEST_HEADER + CAEC_KEY_TOKEN_MAX;
		if (at != m->key_req_len || n > PIPE_WORK_CHUNK || n > cap - at) {
			m->key_nonce_given = false;
			g[0] = 1;
			return;
		}
		if (!m->key_req && !(m->key_req = malloc(cap))) {
			g[0] = 1;
			return;
		}
		for (size_t i = 0; i < n; i++)
			m->key_req[at + i] = (uint8_t)(g[3 + i / 8] >> (8 * (i % 8)));
		m->key_req_len += n;
		if (g[30])
			release_key(m, g);
		else
			g[0] = 0;
	} else {
		g[0] = 1;
	}
}

static void app_call(void *ctx, struct vmm_realm *realm, uint16_t imm, uint64_t *g)
{
	struct member *m = ctx;
	struct run *r = m->run;
	const struct policy_source *src = &r->src;

	pthread_mutex_lock(&r->lock);
	switch (imm) {
	case PIPE_CALL_ANNOUNCE:
		if (g[0] < src->num_channels && src->channels[g[0]].owner == m->index && !r->csm_id[g[0]] && g[1]) {
			r->csm_id[g[0]] = g[1];
			pthread_cond_broadcast(&r->cond);
			g[0] = 0;
		} else {
			g[0] = 1;
		}
		break;
	case PIPE_CALL_LOOKUP: {
		uint64_t c = g[0], waited = 0;
		if (c >= src->num_channels || !src->channels[c].perms[m->index]) {
			g[0] = 0;
			break;
		}
		while (!r->csm_id[c] && !stopping(r) && waited++ < PIPE_LOOKUP_WAIT_NS / 100000000u)
			wait_a_little(r);
		g[0] = r->csm_id[c];
		break;
	}
	case PIPE_CALL_READY:
		g[0] = ready(m, g[0]);
		break;
	case PIPE_CALL_WORK:
		work(m, g);
		break;
	case PIPE_CALL_RESULT:
		result(m, g);
		break;
	case PIPE_CALL_MODEL:
		model_call(m, g);
		break;
	case PIPE_CALL_LINK:
		g[0] = 1;
		if (r->link && src->realms[m->index].gateway && run_link_map(r->link, realm, &g[1], &g[2]) == 0)
			g[0] = 0;
		break;
	default:
		g[0] = UINT64_MAX;
	}
	pthread_mutex_unlock(&r->lock);
}

static void *member_thread(void *arg)
{
	struct member *m = arg;
	struct run *r = m->run;

	if (vmm_realm_run(m->realm, &m->cfg, &m->res) != 0)
		m->res.stop = VMM_STOP_HOST_ERROR;
	pthread_mutex_lock(&r->lock);
	m->finished = true;
	/* A realm that ends before the group is attested ends the pipeline. */
	if (r->verdict == VERDICT_PENDING)
		r->abort = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* The keys of a realm's model delivery: image options, which the policy
 * source's measurement (cmd_policy.c) applies as this program builds. */
static const char *const model_keys[] = { "model", "sealed_model", "model_key" };

/* Every realm's model files into models: realm name -> {key: the file's
 * path, resolved against the pipeline's folder}. */
static int take_models(struct run *r, json_t *root, json_t *models)
{
	const char *name;
	json_t *realm;
	char dir[PATH_MAX];

	cli_folder_of(r->path, dir, sizeof(dir));
	json_object_foreach(json_object_get(root, "realms"), name, realm) {
		json_t *paths = json_object();
		json_object_set_new(models, name, paths);
		for (size_t k = 0; k < sizeof(model_keys) / sizeof(model_keys[0]); k++) {
			json_t *v = json_object_get(realm, model_keys[k]);
			if (!v)
				continue;
			const char *file = json_string_value(v);
			if (!file || !*file)
				return cli_usage_error(CMD, "%s: realm '%s': \"%s\" must be the path of a %s file", r->path,
						       name, model_keys[k], k == 2 ? "key" : "model");
			char path[PATH_MAX];
			int n = file[0] == '/' || !strcmp(dir, ".") ? snprintf(path, sizeof(path), "%s", file)
								     : snprintf(path, sizeof(path), "%s/%s", dir, file);
			if (n < 0 || (size_t)n >= sizeof(path))
				return cli_usage_error(CMD, "%s: realm '%s': the \"%s\" path is too long", r->path, name,
						       model_keys[k]);
			json_object_set_new(paths, model_keys[k], json_string(path));
		}
		bool model = json_object_get(paths, "model"), sealed = json_object_get(paths, "sealed_model"),
		     key = json_object_get(paths, "model_key");
		if (model && (sealed || key))
			return cli_usage_error(CMD, "%s: realm '%s': give \"model\" or \"sealed_model\" with its "
						    "\"model_key\", not both",
					       r->path, name);
		if (sealed != key)
			return cli_usage_error(CMD, "%s: realm '%s': \"sealed_model\" and \"model_key\" go together",
					       r->path, name);
	}
	return CLI_OK;
}

/* The owner's key file: 64 hex digits (and a final newline). */
static int read_model_key(const char *name, const char *path, uint8_t key[CAEC_MODEL_KEY_SIZE])
{
	size_t len;
	char *text = (char *)cli_read_input(CMD, "model_key", path, 256, &len);

	if (!text)
		return CLI_USAGE;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	text[len < 256 ? len : 256] = 0;
	int rc = len == 2 * CAEC_MODEL_KEY_SIZE && hex_decode_padded(text, key, CAEC_MODEL_KEY_SIZE) == 0
			 ? CLI_OK
			 : cli_usage_error(CMD, "realm '%s': model_key %s is not a key (64 hex digits)", name, path);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* The sealed model as the realm's host data (its size was measured, with
 * the policy source), and its owner's key. */
static int add_sealed_model(struct run *r, unsigned i)
{
	struct member *m = &r->m[i];
	const char *name = r->src.realms[i].name;
	int rc = read_model_key(name, m->key_path, m->model_key);

	if (rc != CLI_OK)
		return rc;
	m->sealed = cli_read_input(CMD, "sealed_model", m->sealed_path, VMM_MAX_IMAGE_SIZE, &m->sealed_size);
	if (!m->sealed)
		return CLI_USAGE;
	if (m->sealed_size > VMM_MAX_IMAGE_SIZE)
		return cli_usage_error(CMD, "realm '%s': sealed_model %s is larger than 256 MiB", name, m->sealed_path);
	m->opts.host_data = m->sealed;
	m->opts.host_data_size = m->sealed_size;
	return CLI_OK;
}

/* The realm's image with its model appended, as it was measured. */
static int add_model(struct run *r, unsigned i)
{
	struct member *m = &r->m[i];
	int e = realm_image_add_model(&m->img, m->model);

	if (e != 0)
		return cli_usage_error(CMD, "realm '%s': model %s cannot be loaded: %s", r->src.realms[i].name, m->model,
				       e == -EINVAL ? "it is empty"
				       : e == -EFBIG ? "with the image it is larger than 256 MiB"
						     : strerror(-e));
	return CLI_OK;
}

static int prepare_policy(struct run *r, json_t *root);
static int prepare_realms(struct run *r, json_t *root);

/* Reads the pipeline, measures its realms, compiles each one's policy. */
static int prepare(struct run *r)
{
	json_error_t je;
	int rc = cli_check_input(CMD, "PIPELINE", r->path);

	if (rc != CLI_OK)
		return rc;
	json_t *root = json_load_file(r->path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return cli_usage_error(CMD, "%s:%d:%d: %s", r->path, je.line, je.column, je.text);
	r->root = root;
	json_t *models = json_object();
	rc = take_models(r, root, models);
	if (rc != CLI_OK) {
		json_decref(models);
		return rc;
	}
	rc = prepare_policy(r, root);
	for (unsigned i = 0; rc == CLI_OK && i < r->n; i++) {
		json_t *paths = json_object_get(models, r->src.realms[i].name);
		const char *model = json_string_value(json_object_get(paths, "model"));
		const char *sealed = json_string_value(json_object_get(paths, "sealed_model"));
		const char *key = json_string_value(json_object_get(paths, "model_key"));
		snprintf(r->m[i].model, sizeof(r->m[i].model), "%s", model ? model : "");
		snprintf(r->m[i].sealed_path, sizeof(r->m[i].sealed_path), "%s", sealed ? sealed : "");
		snprintf(r->m[i].key_path, sizeof(r->m[i].key_path), "%s", key ? key : "");
	}
	json_decref(models);
	if (rc != CLI_OK)
		return rc;
	return prepare_realms(r, root);
}

/* The policy source (the pipeline without its workload), the workload. */
static int prepare_policy(struct run *r, json_t *root)
{
	struct policy_err perr = { "" };
	int rc = CLI_OK;
	json_t *workload = json_object_get(root, "workload");
	if (workload) {
		json_t *realm = json_object_get(workload, "realm"), *items = json_object_get(workload, "items");
		if (!json_is_string(realm) || !json_is_array(items))
			return cli_usage_error(CMD, "%s: \"workload\" must be {\"realm\": NAME, \"items\": [TEXT, ...]}", r->path);
		for (size_t i = 0; i < json_array_size(items); i++)
			if (!json_is_string(json_array_get(items, i)) || !json_string_length(json_array_get(items, i)))
				return cli_usage_error(CMD, "%s: workload item %zu is not a non-empty string", r->path, i);
		r->items = json_incref(items);
		r->work_realm = -2; /* resolved below, by name */
		json_t *name = json_incref(realm);
		json_object_del(root, "workload");
		if (cli_policy_source_from_json(root, r->path, &r->src, &perr) != 0) {
			json_decref(name);
			return cli_usage_error(CMD, "%s: %s", r->path, perr.msg);
		}
		r->work_realm = policy_source_find_realm(&r->src, json_string_value(name));
		if (r->work_realm < 0)
			rc = cli_usage_error(CMD, "%s: the workload's realm '%s' is not in the pipeline", r->path,
					     json_string_value(name));
		json_decref(name);
		if (rc != CLI_OK)
			return rc;
	} else if (cli_policy_source_from_json(root, r->path, &r->src, &perr) != 0) {
		return cli_usage_error(CMD, "%s: %s", r->path, perr.msg);
	}
	if (r->src.self >= 0)
		return cli_usage_error(CMD, "%s: a pipeline names no \"self\" (every realm gets its own policy)", r->path);
	r->n = r->src.num_realms;
	return CLI_OK;
}

/* Every realm's image (and model) loaded, then every realm's policy
 * compiled: a policy names its peers' RIMs, so all must be final first. */
static int prepare_realms(struct run *r, json_t *root)
{
	struct policy_err perr = { "" };
	int rc;

	for (unsigned i = 0; i < r->n; i++) {
		struct member *m = &r->m[i];
		m->run = r;
		m->index = i;
		if (cli_policy_realm_image(root, r->path, r->src.realms[i].name, m->image, sizeof(m->image), &m->opts,
					   &perr) != 0)
			return cli_usage_error(CMD, "%s: %s", r->path, perr.msg);
		/* Measured as built: every tool that reads the file must agree. */
		if (!(m->opts.caec_flags & CAEC_REALM_POLICY_REQUIRED))
			return cli_usage_error(CMD, "%s: realm '%s' must say \"policy_required\": true (a pipeline's realms "
						    "run under their policy from the start, and are measured so)",
					       r->path, r->src.realms[i].name);
		if (realm_image_load(m->image, &m->img) != 0)
			return cli_usage_error(CMD, "realm '%s': %s is not a realm image", r->src.realms[i].name, m->image);
		if (m->model[0] && (rc = add_model(r, i)) != CLI_OK)
			return rc;
		if (m->sealed_path[0] && (rc = add_sealed_model(r, i)) != CLI_OK)
			return rc;
	}
	for (unsigned i = 0; i < r->n; i++) {
		struct member *m = &r->m[i];
		if (policy_compile(&r->src, (int)i, m->blob, sizeof(m->blob), &m->blob_len, &perr) != 0)
			return cli_fail(CMD, "the policy of realm '%s': %s", r->src.realms[i].name, perr.msg);
	}
	return CLI_OK;
}

static int build_all(struct run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		struct member *m = &r->m[i];
		struct vmm_error err = { "" };
		struct vmm_realm_opts opts = m->opts;
		struct rmm_debug_realm info;
		char rim[129];
		const char *name = r->src.realms[i].name;

		group_realm_nonce(r->nonce, name, m->challenge);
		m->con = (struct cli_console){ .echo = stderr };
		m->cfg = (struct vmm_run_config){ .console = cli_console_out, .console_ctx = &m->con,
						  .challenge = m->challenge, .timeout_ms = RUN_TIMEOUT_MS,
						  .app_call = app_call, .app_ctx = m };
		opts.policy_blob = m->blob;
		opts.policy_len = m->blob_len;
		if (vmm_realm_create(&r->vmm, m->img.bytes, m->img.size, &opts, &m->realm, &err) != 0)
			return cli_fail(CMD, "building realm '%s': %s", name, err.msg);
		rmm_debug_realm(vmm_realm_rd(m->realm), &info);
		if (memcmp(info.rim, r->src.realms[i].rim, r->src.realms[i].rim_size) != 0)
			return cli_fail(CMD, "realm '%s' was built with another RIM than it was measured with", name);
		vmm_hex(info.rim, 8, rim);
		fprintf(progress(r), "caec run: realm '%s' built: %s%s%s, RIM %s..., %llu MiB, %u vCPU%s\n", name, m->image,
			m->model[0] ? " with model " : m->sealed_path[0] ? " with sealed model (unmeasured) " : "",
			m->model[0] ? m->model : m->sealed_path, rim, (unsigned long long)(opts.mem_size >> 20), opts.vcpus,
			opts.vcpus == 1 ? "" : "s");
	}
	for (unsigned i = 0; i < r->n; i++) {
		if (pthread_create(&r->m[i].thread, NULL, member_thread, &r->m[i]) != 0)
			return cli_fail(CMD, "no host thread for realm '%s'", r->src.realms[i].name);
		r->m[i].started = true;
	}
	return CLI_OK;
}

static int finish_all(struct run *r, int rc)
{
	pthread_mutex_lock(&r->lock);
	if (rc != CLI_OK)
		r->abort = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; i < r->n; i++) {
		struct member *m = &r->m[i];
		if (!m->started)
			continue;
		pthread_join(m->thread, NULL);
		m->ran_ok = m->res.stop == VMM_STOP_SYSTEM_OFF && m->res.exit_reported && m->res.exit_status == 0;
	}
	if (rc != CLI_OK)
		return rc;
	if (vmm_stop_requested(&r->vmm))
		return CLI_INTERRUPTED;
	if (r->verdict == VERDICT_REJECTED)
		return cli_fail(CMD, "the group's attestation was rejected: %s", r->gv.reason);
	for (unsigned i = 0; i < r->n; i++) {
		const struct member *m = &r->m[i];
		if (!m->ran_ok)
			return cli_fail(CMD, "realm '%s' failed (%s, exit status %llu%s%s)", r->src.realms[i].name,
					vmm_stop_reason_name(m->res.stop), (unsigned long long)m->res.exit_status,
					m->res.csm_error[0] ? ": " : "", m->res.csm_error);
	}
	if (r->verdict != VERDICT_ACCEPTED)
		return cli_fail(CMD, "the realms ended before the group was attested");
	return CLI_OK;
}

static json_t *summary_json(const struct run *r)
{
	json_t *j = json_object(), *realms = json_array();

	for (unsigned i = 0; i < r->n; i++) {
		const struct member *m = &r->m[i];
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(r->src.realms[i].name));
		json_object_set_new(e, "image", json_string(m->image));
		json_object_set_new(e, "model", m->model[0] ? json_string(m->model) : json_null());
		json_object_set_new(e, "sealed_model", m->sealed_path[0] ? json_string(m->sealed_path) : json_null());
		json_object_set_new(e, "rim", cli_hex_json(r->src.realms[i].rim, r->src.realms[i].rim_size));
		json_object_set_new(e, "memory", json_integer((json_int_t)m->opts.mem_size));
		json_object_set_new(e, "vcpus", json_integer(m->opts.vcpus));
		json_object_set_new(e, "ok", json_boolean(m->ran_ok));
		json_object_set_new(e, "stop", json_string(vmm_stop_reason_name(m->res.stop)));
		json_array_append_new(realms, e);
	}
	json_t *a = json_object();
	json_object_set_new(a, "accepted", json_boolean(r->verdict == VERDICT_ACCEPTED));
	json_object_set_new(a, "failed_check",
			    r->verdict == VERDICT_REJECTED ? json_string(group_check_name(r->gv.failed)) : json_null());
	json_object_set_new(a, "reason", r->verdict == VERDICT_REJECTED ? json_string(r->gv.reason) : json_null());
	json_object_set_new(a, "nonce", cli_hex_json(r->nonce, sizeof(r->nonce)));
	json_object_set_new(a, "channels", json_integer(r->src.num_channels));
	json_object_set_new(j, "pipeline", json_string(r->path));
	json_object_set_new(j, "realms", realms);
	json_object_set_new(j, "attestation", a);
	json_object_set_new(j, "results", json_incref(r->results));
	return j;
}

/* The platform's public key as PEM (what a verifier of the machine's
 * tokens needs, and nothing secret). */
static int write_public_key(EVP_PKEY *key, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	int ok = PEM_write_PUBKEY(f, key);
	return fclose(f) == 0 && ok ? 0 : -1;
}

int cmd_run(int argc, char **argv)
{
	static const struct cli_option options[] = { { "--nonce", NULL, true }, { "--json", NULL, false },
						     { "--listen", NULL, true }, { "--platform-key-out", NULL, true },
						     { "--scan-plaintext", NULL, true } };
	static struct run r;
	struct cli_parser cp;
	struct cli_saved_signals saved;
	struct leak_snapshot before, after;
	char key_pem[1024], kwhy[256];
	int opt, rc = CLI_OK;
	bool have_nonce = false;
	const char *key_out = NULL, *scan_path = NULL;
	static uint8_t windows[SCAN_WINDOWS][SCAN_WINDOW];
	int n_windows = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	memset(&r, 0, sizeof(r));
	r.work_realm = -1;
	r.results = json_array();
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	for (int i = 1; i < argc; i++)
		r.json |= !strcmp(argv[i], "--json");
	cli_parser_init(&cp, CMD, options, 5, argc, argv);
	while (rc == CLI_OK && (opt = cli_next(&cp)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			rc = CLI_USAGE;
		else if (opt == CLI_ARG && r.path)
			rc = cli_usage_error(CMD, "one PIPELINE only ('%s' is another)", cp.value);
		else if (opt == CLI_ARG)
			r.path = cp.value;
		else if (opt == 0) {
			if (strlen(cp.value) != 2 * sizeof(r.nonce) || hex_decode_padded(cp.value, r.nonce, sizeof(r.nonce)) != 0)
				rc = cli_bad_value(&cp, "128 hex digits (64 bytes)");
			have_nonce = true;
		} else if (opt == 2) {
			r.listen = cp.value;
		} else if (opt == 3) {
			key_out = cp.value;
		} else if (opt == 4) {
			scan_path = cp.value;
		}
	}
	if (rc == CLI_OK && !r.path)
		rc = cli_usage_error(CMD, "no PIPELINE: say which pipeline file to run");
	if (rc == CLI_OK && key_out)
		rc = cli_check_output(CMD, "--platform-key-out", key_out);
	if (rc == CLI_OK && scan_path) {
		char swhy[PATH_MAX + 64];
		if ((rc = cli_check_input(CMD, "--scan-plaintext", scan_path)) == CLI_OK &&
		    (n_windows = scan_windows(scan_path, windows, swhy, sizeof(swhy))) <= 0)
			rc = cli_usage_error(CMD, "--scan-plaintext: %s", n_windows < 0 ? swhy : "the file has no distinctive bytes to look for");
	}
	if (rc == CLI_OK)
		rc = prepare(&r);
	if (rc == CLI_OK && !have_nonce && RAND_bytes(r.nonce, sizeof(r.nonce)) != 1)
		rc = cli_fail(CMD, "no random nonce");
	uint64_t dram = UINT64_C(256) << 20;
	for (unsigned i = 0; i < r.n; i++)
		dram += r.m[i].opts.mem_size + (UINT64_C(16) << 20);
	struct hostsim_config hc = { .dram_size = dram < (UINT64_C(1) << 30) ? UINT64_C(1) << 30 : dram };
	if (rc == CLI_OK && hostsim_start(&hc) != 0)
		rc = cli_fail(CMD, "the hostsim machine did not start");
	else if (rc == CLI_OK) {
		cli_catch_stop_signals(&saved);
		if (hostsim_platform_key_pem(key_pem, sizeof(key_pem)) < 0 ||
		    pubkey_from_pem(key_pem, strlen(key_pem), &r.key, kwhy) != 0)
			rc = cli_fail(CMD, "no platform key from the machine");
		if (rc == CLI_OK && key_out && write_public_key(r.key, key_out) != 0)
			rc = cli_fail(CMD, "--platform-key-out: cannot write %s", key_out);
		vmm_init(&r.vmm);
		cli_publish_vmm(&r.vmm);
		leak_snapshot_take(&r.vmm.ledger, &before);
		char lwhy[256];
		if (rc == CLI_OK && r.listen) {
			if (run_link_open(&r.link, &r.vmm, r.listen, lwhy, sizeof(lwhy)) != 0)
				rc = cli_usage_error(CMD, "--listen: %s", lwhy);
			else if (run_link_start(r.link, progress(&r)) != 0)
				rc = cli_fail(CMD, "no host thread for the link");
			else
				fprintf(progress(&r), "caec run: listening on %.*s:%u\n", (int)(strrchr(r.listen, ':') - r.listen),
					r.listen, run_link_port(r.link));
			fflush(progress(&r));
		}
		if (rc == CLI_OK)
			rc = build_all(&r);
		rc = finish_all(&r, rc);
		run_link_stop(r.link);
		/* The realms ran and still stand: nothing the host can read may
		 * hold the plaintext model. */
		if (scan_path && (rc == CLI_OK || rc == CLI_INTERRUPTED)) {
			struct scan_result sr;
			scan_host_memory(hc.dram_size, windows, n_windows, &sr);
			if (sr.granules_hit)
				rc = cli_fail(CMD, "--scan-plaintext: %llu of %llu host-visible granules hold pieces of %s (the "
						   "first at PA 0x%llx)",
					      (unsigned long long)sr.granules_hit, (unsigned long long)sr.granules_ns, scan_path,
					      (unsigned long long)sr.first_hit_pa);
			else
				fprintf(progress(&r), "caec run: plaintext scan: none of %llu host-visible granules holds a piece of %s\n",
					(unsigned long long)sr.granules_ns, scan_path);
		}
		/* Serving until a signal is what --listen asks for. */
		int stopped_by = 0;
		if (r.listen && rc == CLI_INTERRUPTED) {
			stopped_by = cli_stop_signal();
			rc = CLI_OK;
		}
		cli_publish_vmm(NULL);
		for (unsigned i = 0; i < r.n; i++)
			if (r.m[i].realm && vmm_realm_destroy(r.m[i].realm) != 0 && rc == CLI_OK)
				rc = cli_fail(CMD, "the monitor refused to tear realm '%s' down", r.src.realms[i].name);
		run_link_free(r.link);
		r.link = NULL;
		leak_snapshot_take(&r.vmm.ledger, &after);
		if (rc == CLI_OK && (!leak_snapshot_same(&before, &after) || vmm_csm_region_count(&r.vmm) != 0))
			rc = cli_fail(CMD, "granules leaked: %llu held, %llu in the Realm PAS",
				      (unsigned long long)after.held, (unsigned long long)after.not_ns);
		if (rc == CLI_INTERRUPTED) {
			int sig = cli_stop_signal();
			cli_fail(CMD, "interrupted by %s; every realm was stopped and torn down", cli_signal_name(sig));
			rc = sig == SIGTERM ? 143 : CLI_INTERRUPTED;
		}
		if (rc == CLI_OK && stopped_by)
			fprintf(progress(&r), "caec run: stopped by %s: %u realm%s torn down, no granule left behind\n",
				cli_signal_name(stopped_by), r.n, r.n == 1 ? "" : "s");
		else if (rc == CLI_OK)
			fprintf(progress(&r), "caec run: %u realms ran, %zu results, torn down, no granule left behind\n", r.n,
				json_array_size(r.results));
		hostsim_stop();
		cli_restore_stop_signals(&saved);
	}
	if (r.json)
		cli_print_json(rc == CLI_USAGE ? NULL : summary_json(&r), rc != CLI_OK);
	for (unsigned i = 0; i < r.n; i++) {
		vmm_run_result_free(&r.m[i].res);
		realm_image_free(&r.m[i].img);
		free(r.m[i].line);
		free(r.m[i].sealed);
		free(r.m[i].key_req);
		OPENSSL_cleanse(r.m[i].model_key, sizeof(r.m[i].model_key));
	}
	json_decref(r.root);
	json_decref(r.items);
	json_decref(r.results);
	EVP_PKEY_free(r.key);
	return rc;
}
