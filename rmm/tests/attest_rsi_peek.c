/*
 * The attestation RSI test's window into monitor structures (kept apart:
 * the monitor's private headers and the RMI harness both name granule_state).
 */
#include <string.h>

#include "attest_rsi_peek.h"
#include "realm.h"
#include "rec.h"
#include "rsi_handlers.h"

uint64_t peek_rec_set_num_aux(struct rec *rec, uint64_t num_aux)
{
	uint64_t old = rec->num_aux;

	rec->num_aux = num_aux;
	return old;
}

bool peek_rd_fill_rem(uint64_t rd_pa, unsigned index, uint8_t value)
{
	struct rd *rd = plat_granule_map(rd_pa);

	if (!rd || index >= REALM_NUM_REMS)
		return false;
	memset(rd->rem[index], value, 32);
	plat_granule_unmap(rd);
	return true;
}

uint64_t peek_attest_call(bool init, struct rec *rec, uint64_t rd_pa, struct smc_regs *regs,
			  struct peek_exit *exit)
{
	struct rec_run run = { .rec = rec, .rd_pa = rd_pa };
	struct rd *rd = plat_granule_map(rd_pa);
	enum rec_action action;

	run.ipa_bits = rd->ipa_bits;
	run.hash_algo = rd->hash_algo;
	run.rec_count = rd->rec_count;
	plat_granule_unmap(rd);
	action = init ? rsi_attest_token_init(&run, regs) : rsi_attest_token_continue(&run, regs);
	memset(exit, 0, sizeof(*exit));
	if (action == REC_EXIT) {
		exit->exited = true;
		exit->reason = run.exit.exit_reason;
		exit->esr = run.exit.esr;
		exit->far = run.exit.far;
		exit->hpfar = run.exit.hpfar;
	}
	return regs->x[0];
}

uint64_t peek_rd_set_hash_algo(uint64_t rd_pa, uint64_t algo)
{
	struct rd *rd = plat_granule_map(rd_pa);
	uint64_t old = rd->hash_algo;

	rd->hash_algo = (uint32_t)algo;
	plat_granule_unmap(rd);
	return old;
}
