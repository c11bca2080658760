/*
 * What this monitor implements, as RMI_FEATURES reports it and as
 * REALM_CREATE checks realm parameters against it.
 */
#ifndef RMM_RMI_FEATURES_H
#define RMM_RMI_FEATURES_H

#include <stdint.h>

#include "abi/rmi.h"

#define FEAT_MAX_IPA_BITS 48u       /* S2SZ; no LPA2, so no 52-bit IPAs */
#define FEAT_NUM_BPS 5u             /* breakpoints a realm may request */
#define FEAT_NUM_WPS 3u             /* watchpoints a realm may request */
#define FEAT_GICV3_NUM_LRS 15u      /* list registers - 1 (16 LRs) */
/* No LPA2, SVE or PMU for realms on this platform. */
#define FEAT_SUPPORTED_REALM_FLAGS UINT64_C(0)

/* Feature register 0 (RMI_FEATURES index 0). */
uint64_t features_register0(void);

#endif
