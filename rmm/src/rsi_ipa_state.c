/*
 * RSI_IPA_STATE_SET and RSI_IPA_STATE_GET: the realm changes and reads the
 * RIPAS of its protected IPA range.
 *
 * SET cannot finish in the monitor: only the host changes RTTs. It exits with
 * RIPAS_CHANGE and the request [base, top) -> value recorded in the REC; the
 * host applies it with RTT_SET_RIPAS (which advances the REC's ripas_addr) and
 * answers ACCEPT or REJECT at the next REC_ENTER, where the realm gets
 * X1 = how far the change got and X2 = the answer (rec_enter.c).
 * GET walks the RTT under the RD lock and reports the run of entries from
 * base that share one RIPAS.
 */
#include "checked_math.h"
#include "realm.h"
#include "rsi_handlers.h"
#include "rtt.h"

struct ipa_state_set_args {
	uint64_t base;  /* X1 */
	uint64_t top;   /* X2 */
	uint64_t ripas; /* X3: RIPAS_EMPTY or RIPAS_RAM */
	uint64_t flags; /* X4: RSI_CHANGE_DESTROYED */
};

struct ipa_state_get_args {
	uint64_t base; /* X1 */
	uint64_t end;  /* X2 */
};

static struct ipa_state_set_args decode_set(const struct smc_regs *regs)
{
	return (struct ipa_state_set_args){
		.base = regs->x[1], .top = regs->x[2], .ripas = regs->x[3], .flags = regs->x[4],
	};
}

static struct ipa_state_get_args decode_get(const struct smc_regs *regs)
{
	return (struct ipa_state_get_args){ .base = regs->x[1], .end = regs->x[2] };
}

/* base and top (or end): granule aligned, non-empty, inside the protected range. */
static bool protected_range_valid(const struct rec_run *run, uint64_t base, uint64_t top)
{
	return is_aligned(base, GRANULE_SIZE) && is_aligned(top, GRANULE_SIZE) && base < top &&
	       top <= rec_run_protected_top(run);
}

enum rec_action rsi_ipa_state_set(struct rec_run *run, struct smc_regs *regs)
{
	struct ipa_state_set_args a = decode_set(regs);

	if (!protected_range_valid(run, a.base, a.top) || (a.ripas != RIPAS_EMPTY && a.ripas != RIPAS_RAM) ||
	    (a.flags & ~RSI_CHANGE_DESTROYED)) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	rec_exit_begin(run, RMI_EXIT_RIPAS_CHANGE);
	run->exit.ripas_base = a.base;
	run->exit.ripas_top = a.top;
	run->exit.ripas_value = (uint8_t)a.ripas;
	run->publish.ripas_request = true;
	run->publish.ripas_base = a.base;
	run->publish.ripas_top = a.top;
	run->publish.ripas_value = a.ripas;
	run->publish.ripas_change_destroyed = (a.flags & RSI_CHANGE_DESTROYED) != 0;
	run->rec->last_exit = REC_LAST_EXIT_RIPAS_CHANGE;
	return REC_EXIT;
}

/* From addr, the end of the run of entries with RIPAS `ripas` within the
 * walked table, stopping at end, or at a TABLE entry (*at_table): a table's
 * RIPAS is that of its own entries, which only a new walk can read. */
static uint64_t scan_table(const struct rtt_walk *w, uint64_t addr, uint64_t end, unsigned ripas,
			   bool *at_table)
{
	uint64_t size = s2tt_level_size(w->level);

	*at_table = false;
	addr &= ~(size - 1);
	for (unsigned i = w->index; i < S2TT_ENTRIES && addr < end; i++, addr += size) {
		uint64_t e = rtt_entry_read(w->table, i);

		if (s2tte_state(e, w->level) == S2TTE_TABLE) {
			*at_table = true;
			break;
		}
		if (s2tte_ripas(e, w->level) != ripas)
			break;
	}
	return addr;
}

/* The RIPAS at base and how far from base it stays the same (capped at end). */
static uint64_t ripas_run(const struct rd *rd, uint64_t base, uint64_t end, unsigned *ripas)
{
	uint64_t addr = base, next;
	struct rtt_walk w;
	bool at_table;

	rtt_walk_lock(rd, base, S2TT_PAGE_LEVEL, &w);
	*ripas = s2tte_ripas(rtt_walk_entry(&w), w.level);
	for (;;) {
		next = scan_table(&w, addr, end, *ripas, &at_table);
		rtt_walk_unlock(&w);
		/* The run stopped inside this table (a different RIPAS), or at
		 * end; at a TABLE entry or the table's end, walk on from next. */
		if (next >= end ||
		    (!at_table && (next & (s2tt_level_size(w.level) * S2TT_ENTRIES - 1)) != 0))
			break;
		addr = next;
		rtt_walk_lock(rd, addr, S2TT_PAGE_LEVEL, &w);
		if (s2tte_ripas(rtt_walk_entry(&w), w.level) != *ripas) {
			rtt_walk_unlock(&w);
			break;
		}
	}
	return next < end ? next : end;
}

enum rec_action rsi_ipa_state_get(struct rec_run *run, struct smc_regs *regs)
{
	struct ipa_state_get_args a = decode_get(regs);
	struct granule *g_rd;
	unsigned ripas;
	struct rd *rd;

	if (!protected_range_valid(run, a.base, a.end)) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	rd = rd_lock_owner(run->rd_pa, &g_rd);
	regs->x[1] = ripas_run(rd, a.base, a.end, &ripas);
	rd_unlock(g_rd, rd);
	regs->x[0] = RSI_SUCCESS;
	regs->x[2] = ripas;
	return REC_RESUME;
}
