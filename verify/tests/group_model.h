/*
 * The pipeline the group attestation tests judge: three realms (agent, llm,
 * net, a gateway) and two channels, "prompt" (owner agent; agent rw, llm rw)
 * and "fetch" (owner net; net rw, agent r), with the tokens a monitor would
 * give each realm once the channels are set up. A test changes one thing in
 * the model (an entry, a nonce, a digest) and builds the tokens again; the
 * membership digests are recomputed from the entries the tokens show, as a
 * monitor would report them, unless the test keeps its own.
 */
#ifndef CAEC_VERIFY_TESTS_GROUP_MODEL_H
#define CAEC_VERIFY_TESTS_GROUP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "token_builder.h"
#include "verify/policy.h"

enum { GM_AGENT, GM_LLM, GM_NET, GM_NUM_REALMS };
enum { GM_PROMPT, GM_FETCH };

#define GM_MAX_TOKENS 6
#define GM_PROMPT_ID  UINT64_C(0x1001)
#define GM_FETCH_ID   UINT64_C(0x2002)
#define GM_TOKEN_MAX  20000

extern const char *const gm_names[GM_NUM_REALMS];

struct group_model {
	EVP_PKEY *cpak, *rak; /* the platform's; every token is signed with them */
	struct policy_source src;
	uint8_t nonce[64];    /* the group nonce */
	size_t n;             /* tokens */
	struct tb_options o[GM_MAX_TOKENS];
	struct tb_caec caec[GM_MAX_TOKENS];
	bool keep_digests;    /* gm_build leaves key 5 as it is */
	uint8_t *buf[GM_MAX_TOKENS];
	size_t len[GM_MAX_TOKENS];
};

/* The policy above, realm RIMs a1.., b2.., c3.. (32 bytes, sha-256). */
void gm_policy(struct policy_source *src);
/* Claim 65003 of realm r for a realm of hash algorithm alg (sha-256 or sha-512). */
void gm_policy_digest(const struct policy_source *src, int r, enum cca_hash_alg alg, uint8_t out[64]);
/* Token t as realm r's: its RIM (sha-512 if the policy's is 64 bytes), a
 * realm ID of its own (0x10 * (t + 1)), the group nonce, its policy digest,
 * no region. */
void gm_realm_token(struct group_model *m, size_t t, int r);
/* Adds an entry to token t's claim 65002 for region csm_id owned by the
 * realm of token owner_token (its realm ID and RIM), generation 3. */
struct tb_region *gm_add_region(struct group_model *m, size_t t, uint64_t csm_id, uint64_t role,
				uint64_t perms, size_t owner_token);
/* The correct group: tokens 0, 1, 2 are agent's, llm's and net's. */
void gm_correct(struct group_model *m);
/* Key 5 of every entry from the entries of tokens 0..n that name its region. */
void gm_recompute_digests(struct group_model *m);
/* Signs tokens 0..n (recomputing the digests first unless keep_digests). */
void gm_build(struct group_model *m);
void gm_free(struct group_model *m);

#endif
