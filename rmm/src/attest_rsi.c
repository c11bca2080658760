/*
 * RSI_ATTEST_TOKEN_INIT and RSI_ATTEST_TOKEN_CONTINUE (attest.h).
 *
 * INIT snapshots the realm's claims under the RD lock, then builds the whole
 * token, unlocked, in the REC's first aux granule: the REC is claimed by the
 * running CPU, so nobody else touches it or its aux granules, and signing
 * does not hold up the realm's other RECs. CONTINUE hands the token out
 * chunk by chunk into realm memory the realm names by IPA (realm_mem.c
 * keeps that IPA's mapping in place while the bytes are copied).
 */
#include "abi/rsi.h"
#include "attest.h"
#include "rec.h"
#include "realm.h"
#include "realm_mem.h"

static void challenge_from_regs(const struct smc_regs *regs, uint8_t out[ATTEST_CHALLENGE_SIZE])
{
	/* X1..X8, each register's bytes in little-endian order. */
	for (unsigned i = 0; i < ATTEST_CHALLENGE_SIZE; i++)
		out[i] = (uint8_t)(regs->x[1 + i / 8] >> (8 * (i % 8)));
}

static void realm_state_snapshot(const struct rec *rec, struct attest_realm_state *st)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(rec->owner_rd, &g_rd); /* REMs change under it */

	st->hash_algo = rd->hash_algo;
	__builtin_memcpy(st->rim, rd->rim, sizeof(st->rim));
	__builtin_memcpy(st->rem, rd->rem, sizeof(st->rem));
	__builtin_memcpy(st->rpv, rd->rpv, sizeof(st->rpv));
	rd_unlock(g_rd, rd);
}

uint64_t rsi_attest_token_init(struct rec *rec, struct smc_regs *regs)
{
	uint8_t challenge[ATTEST_CHALLENGE_SIZE];
	struct attest_realm_state st;
	struct granule *g_aux;
	size_t len = 0;
	uint8_t *buf;
	bool ok;

	challenge_from_regs(regs, challenge);
	/* A new INIT abandons whatever token was being read. */
	rec->attest.state = ATTEST_STATE_IDLE;
	rec->attest.token_len = 0;
	rec->attest.copied = 0;
	regs->x[1] = 0;
	g_aux = rec->num_aux > 0 ? granule_from_pa(rec->aux[0]) : NULL;
	if (!g_aux)
		return RSI_ERROR_STATE;

	realm_state_snapshot(rec, &st);
	buf = granule_map(g_aux);
	ok = attest_token_build(&st, challenge, buf, rec->aux[0], GRANULE_SIZE, &len);
	granule_unmap(buf);
	if (!ok)
		return RSI_ERROR_STATE; /* the platform has no keys or token to give */
	rec->attest.state = ATTEST_STATE_READY;
	rec->attest.token_len = len;
	regs->x[1] = len; /* the token is built: its size is the tightest bound */
	return RSI_SUCCESS;
}

uint64_t rsi_attest_token_continue(struct rec *rec, struct smc_regs *regs)
{
	uint64_t ipa = regs->x[1], offset = regs->x[2], size = regs->x[3];
	struct rec_attest *at = &rec->attest;
	struct granule *g_aux;
	uint64_t n;
	uint8_t *buf;
	bool ok;

	regs->x[1] = 0;
	if (at->state != ATTEST_STATE_READY)
		return RSI_ERROR_STATE;
	if ((ipa & (GRANULE_SIZE - 1)) != 0 || offset >= GRANULE_SIZE || size == 0 ||
	    size > GRANULE_SIZE - offset)
		return RSI_ERROR_INPUT;
	n = at->token_len - at->copied;
	if (n > size)
		n = size;
	g_aux = granule_owned(rec->aux[0], "attest: aux granule outside DRAM");
	buf = granule_map(g_aux);
	/* Only the realm's own private RAM (realm_mem.h); else ERROR_INPUT. */
	ok = realm_mem_write(rec->owner_rd, ipa + offset, buf + at->copied, (size_t)n);
	granule_unmap(buf);
	if (!ok)
		return RSI_ERROR_INPUT;
	at->copied += n;
	regs->x[1] = n;
	if (at->copied < at->token_len)
		return RSI_INCOMPLETE;
	at->state = ATTEST_STATE_IDLE; /* all out: the next CONTINUE needs a new INIT */
	return RSI_SUCCESS;
}
