/*
 * Group attestation: the tokens of every realm of a pipeline, judged together
 * against the pipeline's policy source (verify/policy.h).
 *
 * One token per realm the policy names, each bound to the relying party's
 * group nonce (64 bytes), or to that realm's own nonce derived from it:
 *
 *   realm nonce = SHA-512("caec-group-nonce" || group nonce || name)
 *
 * where "caec-group-nonce" is those 16 ASCII bytes (no terminator), the
 * group nonce is all 64 bytes (the CLI's --nonce zero-padded to 64, as
 * hex_decode_padded does), and name is the realm's name as the policy spells
 * it, without a terminator (the fixed-size parts before it make the input
 * unambiguous). group_realm_nonce() computes it; a realm run for realm NAME
 * of the group binds its token to it, and so can ask for a token no other
 * realm of the group could present as its own.
 *
 * A realm is its measurement: a token is matched to the policy realm whose
 * RIM equals its claim 44238 (size and bytes), never by a name or any value
 * the realm declares. The checks, and the order in which they run:
 *   1. every token verifies (signatures, binder, claims: verify/token.h, with
 *      the caller's platform keys and strictness), and its RIM is one the
 *      policy names (check "token", "rim");
 *   2. for every policy realm, in the policy's order: exactly one verified
 *      token measures its RIM ("missing", "duplicate"); that token's
 *      appraisal passes (the lifecycle always, reference values if given:
 *      "appraisal"); it carries a realm ID (65001, "realm-id"); its challenge
 *      is the group nonce or the realm nonce ("nonce"); its claim 65003 is
 *      policy_blob_digest(policy_compile(src, realm), token's hash size)
 *      ("policy-digest"); no two tokens carry one realm ID ("realm-id"), and
 *      all come from one platform (claim 256, "platform");
 *   3. if all of that holds, the CSM claims (65002) of all tokens together
 *      form exactly the declared channel graph:
 *      - each region entry is well formed for its realm: an owner entry
 *        (role 0) names the realm's own realm ID (key 7) and RIM (key 4), a
 *        member entry (role 1) another realm's; a member's generation
 *        (key 6) and owner RIM are the owner's entry's; no region twice in a
 *        token ("region");
 *      - regions carry no names, so a declared channel is matched to a
 *        region by owner and member set (and perms, where two channels have
 *        the same owner and members); a channel no region of its owner
 *        matches ("channel");
 *      - the region's members (role 1 entries of the other tokens) are
 *        exactly the channel's declared members other than the owner
 *        ("members": an extra one, a missing one), each with exactly the
 *        declared perms; the owner's own mapping, when it maps the region
 *        (perms not 0), is what the channel declares for it ("perms");
 *      - every entry's membership digest (key 5) is the digest
 *        (verify/README.md) of the members the tokens show: realm ID and RIM
 *        from each member's token, perms from its entry, the owner included
 *        when it maps the region, under the owner token's hash algorithm
 *        ("membership-digest": catches a member without a token in the group);
 *      - no region outside the declared channels ("undeclared-region").
 *
 * Tokens are put in a canonical order (their bytes, then their labels)
 * first, and the realms and channels are visited in the policy's order, so
 * the verdict does not depend on the order the tokens are given in. The
 * verdict is the first failure; each realm and each token also keeps its own
 * first failure (for --json). Messages name the realm ("realm 'llm': claim
 * 65003 is not the policy's digest") or, before a token has a realm, the
 * token by its label.
 */
#ifndef CAEC_VERIFY_GROUP_H
#define CAEC_VERIFY_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/appraise.h"
#include "verify/policy.h"
#include "verify/token.h"

#define GROUP_NONCE_SIZE   64
#define GROUP_NONCE_LABEL  "caec-group-nonce"
#define GROUP_MAX_TOKENS   32
#define GROUP_REASON_MAX   512
#define GROUP_LABEL_MAX    64

enum group_check {
	GROUP_CHECK_NONE = 0,
	GROUP_CHECK_TOKEN,             /* "token": the token does not verify */
	GROUP_CHECK_RIM,               /* "rim": its RIM is no realm of the policy */
	GROUP_CHECK_MISSING,           /* "missing": no verified token has the realm's RIM */
	GROUP_CHECK_DUPLICATE,         /* "duplicate": two tokens have the realm's RIM */
	GROUP_CHECK_APPRAISAL,         /* "appraisal": lifecycle or reference values */
	GROUP_CHECK_REALM_ID,          /* "realm-id": no claim 65001, or another token's */
	GROUP_CHECK_NONCE,             /* "nonce": neither the group nor the realm nonce */
	GROUP_CHECK_POLICY_DIGEST,     /* "policy-digest": claim 65003 missing or not the policy's */
	GROUP_CHECK_PLATFORM,          /* "platform": a token of another platform */
	GROUP_CHECK_REGION,            /* "region": a claim 65002 entry inconsistent with the tokens */
	GROUP_CHECK_CHANNEL,           /* "channel": a declared channel without a region */
	GROUP_CHECK_MEMBERS,           /* "members": an extra or a missing member */
	GROUP_CHECK_PERMS,             /* "perms": perms other than the declared ones */
	GROUP_CHECK_MEMBERSHIP_DIGEST, /* "membership-digest": key 5 not the tokens' members */
	GROUP_CHECK_UNDECLARED_REGION, /* "undeclared-region": a region of no declared channel */
	GROUP_CHECK_COUNT
};

/* One token of the group. label names it in messages (its file name); NULL:
 * "token " and the first 4 bytes of its SHA-256, in hex. */
struct group_token {
	const uint8_t *buf;
	size_t len;
	const char *label;
};

struct group_options {
	/* Platform keys and strictness as for cca_token_verify; its nonce is
	 * not used (each token is held to the group's). */
	struct verify_options verify;
	const struct verify_refvals *ref; /* NULL: the lifecycle only */
	struct appraise_options appraise; /* allow_debug */
};

enum group_nonce_kind {
	GROUP_NONCE_UNCHECKED = 0,
	GROUP_NONCE_GROUP, /* the challenge is the group nonce */
	GROUP_NONCE_REALM, /* the realm nonce derived from it */
};

struct group_realm_result {
	int token;                   /* the caller's index of its token, -1: none (or two) */
	enum group_check failed;     /* GROUP_CHECK_NONE: every check passed */
	enum group_nonce_kind nonce;
	char reason[GROUP_REASON_MAX];
};

struct group_token_result {
	char label[GROUP_LABEL_MAX];
	int realm;                   /* the policy realm of its RIM, -1: none or not verified */
	enum group_check failed;
	enum verify_check verify_failed; /* with GROUP_CHECK_TOKEN: which verification check */
	uint8_t rim[64];             /* its RIM once the token verified */
	size_t rim_len;              /* 0 before */
	char reason[GROUP_REASON_MAX];
};

struct group_verdict {
	bool accepted;
	enum group_check failed;     /* the first failure; GROUP_CHECK_NONE when accepted */
	int realm;                   /* the policy realm it names, -1 */
	int token;                   /* the caller's index of the token it names, -1 */
	char reason[GROUP_REASON_MAX];
	bool graph_checked;          /* step 3 ran (every realm had its one good token) */
	unsigned num_realms;         /* the policy's */
	struct group_realm_result realms[POLICY_MAX_REALMS];
	size_t num_tokens;
	struct group_token_result tokens[GROUP_MAX_TOKENS]; /* in the caller's order */
};

/* "token", "rim", ..., "undeclared-region" (GROUP_CHECK_NONE: "none"). */
const char *group_check_name(enum group_check check);

/* The realm nonce above for the realm called name. */
void group_realm_nonce(const uint8_t group_nonce[GROUP_NONCE_SIZE], const char *name,
		       uint8_t out[GROUP_NONCE_SIZE]);

/*
 * Judges the n tokens (their buffers must live until it returns) against src.
 * 0: the group is accepted; -EBADMSG: rejected, out says why; -EINVAL: the
 * inputs cannot be judged (more than GROUP_MAX_TOKENS tokens, a policy that
 * does not compile), with out->reason saying so and out->failed NONE;
 * -ENOMEM. out is filled in every case.
 */
int group_verify(const struct policy_source *src, const uint8_t nonce[GROUP_NONCE_SIZE],
		 const struct group_token *tokens, size_t n, const struct group_options *opts,
		 struct group_verdict *out);

#endif
