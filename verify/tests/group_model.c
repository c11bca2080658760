/* The group attestation tests' pipeline (see group_model.h). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/caec.h"
#include "group_model.h"
#include "verify/appraise.h"

#define RW (CSM_PERM_READ | CSM_PERM_WRITE)

const char *const gm_names[GM_NUM_REALMS] = { "agent", "llm", "net" };

static void fill_rim(uint8_t rim[64], int realm)
{
	memset(rim, 0, 64);
	memset(rim, 0xa1 + 0x11 * realm, 32);
}

void gm_policy(struct policy_source *src)
{
	memset(src, 0, sizeof(*src));
	src->num_realms = GM_NUM_REALMS;
	for (int r = 0; r < GM_NUM_REALMS; r++) {
		snprintf(src->realms[r].name, sizeof(src->realms[r].name), "%s", gm_names[r]);
		fill_rim(src->realms[r].rim, r);
		src->realms[r].rim_size = 32;
	}
	src->realms[GM_NET].gateway = true;
	src->num_channels = 2;
	snprintf(src->channels[GM_PROMPT].name, sizeof(src->channels[GM_PROMPT].name), "prompt");
	src->channels[GM_PROMPT].owner = GM_AGENT;
	src->channels[GM_PROMPT].pages = 16;
	src->channels[GM_PROMPT].perms[GM_AGENT] = RW;
	src->channels[GM_PROMPT].perms[GM_LLM] = RW;
	snprintf(src->channels[GM_FETCH].name, sizeof(src->channels[GM_FETCH].name), "fetch");
	src->channels[GM_FETCH].owner = GM_NET;
	src->channels[GM_FETCH].pages = 4;
	src->channels[GM_FETCH].perms[GM_NET] = RW;
	src->channels[GM_FETCH].perms[GM_AGENT] = CSM_PERM_READ;
	src->self = -1;
	src->host_calls = POLICY_HOST_CALLS_DOORBELL;
	src->strict = true;
}

void gm_policy_digest(const struct policy_source *src, int r, enum cca_hash_alg alg, uint8_t out[64])
{
	_Alignas(8) uint8_t blob[POLICY_MAX_SIZE];
	struct policy_err err;
	size_t len;
	memset(out, 0, 64);
	if (policy_compile(src, r, blob, sizeof(blob), &len, &err) != 0)
		fail_msg("policy_compile: %s", err.msg);
	assert_int_equal(policy_blob_digest(blob, len, cca_hash_size(alg), out), 0);
}

void gm_realm_token(struct group_model *m, size_t t, int r)
{
	assert_true(t < GM_MAX_TOKENS);
	const struct policy_source_realm *pr = &m->src.realms[r];
	tb_defaults(&m->o[t], m->cpak, m->rak);
	memcpy(m->o[t].rim, pr->rim, sizeof(m->o[t].rim));
	m->o[t].meas_len = pr->rim_size;
	memcpy(m->o[t].nonce, m->nonce, sizeof(m->nonce));
	memset(&m->caec[t], 0, sizeof(m->caec[t]));
	m->caec[t].hash_alg = pr->rim_size == 64 ? CCA_HASH_SHA512 : CCA_HASH_SHA256;
	memset(m->caec[t].realm_id, 0x10 * (int)(t + 1), 32);
	m->caec[t].has_policy_digest = true;
	gm_policy_digest(&m->src, r, m->caec[t].hash_alg, m->caec[t].policy_digest);
	m->caec[t].config_flags = 1;
}

struct tb_region *gm_add_region(struct group_model *m, size_t t, uint64_t csm_id, uint64_t role,
				uint64_t perms, size_t owner_token)
{
	struct tb_caec *c = &m->caec[t];
	assert_true(c->num_regions < CAEC_MAX_REGIONS);
	struct tb_region *g = &c->regions[c->num_regions++];
	memset(g, 0, sizeof(*g));
	g->csm_id = csm_id;
	g->role = role;
	g->perms = perms;
	g->generation = 3;
	memcpy(g->owner_realm_id, m->caec[owner_token].realm_id, 32);
	memcpy(g->owner_rim, m->o[owner_token].rim, 64);
	memset(g->acl_digest, 0x66, 64);
	return g;
}

void gm_correct(struct group_model *m)
{
	m->n = GM_NUM_REALMS;
	m->keep_digests = false;
	for (int r = 0; r < GM_NUM_REALMS; r++)
		gm_realm_token(m, (size_t)r, r);
	gm_add_region(m, GM_AGENT, GM_PROMPT_ID, 0, RW, GM_AGENT);
	gm_add_region(m, GM_LLM, GM_PROMPT_ID, 1, RW, GM_AGENT);
	gm_add_region(m, GM_NET, GM_FETCH_ID, 0, RW, GM_NET);
	gm_add_region(m, GM_AGENT, GM_FETCH_ID, 1, CSM_PERM_READ, GM_NET);
}

/* The hash algorithm of region g: its owner's token's (the entry's own if
 * the owner has no token). */
static enum cca_hash_alg region_alg(const struct group_model *m, size_t t, const struct tb_region *g)
{
	for (size_t u = 0; u < m->n; u++)
		if (!memcmp(m->caec[u].realm_id, g->owner_realm_id, 32))
			return m->caec[u].hash_alg;
	return m->caec[t].hash_alg;
}

void gm_recompute_digests(struct group_model *m)
{
	for (size_t t = 0; t < m->n; t++)
		for (size_t i = 0; i < m->caec[t].num_regions; i++) {
			struct tb_region *g = &m->caec[t].regions[i];
			enum cca_hash_alg alg = region_alg(m, t, g);
			size_t hs = cca_hash_size(alg);
			struct csm_member mem[GM_MAX_TOKENS];
			struct csm_member_list list = { .members = mem };
			memset(mem, 0, sizeof(mem));
			for (size_t u = 0; u < m->n; u++)
				for (size_t j = 0; j < m->caec[u].num_regions; j++) {
					const struct tb_region *h = &m->caec[u].regions[j];
					if (h->csm_id != g->csm_id || memcmp(h->owner_realm_id, g->owner_realm_id, 32) ||
					    h->perms == 0)
						continue;
					struct csm_member *mb = &mem[list.num_members++];
					memcpy(mb->realm_id, m->caec[u].realm_id, 32);
					memcpy(mb->rim.bytes, m->o[u].rim, hs);
					mb->rim.len = hs;
					mb->perms = h->perms;
				}
			assert_int_equal(caec_membership_digest(alg, &list, g->membership_digest), hs);
		}
}

void gm_build(struct group_model *m)
{
	if (!m->keep_digests)
		gm_recompute_digests(m);
	for (size_t t = 0; t < m->n; t++) {
		if (!m->buf[t])
			m->buf[t] = malloc(GM_TOKEN_MAX);
		assert_non_null(m->buf[t]);
		m->len[t] = tb_build_caec(&m->o[t], &m->caec[t], m->buf[t], GM_TOKEN_MAX);
	}
}

void gm_free(struct group_model *m)
{
	for (size_t t = 0; t < GM_MAX_TOKENS; t++) {
		free(m->buf[t]);
		m->buf[t] = NULL;
	}
}
