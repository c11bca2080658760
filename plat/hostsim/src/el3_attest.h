/*
 * hostsim's EL3 attestation services (private to hostsim and its tests).
 *
 * attest_keys.c holds the machine's two P-384 keys (CPAK, RAK) and the token
 * format, and implements the platform interface the monitor signs with
 * (plat_rak_public, plat_rak_sign, plat_attest_token_format).
 * el3_attest.c measures the firmware once at machine start and builds the
 * platform token EL3 hands the monitor with RMM_GET_PLAT_TOKEN.
 * hw.c starts both with the machine and stops them with it.
 */
#ifndef CAEC_HOSTSIM_EL3_ATTEST_H
#define CAEC_HOSTSIM_EL3_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"
#include "hostsim/hostsim.h"

#define HOSTSIM_EC_POINT_SIZE 97 /* SEC1 uncompressed P-384 point: 0x04 || x || y */
#define HOSTSIM_ES384_SIG_SIZE 96

/* ---- attest_keys.c ---- */
/* Generates or loads both keys (cfg NULL: generate, CCA format). 0, or
 * -EINVAL (unreadable PEM, not a P-384 private key, unknown token format),
 * -ENOMEM. Nothing is left behind on failure. */
int hostsim_attest_keys_start(const struct hostsim_config *cfg);
void hostsim_attest_keys_stop(void);
/* The CPAK's public key as a SEC1 uncompressed point; false without keys. */
bool hostsim_attest_cpak_point(uint8_t point[HOSTSIM_EC_POINT_SIZE]);
/* ES384 by the CPAK over a SHA-384 digest, raw r || s. */
bool hostsim_attest_cpak_sign(const uint8_t digest[48], uint8_t sig[HOSTSIM_ES384_SIG_SIZE]);
unsigned hostsim_attest_token_format(void);

/* ---- el3_attest.c ---- */
/* Keys, then the firmware measurements and the config claim. 0 or -errno. */
int hostsim_attest_start(const struct hostsim_config *cfg);
void hostsim_attest_stop(void);

/* Builds the platform token (COSE_Sign1, tag 18) for a challenge of 32, 48
 * or 64 bytes into buf. 0 with *len set; -ENOSPC with *len = the size
 * needed; -EINVAL for another challenge size; -ENODEV without keys; -EIO when
 * signing fails. */
int hostsim_plat_token_build(const uint8_t *challenge, size_t challenge_len, uint8_t *buf,
			     size_t cap, size_t *len);

/* RMM_GET_PLAT_TOKEN (plat.h, "Attestation"): regs X1..X3 in, X0/X1 out. */
void hostsim_el3_get_plat_token(struct smc_regs *regs);

#endif
