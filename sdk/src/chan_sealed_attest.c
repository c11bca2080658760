/*
 * The sealed channel's attested key exchange (chan_sealed.h), realm side:
 * hello (public key, nonce) both ways, then tokens bound to them both ways,
 * each checked (peer_attest.h) before a key is derived.
 */
#include <bearssl.h>

#include "caec/arch.h"
#include "sdk/attest.h"
#include "sdk/chan_sealed.h"
#include "sdk/peer_attest.h"

#define HELLO_SIZE (2 * CHAN_X25519_SIZE)

static void bind(const uint8_t pub[CHAN_X25519_SIZE], const uint8_t nonce[32], uint8_t out[64])
{
	br_sha512_context h;

	br_sha512_init(&h);
	br_sha512_update(&h, pub, CHAN_X25519_SIZE);
	br_sha512_update(&h, nonce, 32);
	br_sha512_out(&h, out);
}

int chan_sealed_handshake(struct chan_sealed *s, struct chan *ch, unsigned aead, bool creator, const uint8_t *rim,
			  size_t rim_len, uint8_t *scratch, size_t cap, uint8_t *tokens, size_t token_cap,
			  struct peer_token *peer, uint64_t timeout_ns, const char **why)
{
	uint8_t seed[CHAN_X25519_SIZE], hello[HELLO_SIZE], theirs[HELLO_SIZE], challenge[64], expect[64];
	struct chan_keypair kp;
	struct peer_token mine;
	size_t len, mine_len, their_len;
	int r;

	*why = "the exchange failed";
	if (!tokens || token_cap < 1024 || !peer)
		return CHAN_EINVAL;
	if (caec_arch_random(seed, sizeof(seed)) != 0 || caec_arch_random(hello + CHAN_X25519_SIZE, 32) != 0 ||
	    chan_keypair_from_seed(&kp, seed) != 0) {
		*why = "no random numbers";
		return CHAN_ESYSTEM;
	}
	__builtin_memcpy(hello, kp.pub, CHAN_X25519_SIZE);
	if ((r = chan_send(ch, CHAN_MSG_REQUEST, 1, hello, sizeof(hello), timeout_ns)) != 0 ||
	    (r = chan_recv(ch, NULL, NULL, theirs, sizeof(theirs), &len, timeout_ns)) != 0)
		return r;
	if (len != sizeof(theirs)) {
		*why = "the peer's hello is not a public key and a nonce";
		return CHAN_EATTEST;
	}
	/* Our token: bound to our key and their nonce. */
	bind(kp.pub, theirs + CHAN_X25519_SIZE, challenge);
	if (sdk_attest_token(challenge, tokens, token_cap, &mine_len, NULL) != 0) {
		*why = "no token from our own monitor";
		return CHAN_ESYSTEM;
	}
	if ((r = peer_token_parse(tokens, mine_len, &mine, why)) != 0)
		return r;
	if ((r = chan_send(ch, CHAN_MSG_REQUEST, 2, tokens, mine_len, timeout_ns)) != 0 ||
	    (r = chan_recv(ch, NULL, NULL, tokens + token_cap, token_cap, &their_len, timeout_ns)) != 0)
		return r;
	/* Theirs: bound to the key they sent and our nonce, same machine, the RIM we expect. */
	bind(theirs, hello + CHAN_X25519_SIZE, expect);
	if (!rim) {
		rim = mine.rim;
		rim_len = mine.rim_len;
	}
	if ((r = peer_token_check(tokens + token_cap, their_len, &mine, expect, rim, rim_len, peer, why)) != 0)
		return r;
	r = chan_sealed_init(s, ch, aead, &kp, theirs, creator, scratch, cap);
	__builtin_memset(&kp, 0, sizeof(kp));
	return r;
}
