/*
 * csm_reader: a member of the writer's region. The host passes the csm_id
 * (challenge bytes 0..8, little endian); the reader maps the region
 * read-only, prints the writer's message and unmaps it.
 */
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"

#define MESSAGE_MAX 128u

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	uint64_t id = 0;
	void *base;
	int rc;

	if (sdk_host_challenge(ch) != 0) {
		sdk_printf("csm_reader: the host named no region\n");
		return SDK_EXIT_FAILURE;
	}
	for (unsigned i = 0; i < 8; i++)
		id |= (uint64_t)ch[i] << (8 * i);
	if ((rc = csm_attach(id, 0, CSM_PERM_READ, &base, NULL)) != 0) {
		sdk_printf("csm_reader: csm_attach: %s\n", csm_strerror(rc));
		return SDK_EXIT_FAILURE;
	}
	sdk_printf("csm_reader: region 0x%llx says: %.*s\n", (unsigned long long)id, (int)MESSAGE_MAX,
		   (const char *)base);
	if ((rc = csm_detach(id, NULL)) != 0) {
		sdk_printf("csm_reader: csm_detach: %s\n", csm_strerror(rc));
		return SDK_EXIT_FAILURE;
	}
	return SDK_EXIT_SUCCESS;
}
