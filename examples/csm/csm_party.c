/*
 * csm_party: one realm of `caec demo csm`. The host's challenge (which is
 * also the nonce of the token the realm reports) says its part:
 *   [0]      PARTY_OWNER: create a one-page region, map it read/write, write
 *            the owner's message, grant realms of RIM [24..56) (this image)
 *            read/write for up to two of them, print the csm_id;
 *            PARTY_WRITER: map region [16..24) read/write, read the owner's
 *            message, write a reply after it;
 *            PARTY_READER: map it read-only, read both messages.
 * Every party then prints its view of the region's report (who owns it, who
 * maps it and how), fetches an attestation token for the challenge (whose
 * claim 65002 lists the region) and hands it to the host. Each stays mapped
 * until the host tears it down. Exit status 0 when its part worked.
 */
#include <stdbool.h>

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
#define RIM_SIZE     32u    /* SHA-256, the VMM's default */
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

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	const char *who;
	char *page;
	uint64_t id;
	int rc;

	if (sdk_host_challenge(ch) != 0)
		return SDK_EXIT_FAILURE;
	who = ch[0] == PARTY_OWNER ? "owner" : ch[0] == PARTY_WRITER ? "writer" : "reader";
	if (ch[0] == PARTY_OWNER) {
		if ((rc = csm_create(1, &id, NULL)) != 0 ||
		    (rc = csm_attach(id, 0, CSM_PERM_READ | CSM_PERM_WRITE, (void **)&page, NULL)) != 0)
			goto fail;
		sdk_memcpy(page, owner_msg, sizeof(owner_msg));
		if ((rc = csm_grant_rim(id, ch + 24, RIM_SIZE, CSM_PERM_READ | CSM_PERM_WRITE | csm_admit(2),
					NULL, NULL)) != 0 ||
		    (rc = csm_seal(id, NULL)) != 0)
			goto fail;
		sdk_printf("owner: region 0x%llx written, granted and sealed\n", (unsigned long long)id);
	} else {
		id = le64(ch + 16);
		uint64_t perms = CSM_PERM_READ | (ch[0] == PARTY_WRITER ? CSM_PERM_WRITE : 0);
		if ((rc = csm_attach(id, 0, perms, (void **)&page, NULL)) != 0)
			goto fail;
		if (!same(page, owner_msg, sizeof(owner_msg))) {
			sdk_printf("%s: the owner's message did not arrive\n", who);
			return SDK_EXIT_FAILURE;
		}
		sdk_printf("%s: got \"%s\"\n", who, page);
		if (ch[0] == PARTY_WRITER) {
			sdk_memcpy(page + REPLY_AT, writer_msg, sizeof(writer_msg));
		} else if (!same(page + REPLY_AT, writer_msg, sizeof(writer_msg))) {
			sdk_printf("reader: the writer's reply did not arrive\n");
			return SDK_EXIT_FAILURE;
		} else {
			sdk_printf("reader: got \"%s\"\n", page + REPLY_AT);
		}
	}
	if (print_view(who, id) != 0 || report_token(who, ch) != 0)
		return SDK_EXIT_FAILURE;
	return SDK_EXIT_SUCCESS;
fail:
	sdk_printf("%s: %s\n", who, csm_strerror(rc));
	return SDK_EXIT_FAILURE;
}
