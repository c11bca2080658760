/*
 * Sealed channels: what two realms must do to talk without confidential
 * shared memory — a channel (channel.h) in host-visible memory whose every
 * message is sealed with an AEAD, AES-256-GCM or ChaCha20-Poly1305 (BearSSL,
 * linked into the realm image). It is the baseline CSM is measured against
 * (`caec bench channel --modes aes-gcm,chacha`).
 *
 * Keys: each side has an X25519 key pair; the shared secret of the two goes
 * through HKDF-SHA256 (salt "caec-chan-sealed-v1", info = the AEAD and both
 * public keys, the creator's first) into one key per direction.
 * chan_sealed_handshake (realms only) binds the public keys to attestation:
 * each side sends its public key and a fresh nonce, fetches its token with
 * challenge = SHA-512(its public key || the peer's nonce), sends the token,
 * and checks the peer's (peer_attest.h: same machine, bound to the key it
 * sent and our nonce, the expected RIM) before any key is derived.
 * chan_sealed_init alone takes the peer's key as given.
 *
 * A message travels as one channel message whose payload is the ciphertext
 * followed by the 16-byte tag; the frame's type, message ID and length are
 * in the clear and authenticated (additional data), with the direction and
 * the record's sequence number, which is also the nonce (per-direction
 * counter, never sent): a record the host changed, dropped, replayed,
 * reordered or cut short fails authentication, CHAN_EAUTH, and the channel
 * refuses everything after it. The plaintext never touches host-visible
 * memory: the sender seals in a private scratch buffer and copies the
 * result out; the receiver copies the record in and opens it there.
 */
#ifndef CAEC_SDK_CHAN_SEALED_H
#define CAEC_SDK_CHAN_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/channel.h"

#define CHAN_AEAD_AES256_GCM        1u
#define CHAN_AEAD_CHACHA20_POLY1305 2u
#define CHAN_SEALED_TAG             16u
#define CHAN_X25519_SIZE            32u

struct chan_keypair {
	uint8_t priv[CHAN_X25519_SIZE];
	uint8_t pub[CHAN_X25519_SIZE];
};

/* A key pair from 32 random bytes (the caller's RNG: caec_arch_random in a
 * realm). */
int chan_keypair_from_seed(struct chan_keypair *kp, const uint8_t seed[CHAN_X25519_SIZE]);

struct chan_sealed_dir {
	uint8_t key[32];
	uint64_t seq;
	/* BearSSL's AES-CTR keys and GCM state (sized for the largest backend). */
	uint64_t aes_keys[64];
	uint64_t gcm[32];
};

struct chan_sealed {
	struct chan *ch;        /* host-visible, opened by the caller */
	unsigned aead;
	bool creator;
	bool failed;            /* an authentication failed: CHAN_EAUTH from now on */
	struct chan_sealed_dir tx, rx;
	uint8_t *scratch;       /* the sender's private buffer */
	size_t scratch_cap;
};

/* Binds sealing to channel ch: keys from mine and peer_pub; creator as in
 * chan_open. scratch (private memory, cap bytes) bounds the largest message
 * to cap - CHAN_SEALED_TAG. CHAN_EINVAL, or CHAN_EAUTH for a peer public key
 * that gives no shared secret (a small-order point). */
int chan_sealed_init(struct chan_sealed *s, struct chan *ch, unsigned aead, const struct chan_keypair *mine,
		     const uint8_t peer_pub[CHAN_X25519_SIZE], bool creator, uint8_t *scratch, size_t cap);

/* The attested exchange above over ch, then chan_sealed_init. rim: the RIM
 * the peer must have (rim_len bytes), or NULL for the caller's own (two
 * realms of one image). tokens: private memory for two tokens (token_cap
 * bytes each, 8 KiB is plenty). *peer gets what the peer's token says;
 * *why a reason when the result is CHAN_EATTEST. Waits up to timeout_ns for
 * each message. */
struct peer_token;
int chan_sealed_handshake(struct chan_sealed *s, struct chan *ch, unsigned aead, bool creator, const uint8_t *rim,
			  size_t rim_len, uint8_t *scratch, size_t cap, uint8_t *tokens, size_t token_cap,
			  struct peer_token *peer, uint64_t timeout_ns, const char **why);

/* As chan_send / chan_recv. chan_sealed_recv's buf must hold the message and
 * its tag (CHAN_ENOSPC otherwise, *len then the room needed); *len is the
 * plaintext's length. */
int chan_sealed_send(struct chan_sealed *s, uint16_t type, uint64_t msg_id, const void *buf, size_t len,
		     uint64_t timeout_ns);
int chan_sealed_recv(struct chan_sealed *s, uint16_t *type, uint64_t *msg_id, void *buf, size_t cap, size_t *len,
		     uint64_t timeout_ns);

#endif
