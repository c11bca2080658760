/*
 * The owner of a CSM region, for vmm_csm_test: creates a region, maps it
 * read-write, writes a pattern, grants realms of one RIM (the member image's,
 * which the host measured offline and passes as the run's challenge: bytes
 * 0..32) read-only access for two realms, seals the ACL, checks the refusals
 * a realm program can act on, detaches and prints the region's csm_id for
 * the host to hand to the members. On the way it grants a second entry and
 * revokes it, and reads the region's report (csm_info) to check what the
 * monitor holds. Challenge bytes 32..36 (little endian),
 * when not zero, name another region size; byte 36 = OWNER_GRANT_REALM_ID
 * makes bytes 0..32 a realm ID instead, granted read-only to that one realm.
 *
 * Exit status: 0 done; OWNER_NO_REGION when csm_create was refused with
 * SDK_CSM_STATE (a host without CSM exits, or one that could not serve it);
 * 1 anything else went wrong (the console says what).
 */
#include <stdint.h>

#include "csm_realm_pattern.h"
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"

#define RIM_SIZE 32u /* SHA-256, the VMM's default */

static int fail(const char *what, int err)
{
	sdk_printf("owner: %s: %s\n", what, csm_strerror(err));
	return SDK_EXIT_FAILURE;
}

static int expect(const char *what, int got, int want)
{
	if (got == want)
		return 0;
	sdk_printf("owner: %s: got \"%s\", expected \"%s\"\n", what, csm_strerror(got), csm_strerror(want));
	return -1;
}

/* The report after grant, revoke and seal: one entry, sealed, the owner
 * its only member, mapping read-write. */
static int check_report(uint64_t id, uint64_t pages)
{
	uint8_t *rep = sdk_malloc(CSM_REPORT_MAX);
	const struct csm_report_header *h = (const void *)rep;
	const struct csm_report_member *m;
	uint64_t members = 0;
	size_t len;
	int rc;

	if (!rep)
		return fail("no memory for the report", SDK_CSM_NO_SPACE);
	rc = csm_info(id, rep, CSM_REPORT_MAX, &len, NULL);
	if (rc) {
		sdk_free(rep);
		return fail("csm_info", rc);
	}
	m = csm_report_members(rep, len, &members);
	rc = h->version == CSM_REPORT_VERSION && h->csm_id == id && h->num_granules == pages &&
	     (h->flags & CAEC_REGION_FLAG_SEALED) && h->acl_count == 1 && m && members == 1 &&
	     m[0].perms == (CSM_PERM_READ | CSM_PERM_WRITE) && m[0].state == CSM_REPORT_MEMBER_MAPPED ? 0 : -1;
	if (rc)
		sdk_printf("owner: the region report is not what the owner did (%llu bytes, %llu entries, %llu members)\n",
			   (unsigned long long)len, (unsigned long long)h->acl_count, (unsigned long long)members);
	sdk_free(rep);
	return rc;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	uint64_t id, handle, pages = CSM_TEST_PAGES;
	void *base;
	int rc;

	if (sdk_host_challenge(ch) != 0)
		return fail("no challenge from the host", SDK_CSM_INVALID);
	uint32_t asked = (uint32_t)ch[32] | (uint32_t)ch[33] << 8 | (uint32_t)ch[34] << 16 | (uint32_t)ch[35] << 24;
	if (asked)
		pages = asked;
	uint64_t version = 0;
	if ((rc = csm_version(&version, NULL)) != 0 || version != CAEC_CSM_ABI_VERSION) {
		sdk_printf("owner: csm_version: %s, version 0x%llx\n", csm_strerror(rc), (unsigned long long)version);
		return SDK_EXIT_FAILURE;
	}
	if (expect("csm_create(0 pages)", csm_create(0, &id, NULL), SDK_CSM_INVALID))
		return SDK_EXIT_FAILURE;
	rc = csm_create(pages, &id, NULL);
	if (rc == SDK_CSM_STATE) {
		sdk_printf("owner: csm_create: %s\n", csm_strerror(rc));
		return OWNER_NO_REGION;
	}
	if (rc)
		return fail("csm_create", rc);
	sdk_printf("owner: created region 0x%llx of %llu pages\n", (unsigned long long)id,
		   (unsigned long long)pages);
	if (expect("csm_detach before attaching", csm_detach(id, NULL), SDK_CSM_INVALID))
		return SDK_EXIT_FAILURE;

	rc = csm_attach(id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &base, NULL);
	if (rc)
		return fail("csm_attach", rc);
	void *again;
	if (expect("a second csm_attach", csm_attach(id, 0, CSM_PERM_READ, &again, NULL), SDK_CSM_STATE))
		return SDK_EXIT_FAILURE;
	csm_pattern_write(base, pages, id);

	if (expect("grant WRITE without READ", csm_grant_rim(id, ch, RIM_SIZE, CSM_PERM_WRITE, NULL, NULL),
		   SDK_CSM_INVALID))
		return SDK_EXIT_FAILURE;
	if (ch[36] == OWNER_GRANT_REALM_ID)
		rc = csm_grant_realm_id(id, ch, CSM_PERM_READ, &handle, NULL);
	else
		rc = csm_grant_rim(id, ch, RIM_SIZE, CSM_PERM_READ | csm_admit(2), &handle, NULL);
	if (rc)
		return fail("csm_grant", rc);
	/* A second entry, revoked again: its handle is stale afterwards. */
	static const uint8_t nobody[CAEC_REALM_ID_SIZE];
	uint64_t extra;
	if ((rc = csm_grant_realm_id(id, nobody, CSM_PERM_READ, &extra, NULL)) != 0)
		return fail("csm_grant_realm_id", rc);
	if ((rc = csm_revoke(id, extra, NULL)) != 0)
		return fail("csm_revoke", rc);
	if (expect("csm_revoke of a stale handle", csm_revoke(id, extra, NULL), SDK_CSM_INVALID))
		return SDK_EXIT_FAILURE;
	rc = csm_seal(id, NULL);
	if (rc)
		return fail("csm_seal", rc);
	if (check_report(id, pages) != 0)
		return SDK_EXIT_FAILURE;
	if (expect("grant after seal", csm_grant_rim(id, ch, RIM_SIZE, CSM_PERM_READ, NULL, NULL), SDK_CSM_STATE))
		return SDK_EXIT_FAILURE;
	rc = csm_detach(id, NULL);
	if (rc)
		return fail("csm_detach", rc);
	sdk_printf("owner: region 0x%llx ready\n", (unsigned long long)id);
	return SDK_EXIT_SUCCESS;
}
