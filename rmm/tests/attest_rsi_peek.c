/*
 * The attestation RSI test's window into monitor structures (kept apart:
 * the monitor's private headers and the RMI harness both name granule_state).
 */
#include <string.h>

#include "attest_rsi_peek.h"
#include "realm.h"
#include "rec.h"

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
