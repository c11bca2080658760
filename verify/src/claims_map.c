/* Duplicate-free map walking and typed claim readers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "claims_map.h"

int claims_fail_cbor(struct verify_result *res, enum verify_check check, const char *what,
		     const struct cbor_reader *r)
{
	return verify_fail(res, check, "%s: %s (byte %zu)", what,
			   r->err.reason ? r->err.reason : "malformed CBOR", r->err.offset);
}

void claim_text_printable(struct cca_text t, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < t.len && n + 4 < size; i++) {
		char c = t.ptr[i];
		out[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	if (n < t.len && n + 4 <= size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

int claim_check_profile(struct cca_text profile, const char *const *known, bool strict,
			enum verify_check check, struct verify_result *res)
{
	char shown[72];
	for (size_t i = 0; known[i]; i++)
		if (cca_text_eq(profile, known[i]))
			return 0;
	claim_text_printable(profile, shown, sizeof(shown));
	if (strict)
		return verify_fail(res, check, "claim 265: unknown profile \"%s\" (strict mode)", shown);
	verify_note(res, check, "unknown-profile",
		    "claim 265: unknown profile \"%s\", claims read as %s (strict mode refuses)", shown,
		    known[0]);
	return 0;
}

void claim_key_describe(const struct claim_key *key, char *out, size_t size)
{
	if (key->is_text) {
		/* Claim names are attacker text: show printable ASCII only. */
		char clean[48];
		size_t n = 0;
		for (size_t i = 0; i < key->text_len && n + 1 < sizeof(clean); i++) {
			char c = key->text[i];
			clean[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		}
		clean[n] = '\0';
		snprintf(out, size, "claim \"%s\"%s", clean, key->text_len >= sizeof(clean) ? "..." : "");
	} else if (key->parent) {
		snprintf(out, size, "claim %" PRId64 " key %" PRId64, key->parent, key->num);
	} else {
		snprintf(out, size, "claim %" PRId64, key->num);
	}
}

static bool keys_equal(const struct claim_key *a, const struct claim_key *b)
{
	if (a->is_text != b->is_text)
		return false;
	if (!a->is_text)
		return a->num == b->num;
	return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
}

int claims_map_open(struct claims_map *m, struct cbor_reader *r, enum verify_check check,
		    const char *what, struct verify_result *res)
{
	m->r = r;
	m->index = 0;
	if (cbor_read_map(r, &m->pairs) != 0)
		return claims_fail_cbor(res, check, what, r);
	if (m->pairs > CCA_MAX_CLAIMS)
		return verify_fail(res, check, "%s: %" PRIu64 " entries, more than the limit of %d",
				   what, m->pairs, CCA_MAX_CLAIMS);
	return 0;
}

int claims_map_next(struct claims_map *m, struct claim_key *key, enum verify_check check,
		    const char *what, struct verify_result *res)
{
	if (m->index == m->pairs)
		return 0;
	struct cbor_reader *r = m->r;
	struct cbor_head h;
	if (cbor_peek_head(r, &h) != 0)
		return claims_fail_cbor(res, check, what, r);
	memset(key, 0, sizeof(*key));
	key->offset = h.offset;
	if (h.major == CBOR_MAJOR_TSTR) {
		key->is_text = true;
		if (cbor_read_tstr(r, &key->text, &key->text_len) != 0)
			return claims_fail_cbor(res, check, what, r);
	} else if (h.major == CBOR_MAJOR_UINT || h.major == CBOR_MAJOR_NEGINT) {
		if (cbor_read_int(r, &key->num) != 0)
			return claims_fail_cbor(res, check, what, r);
	} else {
		return verify_fail(res, check, "%s: key at byte %zu is neither an integer nor text",
				   what, h.offset);
	}
	for (uint64_t i = 0; i < m->index; i++) {
		if (keys_equal(&m->seen[i], key)) {
			char name[80];
			claim_key_describe(key, name, sizeof(name));
			return verify_fail(res, check, "%s: duplicate %s (byte %zu)", what, name,
					   key->offset);
		}
	}
	m->seen[m->index++] = *key;
	return 1;
}

int claims_map_walk(struct cbor_reader *r, const char *what, enum verify_check check,
		    claim_read_fn read, bool strict, void *out, unsigned *have,
		    struct verify_result *res)
{
	struct claims_map m;
	struct claim_key key;
	int rc;
	if (claims_map_open(&m, r, check, what, res) != 0)
		return -EBADMSG;
	while ((rc = claims_map_next(&m, &key, check, what, res)) == 1)
		if (read(r, &key, strict, out, have, res) != 0)
			return -EBADMSG;
	return rc < 0 ? -EBADMSG : 0;
}

int claims_decode_map(const uint8_t *buf, size_t len, const char *what, enum verify_check check,
		      claim_read_fn read, bool strict, void *out,
		      const struct claim_required *required, size_t num_required,
		      struct verify_result *res)
{
	struct cbor_reader r;
	unsigned have = 0;
	if (cbor_reader_init(&r, buf, len) != 0)
		return claims_fail_cbor(res, check, what, &r);
	if (claims_map_walk(&r, what, check, read, strict, out, &have, res) != 0)
		return -EBADMSG;
	if (!cbor_at_end(&r))
		return verify_fail(res, check, "%s: %zu bytes after the claims map", what, len - r.pos);
	for (size_t i = 0; i < num_required; i++)
		if (!(have & required[i].bit))
			return verify_fail(res, check, "mandatory claim %d (%s) is missing",
					   required[i].key, required[i].name);
	return 0;
}

int claim_bstr(struct cbor_reader *r, const struct claim_key *key, size_t min, size_t max,
	       struct cca_bytes *out, enum verify_check check, struct verify_result *res)
{
	char name[80];
	claim_key_describe(key, name, sizeof(name));
	if (cbor_read_bstr(r, &out->ptr, &out->len) != 0)
		return claims_fail_cbor(res, check, name, r);
	if (out->len < min || out->len > max) {
		if (min == max)
			return verify_fail(res, check, "%s: %zu bytes, must be %zu", name, out->len, min);
		return verify_fail(res, check, "%s: %zu bytes, must be %zu..%zu", name, out->len, min,
				   max);
	}
	return 0;
}

int claim_digest(struct cbor_reader *r, const struct claim_key *key, struct cca_bytes *out,
		 enum verify_check check, struct verify_result *res)
{
	if (claim_bstr(r, key, 32, 64, out, check, res) != 0)
		return -EBADMSG;
	if (out->len != 32 && out->len != 48 && out->len != 64) {
		char name[80];
		claim_key_describe(key, name, sizeof(name));
		return verify_fail(res, check, "%s: %zu bytes, a digest is 32, 48 or 64", name,
				   out->len);
	}
	return 0;
}

int claim_tstr(struct cbor_reader *r, const struct claim_key *key, struct cca_text *out,
	       enum verify_check check, struct verify_result *res)
{
	if (cbor_read_tstr(r, &out->ptr, &out->len) != 0) {
		char name[80];
		claim_key_describe(key, name, sizeof(name));
		return claims_fail_cbor(res, check, name, r);
	}
	return 0;
}

int claim_uint(struct cbor_reader *r, const struct claim_key *key, uint64_t max, uint64_t *out,
	       enum verify_check check, struct verify_result *res)
{
	char name[80];
	claim_key_describe(key, name, sizeof(name));
	if (cbor_read_uint(r, out) != 0)
		return claims_fail_cbor(res, check, name, r);
	if (*out > max)
		return verify_fail(res, check, "%s: %" PRIu64 " is above the maximum %" PRIu64, name,
				   *out, max);
	return 0;
}

int claim_unknown(struct cbor_reader *r, const struct claim_key *key, bool strict,
		  size_t *num_unknown, enum verify_check check, struct verify_result *res)
{
	char name[80];
	claim_key_describe(key, name, sizeof(name));
	if (strict)
		return verify_fail(res, check, "unknown %s (strict mode refuses unknown claims)", name);
	if (cbor_skip(r, NULL, NULL) != 0)
		return claims_fail_cbor(res, check, name, r);
	if (num_unknown)
		(*num_unknown)++;
	return 0;
}
