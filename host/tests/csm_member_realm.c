/*
 * A member of a CSM region, for vmm_csm_test. The host passes the region's
 * csm_id (challenge bytes 0..8, little endian), its size in pages (8..12)
 * and a mode (byte 12). The member asks for write access (the grant is
 * read-only: refused), maps the region read-only, checks the owner's
 * pattern on every page, then:
 *   mode MEMBER_WRITE  writes to the region: the monitor answers with a
 *                      synchronous external abort, which the SEA handler
 *                      catches; it detaches and exits 0;
 *   mode MEMBER_KEEP   exits 0 still mapping the region (the host must
 *                      unmap it before destroying the realm);
 *   mode MEMBER_HALF   takes one step of RSI_CSM_DETACH (the monitor unmaps
 *                      the first level-3 table and answers RSI_INCOMPLETE)
 *                      and exits 0 half detached: the host must find where
 *                      the mapping now starts to remove the rest.
 * Exit status: 0 as above; MEMBER_REFUSED when the read-only attach was
 * refused as not admitted (SDK_CSM_INVALID); 1 anything else.
 */
#include <stdint.h>

#include "caec/arch.h"
#include "csm_realm_pattern.h"
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

#define MEMBER_KEEP  0u
#define MEMBER_WRITE 1u
#define MEMBER_HALF  2u

static uint64_t region_id;

static _Noreturn void on_sea(uint64_t ipa, uint64_t esr)
{
	sdk_printf("member: the write faulted (SEA at IPA 0x%llx, ESR 0x%llx)\n", (unsigned long long)ipa,
		   (unsigned long long)esr);
	int rc = csm_detach(region_id, NULL);
	if (rc) {
		sdk_printf("member: csm_detach: %s\n", csm_strerror(rc));
		sdk_realm_exit(SDK_EXIT_FAILURE);
	}
	sdk_printf("member: detached\n");
	sdk_realm_exit(SDK_EXIT_SUCCESS);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The report lists this realm, by its RIM, as a read-only member. */
static int check_report(void)
{
	uint8_t *rep = sdk_malloc(CSM_REPORT_MAX);
	uint8_t rim[RSI_MEASUREMENT_SIZE];
	const struct csm_report_member *m;
	uint64_t members = 0;
	size_t len;
	int rc, found = 0;

	if (!rep || rsi_measurement_read(SDK_MEASUREMENT_RIM, rim) != RSI_SUCCESS) {
		sdk_printf("member: no memory for the report, or no RIM\n");
		sdk_free(rep);
		return -1;
	}
	rc = csm_info(region_id, rep, CSM_REPORT_MAX, &len, NULL);
	m = rc == 0 ? csm_report_members(rep, len, &members) : NULL;
	for (uint64_t i = 0; m && i < members; i++)
		found |= m[i].perms == CSM_PERM_READ && m[i].state == CSM_REPORT_MEMBER_MAPPED &&
			 sdk_memcmp(m[i].rim, rim, sizeof(m[i].rim)) == 0;
	sdk_free(rep);
	if (!found) {
		sdk_printf("member: the region report does not list this realm (%s)\n", csm_strerror(rc));
		return -1;
	}
	return 0;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	void *base;
	int rc;

	if (sdk_host_challenge(ch) != 0) {
		sdk_printf("member: no challenge from the host\n");
		return SDK_EXIT_FAILURE;
	}
	region_id = le(ch, 8);
	uint64_t pages = le(ch + 8, 4);
	unsigned mode = ch[12];

	rc = csm_attach(region_id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &base, NULL);
	if (rc != SDK_CSM_INVALID) {
		sdk_printf("member: read-write attach: got \"%s\", expected a refusal\n", csm_strerror(rc));
		return SDK_EXIT_FAILURE;
	}
	rc = csm_attach(region_id, 0, CSM_PERM_READ, &base, NULL);
	if (rc == SDK_CSM_INVALID) {
		sdk_printf("member: not admitted to region 0x%llx\n", (unsigned long long)region_id);
		return MEMBER_REFUSED;
	}
	if (rc) {
		sdk_printf("member: csm_attach: %s\n", csm_strerror(rc));
		return SDK_EXIT_FAILURE;
	}
	uint64_t bad = csm_pattern_check(base, pages, region_id);
	if (bad != pages) {
		sdk_printf("member: page %llu does not hold the owner's pattern\n", (unsigned long long)bad);
		return SDK_EXIT_FAILURE;
	}
	sdk_printf("member: read %llu pages ok\n", (unsigned long long)pages);
	if (check_report() != 0)
		return SDK_EXIT_FAILURE;
	if (mode == MEMBER_HALF) {
		uint64_t x0 = sdk_smc(RSI_CSM_DETACH, region_id, 0, 0, 0, 0, 0).x[0];
		if (x0 != RSI_INCOMPLETE) {
			sdk_printf("member: one detach step: status %llu, expected RSI_INCOMPLETE\n",
				   (unsigned long long)x0);
			return SDK_EXIT_FAILURE;
		}
		sdk_printf("member: half detached\n");
		return SDK_EXIT_SUCCESS;
	}
	if (mode != MEMBER_WRITE)
		return SDK_EXIT_SUCCESS;
	if (caec_arch_set_sea_handler(on_sea) != 0) {
		sdk_printf("member: no SEA handler\n");
		return SDK_EXIT_FAILURE;
	}
	*(volatile uint64_t *)base = 0; /* read-only: the monitor refuses it */
	sdk_printf("member: the write to a read-only region did not fault\n");
	return SDK_EXIT_FAILURE;
}
