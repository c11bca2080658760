/*
 * What this monitor implements, as RMI_FEATURES reports it and as
 * REALM_CREATE checks realm parameters against it.
 */
#ifndef RMM_RMI_FEATURES_H
#define RMM_RMI_FEATURES_H

#include <stdint.h>

#include "abi/rmi.h"

#define FEAT_MAX_IPA_BITS 48u       /* S2SZ; no LPA2, so no 52-bit IPAs */
/* Breakpoints and watchpoints a realm may request, at most; a realm asks
 * for 1..max (0 is reserved). 5 and 3, the ID_AA64DFR0_EL1 BRPs/WRPs values
 * of a common core with 6 breakpoints and 4 watchpoints, as the reference
 * monitor reports them. host/include/host/realm_layout.h repeats them for
 * the offline measurement. */
#define FEAT_NUM_BPS 5u
#define FEAT_NUM_WPS 3u
#define FEAT_GICV3_NUM_LRS 15u      /* list registers - 1 (16 LRs) */
/* No LPA2, SVE or PMU for realms on this platform. */
#define FEAT_SUPPORTED_REALM_FLAGS UINT64_C(0)

/* Feature register 0 (RMI_FEATURES index 0). */
uint64_t features_register0(void);

#endif
