/*
 * RMI dispatch: function ID (SVE hint bit masked) -> handler.
 *
 * The table lists every command of RMM 1.0 with the number of argument
 * registers it reads; arguments beyond that are not passed on, so a handler
 * can never act on a stale register the host did not mean to give.
 */
#include "rmi_handlers.h"
#include "rmm/rmm.h"

#define RMI_FID_FIRST SMC64_STD_FID(0x150)
#define RMI_FID_LAST  SMC64_STD_FID(0x18F)
#define RMI_MAX_ARGS  6

struct rmi_command {
	uint64_t (*handler)(const uint64_t *x, struct rmi_result *res);
	unsigned num_args;
};

#define CMD(fid, fn, n) [(fid) - RMI_FID_FIRST] = { fn, n }

static const struct rmi_command rmi_commands[RMI_FID_LAST - RMI_FID_FIRST + 1] = {
	CMD(RMI_VERSION, smc_version, 1),
	CMD(RMI_GRANULE_DELEGATE, smc_granule_delegate, 1),
	CMD(RMI_GRANULE_UNDELEGATE, smc_granule_undelegate, 1),
	CMD(RMI_DATA_CREATE, smc_data_create, 5),
	CMD(RMI_DATA_CREATE_UNKNOWN, smc_data_create_unknown, 3),
	CMD(RMI_DATA_DESTROY, smc_data_destroy, 2),
	CMD(RMI_REALM_ACTIVATE, smc_realm_activate, 1),
	CMD(RMI_REALM_CREATE, smc_realm_create, 2),
	CMD(RMI_REALM_DESTROY, smc_realm_destroy, 1),
	CMD(RMI_REC_CREATE, smc_rec_create, 3),
	CMD(RMI_REC_DESTROY, smc_rec_destroy, 1),
	CMD(RMI_REC_ENTER, smc_rec_enter, 2),
	CMD(RMI_RTT_CREATE, smc_rtt_create, 4),
	CMD(RMI_RTT_DESTROY, smc_rtt_destroy, 3),
	CMD(RMI_RTT_MAP_UNPROTECTED, smc_rtt_map_unprotected, 4),
	CMD(RMI_RTT_READ_ENTRY, smc_rtt_read_entry, 3),
	CMD(RMI_RTT_UNMAP_UNPROTECTED, smc_rtt_unmap_unprotected, 3),
	CMD(RMI_PSCI_COMPLETE, smc_psci_complete, 3),
	CMD(RMI_FEATURES, smc_features, 1),
	CMD(RMI_RTT_FOLD, smc_rtt_fold, 3),
	CMD(RMI_REC_AUX_COUNT, smc_rec_aux_count, 1),
	CMD(RMI_RTT_INIT_RIPAS, smc_rtt_init_ripas, 3),
	CMD(RMI_RTT_SET_RIPAS, smc_rtt_set_ripas, 4),
};

bool rmm_is_rmi_fid(uint64_t fid)
{
	fid &= ~SMC_FID_SVE_HINT;
	return fid >= RMI_FID_FIRST && fid <= RMI_FID_LAST;
}

void rmm_handle_rmi(struct smc_regs *regs)
{
	uint64_t fid = regs->x[0] & ~SMC_FID_SVE_HINT;
	const struct rmi_command *cmd;
	uint64_t args[1 + RMI_MAX_ARGS] = { 0 };
	struct rmi_result res = { { 0 } };

	if (!rmm_is_rmi_fid(fid) || !rmi_commands[fid - RMI_FID_FIRST].handler) {
		regs->x[0] = SMC_UNKNOWN;
		return;
	}
	cmd = &rmi_commands[fid - RMI_FID_FIRST];
	for (unsigned i = 1; i <= cmd->num_args; i++)
		args[i] = regs->x[i];
	regs->x[0] = cmd->handler(args, &res);
	for (unsigned i = 1; i < 5; i++)
		regs->x[i] = res.x[i];
}
