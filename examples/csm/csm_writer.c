/*
 * csm_writer: the owner of a confidential shared memory region. It asks the
 * monitor for a one-page region, maps it read-write, writes a message into
 * it, grants read-only access to any realm whose RIM the host named (the
 * reader image's, measured offline: challenge bytes 0..32), seals the ACL,
 * unmaps the region and prints its csm_id. The host never sees the message:
 * the region's pages are in the Realm PAS, mapped only into the realms the
 * ACL admits.
 */
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"
#include "sdk/realm.h"

#define RIM_SIZE 32u /* SHA-256, the VMM's default */

static const char message[] = "hello from the writer, through memory the host cannot read";

static int failed(const char *what, int err)
{
	sdk_printf("csm_writer: %s: %s\n", what, csm_strerror(err));
	return SDK_EXIT_FAILURE;
}

int realm_main(void)
{
	uint8_t rim[SDK_CHALLENGE_SIZE];
	uint64_t id;
	void *base;
	int rc;

	if (sdk_host_challenge(rim) != 0) {
		sdk_printf("csm_writer: the host named no reader RIM\n");
		return SDK_EXIT_FAILURE;
	}
	if ((rc = csm_create(1, &id, NULL)) != 0)
		return failed("csm_create", rc);
	if ((rc = csm_attach(id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &base, NULL)) != 0)
		return failed("csm_attach", rc);
	sdk_memcpy(base, message, sizeof(message));
	if ((rc = csm_grant_rim(id, rim, RIM_SIZE, CSM_PERM_READ, NULL, NULL)) != 0)
		return failed("csm_grant_rim", rc);
	if ((rc = csm_seal(id, NULL)) != 0)
		return failed("csm_seal", rc);
	if ((rc = csm_detach(id, NULL)) != 0)
		return failed("csm_detach", rc);
	sdk_printf("csm_writer: region 0x%llx written and granted\n", (unsigned long long)id);
	return SDK_EXIT_SUCCESS;
}
