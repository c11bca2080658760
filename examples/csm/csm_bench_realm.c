/*
 * csm_bench_realm: the realm side of `caec bench csm`. The host's challenge
 * says what to do (bytes little endian):
 *   [0]      mode: BENCH_CREATE create a region, BENCH_ATTACH map one read-only and stay mapped,
 *            BENCH_OWN create a region and map it read-write (its owner's
 *            copy, which the others may map read-only)
 *   [8..16)  pages (BENCH_CREATE)
 *   [16..24) csm_id (BENCH_ATTACH)
 *   [24..56) RIM to grant (BENCH_CREATE: the realms of that RIM, this very
 *            image, may map the region read-only, up to BENCH_MEMBERS of them)
 * It prints "bench: region 0x..." after a create and "bench: attached" after
 * an attach; exit status 0 when the step worked.
 */
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"

#define BENCH_CREATE  1u
#define BENCH_ATTACH  2u
#define BENCH_OWN     3u
#define BENCH_MEMBERS 3u
#define RIM_SIZE      32u /* SHA-256, the VMM's default */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int realm_main(void)
{
	uint8_t ch[SDK_CHALLENGE_SIZE];
	uint64_t id;
	void *base;
	int rc;

	if (sdk_host_challenge(ch) != 0)
		return SDK_EXIT_FAILURE;
	switch (ch[0]) {
	case BENCH_CREATE:
	case BENCH_OWN:
		if ((rc = csm_create(le64(ch + 8), &id, NULL)) != 0 ||
		    (rc = csm_grant_rim(id, ch + 24, RIM_SIZE, CSM_PERM_READ | csm_admit(BENCH_MEMBERS), NULL,
					NULL)) != 0) {
			sdk_printf("bench: create: %s\n", csm_strerror(rc));
			return SDK_EXIT_FAILURE;
		}
		if (ch[0] == BENCH_OWN &&
		    (rc = csm_attach(id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &base, NULL)) != 0) {
			sdk_printf("bench: attach own: %s\n", csm_strerror(rc));
			return SDK_EXIT_FAILURE;
		}
		sdk_printf("bench: region 0x%llx\n", (unsigned long long)id);
		return SDK_EXIT_SUCCESS;
	case BENCH_ATTACH:
		if ((rc = csm_attach(le64(ch + 16), 0, CSM_PERM_READ, &base, NULL)) != 0) {
			sdk_printf("bench: attach: %s\n", csm_strerror(rc));
			return SDK_EXIT_FAILURE;
		}
		sdk_printf("bench: attached\n");
		return SDK_EXIT_SUCCESS;
	default:
		return SDK_EXIT_FAILURE;
	}
}
