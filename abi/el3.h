/*
 * The monitor's calls into EL3 firmware (RMM-EL3 interface). Only the monitor
 * may make them; EL3 refuses them from the normal world.
 */
#ifndef CAEC_ABI_EL3_H
#define CAEC_ABI_EL3_H

#include "abi/smc.h"

#define RMM_GTSI_DELEGATE          SMC64_STD_FID(0x1B0) /* X1 = PA */
#define RMM_GTSI_UNDELEGATE        SMC64_STD_FID(0x1B1) /* X1 = PA */
#define RMM_GET_REALM_ATTEST_KEY   SMC64_STD_FID(0x1B2)
#define RMM_GET_PLAT_TOKEN         SMC64_STD_FID(0x1B3)
#define RMM_BOOT_COMPLETE          SMC64_STD_FID(0x1CF)

/* EL3 status values (X0). */
#define E_RMM_OK       UINT64_C(0)
#define E_RMM_UNK      ((uint64_t)-1)
#define E_RMM_BAD_ADDR ((uint64_t)-2)
#define E_RMM_BAD_PAS  ((uint64_t)-3)
#define E_RMM_NOMEM    ((uint64_t)-4)
#define E_RMM_INVAL    ((uint64_t)-5)

#endif
