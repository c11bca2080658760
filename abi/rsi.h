/*
 * Realm Services Interface, RMM 1.0: a realm's calls into the monitor, plus the
 * PSCI and SMCCC calls the monitor answers for realms.
 */
#ifndef CAEC_ABI_RSI_H
#define CAEC_ABI_RSI_H

#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

#define RSI_ABI_VERSION ABI_VERSION(1, 0)

#define RSI_VERSION               SMC64_STD_FID(0x190)
#define RSI_FEATURES              SMC64_STD_FID(0x191)
#define RSI_MEASUREMENT_READ      SMC64_STD_FID(0x192)
#define RSI_MEASUREMENT_EXTEND    SMC64_STD_FID(0x193)
#define RSI_ATTEST_TOKEN_INIT     SMC64_STD_FID(0x194)
#define RSI_ATTEST_TOKEN_CONTINUE SMC64_STD_FID(0x195)
#define RSI_REALM_CONFIG          SMC64_STD_FID(0x196)
#define RSI_IPA_STATE_SET         SMC64_STD_FID(0x197)
#define RSI_IPA_STATE_GET         SMC64_STD_FID(0x198)
#define RSI_HOST_CALL             SMC64_STD_FID(0x199)

#define RSI_SUCCESS      0u
#define RSI_ERROR_INPUT  1u
#define RSI_ERROR_STATE  2u
#define RSI_INCOMPLETE   3u
#define RSI_ERROR_UNKNOWN 4u /* the monitor could not do it (e.g. no token can be built) */

#define RSI_MEASUREMENT_SLOTS 5 /* 0 = RIM, 1..4 = REMs */
#define RSI_MEASUREMENT_SIZE  64
#define RSI_CHALLENGE_SIZE    64

/* IPA_STATE_SET flags and responses. */
#define RSI_CHANGE_DESTROYED (UINT64_C(1) << 0)
#define RSI_ACCEPT 0u
#define RSI_REJECT 1u

struct rsi_realm_config {
	uint64_t ipa_width;   /* 0x000 */
	uint64_t hash_algo;   /* 0x008 */
	uint8_t pad0[0x200 - 0x010];
	uint8_t rpv[64];      /* 0x200 */
	uint8_t pad1[0x1000 - 0x240];
};
_Static_assert(offsetof(struct rsi_realm_config, hash_algo) == 0x008, "hash_algo");
_Static_assert(offsetof(struct rsi_realm_config, rpv) == 0x200, "rpv");
_Static_assert(sizeof(struct rsi_realm_config) == 0x1000, "RsiRealmConfig is one granule");

#define RSI_HOST_CALL_GPRS 31

struct rsi_host_call {
	uint16_t imm;                        /* 0x000 */
	uint8_t pad0[6];
	uint64_t gprs[RSI_HOST_CALL_GPRS];   /* 0x008 */
};
_Static_assert(offsetof(struct rsi_host_call, gprs) == 0x008, "gprs");
_Static_assert(sizeof(struct rsi_host_call) == 0x100, "RsiHostCall");

/* PSCI 1.1 function IDs (SMC64 where the call takes addresses). */
#define PSCI_VERSION           UINT64_C(0x84000000)
#define PSCI_CPU_SUSPEND       UINT64_C(0xC4000001)
#define PSCI_CPU_OFF           UINT64_C(0x84000002)
#define PSCI_CPU_ON            UINT64_C(0xC4000003)
#define PSCI_AFFINITY_INFO     UINT64_C(0xC4000004)
#define PSCI_SYSTEM_OFF        UINT64_C(0x84000008)
#define PSCI_SYSTEM_RESET      UINT64_C(0x84000009)
#define PSCI_FEATURES          UINT64_C(0x8400000A)
/* The SMC32 forms of the calls above that have an SMC64 one. A realm may use
 * either; the monitor forwards the one the realm used (PSCI exits). */
#define PSCI_CPU_SUSPEND_32    UINT64_C(0x84000001)
#define PSCI_CPU_ON_32         UINT64_C(0x84000003)
#define PSCI_AFFINITY_INFO_32  UINT64_C(0x84000004)

#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INTERNAL_FAILURE   (-6)
#define PSCI_NOT_PRESENT        (-7)
#define PSCI_DISABLED           (-8)
#define PSCI_INVALID_ADDRESS    (-9)

#define PSCI_AFFINITY_ON         0
#define PSCI_AFFINITY_OFF        1
#define PSCI_AFFINITY_ON_PENDING 2

#endif
