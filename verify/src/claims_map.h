/*
 * Walking one CBOR map whose keys are integers or text (claims maps, COSE
 * headers, COSE_Key, software components) with duplicate keys refused: a
 * duplicate would let two parties read different values from one token.
 * Internal to the verifier.
 */
#ifndef CAEC_VERIFY_CLAIMS_MAP_H
#define CAEC_VERIFY_CLAIMS_MAP_H

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/result.h"

struct claim_key {
	bool is_text;
	int64_t num;
	int64_t parent; /* nonzero: a key inside that claim's map ("claim 65002 key 7") */
	const char *text;
	size_t text_len;
	size_t offset;
};

struct claims_map {
	struct cbor_reader *r;
	uint64_t pairs;
	uint64_t index;
	struct claim_key seen[CCA_MAX_CLAIMS];
};

/* Reads the map head; fails (into res, as check) past CCA_MAX_CLAIMS entries. */
int claims_map_open(struct claims_map *m, struct cbor_reader *r, enum verify_check check,
		    const char *what, struct verify_result *res);
/* 1 with *key read (the value is next in the reader), 0 at the end, or -EBADMSG. */
int claims_map_next(struct claims_map *m, struct claim_key *key, enum verify_check check,
		    const char *what, struct verify_result *res);

/*
 * Reads one value whose key was just read, storing it in out (the claims
 * struct being filled) and setting bits in *have for keys the caller must
 * see; 0, or nonzero with the failure in res.
 */
typedef int (*claim_read_fn)(struct cbor_reader *r, const struct claim_key *key, bool strict,
			     void *out, unsigned *have, struct verify_result *res);

/* Walks the map at the reader, calling read for every key; 0 or -EBADMSG. */
int claims_map_walk(struct cbor_reader *r, const char *what, enum verify_check check,
		    claim_read_fn read, bool strict, void *out, unsigned *have,
		    struct verify_result *res);

/* A claim that must be present: its bit in *have, its key and name for the message. */
struct claim_required {
	unsigned bit;
	int key;
	const char *name;
};

/*
 * A whole token payload: one claims map (walked as above), nothing after it,
 * and every required claim present, the first missing one reported.
 */
int claims_decode_map(const uint8_t *buf, size_t len, const char *what, enum verify_check check,
		      claim_read_fn read, bool strict, void *out,
		      const struct claim_required *required, size_t num_required,
		      struct verify_result *res);

/* Records the reader's CBOR error as a failure of check. */
int claims_fail_cbor(struct verify_result *res, enum verify_check check, const char *what,
		     const struct cbor_reader *r);
/* "claim 44237" or "claim \"name\"" for messages. */
void claim_key_describe(const struct claim_key *key, char *out, size_t size);

/* Attacker text for messages: printable ASCII, '?' for the rest, "..." when cut. */
void claim_text_printable(struct cca_text t, char *out, size_t size);
/*
 * Claim 265 against the profiles this verifier knows (NULL-terminated list):
 * an unknown one is refused in strict mode, else accepted with a note
 * ("unknown-profile"). 0 or -EBADMSG.
 */
int claim_check_profile(struct cca_text profile, const char *const *known, bool strict,
			enum verify_check check, struct verify_result *res);

/* Typed value readers with size rules; each fails into res naming the claim. */
int claim_bstr(struct cbor_reader *r, const struct claim_key *key, size_t min, size_t max,
	       struct cca_bytes *out, enum verify_check check, struct verify_result *res);
int claim_tstr(struct cbor_reader *r, const struct claim_key *key, struct cca_text *out,
	       enum verify_check check, struct verify_result *res);
int claim_uint(struct cbor_reader *r, const struct claim_key *key, uint64_t max, uint64_t *out,
	       enum verify_check check, struct verify_result *res);
/* A digest: 32, 48 or 64 bytes. */
int claim_digest(struct cbor_reader *r, const struct claim_key *key, struct cca_bytes *out,
		 enum verify_check check, struct verify_result *res);
/* Unknown key: skipped (lenient) or refused (strict). */
int claim_unknown(struct cbor_reader *r, const struct claim_key *key, bool strict,
		  size_t *num_unknown, enum verify_check check, struct verify_result *res);

#endif
