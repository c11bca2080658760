/*
 * RSI_ATTEST_TOKEN_INIT and RSI_ATTEST_TOKEN_CONTINUE (attest.h).
 *
 * INIT snapshots the realm's claims under the RD lock, then builds the whole
 * token, with the RD unlocked, in a scratch buffer of the monitor's own
 * memory and stores it in the REC's aux granules (ATTEST_TOKEN_GRANULES of
 * them, which need not be contiguous; EL3 writes the platform token into the
 * last one first): the REC is claimed by the running CPU, so nobody else
 * touches it or its aux granules, and signing does not hold up the realm's
 * other RECs. CONTINUE hands the token out chunk by chunk into realm memory
 * the realm names by IPA (realm_mem.c keeps that IPA's mapping in place while
 * the bytes are copied).
 *
 * Lock order: a scratch buffer is taken before any granule lock and given
 * back after the last one, so waiting for one never holds anything up.
 *
 * INIT (X1..X8 = challenge) cannot fail on the realm's input; it returns
 * RSI_ERROR_UNKNOWN, with X1 = 0, when no token can be built (the platform
 * gives no platform token or cannot sign, or the REC lacks the aux granules
 * to hold it), as TF-RMM rmm-spec-v1.0-rel0 does when token creation fails.
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
	st->has_policy = rd->policy_len != 0;
	__builtin_memcpy(st->policy_digest, rd->policy_digest, sizeof(st->policy_digest));
	attest_regions_snapshot(rd, rec->owner_rd, st);
	rd_unlock(g_rd, rd);
}

/* Scratch buffers for building tokens: one per CPU building at once, up to
 * TOKEN_SCRATCH_SLOTS; more wait for one. */
#define TOKEN_SCRATCH_SLOTS 4u
#define TOKEN_MAX_SIZE      (ATTEST_TOKEN_GRANULES * GRANULE_SIZE)
static struct token_scratch {
	plat_lock_t lock;
	uint8_t buf[TOKEN_MAX_SIZE];
} token_scratch[TOKEN_SCRATCH_SLOTS];

static struct token_scratch *scratch_take(void)
{
	for (unsigned i = 0;; i = (i + 1) % TOKEN_SCRATCH_SLOTS)
		if (plat_lock_try_acquire(&token_scratch[i].lock))
			return &token_scratch[i];
}

static void scratch_give(struct token_scratch *s)
{
	plat_lock_release(&s->lock);
}

/* Copies token bytes [from, from + n) out of (to_aux) or into the REC's aux
 * granules, a granule at a time. */
static void token_copy(const struct rec *rec, uint8_t *bytes, size_t from, size_t n, bool to_aux)
{
	while (n > 0) {
		size_t g = from / GRANULE_SIZE, off = from % GRANULE_SIZE;
		size_t chunk = GRANULE_SIZE - off < n ? GRANULE_SIZE - off : n;
		uint8_t *aux = granule_map(granule_owned(rec->aux[g], "attest: aux granule outside DRAM"));

		if (to_aux)
			__builtin_memcpy(aux + off, bytes, chunk);
		else
			__builtin_memcpy(bytes, aux + off, chunk);
		granule_unmap(aux);
		bytes += chunk;
		from += chunk;
		n -= chunk;
	}
}

static bool token_build(struct rec *rec, const struct attest_init_args *a, size_t *len)
{
	struct attest_realm_state st;
	struct token_scratch *scratch;
	struct granule *g_el3;
	uint64_t el3_pa;
	uint8_t *el3_buf;
	bool ok;

	*len = 0;
	if (rec->num_aux < ATTEST_TOKEN_GRANULES)
		return false;
	el3_pa = rec->aux[ATTEST_TOKEN_GRANULES - 1];
	g_el3 = granule_from_pa(el3_pa);
	if (!g_el3)
		return false;
	scratch = scratch_take();
	realm_state_snapshot(rec, &st);
	attest_regions_lock(&st); /* after the RD lock is gone: CSMDs come first */
	el3_buf = granule_map(g_el3);
	ok = attest_token_build(&st, a->challenge, scratch->buf, TOKEN_MAX_SIZE, el3_buf, el3_pa,
				GRANULE_SIZE, len);
	granule_unmap(el3_buf);
	attest_regions_unlock(&st);
	if (ok)
		token_copy(rec, scratch->buf, 0, *len, true);
	scratch_give(scratch);
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
	token_copy(run->rec, m.granule + a.offset, (size_t)at->copied, (size_t)n, false);
	realm_mem_unmap(&m);
	at->copied += n;
	regs->x[1] = n;
	if (at->copied < at->token_len)
		return rsi_return(regs, RSI_INCOMPLETE);
	at->state = ATTEST_STATE_IDLE; /* all out: the next CONTINUE needs a new INIT */
	return rsi_return(regs, RSI_SUCCESS);
}
