/*
 * RSI_REALM_CONFIG: the realm learns its IPA width, hash algorithm and RPV.
 *
 * The monitor writes an RsiRealmConfig into the granule at X1 (addr), in the
 * realm's own private memory. The values come from the RD, which
 * realm_mem_map() holds locked.
 *
 * Failure conditions, in order (RMM 1.0; TF-RMM rmm-spec-v1.0-rel0):
 *   addr_align   addr not granule aligned                 ERROR_INPUT
 *   addr_bound   addr not a protected IPA                 ERROR_INPUT
 *   addr_empty   RIPAS of addr is EMPTY                   ERROR_INPUT
 *   otherwise, if no RAM granule is mapped at addr yet (UNASSIGNED RAM, or
 *   DESTROYED), the REC exits SYNC with a stage-2 data abort at addr and the
 *   call runs again at the next REC_ENTER (rsi_unmapped()). Nothing is
 *   written on any failure.
 */
#include "checked_math.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

struct realm_config_args {
	uint64_t addr; /* X1: IPA of the RsiRealmConfig granule */
};

static struct realm_config_args decode(const struct smc_regs *regs)
{
	return (struct realm_config_args){ .addr = regs->x[1] };
}

enum rec_action rsi_realm_config(struct rec_run *run, struct smc_regs *regs)
{
	struct realm_config_args a = decode(regs);
	struct realm_mem_mapping m;
	struct rsi_realm_config *cfg;
	enum realm_mem_status st;

	if (!is_aligned(a.addr, GRANULE_SIZE))
		return rsi_return(regs, RSI_ERROR_INPUT);
	st = realm_mem_map(run->rd_pa, a.addr, &m);
	if (st == REALM_MEM_UNMAPPED)
		return rsi_unmapped(run, a.addr, m.level);
	if (st != REALM_MEM_OK)
		return rsi_return(regs, RSI_ERROR_INPUT);
	cfg = (struct rsi_realm_config *)m.granule;
	__builtin_memset(cfg, 0, sizeof(*cfg));
	cfg->ipa_width = m.rd->ipa_bits;
	cfg->hash_algo = m.rd->hash_algo; /* RSI and RMI number the algorithms alike */
	__builtin_memcpy(cfg->rpv, m.rd->rpv, sizeof(cfg->rpv));
	realm_mem_unmap(&m);
	return rsi_return(regs, RSI_SUCCESS);
}
