/*
 * RMI_VERSION and RMI_FEATURES: what the host may rely on.
 *
 * VERSION (RMM 1.0 semantics): the monitor implements exactly 1.0; it answers
 * SUCCESS if the host asks for 1.0 and ERROR_INPUT otherwise, and always
 * reports the lowest and highest versions it implements in X1 and X2.
 */
#include "rmi_features.h"
#include "rec.h"
#include "rmi_handlers.h"

uint64_t smc_version(const uint64_t *x, struct rmi_result *res)
{
	res->x[1] = RMI_ABI_VERSION;
	res->x[2] = RMI_ABI_VERSION;
	return rmi_version_args(x).requested == RMI_ABI_VERSION ? RMI_OK : RMI_INPUT_ERROR;
}

uint64_t features_register0(void)
{
	return ((uint64_t)FEAT_MAX_IPA_BITS << RMI_FEAT0_S2SZ_SHIFT) |
	       ((uint64_t)FEAT_NUM_BPS << RMI_FEAT0_NUM_BPS_SHIFT) |
	       ((uint64_t)FEAT_NUM_WPS << RMI_FEAT0_NUM_WPS_SHIFT) |
	       (UINT64_C(1) << RMI_FEAT0_SHA_256_SHIFT) |
	       (UINT64_C(1) << RMI_FEAT0_SHA_512_SHIFT) |
	       ((uint64_t)FEAT_GICV3_NUM_LRS << RMI_FEAT0_GICV3_NUM_LRS_SHIFT) |
	       ((uint64_t)REC_MAX_RECS_ORDER << RMI_FEAT0_MAX_RECS_ORDER_SHIFT);
}

uint64_t smc_features(const uint64_t *x, struct rmi_result *res)
{
	res->x[1] = rmi_features_args(x).index == 0 ? features_register0() : 0;
	return RMI_OK;
}
