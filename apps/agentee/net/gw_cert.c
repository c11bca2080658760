/* The gateway's TLS identity (gw_cert.h): DER written by hand, since the
 * certificate's shape never changes (X.509 v3 without extensions). */
#include "abi/caec_link.h"
#include "gw_cert.h"

/* A DER length's encoding: its size, written at p when p is not NULL. */
static size_t der_len(unsigned char *p, size_t len)
{
	if (len < 0x80) {
		if (p)
			p[0] = (unsigned char)len;
		return 1;
	}
	if (len < 0x100) {
		if (p) {
			p[0] = 0x81;
			p[1] = (unsigned char)len;
		}
		return 2;
	}
	if (p) {
		p[0] = 0x82;
		p[1] = (unsigned char)(len >> 8);
		p[2] = (unsigned char)len;
	}
	return 3;
}

struct der {
	unsigned char *buf;
	size_t cap, len;
	int bad;
};

static void put(struct der *d, const void *p, size_t n)
{
	if (d->bad || n > d->cap - d->len) {
		d->bad = 1;
		return;
	}
	__builtin_memcpy(d->buf + d->len, p, n);
	d->len += n;
}

/* Writes tag, length and content. */
static void tlv(struct der *d, unsigned char tag, const void *content, size_t n)
{
	unsigned char head[4];

	head[0] = tag;
	size_t h = 1 + der_len(head + 1, n);
	put(d, head, h);
	put(d, content, n);
}

/* Wraps everything written since `from` in a TLV of that tag. */
static void wrap(struct der *d, size_t from, unsigned char tag)
{
	unsigned char head[4];
	size_t n = d->len - from;

	head[0] = tag;
	size_t h = 1 + der_len(head + 1, n);
	if (d->bad || h > d->cap - d->len) {
		d->bad = 1;
		return;
	}
	__builtin_memmove(d->buf + from + h, d->buf + from, n);
	__builtin_memcpy(d->buf + from, head, h);
	d->len += h;
}

static const unsigned char oid_ecdsa_sha256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char oid_ec_public_key[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };

static void name(struct der *d, const char *cn)
{
	size_t n = 0, seq = d->len;

	while (cn[n])
		n++;
	put(d, oid_cn, sizeof(oid_cn));
	tlv(d, 0x0c, cn, n); /* UTF8String */
	wrap(d, seq, 0x30);
	wrap(d, seq, 0x31); /* SET */
	wrap(d, seq, 0x30);
}

static void sig_alg(struct der *d)
{
	size_t at = d->len;

	put(d, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
	wrap(d, at, 0x30);
}

int gw_identity_make(struct gw_identity *id, const br_prng_class **rng, const char *cn)
{
	const br_ec_impl *ec = br_ec_get_default();
	unsigned char pub_buf[BR_EC_KBUF_PUB_MAX_SIZE], serial[9], hash[32], sig[80];
	unsigned char tbs_buf[GW_CERT_MAX];
	br_ec_public_key pk;

	if (br_ec_keygen(rng, ec, &id->sk, id->sk_buf, BR_EC_secp256r1) == 0 ||
	    br_ec_compute_pub(ec, &pk, pub_buf, &id->sk) != GW_PUB_SIZE)
		return -1;
	__builtin_memcpy(id->pub, pk.q, GW_PUB_SIZE);
	/* A positive 64-bit serial number. */
	serial[0] = 0;
	(*rng)->generate(rng, serial + 1, 8);
	serial[1] &= 0x7f;
	serial[1] |= 0x40;

	struct der t = { tbs_buf, sizeof(tbs_buf), 0, 0 };
	static const unsigned char v3[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
	put(&t, v3, sizeof(v3));
	tlv(&t, 0x02, serial + 1, 8);
	sig_alg(&t);
	name(&t, cn);
	size_t at = t.len;
	tlv(&t, 0x17, "250101000000Z", 13);   /* UTCTime */
	tlv(&t, 0x18, "20991231235959Z", 15); /* GeneralizedTime */
	wrap(&t, at, 0x30);
	name(&t, cn);
	at = t.len;
	size_t alg = t.len;
	put(&t, oid_ec_public_key, sizeof(oid_ec_public_key));
	put(&t, oid_p256, sizeof(oid_p256));
	wrap(&t, alg, 0x30);
	unsigned char bits[1 + GW_PUB_SIZE];
	bits[0] = 0;
	__builtin_memcpy(bits + 1, id->pub, GW_PUB_SIZE);
	tlv(&t, 0x03, bits, sizeof(bits));
	wrap(&t, at, 0x30);
	wrap(&t, 0, 0x30);
	if (t.bad)
		return -1;

	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, tbs_buf, t.len);
	br_sha256_out(&h, hash);
	size_t sl = br_ecdsa_i31_sign_asn1(ec, &br_sha256_vtable, hash, &id->sk, sig);
	if (sl == 0)
		return -1;

	struct der c = { id->cert, sizeof(id->cert), 0, 0 };
	put(&c, tbs_buf, t.len);
	sig_alg(&c);
	unsigned char sbits[1 + sizeof(sig)];
	sbits[0] = 0;
	__builtin_memcpy(sbits + 1, sig, sl);
	tlv(&c, 0x03, sbits, 1 + sl);
	wrap(&c, 0, 0x30);
	if (c.bad)
		return -1;
	id->cert_len = c.len;
	return 0;
}

void gw_cert_challenge(const unsigned char pub[GW_PUB_SIZE], const unsigned char nonce[GW_NONCE_SIZE],
		       unsigned char out[64])
{
	static const char label[] = LINK_TLS_KEY_LABEL;
	br_sha512_context h;

	br_sha512_init(&h);
	br_sha512_update(&h, label, sizeof(label) - 1);
	br_sha512_update(&h, pub, GW_PUB_SIZE);
	br_sha512_update(&h, nonce, GW_NONCE_SIZE);
	br_sha512_out(&h, out);
}
