/*
 * Claim 65002 of the realm token (caec-ext.md): one map per region the realm
 * owns or maps, with the owner's identity and digests of the region's
 * membership and ACL, in the bytes verify/README.md defines (the verifier
 * recomputes both digests from the region report).
 *
 * The claim is a snapshot taken at ATTEST_TOKEN_INIT: the realm's references
 * are copied under its RD lock, then the regions' CSMDs are locked (in
 * ascending PA, the only place that holds several) for the whole token
 * build, so the two encoding passes of the payload see the same regions.
 * Under them the CSM_METAs and the members' RDs (for their RIMs) are taken
 * one at a time (granule.c, rule 3).
 */
#include "attest.h"
#include "cbor_enc.h"
#include "csm.h"
#include "csm_member.h"
#include "measurement.h"
#include "realm.h"

#define ROLE_OWNER  0u
#define ROLE_MEMBER 1u
/* The longest CBOR item hashed at once: [kind, bstr(H + 64), perms]. */
#define ITEM_MAX (1 + 1 + 2 + 128 + 3)

void attest_regions_snapshot(const struct rd *rd, uint64_t rd_pa, struct attest_realm_state *st)
{
	st->num_regions = 0;
	st->rd_pa = rd_pa;
	__builtin_memcpy(st->realm_id, rd->realm_id, sizeof(st->realm_id));
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		const struct rd_csm_ref *ref = &rd->csm_refs[i];
		unsigned k;

		if (ref->csm_id == 0)
			continue;
		for (k = 0; k < st->num_regions && st->regions[k].csm_id != ref->csm_id; k++)
			;
		if (k == st->num_regions)
			st->regions[st->num_regions++] =
				(struct attest_region){ .csm_id = ref->csm_id, .csmd_pa = ref->csmd_pa };
		if (ref->role == RD_CSM_OWNER)
			st->regions[k].owner = true; /* one entry: the owner's role wins */
	}
}

void attest_regions_lock(struct attest_realm_state *st)
{
	unsigned kept = 0;

	/* Ascending CSMD PA: insertion sort of at most 16. */
	for (unsigned i = 1; i < st->num_regions; i++)
		for (unsigned j = i; j > 0 && st->regions[j - 1].csmd_pa > st->regions[j].csmd_pa; j--) {
			struct attest_region t = st->regions[j];
			st->regions[j] = st->regions[j - 1];
			st->regions[j - 1] = t;
		}
	for (unsigned i = 0; i < st->num_regions; i++) {
		struct granule *g = csmd_lock_valid(st->regions[i].csmd_pa, st->regions[i].csm_id);

		if (!g)
			continue; /* gone since the snapshot: not the realm's any more */
		st->regions[i].g = g;
		st->regions[kept++] = st->regions[i];
	}
	st->num_regions = kept;
}

void attest_regions_unlock(struct attest_realm_state *st)
{
	for (unsigned i = 0; i < st->num_regions; i++)
		granule_unlock(st->regions[i].g);
	st->num_regions = 0;
}

static enum plat_hash_alg hash_of(uint32_t algo)
{
	return algo == RMI_HASH_SHA_512 ? PLAT_HASH_SHA512 : PLAT_HASH_SHA256;
}

/* Hashes one encoded item into h; false if it does not fit or hashing fails. */
static bool hash_item(struct plat_hash_ctx *h, const struct cbor_enc *e)
{
	return cbor_enc_ok(e) && plat_hash_update(h, e->buf, e->len);
}

/* [kind, value at the kind's length, perms] of ACL entry a. */
static size_t encode_acl_entry(const struct csm_acl_entry *a, size_t hs, uint8_t out[ITEM_MAX])
{
	uint8_t value[CSM_IDENTITY_VALUE_SIZE];
	size_t n = a->kind == CSM_IDENTITY_REALM_ID ? CAEC_REALM_ID_SIZE : hs;
	struct cbor_enc e;

	__builtin_memcpy(value, a->value, n);
	if (a->kind == CSM_IDENTITY_RIM_RPV) {
		__builtin_memcpy(value + hs, a->value + CSM_IDENTITY_VALUE_SIZE / 2, CSM_IDENTITY_VALUE_SIZE / 2);
		n = hs + CSM_IDENTITY_VALUE_SIZE / 2;
	}
	cbor_enc_init(&e, out, ITEM_MAX);
	cbor_enc_array(&e, 3);
	cbor_enc_uint(&e, a->kind);
	cbor_enc_bstr(&e, value, n);
	cbor_enc_uint(&e, a->perms);
	return cbor_enc_ok(&e) ? e.len : 0;
}

/* Bytewise order of encodings, a prefix first. */
static int encoding_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = __builtin_memcmp(a, b, n);

	return c ? c : (al > bl) - (al < bl);
}

/* H(CBOR array of the entries, sorted bytewise by their encoding). */
static bool acl_digest(const struct csm_meta *meta, uint32_t algo, uint8_t out[64])
{
	size_t hs = measurement_hash_size(algo);
	unsigned order[CSM_ACL_ENTRIES], n = 0;
	uint8_t a_buf[ITEM_MAX], b_buf[ITEM_MAX], head[9];
	struct plat_hash_ctx h;
	struct cbor_enc e;

	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++) {
		if (meta->acl[i].kind == 0)
			continue;
		unsigned j = n++;
		size_t il = encode_acl_entry(&meta->acl[i], hs, a_buf);
		while (j > 0) {
			size_t pl = encode_acl_entry(&meta->acl[order[j - 1]], hs, b_buf);
			if (encoding_cmp(b_buf, pl, a_buf, il) <= 0)
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	__builtin_memset(out, 0, 64);
	cbor_enc_init(&e, head, sizeof(head));
	cbor_enc_array(&e, n);
	if (!plat_hash_init(&h, hash_of(algo)))
		return false;
	bool ok = hash_item(&h, &e);
	for (unsigned i = 0; i < n; i++) {
		size_t l = encode_acl_entry(&meta->acl[order[i]], hs, a_buf);
		ok = l != 0 && plat_hash_update(&h, a_buf, l) && ok;
	}
	return plat_hash_final(&h, out) && ok;
}

/* H(CBOR array of [realm_id, rim, perms], sorted by realm ID). */
static bool membership_digest(const struct csm_meta *meta, uint32_t algo, uint8_t out[64])
{
	size_t hs = measurement_hash_size(algo);
	unsigned order[CSM_MAX_MEMBERS], n = 0;
	uint8_t item[ITEM_MAX];
	struct plat_hash_ctx h;
	struct cbor_enc e;

	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++) {
		if (meta->members[i].state == CSM_MEMBER_FREE)
			continue;
		unsigned j = n++;
		while (j > 0 && __builtin_memcmp(meta->members[order[j - 1]].realm_id, meta->members[i].realm_id,
						 CAEC_REALM_ID_SIZE) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	__builtin_memset(out, 0, 64);
	cbor_enc_init(&e, item, sizeof(item));
	cbor_enc_array(&e, n);
	if (!plat_hash_init(&h, hash_of(algo)))
		return false;
	bool ok = hash_item(&h, &e);
	for (unsigned i = 0; i < n; i++) {
		const struct csm_member *mb = &meta->members[order[i]];
		uint8_t rim[64];
		struct rd *rd;
		struct granule *g_rd = csm_lock_member_rd(mb, &rd);

		__builtin_memcpy(rim, rd->rim, sizeof(rim));
		rd_unlock(g_rd, rd);
		cbor_enc_init(&e, item, sizeof(item));
		cbor_enc_array(&e, 3);
		cbor_enc_bstr(&e, mb->realm_id, CAEC_REALM_ID_SIZE);
		cbor_enc_bstr(&e, rim, hs);
		cbor_enc_uint(&e, mb->perms);
		ok = hash_item(&h, &e) && ok;
	}
	return plat_hash_final(&h, out) && ok;
}

/* Whether the region's owner still lives; once it does not, the region says
 * so for good (owner destroyed, and sealed: nobody can grant any more). */
static void refresh_owner(struct csmd *csmd)
{
	struct rd *rd;
	struct granule *g = rd_lock_valid(csmd->owner.rd_pa, csmd->owner.realm_id, &rd);
	bool alive = g != NULL;

	if (g)
		rd_unlock(g, rd);
	if (!alive && !(csmd->flags & CSMD_FLAG_OWNER_DESTROYED)) {
		csmd->flags |= CSMD_FLAG_OWNER_DESTROYED | CSMD_FLAG_SEALED;
		csmd->generation++;
	}
}

/* The realm's own member entry's perms, 0 if it does not map the region. */
static uint64_t own_perms(const struct csm_meta *meta, const struct attest_realm_state *st)
{
	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++) {
		const struct csm_member *mb = &meta->members[i];
		if (mb->state != CSM_MEMBER_FREE && mb->rd_pa == st->rd_pa &&
		    __builtin_memcmp(mb->realm_id, st->realm_id, CAEC_REALM_ID_SIZE) == 0)
			return mb->perms & (CSM_PERM_READ | CSM_PERM_WRITE);
	}
	return 0;
}

static bool put_region(struct cbor_enc *e, const struct attest_realm_state *st, const struct attest_region *r)
{
	struct csmd *csmd = csmd_map(r->g);
	struct granule *g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META,
						     "attest: CSM_META is not CSM_META");
	struct csm_meta *meta = granule_map(g_meta);
	size_t hs = measurement_hash_size(csmd->owner.hash_algo);
	uint8_t members[64], acl[64];
	bool ok;

	refresh_owner(csmd);
	ok = membership_digest(meta, csmd->owner.hash_algo, members) &&
	     acl_digest(meta, csmd->owner.hash_algo, acl);
	cbor_enc_map(e, 9);
	cbor_enc_uint(e, CAEC_REGION_CSM_ID);
	cbor_enc_uint(e, csmd->csm_id);
	cbor_enc_uint(e, CAEC_REGION_ROLE);
	cbor_enc_uint(e, r->owner ? ROLE_OWNER : ROLE_MEMBER);
	cbor_enc_uint(e, CAEC_REGION_PERMS);
	cbor_enc_uint(e, own_perms(meta, st));
	cbor_enc_uint(e, CAEC_REGION_OWNER_RIM);
	cbor_enc_bstr(e, csmd->owner.rim, hs);
	cbor_enc_uint(e, CAEC_REGION_MEMBERSHIP_DIGEST);
	cbor_enc_bstr(e, members, hs);
	cbor_enc_uint(e, CAEC_REGION_GENERATION);
	cbor_enc_uint(e, csmd->generation);
	cbor_enc_uint(e, CAEC_REGION_OWNER_REALM_ID);
	cbor_enc_bstr(e, csmd->owner.realm_id, CAEC_REALM_ID_SIZE);
	cbor_enc_uint(e, CAEC_REGION_ACL_DIGEST);
	cbor_enc_bstr(e, acl, hs);
	cbor_enc_uint(e, CAEC_REGION_FLAGS);
	cbor_enc_uint(e, csmd->flags & (CSMD_FLAG_OWNER_DESTROYED | CSMD_FLAG_SEALED));
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	return ok;
}

bool attest_put_regions(struct cbor_enc *e, const struct attest_realm_state *st)
{
	bool ok = true;

	cbor_enc_uint(e, CAEC_CLAIM_REGIONS);
	cbor_enc_array(e, st->num_regions);
	for (unsigned i = 0; i < st->num_regions; i++)
		ok = put_region(e, st, &st->regions[i]) && ok;
	return ok;
}
