/*
 * Sealed channels (sdk/chan_sealed.h) natively: both AEADs round-trip; the
 * test plays the host between a sealing sender and an opening receiver
 * (it reads the sender's channel and forwards what it likes on the
 * receiver's) and every record it changed, replayed, reordered, dropped or
 * cut short is refused with CHAN_EAUTH, for good; the wrong key and a
 * small-order public key are refused; and OpenSSL opens a sealed record
 * with the derived key, nonce and additional data the header describes.
 * The realm-side token check (peer_attest.h) accepts a third-party CCA
 * token (../shared/testvectors) and refuses it with any byte of its realm
 * token changed, with another RAK, challenge or RIM.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "chan_thread.h"
#include "sdk/chan_sealed.h"
#include "sdk/peer_attest.h"
#include "test_files.h"

#define AREA (UINT64_C(64) << 10)

struct pair {
	uint8_t *area;
	struct chan_thread_bell bell;
	struct chan_thread_end end[2];
	struct chan a, b;
};

static void pair_open(struct pair *p)
{
	struct chan_geometry g;

	p->area = aligned_alloc(4096, AREA);
	assert_non_null(p->area);
	assert_int_equal(chan_geometry_default(AREA, &g), 0);
	assert_int_equal(chan_format(p->area, AREA, &g), 0);
	chan_thread_bell_init(&p->bell);
	p->end[0] = (struct chan_thread_end){ &p->bell, 0 };
	p->end[1] = (struct chan_thread_end){ &p->bell, 1 };
	assert_int_equal(chan_open(&p->a, p->area, AREA, true, &chan_thread_ops, &p->end[0]), 0);
	assert_int_equal(chan_open(&p->b, p->area, AREA, false, &chan_thread_ops, &p->end[1]), 0);
}

static void pair_close(struct pair *p)
{
	chan_thread_bell_destroy(&p->bell);
	free(p->area);
}

static void keypair(struct chan_keypair *kp, uint8_t seed_byte)
{
	uint8_t seed[32];

	memset(seed, seed_byte, sizeof(seed));
	assert_int_equal(chan_keypair_from_seed(kp, seed), 0);
}

static uint8_t scratch_a[70000], scratch_b[70000];

static void test_round_trip(void **state)
{
	static const unsigned aeads[] = { CHAN_AEAD_AES256_GCM, CHAN_AEAD_CHACHA20_POLY1305 };
	struct chan_keypair ka, kb;
	uint8_t msg[5000], out[5100];

	(void)state;
	keypair(&ka, 1);
	keypair(&kb, 2);
	assert_memory_not_equal(ka.pub, kb.pub, 32);
	for (unsigned k = 0; k < 2; k++) {
		struct pair p;
		struct chan_sealed sa, sb;
		pair_open(&p);
		assert_int_equal(chan_sealed_init(&sa, &p.a, aeads[k], &ka, kb.pub, true, scratch_a, sizeof(scratch_a)), 0);
		assert_int_equal(chan_sealed_init(&sb, &p.b, aeads[k], &kb, ka.pub, false, scratch_b, sizeof(scratch_b)), 0);
		assert_memory_equal(sa.tx.key, sb.rx.key, 32);
		assert_memory_equal(sa.rx.key, sb.tx.key, 32);
		assert_memory_not_equal(sa.tx.key, sa.rx.key, 32);
		for (unsigned i = 0; i < 20; i++) {
			size_t len = (i * 251) % sizeof(msg), got;
			uint16_t type;
			uint64_t id;
			memset(msg, (int)i, len);
			assert_int_equal(chan_sealed_send(&sa, CHAN_MSG_REQUEST, 100 + i, msg, len, 0), 0);
			/* What the host sees is not the plaintext. */
			if (len >= 64)
				assert_null(memmem(p.area + 4096, 16384, msg, 64));
			assert_int_equal(chan_sealed_recv(&sb, &type, &id, out, sizeof(out), &got, 0), 0);
			assert_int_equal(got, len);
			assert_int_equal(id, 100 + i);
			assert_int_equal(type, CHAN_MSG_REQUEST);
			assert_memory_equal(out, msg, len);
			assert_int_equal(chan_sealed_send(&sb, CHAN_MSG_RESPONSE, i, "ok", 2, 0), 0);
			assert_int_equal(chan_sealed_recv(&sa, &type, &id, out, sizeof(out), &got, 0), 0);
			assert_int_equal(got, 2);
		}
		/* Room for the tag, or CHAN_ENOSPC with the room needed. */
		assert_int_equal(chan_sealed_send(&sa, CHAN_MSG_STREAM, 1, msg, 100, 0), 0);
		size_t need;
		assert_int_equal(chan_sealed_recv(&sb, NULL, NULL, out, 100, &need, 0), CHAN_ENOSPC);
		assert_int_equal(need, 100 + CHAN_SEALED_TAG);
		assert_int_equal(chan_sealed_send(&sa, CHAN_MSG_STREAM, 1, msg, sizeof(scratch_a), 0), CHAN_ETOOBIG);
		pair_close(&p);
	}
}

/* ---- the host in the middle ---- */

struct mitm {
	struct pair in, out;       /* sender -> host on `in`; host -> receiver on `out` */
	struct chan_sealed sender, receiver;
	struct rec {
		uint16_t type;
		uint64_t id;
		size_t len;
		uint8_t bytes[600];
	} recs[4];
};

static void mitm_open(struct mitm *m, unsigned aead)
{
	struct chan_keypair ka, kb;

	keypair(&ka, 3);
	keypair(&kb, 4);
	pair_open(&m->in);
	pair_open(&m->out);
	assert_int_equal(chan_sealed_init(&m->sender, &m->in.a, aead, &ka, kb.pub, true, scratch_a, sizeof(scratch_a)), 0);
	assert_int_equal(chan_sealed_init(&m->receiver, &m->out.b, aead, &kb, ka.pub, false, scratch_b, sizeof(scratch_b)),
			 0);
	/* The sender seals four records; the host takes them off the ring. */
	for (unsigned i = 0; i < 4; i++) {
		char msg[64];
		snprintf(msg, sizeof(msg), "record %u of the sender", i);
		assert_int_equal(chan_sealed_send(&m->sender, CHAN_MSG_STREAM, i, msg, strlen(msg), 0), 0);
		struct rec *r = &m->recs[i];
		assert_int_equal(chan_recv(&m->in.b, &r->type, &r->id, r->bytes, sizeof(r->bytes), &r->len, 0), 0);
	}
}

static void mitm_close(struct mitm *m)
{
	pair_close(&m->in);
	pair_close(&m->out);
}

static void forward(struct mitm *m, const struct rec *r, size_t len, uint16_t type)
{
	assert_int_equal(chan_send(&m->out.a, type, r->id, r->bytes, len, 0), 0);
}

static int receive(struct mitm *m, char *text)
{
	uint8_t out[700];
	size_t len;
	uint64_t id;
	int rc = chan_sealed_recv(&m->receiver, NULL, &id, out, sizeof(out), &len, 0);

	if (rc == 0 && text) {
		memcpy(text, out, len);
		text[len] = '\0';
	}
	return rc;
}

static void test_host_changes_refused(void **state)
{
	static const unsigned aeads[] = { CHAN_AEAD_AES256_GCM, CHAN_AEAD_CHACHA20_POLY1305 };
	char text[700];

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned attack = 0; attack < 7; attack++) {
			struct mitm m;
			mitm_open(&m, aeads[k]);
			/* Record 0 passes untouched in every case. */
			forward(&m, &m.recs[0], m.recs[0].len, m.recs[0].type);
			assert_int_equal(receive(&m, text), 0);
			assert_string_equal(text, "record 0 of the sender");
			struct rec r = m.recs[1];
			switch (attack) {
			case 0: /* a bit of the ciphertext */
				r.bytes[3] ^= 0x10;
				forward(&m, &r, r.len, r.type);
				break;
			case 1: /* a bit of the tag */
				r.bytes[r.len - 1] ^= 1;
				forward(&m, &r, r.len, r.type);
				break;
			case 2: /* replayed: record 0 again */
				forward(&m, &m.recs[0], m.recs[0].len, m.recs[0].type);
				break;
			case 3: /* reordered: record 2 before 1 */
				forward(&m, &m.recs[2], m.recs[2].len, m.recs[2].type);
				break;
			case 4: /* cut short, then cut below the tag */
				forward(&m, &r, r.len - 1, r.type);
				break;
			case 5:
				forward(&m, &r, CHAN_SEALED_TAG - 1, r.type);
				break;
			case 6: /* the clear frame's type changed */
				forward(&m, &r, r.len, CHAN_MSG_ERROR);
				break;
			}
			if (receive(&m, text) != CHAN_EAUTH)
				fail_msg("aead %u, attack %u not refused", aeads[k], attack);
			/* For good: the genuine record 1 is refused now too. */
			forward(&m, &m.recs[1], m.recs[1].len, m.recs[1].type);
			assert_int_equal(receive(&m, text), CHAN_EAUTH);
			mitm_close(&m);
		}
	}
}

static void test_wrong_keys_refused(void **state)
{
	struct chan_keypair ka, kb, kc;
	struct pair p;
	struct chan_sealed sa, sb;
	uint8_t zero[32] = { 0 }, out[64];
	size_t len;

	(void)state;
	keypair(&ka, 5);
	keypair(&kb, 6);
	keypair(&kc, 7);
	pair_open(&p);
	/* The receiver believes it talks to c. */
	assert_int_equal(chan_sealed_init(&sa, &p.a, CHAN_AEAD_AES256_GCM, &ka, kb.pub, true, scratch_a, sizeof(scratch_a)), 0);
	assert_int_equal(chan_sealed_init(&sb, &p.b, CHAN_AEAD_AES256_GCM, &kb, kc.pub, false, scratch_b, sizeof(scratch_b)), 0);
	assert_int_equal(chan_sealed_send(&sa, CHAN_MSG_REQUEST, 1, "hello", 5, 0), 0);
	assert_int_equal(chan_sealed_recv(&sb, NULL, NULL, out, sizeof(out), &len, 0), CHAN_EAUTH);
	/* A small-order public key gives no secret. */
	assert_int_equal(chan_sealed_init(&sa, &p.a, CHAN_AEAD_AES256_GCM, &ka, zero, true, scratch_a, sizeof(scratch_a)),
			 CHAN_EAUTH);
	assert_int_equal(chan_sealed_init(&sa, &p.a, 9, &ka, kb.pub, true, scratch_a, sizeof(scratch_a)), CHAN_EINVAL);
	pair_close(&p);
}

/* OpenSSL opens a record with what the header says: the key of that
 * direction, nonce = direction || 0 || seq (LE), the 32 bytes of AAD. */
static void test_openssl_opens_a_record(void **state)
{
	static const unsigned aeads[] = { CHAN_AEAD_AES256_GCM, CHAN_AEAD_CHACHA20_POLY1305 };

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		struct mitm m;
		mitm_open(&m, aeads[k]);
		const struct rec *r = &m.recs[2]; /* seq 2 */
		uint8_t nonce[12] = { 0 }, aad[32], plain[600];
		nonce[4] = 2;
		memcpy(aad, "caec", 4);
		aad[4] = 0;
		aad[5] = (uint8_t)aeads[k];
		aad[6] = (uint8_t)r->type;
		aad[7] = (uint8_t)(r->type >> 8);
		memset(aad + 8, 0, 24);
		aad[8] = 2;
		aad[16] = (uint8_t)r->id;
		aad[24] = (uint8_t)r->len;
		aad[25] = (uint8_t)(r->len >> 8);
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		const EVP_CIPHER *cipher = aeads[k] == CHAN_AEAD_AES256_GCM ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
		int n = 0, fin = 0;
		size_t clen = r->len - CHAN_SEALED_TAG;
		assert_int_equal(EVP_DecryptInit_ex(c, cipher, NULL, NULL, NULL), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL), 1);
		assert_int_equal(EVP_DecryptInit_ex(c, NULL, NULL, m.sender.tx.key, nonce), 1);
		assert_int_equal(EVP_DecryptUpdate(c, NULL, &n, aad, sizeof(aad)), 1);
		assert_int_equal(EVP_DecryptUpdate(c, plain, &n, r->bytes, (int)clen), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(r->bytes + clen)), 1);
		assert_int_equal(EVP_DecryptFinal_ex(c, plain + n, &fin), 1);
		EVP_CIPHER_CTX_free(c);
		assert_int_equal((size_t)(n + fin), clen);
		assert_memory_equal(plain, "record 2 of the sender", clen);
		mitm_close(&m);
	}
}

static void test_peer_token_check(void **state)
{
	size_t len;
	uint8_t *tok = test_read_vector("cca-token-01.cbor", &len);
	struct peer_token t, mine, out;
	const char *why = NULL;

	(void)state;
	if (peer_token_parse(tok, len, &t, &why) != 0)
		fail_msg("the vector does not parse: %s", why);
	assert_true(t.rim_len == 32 || t.rim_len == 48 || t.rim_len == 64);
	assert_int_equal(t.rak_claim_len, 97);
	/* Checked against itself as "our" token: passes; then each check bites. */
	mine = t;
	assert_int_equal(peer_token_check(tok, len, &mine, t.challenge, t.rim, t.rim_len, &out, &why), 0);
	uint8_t other[64];
	memcpy(other, t.challenge, 64);
	other[0] ^= 1;
	assert_int_equal(peer_token_check(tok, len, &mine, other, t.rim, t.rim_len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the peer's token is not bound to its key and our nonce");
	memcpy(other, t.rim, t.rim_len);
	other[3] ^= 1;
	assert_int_equal(peer_token_check(tok, len, &mine, t.challenge, other, t.rim_len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the peer's RIM is not the one expected");
	mine.rak_claim[10] ^= 1;
	assert_int_equal(peer_token_check(tok, len, &mine, t.challenge, t.rim, t.rim_len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the peer's token is signed by another machine's RAK");
	mine = t;
	mine.platform_claims_digest[5] ^= 1;
	assert_int_equal(peer_token_check(tok, len, &mine, t.challenge, t.rim, t.rim_len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the peer's platform token is not this machine's");
	mine = t;
	/* The platform token is the first COSE_Sign1 of the collection; its
	 * challenge (claim 10, a 32-byte bstr) binds it to the RAK. */
	static const uint8_t plat_challenge[] = { 0x0a, 0x58, 0x20 };
	uint8_t *copy = malloc(len);
	memcpy(copy, tok, len);
	uint8_t *ch = memmem(copy, len, plat_challenge, sizeof(plat_challenge));
	assert_non_null(ch);
	ch[sizeof(plat_challenge) + 4] ^= 1;
	assert_int_equal(peer_token_parse(copy, len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the platform token is not bound to the realm token's RAK");
	/* Another platform claim changed (the CPAK signature is not checked in a
	 * realm): the token parses, but is not this machine's. */
	memcpy(copy, tok, len);
	static const uint8_t impl_id[] = { 0x19, 0x09, 0x5c, 0x58, 0x20 }; /* claim 2396, bstr 32 */
	uint8_t *impl = memmem(copy, len, impl_id, sizeof(impl_id));
	assert_non_null(impl);
	impl[sizeof(impl_id)] ^= 1;
	assert_int_equal(peer_token_parse(copy, len, &out, &why), 0);
	assert_int_equal(peer_token_check(copy, len, &mine, t.challenge, t.rim, t.rim_len, &out, &why), CHAN_EATTEST);
	assert_string_equal(why, "the peer's platform token is not this machine's");
	free(copy);
	/* Any byte of the realm token changed: refused, no crash. The realm
	 * token is the second COSE_Sign1 (tag 18, ES384 protected header). */
	static const uint8_t sign1[] = { 0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x22 };
	const uint8_t *first = memmem(tok, len, sign1, sizeof(sign1));
	assert_non_null(first);
	const uint8_t *second = memmem(first + 1, len - (size_t)(first + 1 - tok), sign1, sizeof(sign1));
	assert_non_null(second);
	unsigned refused = 0, tried = 0;
	for (size_t i = (size_t)(second - tok); i < len; i += 7) {
		uint8_t *copy = malloc(len);
		memcpy(copy, tok, len);
		copy[i] ^= 0x41;
		tried++;
		refused += peer_token_parse(copy, len, &out, &why) == CHAN_EATTEST;
		free(copy);
	}
	assert_int_equal(refused, tried);
	/* Truncated anywhere: refused. */
	for (size_t cut = 0; cut < len; cut += 13)
		assert_int_equal(peer_token_parse(tok, cut, &out, &why), CHAN_EATTEST);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_host_changes_refused),
		cmocka_unit_test(test_wrong_keys_refused),
		cmocka_unit_test(test_openssl_opens_a_record),
		cmocka_unit_test(test_peer_token_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
