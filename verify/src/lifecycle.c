/* The platform security lifecycle claim (2395): states and their names. */
#include "verify/claims.h"

static const char *const lifecycle_names[] = {
	[CCA_LIFECYCLE_UNKNOWN] = "unknown",
	[CCA_LIFECYCLE_ASSEMBLY_AND_TEST] = "assembly-and-test",
	[CCA_LIFECYCLE_ROT_PROVISIONING] = "cca-platform-rot-provisioning",
	[CCA_LIFECYCLE_SECURED] = "secured",
	[CCA_LIFECYCLE_NON_ROT_DEBUG] = "non-cca-platform-rot-debug",
	[CCA_LIFECYCLE_RECOVERABLE_ROT_DEBUG] = "recoverable-cca-platform-rot-debug",
	[CCA_LIFECYCLE_DECOMMISSIONED] = "decommissioned",
	[CCA_LIFECYCLE_INVALID] = "invalid",
};

enum cca_lifecycle cca_lifecycle_state(uint64_t value)
{
	uint64_t state = value >> 12;
	if ((value & 0x0f00) != 0 || state > CCA_LIFECYCLE_DECOMMISSIONED)
		return CCA_LIFECYCLE_INVALID;
	return (enum cca_lifecycle)state;
}

const char *cca_lifecycle_name(enum cca_lifecycle state)
{
	return (unsigned)state <= CCA_LIFECYCLE_INVALID ? lifecycle_names[state] : "invalid";
}

bool cca_lifecycle_is_debug(enum cca_lifecycle state)
{
	switch (state) {
	case CCA_LIFECYCLE_ASSEMBLY_AND_TEST:
	case CCA_LIFECYCLE_ROT_PROVISIONING:
	case CCA_LIFECYCLE_NON_ROT_DEBUG:
	case CCA_LIFECYCLE_RECOVERABLE_ROT_DEBUG:
		return true;
	default:
		return false;
	}
}
