/* Confidential shared memory from inside a realm (see csm.h). */
#include "sdk/csm.h"

#include <stdbool.h>

#include "abi/caec_policy.h"
#include "abi/smc.h"
#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

/* The identity record is 136 bytes: aligned to 256 it never crosses a
 * granule, as the monitor requires. */
#define IDENTITY_ALIGN 256u

/* The CSM window's slots: which region each holds (0 = free). Any vCPU may
 * attach or detach, so a slot is claimed with a compare-and-swap. */
static uint64_t window_slots[SDK_CSM_WINDOW_SLOTS];

const char *csm_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case SDK_CSM_INVALID: return "the monitor refused the arguments, or the region does not admit this realm";
	case SDK_CSM_STATE: return "not in this state (host without CSM exits, region not active or sealed, limits reached)";
	case SDK_CSM_UNSUPPORTED: return "not supported by this monitor yet";
	case SDK_CSM_NO_SPACE: return "no free slot in the CSM window, or no memory";
	case SDK_CSM_MONITOR: return "the monitor answered an unexpected status";
	default: return "unknown CSM error";
	}
}

static int from_status(uint64_t x0, uint64_t *status)
{
	if (status)
		*status = x0;
	switch (x0) {
	case RSI_SUCCESS: return 0;
	case RSI_ERROR_INPUT: return SDK_CSM_INVALID;
	case RSI_ERROR_STATE: return SDK_CSM_STATE;
	case SMC_UNKNOWN: return SDK_CSM_UNSUPPORTED;
	default: return SDK_CSM_MONITOR;
	}
}

int csm_version(uint64_t *version, uint64_t *status)
{
	struct smc_regs r = sdk_smc(RSI_CSM_VERSION, 0, 0, 0, 0, 0, 0);
	int rc = from_status(r.x[0], status);

	*version = rc == 0 ? r.x[1] : 0;
	return rc;
}

int csm_create_channel(uint64_t num_pages, uint64_t channel, uint64_t *id, uint64_t *status)
{
	struct smc_regs r = sdk_smc(RSI_CSM_CREATE, num_pages, 0, channel, 0, 0, 0);
	int rc = from_status(r.x[0], status);

	*id = rc == 0 ? r.x[1] : 0;
	return rc;
}

int csm_create(uint64_t num_pages, uint64_t *id, uint64_t *status)
{
	return csm_create_channel(num_pages, POLICY_NO_CHANNEL, id, status);
}

int csm_policy_provided(const void **blob, size_t *len)
{
	const struct sdk_realm_info *info = sdk_realm_info();
	uint64_t image_end = (info->image_base + info->image_size + SDK_GRANULE_SIZE - 1) & ~(SDK_GRANULE_SIZE - 1);

	if (info->ram_base != image_end + SDK_GRANULE_SIZE)
		return SDK_CSM_INVALID;
	const struct policy_header *h = sdk_ptr_of(image_end);
	if (!h || h->magic != POLICY_MAGIC || h->total_size < sizeof(*h) || h->total_size > POLICY_MAX_SIZE)
		return SDK_CSM_INVALID;
	*blob = h;
	*len = h->total_size;
	return 0;
}

int csm_policy_set(const void *blob, size_t len, uint64_t *status)
{
	if (!blob || len == 0 || len > POLICY_MAX_SIZE)
		return from_status(RSI_ERROR_INPUT, status);
	void *copy = sdk_aligned_alloc(8, len);
	if (!copy)
		return SDK_CSM_NO_SPACE;
	sdk_memcpy(copy, blob, len);
	struct smc_regs r = sdk_smc(RSI_POLICY_SET, sdk_ipa_of(copy), len, 0, 0, 0, 0);
	sdk_free(copy);
	return from_status(r.x[0], status);
}

static int grant(uint64_t id, uint64_t kind, const uint8_t *value, size_t len, uint64_t perms,
		 uint64_t *handle, uint64_t *status)
{
	struct csm_identity *rec;
	int rc;

	if (handle)
		*handle = 0;
	if (len > CSM_IDENTITY_VALUE_SIZE)
		return from_status(RSI_ERROR_INPUT, status);
	/* In the realm's own RAM, as the monitor requires (it copies it once). */
	rec = sdk_aligned_alloc(IDENTITY_ALIGN, sizeof(*rec));
	if (!rec)
		return SDK_CSM_NO_SPACE;
	sdk_memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	sdk_memcpy(rec->value, value, len);
	uint64_t ipa = sdk_ipa_of(rec);
	struct smc_regs r = sdk_smc(RSI_CSM_GRANT, id, ipa, perms, 0, 0, 0);
	sdk_free(rec);
	rc = from_status(r.x[0], status);
	if (rc == 0 && handle)
		*handle = r.x[1];
	return rc;
}

int csm_grant_rim(uint64_t id, const uint8_t *rim, size_t rim_len, uint64_t perms, uint64_t *handle,
		  uint64_t *status)
{
	return grant(id, CSM_IDENTITY_RIM, rim, rim_len, perms, handle, status);
}

int csm_grant_realm_id(uint64_t id, const uint8_t realm_id[CAEC_REALM_ID_SIZE], uint64_t perms,
		       uint64_t *handle, uint64_t *status)
{
	return grant(id, CSM_IDENTITY_REALM_ID, realm_id, CAEC_REALM_ID_SIZE, perms, handle, status);
}

int csm_seal(uint64_t id, uint64_t *status)
{
	return from_status(sdk_smc(RSI_CSM_SEAL, id, 0, 0, 0, 0, 0).x[0], status);
}

static uint64_t window_base(void)
{
	const struct sdk_realm_info *info = sdk_realm_info();
	uint64_t top = info->ram_base + info->ram_size;

	return (top + SDK_CSM_SLOT_SIZE - 1) & ~(SDK_CSM_SLOT_SIZE - 1);
}

/* Claims a free slot for region id; its index, or SDK_CSM_WINDOW_SLOTS. */
static unsigned slot_claim(uint64_t id)
{
	for (unsigned i = 0; i < SDK_CSM_WINDOW_SLOTS; i++) {
		uint64_t free_slot = 0;

		if (__atomic_compare_exchange_n(&window_slots[i], &free_slot, id, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return i;
	}
	return SDK_CSM_WINDOW_SLOTS;
}

static void slot_release_id(uint64_t id)
{
	for (unsigned i = 0; i < SDK_CSM_WINDOW_SLOTS; i++) {
		uint64_t held = id;

		if (__atomic_compare_exchange_n(&window_slots[i], &held, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return;
	}
}

int csm_attach(uint64_t id, uint64_t ipa, uint64_t perms, void **base, uint64_t *status)
{
	unsigned slot = SDK_CSM_WINDOW_SLOTS;
	int rc;

	*base = NULL;
	/* 0 and 1 are never csm_ids: a slot holding them would look free. */
	if (id <= 1)
		return from_status(RSI_ERROR_INPUT, status);
	if (ipa == 0) {
		slot = slot_claim(id);
		if (slot == SDK_CSM_WINDOW_SLOTS)
			return SDK_CSM_NO_SPACE;
		ipa = window_base() + slot * SDK_CSM_SLOT_SIZE;
	}
	rc = from_status(sdk_smc(RSI_CSM_ATTACH, id, ipa, perms, 0, 0, 0).x[0], status);
	if (rc != 0) {
		if (slot != SDK_CSM_WINDOW_SLOTS)
			__atomic_store_n(&window_slots[slot], 0, __ATOMIC_RELEASE);
		return rc;
	}
	*base = sdk_ptr_of(ipa);
	return 0;
}

int csm_detach(uint64_t id, uint64_t *status)
{
	uint64_t x0;

	do
		x0 = sdk_smc(RSI_CSM_DETACH, id, 0, 0, 0, 0, 0).x[0];
	while (x0 == RSI_INCOMPLETE);
	int rc = from_status(x0, status);
	if (rc == 0)
		slot_release_id(id);
	return rc;
}

int csm_revoke(uint64_t id, uint64_t handle, uint64_t *status)
{
	uint64_t x0;

	do
		x0 = sdk_smc(RSI_CSM_REVOKE, id, handle, 0, 0, 0, 0).x[0];
	while (x0 == RSI_INCOMPLETE);
	return from_status(x0, status);
}

int csm_info(uint64_t id, void *buf, size_t cap, size_t *len, uint64_t *status)
{
	uint8_t *granule = sdk_aligned_alloc(SDK_GRANULE_SIZE, SDK_GRANULE_SIZE);
	uint64_t ipa, size = 0, offset = 0;
	int rc = 0;

	*len = 0;
	if (!granule)
		return SDK_CSM_NO_SPACE;
	ipa = sdk_ipa_of(granule);
	do {
		struct smc_regs r = sdk_smc(RSI_CSM_INFO, id, ipa, offset, 0, 0, 0);

		rc = from_status(r.x[0], status);
		if (rc)
			break;
		if (offset == 0) {
			size = r.x[1];
			if (size > cap) {
				*len = (size_t)size;
				rc = SDK_CSM_NO_SPACE;
				break;
			}
		} else if (r.x[1] != size) {
			rc = SDK_CSM_STATE; /* a member came or went between two pieces */
			break;
		}
		uint64_t n = size - offset < SDK_GRANULE_SIZE ? size - offset : SDK_GRANULE_SIZE;
		sdk_memcpy((uint8_t *)buf + offset, granule, (size_t)n);
		offset += n;
	} while (offset < size);
	if (rc == 0)
		*len = (size_t)size;
	sdk_free(granule);
	return rc;
}
