/*
 * RSI_REALM_CONFIG: the realm learns its IPA width, hash algorithm and RPV.
 *
 * The monitor writes an RsiRealmConfig into the granule at X1, which must be
 * a granule-aligned IPA of the realm's own private memory (protected,
 * ASSIGNED, RIPAS RAM): anything else is ERROR_INPUT and nothing is written.
 * The values come from the RD, which realm_mem_map() holds locked.
 */
#include "checked_math.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

enum rec_action rsi_realm_config(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t ipa = regs->x[1];
	struct realm_mem_mapping m;
	struct rsi_realm_config *cfg;

	if (!is_aligned(ipa, GRANULE_SIZE) || !(cfg = (void *)realm_mem_map(run->rd_pa, ipa, &m))) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	__builtin_memset(cfg, 0, sizeof(*cfg));
	cfg->ipa_width = m.rd->ipa_bits;
	cfg->hash_algo = m.rd->hash_algo; /* RSI and RMI number the algorithms alike */
	__builtin_memcpy(cfg->rpv, m.rd->rpv, sizeof(cfg->rpv));
	realm_mem_unmap(&m);
	regs->x[0] = RSI_SUCCESS;
	return REC_RESUME;
}
