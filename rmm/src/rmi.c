/*
 * RMI dispatch: function ID (SVE hint bit masked) -> handler.
 *
 * The tables list every command of RMM 1.0, and of the CAEC extension in the
 * SiP range (abi/caec.h), with the number of argument registers each reads;
 * arguments beyond that are not passed on, so a handler can never act on a
 * stale register the host did not mean to give.
 */
#include "abi/caec.h"
#include "rmi_handlers.h"
#include "rmm/rmm.h"

#define RMI_FID_FIRST SMC64_STD_FID(0x150)
#define RMI_FID_LAST  SMC64_STD_FID(0x18F)
#define RMI_MAX_ARGS  6

struct rmi_command {
	uint64_t (*handler)(const uint64_t *x, struct rmi_result *res);
	unsigned num_args;
};

/* The argument count comes from rmi_args.h, where the registers are named. */
#define CMD(fid, name) [(fid) - RMI_FID_FIRST] = { smc_##name, fid##_NUM_ARGS }

static const struct rmi_command rmi_commands[RMI_FID_LAST - RMI_FID_FIRST + 1] = {
	CMD(RMI_VERSION, version),
	CMD(RMI_GRANULE_DELEGATE, granule_delegate),
	CMD(RMI_GRANULE_UNDELEGATE, granule_undelegate),
	CMD(RMI_DATA_CREATE, data_create),
	CMD(RMI_DATA_CREATE_UNKNOWN, data_create_unknown),
	CMD(RMI_DATA_DESTROY, data_destroy),
	CMD(RMI_REALM_ACTIVATE, realm_activate),
	CMD(RMI_REALM_CREATE, realm_create),
	CMD(RMI_REALM_DESTROY, realm_destroy),
	CMD(RMI_REC_CREATE, rec_create),
	CMD(RMI_REC_DESTROY, rec_destroy),
	CMD(RMI_REC_ENTER, rec_enter),
	CMD(RMI_RTT_CREATE, rtt_create),
	CMD(RMI_RTT_DESTROY, rtt_destroy),
	CMD(RMI_RTT_MAP_UNPROTECTED, rtt_map_unprotected),
	CMD(RMI_RTT_READ_ENTRY, rtt_read_entry),
	CMD(RMI_RTT_UNMAP_UNPROTECTED, rtt_unmap_unprotected),
	CMD(RMI_PSCI_COMPLETE, psci_complete),
	CMD(RMI_FEATURES, features),
	CMD(RMI_RTT_FOLD, rtt_fold),
	CMD(RMI_REC_AUX_COUNT, rec_aux_count),
	CMD(RMI_RTT_INIT_RIPAS, rtt_init_ripas),
	CMD(RMI_RTT_SET_RIPAS, rtt_set_ripas),
};

#define CAEC_CMD(fid, name) [(fid) - RMI_CAEC_FID_FIRST] = { smc_##name, fid##_NUM_ARGS }

static const struct rmi_command caec_commands[RMI_CAEC_FID_LAST - RMI_CAEC_FID_FIRST + 1] = {
	CAEC_CMD(RMI_CSM_VERSION, csm_version),
	CAEC_CMD(RMI_CSM_CREATE, csm_create),
	CAEC_CMD(RMI_CSM_DATA_ADD, csm_data_add),
	CAEC_CMD(RMI_CSM_MAP, csm_map),
	CAEC_CMD(RMI_CSM_UNMAP, csm_unmap),
	CAEC_CMD(RMI_CSM_LIST_ADD, csm_list_add),
	CAEC_CMD(RMI_CSM_DATA_REMOVE, csm_data_remove),
	CAEC_CMD(RMI_CSM_DESTROY, csm_destroy),
	CAEC_CMD(RMI_CAEC_REALM_CONFIG, caec_realm_config),
};

bool rmm_is_rmi_fid(uint64_t fid)
{
	fid &= ~SMC_FID_SVE_HINT;
	return (fid >= RMI_FID_FIRST && fid <= RMI_FID_LAST) ||
	       (fid >= RMI_CAEC_FID_FIRST && fid <= RMI_CAEC_FID_LAST);
}

/* The command of an RMI function ID, NULL if the monitor has none. */
static const struct rmi_command *command_of(uint64_t fid)
{
	const struct rmi_command *cmd = NULL;

	if (fid >= RMI_FID_FIRST && fid <= RMI_FID_LAST)
		cmd = &rmi_commands[fid - RMI_FID_FIRST];
	else if (fid >= RMI_CAEC_FID_FIRST && fid <= RMI_CAEC_FID_LAST)
		cmd = &caec_commands[fid - RMI_CAEC_FID_FIRST];
	return cmd && cmd->handler ? cmd : NULL;
}

void rmm_handle_rmi(struct smc_regs *regs)
{
	uint64_t fid = regs->x[0] & ~SMC_FID_SVE_HINT;
	const struct rmi_command *cmd;
	uint64_t args[1 + RMI_MAX_ARGS] = { 0 };
	struct rmi_result res = { { 0 } };

	cmd = command_of(fid);
	if (!cmd) {
		regs->x[0] = SMC_UNKNOWN;
		return;
	}
	for (unsigned i = 1; i <= cmd->num_args; i++)
		args[i] = regs->x[i];
	regs->x[0] = cmd->handler(args, &res);
	for (unsigned i = 1; i < 5; i++)
		regs->x[i] = res.x[i];
}
