/*
 * RMI_CAEC_REALM_CONFIG(rd, flags): the CAEC extension's realm configuration
 * (../shared/spec/caec-ext.md). The host calls it at most once per realm,
 * while the realm is NEW and before any DATA, RIPAS or REC step has extended
 * the RIM, so the configuration is the first thing measured after the realm's
 * parameters: the RIM is extended by a 0x100-byte descriptor (type 0x80,
 * length 0x100, the current RIM, the flags at 0x50). The flags are reported
 * in every realm token (claim 65004).
 *
 * Failure conditions, in order:
 *   rd_align, rd_bound, rd_state            ERROR_INPUT (the RD granule)
 *   flags_valid (no bit outside POLICY_REQUIRED | CSM_EXITS)   ERROR_INPUT
 *   realm_state (the realm is not NEW)       ERROR_REALM
 *   once (already configured)                ERROR_REALM
 *   first (the RIM was already extended)     ERROR_REALM
 */
#include "abi/caec.h"
#include "measurement.h"
#include "realm.h"
#include "rmi_handlers.h"

static uint64_t realm_config(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_caec_realm_config_args a = rmi_caec_realm_config_args(x);

	(void)res;
	if (a.flags & ~CAEC_REALM_FLAGS_VALID)
		return RMI_INPUT_ERROR;    /* flags_valid */
	if (rd->state != REALM_STATE_NEW)
		return RMI_REALM_ERROR(0); /* realm_state */
	if (rd->caec_configured)
		return RMI_REALM_ERROR(0); /* once */
	if (rd->rim_extended)
		return RMI_REALM_ERROR(0); /* first */
	measurement_extend_caec_config(rd->hash_algo, rd->rim, a.flags);
	rd->caec_flags = a.flags;
	rd->caec_configured = true;
	return RMI_OK;
}

uint64_t smc_caec_realm_config(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, realm_config);
}
