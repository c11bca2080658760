/*
 * Realm Services Interface wrappers (RMM 1.0): the realm's calls into the
 * monitor, each a thin function over rsi_call() (the SMC; sdk/arch provides
 * it). Addresses passed to the monitor are IPAs: the wrappers take pointers
 * into realm memory and translate them (sdk_ipa_of), so callers never see
 * the difference between a pointer and an IPA.
 *
 * Status: RSI_SUCCESS (0) or the RSI error; wrappers that cannot even form
 * the call (a pointer outside realm memory) return RSI_ERROR_INPUT.
 */
#ifndef CAEC_SDK_RSI_H
#define CAEC_SDK_RSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/rsi.h"
#include "abi/smc.h"

/* The granule: the unit of realm memory the monitor maps, measures and
 * writes into (RSI_REALM_CONFIG's struct, each token piece). */
#define SDK_GRANULE_SIZE 4096u
_Static_assert(sizeof(struct rsi_realm_config) == SDK_GRANULE_SIZE, "RsiRealmConfig is one granule");

/* RSI_MEASUREMENT_READ's slot of the RIM (the REMs follow it). */
#define SDK_MEASUREMENT_RIM 0u

/* rsi_realm_config's hash_algo (RsiHashAlgorithm), and the hash sizes. */
#define SDK_HASH_SHA_256      0u
#define SDK_HASH_SHA_512      1u
#define SDK_SHA_256_SIZE      32u
#define SDK_SHA_512_SIZE      64u

/* The SMC to the monitor (sdk/arch). */
void rsi_call(struct smc_regs *regs);

/* X0..X4 after a call with fid and up to six arguments. */
struct smc_regs sdk_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5, uint64_t a6);

/* RSI_VERSION: lowest and highest implemented ABI versions. */
uint64_t rsi_version(uint64_t requested, uint64_t *lowest, uint64_t *highest);
/* RSI_FEATURES index -> feature register. */
uint64_t rsi_features(uint64_t index, uint64_t *value);
/* RSI_MEASUREMENT_READ: slot 0 = RIM, 1..4 = REMs; 64 bytes (zero-padded past
 * the hash size). */
uint64_t rsi_measurement_read(unsigned index, uint8_t out[RSI_MEASUREMENT_SIZE]);
/* RSI_MEASUREMENT_EXTEND of REM index (1..4) with size (<= 64) bytes. */
uint64_t rsi_measurement_extend(unsigned index, const void *value, size_t size);
/* RSI_REALM_CONFIG into cfg, which must be a granule-aligned struct in realm RAM. */
uint64_t rsi_realm_config(struct rsi_realm_config *cfg);
/* RSI_IPA_STATE_SET [base, top) -> ripas; *new_base = how far it got,
 * *response = RSI_ACCEPT / RSI_REJECT (the host's answer). */
uint64_t rsi_ipa_state_set(uint64_t base, uint64_t top, unsigned ripas, uint64_t flags,
			   uint64_t *new_base, uint64_t *response);
/* RSI_IPA_STATE_GET: RIPAS of [base, ...) up to *top where it stays the same. */
uint64_t rsi_ipa_state_get(uint64_t base, uint64_t end, uint64_t *top, unsigned *ripas);
/* RSI_HOST_CALL with call (which must lie in realm memory, not across a granule). */
uint64_t rsi_host_call(struct rsi_host_call *call);

/* Pointer <-> IPA inside the realm's own memory (through the realm's view of
 * its IPA space). sdk_ipa_of returns SDK_NO_IPA for a pointer outside it. */
#define SDK_NO_IPA UINT64_MAX
uint64_t sdk_ipa_of(const void *p);
void *sdk_ptr_of(uint64_t ipa);

#endif
