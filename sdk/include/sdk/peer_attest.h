/*
 * Checking a peer realm's attestation token from inside a realm, for two
 * realms of one machine (the sealed channel's key exchange, chan_sealed.h).
 *
 * The peer's token (the CCA collection, tag 907 or the legacy 399) must be
 * well formed; its realm token a COSE_Sign1 with ES384 whose signature
 * verifies under the RAK the token carries (claim 44237); that RAK must be
 * the very RAK of the checker's own token, fetched from its own monitor, so
 * the peer runs on the same machine under the same monitor (which is what
 * the checker already trusts: no platform key is needed); its platform
 * token must be bound to that RAK (challenge = H(RAK claim) with the hash of
 * claim 44240) and carry exactly the checker's own platform claims (same
 * firmware, same platform instance; the CPAK signature itself is not checked,
 * a realm has no endorsement to check it with); its challenge
 * (claim 10) must be the one the checker expects (SHA-512 of the peer's
 * public key and the checker's nonce: chan_sealed.h); and its RIM (claim
 * 44238) the one expected. The peer's realm ID (claim 65001) comes back.
 *
 * The reader below is bounded and never trusts a length: every failure is
 * CHAN_EATTEST with a reason.
 */
#ifndef CAEC_SDK_PEER_ATTEST_H
#define CAEC_SDK_PEER_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#define PEER_RAK_CLAIM_MAX 128

/* What a token says, once its signature checked. */
struct peer_token {
	uint8_t challenge[64];
	uint8_t rim[64];
	size_t rim_len;
	uint8_t realm_id[32];
	uint8_t rak_claim[PEER_RAK_CLAIM_MAX]; /* claim 44237's bytes */
	size_t rak_claim_len;
	uint8_t platform_claims_digest[48]; /* SHA-384 of the platform token's payload */
};

/* Parses token[0..len) and verifies the realm token's signature under its
 * own RAK. 0, or CHAN_EATTEST with *why set. */
int peer_token_parse(const uint8_t *token, size_t len, struct peer_token *out, const char **why);

/* The whole check of a peer's token against the checker's own (parsed)
 * token, the expected challenge and RIM. 0, or CHAN_EATTEST with *why. */
int peer_token_check(const uint8_t *token, size_t len, const struct peer_token *mine,
		     const uint8_t challenge[64], const uint8_t *rim, size_t rim_len, struct peer_token *out,
		     const char **why);

#endif
