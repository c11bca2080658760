/*
 * RSI_ATTEST_TOKEN_INIT and RSI_ATTEST_TOKEN_CONTINUE (attest.h).
 *
 * INIT snapshots the realm's claims under the RD lock, then builds the whole
 * token, unlocked, in the REC's first aux granule: the REC is claimed by the
 * running CPU, so nobody else touches it or its aux granules, and signing
 * does not hold up the realm's other RECs. CONTINUE hands the token out
 * chunk by chunk into realm memory the realm names by IPA (realm_mem.c
 * keeps that IPA's mapping in place while the bytes are copied).
 *
 * INIT (X1..X8 = challenge) cannot fail on the realm's input; it returns
 * RSI_ERROR_UNKNOWN, with X1 = 0, when no token can be built (the platform
 * gives no platform token or cannot sign, or the REC has no aux granule to
 * hold it), as TF-RMM rmm-spec-v1.0-rel0 does when token creation fails.
 *
 * CONTINUE failure conditions, in order (RMM 1.0; TF-RMM's order):
 *   addr_align   addr not granule aligned                     ERROR_INPUT
 *   offset_bound offset >= 4096                               ERROR_INPUT
 *   size_bound   offset + size > 4096 (or wraps)              ERROR_INPUT
 *   addr_bound   addr not a protected IPA                     ERROR_INPUT
 *   state        no token being read (no INIT, or all out)    ERROR_STATE
 *   addr_empty   RIPAS of addr is EMPTY                       ERROR_INPUT
 *   otherwise, if no RAM granule is mapped at addr yet (UNASSIGNED RAM, or
 *   DESTROYED), the REC exits SYNC with a stage-2 data abort at addr and the
 *   call runs again at the next REC_ENTER (rsi_unmapped()).
 * X1 = the bytes written (0 on every failure). A size of 0 is not an error:
 * nothing is written and the call returns RSI_INCOMPLETE, as in TF-RMM.
 */
#include "abi/rsi.h"
#include "attest.h"
#include "rec.h"
#include "realm.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

struct attest_init_args {
	uint8_t challenge[ATTEST_CHALLENGE_SIZE]; /* X1..X8 */
};

struct attest_continue_args {
	uint64_t addr;   /* X1: IPA of the granule the chunk goes to */
	uint64_t offset; /* X2: where in that granule */
	uint64_t size;   /* X3: room there, in bytes */
};

static void decode_init(const struct smc_regs *regs, struct attest_init_args *a)
{
	/* X1..X8, each register's bytes in little-endian order. */
	for (unsigned i = 0; i < ATTEST_CHALLENGE_SIZE; i++)
		a->challenge[i] = (uint8_t)(regs->x[1 + i / 8] >> (8 * (i % 8)));
}

static struct attest_continue_args decode_continue(const struct smc_regs *regs)
{
	return (struct attest_continue_args){ .addr = regs->x[1], .offset = regs->x[2], .size = regs->x[3] };
}

static void realm_state_snapshot(const struct rec *rec, struct attest_realm_state *st)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(rec->owner_rd, &g_rd); /* REMs change under it */

	st->hash_algo = rd->hash_algo;
	__builtin_memcpy(st->rim, rd->rim, sizeof(st->rim));
	__builtin_memcpy(st->rem, rd->rem, sizeof(st->rem));
	__builtin_memcpy(st->rpv, rd->rpv, sizeof(st->rpv));
	st->caec_flags = rd->caec_flags;
	attest_regions_snapshot(rd, rec->owner_rd, st);
	rd_unlock(g_rd, rd);
}

static bool token_build(struct rec *rec, const struct attest_init_args *a, size_t *len)
{
	struct attest_realm_state st;
	struct granule *g_aux;
	uint8_t *buf;
	bool ok;

	*len = 0;
	g_aux = rec->num_aux > 0 ? granule_from_pa(rec->aux[0]) : NULL;
	if (!g_aux)
		return false;
	realm_state_snapshot(rec, &st);
	attest_regions_lock(&st); /* after the RD lock is gone: CSMDs come first */
	buf = granule_map(g_aux);
	ok = attest_token_build(&st, a->challenge, buf, rec->aux[0], GRANULE_SIZE, len);
	granule_unmap(buf);
	attest_regions_unlock(&st);
	return ok;
}

enum rec_action rsi_attest_token_init(struct rec_run *run, struct smc_regs *regs)
{
	struct rec_attest *at = &run->rec->attest;
	struct attest_init_args a;
	size_t len;

	decode_init(regs, &a);
	/* A new INIT abandons whatever token was being read. */
	at->state = ATTEST_STATE_IDLE;
	at->token_len = 0;
	at->copied = 0;
	regs->x[1] = 0;
	if (!token_build(run->rec, &a, &len))
		return rsi_return(regs, RSI_ERROR_UNKNOWN);
	at->state = ATTEST_STATE_READY;
	at->token_len = len;
	regs->x[1] = len; /* the token is built: its size is the tightest bound */
	return rsi_return(regs, RSI_SUCCESS);
}

static bool continue_args_valid(const struct rec_run *run, const struct attest_continue_args *a)
{
	if ((a->addr & (GRANULE_SIZE - 1)) != 0 || a->offset >= GRANULE_SIZE ||
	    a->size > GRANULE_SIZE - a->offset)
		return false;
	return a->addr < rec_run_protected_top(run);
}

enum rec_action rsi_attest_token_continue(struct rec_run *run, struct smc_regs *regs)
{
	struct attest_continue_args a = decode_continue(regs);
	struct rec_attest *at = &run->rec->attest;
	struct realm_mem_mapping m;
	enum realm_mem_status st;
	uint64_t n;
	uint8_t *token;

	regs->x[1] = 0;
	if (!continue_args_valid(run, &a))
		return rsi_return(regs, RSI_ERROR_INPUT);
	if (at->state != ATTEST_STATE_READY)
		return rsi_return(regs, RSI_ERROR_STATE);
	/* Only the realm's own private RAM (realm_mem.h). */
	st = realm_mem_map(run->rd_pa, a.addr, &m);
	if (st == REALM_MEM_UNMAPPED)
		return rsi_unmapped(run, a.addr, m.level);
	if (st != REALM_MEM_OK)
		return rsi_return(regs, RSI_ERROR_INPUT);
	n = at->token_len - at->copied;
	if (n > a.size)
		n = a.size;
	token = granule_map(granule_owned(run->rec->aux[0], "attest: aux granule outside DRAM"));
	__builtin_memcpy(m.granule + a.offset, token + at->copied, (size_t)n);
	granule_unmap(token);
	realm_mem_unmap(&m);
	at->copied += n;
	regs->x[1] = n;
	if (at->copied < at->token_len)
		return rsi_return(regs, RSI_INCOMPLETE);
	at->state = ATTEST_STATE_IDLE; /* all out: the next CONTINUE needs a new INIT */
	return rsi_return(regs, RSI_SUCCESS);
}
