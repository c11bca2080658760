/*
 * Attestation on hardware: the realm attestation key (plat.h, "Attestation").
 *
 * On a TF-A machine the monitor fetches the RAK's private key from EL3 with
 * RMM_GET_REALM_ATTEST_KEY (X1 = buffer PA, X2 = size, X3 = curve) and signs
 * with an ECDSA P-384 implementation of its own (a freestanding crypto
 * library or the platform's crypto engine). This port has neither yet, so it
 * reports no key: RSI_ATTEST_TOKEN_INIT then fails with RSI_ERROR_UNKNOWN, the
 * safe failure. The platform token needs nothing here: it comes from EL3
 * through plat_el3_smc (RMM_GET_PLAT_TOKEN), a real SMC in this port.
 */
#include "plat/plat.h"

bool plat_rak_public(uint8_t x[PLAT_RAK_COORD_SIZE], uint8_t y[PLAT_RAK_COORD_SIZE])
{
	(void)x;
	(void)y;
	return false; /* no ECDSA in this port yet: see the top of the file */
}

bool plat_rak_sign(const uint8_t digest[PLAT_RAK_DIGEST_SIZE], uint8_t sig[PLAT_RAK_SIG_SIZE])
{
	(void)digest;
	(void)sig;
	return false;
}

enum plat_token_format plat_attest_token_format(void)
{
	return PLAT_TOKEN_FORMAT_CCA;
}
