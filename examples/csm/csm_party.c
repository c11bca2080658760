/*
 * csm_party: the realms of `caec demo csm`, one image per part (the build
 * compiles this file three times with CSM_PARTY_ROLE), so that each part is
 * an identity of its own: a policy tells realms apart by measurement only.
 *   PARTY_OWNER: create the region of the policy's channel 0, map it
 *            read/write, write the owner's message, grant each other member
 *            of the channel what the policy gives it (by RIM), seal the ACL,
 *            print the csm_id;
 *   PARTY_WRITER: map the region (its csm_id from the host: an application
 *            host call) read/write, read the owner's message, write a reply;
 *   PARTY_READER: map it read-only, read both messages.
 * Each realm is built with POLICY_REQUIRED: before anything else it uploads
 * the policy the host put in its policy granule (until then it could not
 * even print), then it asks for its challenge, the group's nonce. When it
 * has done its part it waits until the others have (the host's meeting
 * point), so that every token shows the finished region. Every party then
 * prints its view of the region's report (who owns it, who maps
 * it and how), fetches an attestation token for the challenge (claim 65002
 * lists the region, 65003 the policy's digest) and hands it to the host.
 * Each stays mapped until the host tears it down. Exit status 0 when its part
 * worked.
 */
#include <stdbool.h>

#include "abi/caec_policy.h"
#include "sdk/policy.h"

#include "sdk/attest.h"
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

#define PARTY_OWNER  1u
#define PARTY_WRITER 2u
#define PARTY_READER 3u
#ifndef CSM_PARTY_ROLE
#error "build with -DCSM_PARTY_ROLE=1 (owner), 2 (writer) or 3 (reader)"
#endif
#define PARTY_CALL_REGION   0xCB01u /* the host answers g[0] = the region's csm_id */
#define PARTY_CALL_ANNOUNCE 0xCB02u /* the owner tells the host its region, g[0] */
#define PARTY_CALL_READY    0xCB03u /* returns g[0] = 0 once every party did its part */
#define REPLY_AT     1024u  /* where the writer's reply goes in the page */
#define TOKEN_CAP    8192u

static const char owner_msg[] = "owner: the weights are here, and only the realms I named can read them";
static const char writer_msg[] = "writer: read you, owner; the reader sees this too";

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void hex8(const uint8_t *p)
{
	for (unsigned i = 0; i < 8; i++)
		sdk_printf("%02x", p[i]);
}

/* Prints who owns the region and who maps it, as the monitor reports it. */
static int print_view(const char *who, uint64_t id)
{
	static const char *const state[] = { "?", "attaching", "mapped", "detaching" };
	uint8_t *rep = sdk_malloc(2 * SDK_GRANULE_SIZE);
	const struct csm_report_header *h = (const void *)rep;
	size_t len;
	int rc;

	if (!rep)
		return -1;
	if ((rc = csm_info(id, rep, 2 * SDK_GRANULE_SIZE, &len, NULL)) != 0) {
		sdk_printf("%s: csm_info: %s\n", who, csm_strerror(rc));
		sdk_free(rep);
		return -1;
	}
	const uint8_t *p = rep + sizeof(*h) + h->acl_count * sizeof(struct csm_report_acl_entry);
	uint64_t members = le64(p);
	sdk_printf("%s: region 0x%llx, generation %llu, %llu ACL entries; owner ", who,
		   (unsigned long long)h->csm_id, (unsigned long long)h->generation,
		   (unsigned long long)h->acl_count);
	hex8(h->owner_realm_id);
	sdk_printf("...; %llu members:\n", (unsigned long long)members);
	for (uint64_t i = 0; i < members; i++) {
		const struct csm_report_member *m = (const void *)(p + 8 + i * sizeof(*m));
		sdk_printf("%s:   realm ", who);
		hex8(m->realm_id);
		sdk_printf("... rim ");
		hex8(m->rim);
		sdk_printf("... %s %s\n", m->perms & CSM_PERM_WRITE ? "read/write" : "read-only",
			   m->state < 4 ? state[m->state] : "?");
	}
	sdk_free(rep);
	return 0;
}

static int report_token(const char *who, const uint8_t challenge[SDK_CHALLENGE_SIZE])
{
	uint8_t *token = sdk_malloc(TOKEN_CAP);
	size_t len = 0;
	uint64_t st = 0;
	int rc;

	if (!token)
		return -1;
	rc = sdk_attest_token(challenge, token, TOKEN_CAP, &len, &st);
	if (rc == 0)
		rc = sdk_report_token(token, len);
	else
		sdk_printf("%s: no attestation token (error %d, RSI status %llu)\n", who, rc, (unsigned long long)st);
	sdk_free(token);
	return rc;
}

/* Grants every member of channel 0 but the owner what the policy gives it. */
static int grant_members(uint64_t id, const struct sdk_policy *p)
{
	const struct policy_channel *c = &p->channels[0];
	int rc;

	for (unsigned i = 0; i < p->hdr->num_realms; i++) {
		if (i == p->hdr->self || !c->perms[i])
			continue;
		if ((rc = csm_grant_rim(id, p->realms[i].rim, p->realms[i].rim_size, c->perms[i], NULL, NULL)) != 0)
			return rc;
	}
	return 0;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	const unsigned role = CSM_PARTY_ROLE;
	const char *who = role == PARTY_OWNER ? "owner" : role == PARTY_WRITER ? "writer" : "reader";
	const void *blob;
	size_t blob_len;
	char *page;
	uint64_t id, st = 0;
	int rc;

	/* Nothing leaves the realm before its policy: not even a line. */
	if (csm_policy_provided(&blob, &blob_len) != 0 || csm_policy_set(blob, blob_len, &st) != 0)
		return SDK_EXIT_FAILURE;
	if (sdk_host_challenge(ch) != 0)
		return SDK_EXIT_FAILURE;
	sdk_printf("%s: policy set (%llu bytes)\n", who, (unsigned long long)blob_len);
	if (role == PARTY_OWNER) {
		struct sdk_policy pol;
		const char *why = "";
		if (sdk_policy_read(blob, blob_len, &pol, &why) != 0) {
			sdk_printf("owner: the policy does not read: %s\n", why);
			return SDK_EXIT_FAILURE;
		}
		if (pol.hdr->num_channels < 1) {
			sdk_printf("owner: the policy declares no channel\n");
			return SDK_EXIT_FAILURE;
		}
		if ((rc = csm_create_channel(pol.channels[0].pages, 0, &id, NULL)) != 0 ||
		    (rc = csm_attach(id, 0, CSM_PERM_READ | CSM_PERM_WRITE, (void **)&page, NULL)) != 0)
			goto fail;
		sdk_memcpy(page, owner_msg, sizeof(owner_msg));
		if ((rc = grant_members(id, &pol)) != 0 || (rc = csm_seal(id, NULL)) != 0)
			goto fail;
		sdk_printf("owner: region 0x%llx written, granted and sealed\n", (unsigned long long)id);
		uint64_t g[RSI_HOST_CALL_GPRS] = { id };
		if (sdk_host_call(PARTY_CALL_ANNOUNCE, g) != RSI_SUCCESS || g[0] != 0)
			return SDK_EXIT_FAILURE;
	} else {
		uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
		if (sdk_host_call(PARTY_CALL_REGION, g) != RSI_SUCCESS || g[0] == 0) {
			sdk_printf("%s: the host named no region\n", who);
			return SDK_EXIT_FAILURE;
		}
		id = g[0];
		uint64_t perms = CSM_PERM_READ | (role == PARTY_WRITER ? CSM_PERM_WRITE : 0);
		if ((rc = csm_attach(id, 0, perms, (void **)&page, NULL)) != 0)
			goto fail;
		if (!same(page, owner_msg, sizeof(owner_msg))) {
			sdk_printf("%s: the owner's message did not arrive\n", who);
			return SDK_EXIT_FAILURE;
		}
		sdk_printf("%s: got \"%s\"\n", who, page);
		if (role == PARTY_WRITER) {
			sdk_memcpy(page + REPLY_AT, writer_msg, sizeof(writer_msg));
		} else if (!same(page + REPLY_AT, writer_msg, sizeof(writer_msg))) {
			sdk_printf("reader: the writer's reply did not arrive\n");
			return SDK_EXIT_FAILURE;
		} else {
			sdk_printf("reader: got \"%s\"\n", page + REPLY_AT);
		}
	}
	/* The token when every party is in: each shows the same region. */
	uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
	if (sdk_host_call(PARTY_CALL_READY, g) != RSI_SUCCESS || g[0] != 0) {
		sdk_printf("%s: the others did not all arrive\n", who);
		return SDK_EXIT_FAILURE;
	}
	if (print_view(who, id) != 0 || report_token(who, ch) != 0)
		return SDK_EXIT_FAILURE;
	return SDK_EXIT_SUCCESS;
fail:
	sdk_printf("%s: %s\n", who, csm_strerror(rc));
	return SDK_EXIT_FAILURE;
}
