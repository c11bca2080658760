/*
 * RSI_POLICY_SET(ipa, length): the realm uploads its communication policy,
 * a blob of length bytes at ipa in its private memory (abi/caec_policy.h).
 * The monitor copies it in once, checks it (policy_blob_check: the same
 * parser the host tools use), and freezes it in the RD; from then on the
 * realm's CSM calls, host calls and unprotected accesses obey it (policy.h)
 * and its digest, made with the realm's hash algorithm, is claim 65003. A
 * policy is for one realm: its `self` entry must carry the caller's RIM, so
 * a realm cannot take on another's rules.
 *
 * Failure conditions, in order:
 *   the realm already has a policy                            ERROR_STATE
 *   length 0 or above POLICY_MAX_SIZE, ipa not 8-byte aligned  ERROR_INPUT
 *   the blob is not in the realm's private RAM (an unprotected
 *     IPA, RIPAS EMPTY, a CSM page)                           ERROR_INPUT
 *     (protected RAM not mapped yet: a stage-2 data abort exit,
 *     and the call runs again at the next REC_ENTER)
 *   the blob is not a well-formed policy                       ERROR_INPUT
 *   realms[self].rim is not the caller's RIM                   ERROR_INPUT
 *   the realm owns or maps a region, or the host has mapped
 *     unprotected memory for it (ASSIGNED_NS)                  ERROR_STATE
 *   (a second REC set a policy meanwhile                       ERROR_STATE)
 */
#include "checked_math.h"
#include "measurement.h"
#include "policy.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

struct policy_set_args {
	uint64_t ipa, len;
};

static struct policy_set_args decode(const struct smc_regs *regs)
{
	return (struct policy_set_args){ .ipa = regs->x[1], .len = regs->x[2] };
}

static bool has_policy(uint64_t rd_pa)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(rd_pa, &g_rd);
	bool set = rd_has_policy(rd);

	rd_unlock(g_rd, rd);
	return set;
}

/* Copies [ipa, ipa + len) in, a granule at a time (it may cross one). */
static enum realm_mem_status copy_in(uint64_t rd_pa, uint64_t ipa, uint8_t *buf, size_t len, uint64_t *at,
				     int *level)
{
	size_t done = 0;

	while (done < len) {
		uint64_t here = ipa + done;
		size_t room = GRANULE_SIZE - (size_t)(here & (GRANULE_SIZE - 1));
		size_t n = len - done < room ? len - done : room;
		enum realm_mem_status st = realm_mem_read(rd_pa, here, buf + done, n, level);
		if (st != REALM_MEM_OK) {
			*at = here;
			return st;
		}
		done += n;
	}
	return REALM_MEM_OK;
}

static bool self_is_caller(const struct policy_view *v, const struct rd *rd)
{
	const struct policy_realm *self = &v->realms[v->hdr->self];
	size_t size = measurement_hash_size(rd->hash_algo);

	if (self->rim_size != size)
		return false;
	uint8_t diff = 0;
	for (size_t i = 0; i < size; i++)
		diff |= self->rim[i] ^ rd->rim[i];
	return diff == 0;
}

/* Freezes the checked blob in the RD; RSI status. */
static uint64_t install(uint64_t rd_pa, const uint8_t *blob, size_t len)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(rd_pa, &g_rd);
	struct policy_view v;
	uint64_t status = RSI_SUCCESS;

	if (policy_blob_check(blob, len, &v) != POLICY_BLOB_OK)
		plat_panic("rsi_policy_set: the checked copy changed");
	if (rd_has_policy(rd))
		status = RSI_ERROR_STATE;
	else if (!self_is_caller(&v, rd))
		status = RSI_ERROR_INPUT;
	else if (rd_csm_ref_count(rd) != 0 || rd->ns_mapped != 0)
		status = RSI_ERROR_STATE;
	if (status == RSI_SUCCESS) {
		__builtin_memcpy(rd->policy_blob, blob, len);
		measurement_hash(rd->hash_algo, rd->policy_blob, len, rd->policy_digest);
		rd->policy_len = (uint32_t)len;
	}
	rd_unlock(g_rd, rd);
	return status;
}

enum rec_action rsi_policy_set(struct rec_run *run, struct smc_regs *regs)
{
	struct policy_set_args a = decode(regs);
	uint64_t blob[POLICY_MAX_SIZE / 8]; /* 8-byte aligned for the parser */
	uint64_t at = 0, end;
	int level;

	if (has_policy(run->rd_pa))
		return rsi_return(regs, RSI_ERROR_STATE);
	if (a.len == 0 || a.len > POLICY_MAX_SIZE || (a.ipa & 7) || add_u64_overflows(a.ipa, a.len, &end))
		return rsi_return(regs, RSI_ERROR_INPUT);
	switch (copy_in(run->rd_pa, a.ipa, (uint8_t *)blob, (size_t)a.len, &at, &level)) {
	case REALM_MEM_OK:
		break;
	case REALM_MEM_UNMAPPED:
		return rsi_unmapped(run, at, level);
	default:
		return rsi_return(regs, RSI_ERROR_INPUT);
	}
	if (policy_blob_check(blob, (size_t)a.len, NULL) != POLICY_BLOB_OK)
		return rsi_return(regs, RSI_ERROR_INPUT);
	return rsi_return(regs, install(run->rd_pa, (const uint8_t *)blob, (size_t)a.len));
}
