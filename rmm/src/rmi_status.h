/*
 * Status values RMI handlers return, and the result registers they fill.
 *
 * A handler returns the X0 value (status | index << 8) and writes its outputs
 * to res->x[1..4]; the dispatcher copies them to the caller's registers.
 */
#ifndef RMM_RMI_STATUS_H
#define RMM_RMI_STATUS_H

#include <stdint.h>

#include "abi/rmi.h"

struct rmi_result {
	uint64_t x[5]; /* x[0] unused by handlers: the return value is X0 */
};

#define RMI_OK           RMI_STATUS(RMI_SUCCESS, 0)
#define RMI_INPUT_ERROR  RMI_STATUS(RMI_ERROR_INPUT, 0)
#define RMI_REALM_ERROR(index) RMI_STATUS(RMI_ERROR_REALM, (index))
#define RMI_REC_ERROR    RMI_STATUS(RMI_ERROR_REC, 0)
#define RMI_RTT_ERROR(level) RMI_STATUS(RMI_ERROR_RTT, (unsigned)(level))

/* ERROR_REALM indices REC_ENTER reports. */
#define RMI_REALM_INDEX_NEW        0u
#define RMI_REALM_INDEX_SYSTEM_OFF 1u

#endif
