/*
 * Sealed channels (chan_sealed.h) with BearSSL: AES-256-GCM (AES-NI and
 * PCLMULQDQ where the CPU has them, constant-time 64-bit code otherwise) or
 * ChaCha20-Poly1305 (SSE2 and 64-bit multiplies where available), X25519,
 * HKDF-SHA256.
 */
#include <bearssl.h>

#include "gcm_init.h"

#include "sdk/chan_sealed.h"
#include "sdk/copy.h"

_Static_assert(sizeof(((struct chan_sealed_dir *)0)->aes_keys) >= sizeof(br_aes_gen_ctr_keys), "AES key room");
_Static_assert(sizeof(((struct chan_sealed_dir *)0)->gcm) >= sizeof(br_gcm_context), "GCM room");
_Static_assert(_Alignof(uint64_t) >= _Alignof(br_gcm_context), "GCM alignment");

#define AAD_SIZE 32u

static const char salt[] = "caec-chan-sealed-v1";

int chan_keypair_from_seed(struct chan_keypair *kp, const uint8_t seed[CHAN_X25519_SIZE])
{
	size_t len;

	if (!kp || !seed)
		return CHAN_EINVAL;
	__builtin_memcpy(kp->priv, seed, CHAN_X25519_SIZE);
	len = br_ec_c25519_i31.mulgen(kp->pub, kp->priv, CHAN_X25519_SIZE, BR_EC_curve25519);
	return len == CHAN_X25519_SIZE ? 0 : CHAN_EINVAL;
}

static void dir_init(struct chan_sealed_dir *d, unsigned aead)
{
	d->seq = 0;
	if (aead != CHAN_AEAD_AES256_GCM)
		return;
	sdk_gcm_init((br_gcm_context *)d->gcm, (br_aes_gen_ctr_keys *)d->aes_keys, d->key, sizeof(d->key));
}

int chan_sealed_init(struct chan_sealed *s, struct chan *ch, unsigned aead, const struct chan_keypair *mine,
		     const uint8_t peer_pub[CHAN_X25519_SIZE], bool creator, uint8_t *scratch, size_t cap)
{
	uint8_t shared[CHAN_X25519_SIZE], zero = 0, okm[64];
	uint8_t info[1 + 2 * CHAN_X25519_SIZE];
	br_hkdf_context h;

	if (!s || !ch || !mine || !peer_pub || !scratch || cap <= CHAN_SEALED_TAG ||
	    (aead != CHAN_AEAD_AES256_GCM && aead != CHAN_AEAD_CHACHA20_POLY1305))
		return CHAN_EINVAL;
	__builtin_memset(s, 0, sizeof(*s));
	__builtin_memcpy(shared, peer_pub, sizeof(shared));
	if (br_ec_c25519_i31.mul(shared, sizeof(shared), mine->priv, sizeof(mine->priv), BR_EC_curve25519) != 1)
		return CHAN_EAUTH;
	for (unsigned i = 0; i < sizeof(shared); i++)
		zero |= shared[i];
	if (zero == 0)
		return CHAN_EAUTH; /* a small-order point: no secret at all */
	info[0] = (uint8_t)aead;
	__builtin_memcpy(info + 1, creator ? mine->pub : peer_pub, CHAN_X25519_SIZE);
	__builtin_memcpy(info + 1 + CHAN_X25519_SIZE, creator ? peer_pub : mine->pub, CHAN_X25519_SIZE);
	br_hkdf_init(&h, &br_sha256_vtable, salt, sizeof(salt) - 1);
	br_hkdf_inject(&h, shared, sizeof(shared));
	br_hkdf_flip(&h);
	br_hkdf_produce(&h, info, sizeof(info), okm, sizeof(okm));
	/* okm[0..32): creator -> peer; okm[32..64): peer -> creator. */
	__builtin_memcpy(s->tx.key, okm + (creator ? 0 : 32), 32);
	__builtin_memcpy(s->rx.key, okm + (creator ? 32 : 0), 32);
	__builtin_memset(shared, 0, sizeof(shared));
	__builtin_memset(okm, 0, sizeof(okm));
	s->ch = ch;
	s->creator = creator;
	s->aead = aead;
	s->scratch = scratch;
	s->scratch_cap = cap;
	dir_init(&s->tx, aead);
	dir_init(&s->rx, aead);
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Nonce: direction (creator -> peer is 0) and sequence number; the
 * additional data: the same, the frame's type, ID and the length. */
static void nonce_and_aad(const struct chan_sealed *s, bool sending, uint64_t seq, uint16_t type, uint64_t id,
			  uint64_t len, uint8_t nonce[12], uint8_t aad[AAD_SIZE])
{
	uint32_t dir = sending == s->creator ? 0 : 1;

	__builtin_memset(nonce, 0, 12);
	nonce[0] = (uint8_t)dir;
	put64(nonce + 4, seq);
	__builtin_memcpy(aad, "caec", 4);
	aad[4] = (uint8_t)dir;
	aad[5] = (uint8_t)s->aead;
	aad[6] = (uint8_t)type;
	aad[7] = (uint8_t)(type >> 8);
	put64(aad + 8, seq);
	put64(aad + 16, id);
	put64(aad + 24, len);
}

/* Seals or opens data[0..len) in place; the tag out (seal) or checked (open). */
static bool aead_run(struct chan_sealed_dir *d, unsigned aead, bool seal, const uint8_t nonce[12],
		     const uint8_t aad[AAD_SIZE], uint8_t *data, size_t len, uint8_t tag[CHAN_SEALED_TAG])
{
	if (aead == CHAN_AEAD_AES256_GCM) {
		br_gcm_context *g = (br_gcm_context *)d->gcm;
		br_gcm_reset(g, nonce, 12);
		br_gcm_aad_inject(g, aad, AAD_SIZE);
		br_gcm_flip(g);
		br_gcm_run(g, seal, data, len);
		if (seal) {
			br_gcm_get_tag(g, tag);
			return true;
		}
		return br_gcm_check_tag(g, tag) == 1;
	}
	br_poly1305_run poly = br_poly1305_ctmulq_get();
	br_chacha20_run chacha = br_chacha20_sse2_get();
	uint8_t got[CHAN_SEALED_TAG], diff = 0;
	if (!poly)
		poly = br_poly1305_ctmul_run;
	if (!chacha)
		chacha = br_chacha20_ct_run;
	poly(d->key, nonce, data, len, aad, AAD_SIZE, seal ? tag : got, chacha, seal);
	if (seal)
		return true;
	for (unsigned i = 0; i < CHAN_SEALED_TAG; i++)
		diff |= got[i] ^ tag[i];
	return diff == 0;
}

int chan_sealed_send(struct chan_sealed *s, uint16_t type, uint64_t msg_id, const void *buf, size_t len,
		     uint64_t timeout_ns)
{
	uint8_t nonce[12], aad[AAD_SIZE];

	if (s->failed)
		return CHAN_EAUTH;
	if (len > s->scratch_cap - CHAN_SEALED_TAG)
		return CHAN_ETOOBIG;
	if (len && !buf)
		return CHAN_EINVAL;
	/* Sealed in private memory, then copied out: the host never sees plaintext. */
	caec_copy(s->scratch, buf, len);
	nonce_and_aad(s, true, s->tx.seq, type, msg_id, len + CHAN_SEALED_TAG, nonce, aad);
	aead_run(&s->tx, s->aead, true, nonce, aad, s->scratch, len, s->scratch + len);
	int r = chan_send(s->ch, type, msg_id, s->scratch, len + CHAN_SEALED_TAG, timeout_ns);
	if (r == 0)
		s->tx.seq++;
	return r;
}

int chan_sealed_recv(struct chan_sealed *s, uint16_t *type, uint64_t *msg_id, void *buf, size_t cap, size_t *len,
		     uint64_t timeout_ns)
{
	uint8_t nonce[12], aad[AAD_SIZE];
	uint16_t t;
	uint64_t id;
	size_t got;

	if (s->failed)
		return CHAN_EAUTH;
	int r = chan_recv(s->ch, &t, &id, buf, cap, &got, timeout_ns);
	if (r == CHAN_ENOSPC)
		*len = got;
	if (r != 0)
		return r;
	if (got < CHAN_SEALED_TAG) {
		s->failed = true; /* cut short */
		return CHAN_EAUTH;
	}
	uint8_t *data = buf;
	nonce_and_aad(s, false, s->rx.seq, t, id, got, nonce, aad);
	if (!aead_run(&s->rx, s->aead, false, nonce, aad, data, got - CHAN_SEALED_TAG, data + got - CHAN_SEALED_TAG)) {
		__builtin_memset(buf, 0, got); /* nothing of a forgery reaches the caller */
		s->failed = true;
		return CHAN_EAUTH;
	}
	s->rx.seq++;
	*len = got - CHAN_SEALED_TAG;
	if (type)
		*type = t;
	if (msg_id)
		*msg_id = id;
	return 0;
}
