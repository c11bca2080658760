/*
 * Group attestation (verify/group.h): the tokens of a pipeline's realms
 * against its policy source. Tokens are verified one by one, matched to the
 * policy's realms by RIM, then their CSM claims are put together into
 * regions (owner entry and member entries) and compared with the declared
 * channels.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "abi/caec.h"
#include "verify/group.h"

#define MAX_REGIONS (POLICY_MAX_REALMS * CAEC_MAX_REGIONS)
#define NO_REALM    (-1)
#define NO_TOKEN    (-1)

static const char *const check_names[GROUP_CHECK_COUNT] = {
	[GROUP_CHECK_NONE] = "none",
	[GROUP_CHECK_TOKEN] = "token",
	[GROUP_CHECK_RIM] = "rim",
	[GROUP_CHECK_MISSING] = "missing",
	[GROUP_CHECK_DUPLICATE] = "duplicate",
	[GROUP_CHECK_APPRAISAL] = "appraisal",
	[GROUP_CHECK_REALM_ID] = "realm-id",
	[GROUP_CHECK_NONCE] = "nonce",
	[GROUP_CHECK_POLICY_DIGEST] = "policy-digest",
	[GROUP_CHECK_PLATFORM] = "platform",
	[GROUP_CHECK_REGION] = "region",
	[GROUP_CHECK_CHANNEL] = "channel",
	[GROUP_CHECK_MEMBERS] = "members",
	[GROUP_CHECK_PERMS] = "perms",
	[GROUP_CHECK_MEMBERSHIP_DIGEST] = "membership-digest",
	[GROUP_CHECK_UNDECLARED_REGION] = "undeclared-region",
};

const char *group_check_name(enum group_check check)
{
	if ((unsigned)check >= GROUP_CHECK_COUNT)
		return "unknown";
	return check_names[check];
}

void group_realm_nonce(const uint8_t group_nonce[GROUP_NONCE_SIZE], const char *name,
		       uint8_t out[GROUP_NONCE_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, GROUP_NONCE_LABEL, strlen(GROUP_NONCE_LABEL)) == 1 &&
		 EVP_DigestUpdate(ctx, group_nonce, GROUP_NONCE_SIZE) == 1 &&
		 EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
		 EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == GROUP_NONCE_SIZE;
	EVP_MD_CTX_free(ctx);
	/* Out of memory only: a nonce of zeros matches no token a run was asked for
	 * (the realm nonce is never all zeros but with negligible probability). */
	if (!ok)
		memset(out, 0, GROUP_NONCE_SIZE);
}

/* A region as the tokens show it: the owner's entry and the members' entries. */
struct member_entry {
	int realm;
	const struct caec_region *e;
};

struct region {
	uint64_t csm_id;
	struct cca_bytes owner_realm_id; /* key 7 */
	int owner;                       /* the realm whose owner entry it is, NO_REALM */
	const struct caec_region *owner_entry;
	unsigned num_members;
	struct member_entry members[POLICY_MAX_REALMS]; /* one per realm: a token lists a region once */
	uint32_t member_set;             /* bit m: realm m has a member entry */
	int channel;                     /* the declared channel it is, -1 */
};

struct tok_state {
	size_t index; /* the caller's */
	const struct group_token *in;
	const char *label; /* its result's label */
	struct cca_token tok;
	struct verify_result res;
	bool verified;
	int realm;
};

struct policy_digests {
	uint8_t d32[64], d64[64]; /* SHA-256 (the first 32 bytes) and SHA-512 realms' claim 65003 */
};

struct ctx {
	const struct policy_source *src;
	const uint8_t *nonce;
	const struct group_options *opts;
	const struct group_token *in;
	struct group_verdict *out;
	size_t n;
	struct tok_state *toks; /* canonical order */
	int realm_tok[POLICY_MAX_REALMS]; /* index into toks, NO_TOKEN */
	struct policy_digests digests[POLICY_MAX_REALMS];
	struct region *regions;
	size_t num_regions;
};

/* ---- recording failures ------------------------------------------------------ */

static struct group_token_result *tok_result(struct ctx *c, int t)
{
	return &c->out->tokens[c->toks[t].index];
}

/*
 * The failure of check about realm (or NO_REALM) and toks[t] (or NO_TOKEN):
 * the verdict's if it is the first, and the realm's and the token's if they
 * had none yet. The message starts with the realm, or the token's label.
 */
__attribute__((format(printf, 5, 6))) static void fail(struct ctx *c, enum group_check check, int realm,
						       int t, const char *fmt, ...)
{
	char msg[GROUP_REASON_MAX];
	int head = realm != NO_REALM ? snprintf(msg, sizeof(msg), "realm '%s': ", c->src->realms[realm].name)
		   : t != NO_TOKEN   ? snprintf(msg, sizeof(msg), "token '%s': ", tok_result(c, t)->label)
				     : 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + head, sizeof(msg) - (size_t)head, fmt, ap);
	va_end(ap);

	struct group_verdict *o = c->out;
	if (o->failed == GROUP_CHECK_NONE) {
		o->failed = check;
		o->realm = realm;
		o->token = t != NO_TOKEN ? (int)c->toks[t].index : -1;
		memcpy(o->reason, msg, sizeof(o->reason));
	}
	if (realm != NO_REALM && o->realms[realm].failed == GROUP_CHECK_NONE) {
		o->realms[realm].failed = check;
		memcpy(o->realms[realm].reason, msg, sizeof(msg));
	}
	if (t != NO_TOKEN && tok_result(c, t)->failed == GROUP_CHECK_NONE) {
		tok_result(c, t)->failed = check;
		memcpy(tok_result(c, t)->reason, msg, sizeof(msg));
	}
}

/* Short hex for messages: the first 8 bytes, ".." if there are more. */
static const char *abbrev(const uint8_t *p, size_t n, char buf[24])
{
	size_t shown = n < 8 ? n : 8;
	for (size_t i = 0; i < shown; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	snprintf(buf + 2 * shown, 3, "%s", n > shown ? ".." : "");
	return buf;
}

static const char *perms_name(uint64_t perms)
{
	switch (perms) {
	case 0:
		return "none";
	case CSM_PERM_READ:
		return "r";
	case CSM_PERM_WRITE:
		return "w";
	case CSM_PERM_READ | CSM_PERM_WRITE:
		return "rw";
	default:
		return "invalid";
	}
}

static const char *realm_name(const struct ctx *c, int r)
{
	return c->src->realms[r].name;
}

static int token_of(const struct ctx *c, int realm)
{
	return c->realm_tok[realm];
}

static const struct cca_realm_claims *claims_of(const struct ctx *c, int realm)
{
	return &c->toks[c->realm_tok[realm]].tok.realm_claims;
}

/* ---- set-up: labels, canonical order, the policy's digests ------------------ */

static void make_label(const struct group_token *in, char out[GROUP_LABEL_MAX])
{
	uint8_t d[64];
	char hex[24];
	if (in->label) {
		snprintf(out, GROUP_LABEL_MAX, "%s", in->label);
		return;
	}
	if (cca_hash(CCA_HASH_SHA256, in->buf, in->len, d) == 0)
		memset(d, 0, sizeof(d));
	snprintf(out, GROUP_LABEL_MAX, "token %s", abbrev(d, 4, hex));
}

/* The canonical order: the bytes, then the label. */
static int token_cmp(const void *a, const void *b)
{
	const struct tok_state *x = a, *y = b;
	size_t n = x->in->len < y->in->len ? x->in->len : y->in->len;
	int d = n ? memcmp(x->in->buf, y->in->buf, n) : 0;
	if (d == 0)
		d = (x->in->len > y->in->len) - (x->in->len < y->in->len);
	if (d == 0)
		d = strcmp(x->label, y->label);
	return d;
}

/* Each realm's blob and its digests at both hash sizes; -EINVAL with the reason. */
static int compile_policy(struct ctx *c)
{
	_Alignas(8) uint8_t blob[POLICY_MAX_SIZE];
	struct policy_err err = { "" };
	size_t len = 0;

	for (unsigned r = 0; r < c->src->num_realms; r++) {
		if (policy_compile(c->src, (int)r, blob, sizeof(blob), &len, &err) != 0) {
			snprintf(c->out->reason, sizeof(c->out->reason), "the policy does not compile for realm '%s': %s",
				 realm_name(c, (int)r), err.msg);
			return -EINVAL;
		}
		if (policy_blob_digest(blob, len, 32, c->digests[r].d32) != 0 ||
		    policy_blob_digest(blob, len, 64, c->digests[r].d64) != 0) {
			snprintf(c->out->reason, sizeof(c->out->reason), "the digest of realm '%s''s policy blob cannot be computed",
				 realm_name(c, (int)r));
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- step 1: each token ---------------------------------------------------- */

static int realm_of_rim(const struct policy_source *src, struct cca_bytes rim)
{
	for (unsigned r = 0; r < src->num_realms; r++)
		if (src->realms[r].rim_size == rim.len && memcmp(src->realms[r].rim, rim.ptr, rim.len) == 0)
			return (int)r;
	return NO_REALM;
}

static void verify_tokens(struct ctx *c)
{
	struct verify_options vo = c->opts->verify;
	vo.nonce = NULL; /* each is held to the group's nonce once its realm is known */
	vo.nonce_len = 0;

	for (size_t i = 0; i < c->n; i++) {
		int t = (int)i;
		struct tok_state *s = &c->toks[i];
		const struct group_token *in = &c->in[s->index];
		struct group_token_result *r = tok_result(c, t);

		s->realm = NO_REALM;
		if (cca_token_verify(in->buf, in->len, &vo, &s->tok, &s->res) != 0) {
			r->verify_failed = s->res.failed;
			fail(c, GROUP_CHECK_TOKEN, NO_REALM, t, "%s: %s", verify_check_name(s->res.failed),
			     s->res.reason);
			continue;
		}
		s->verified = true;
		struct cca_bytes rim = s->tok.realm_claims.rim;
		r->rim_len = rim.len < sizeof(r->rim) ? rim.len : sizeof(r->rim);
		memcpy(r->rim, rim.ptr, r->rim_len);
		s->realm = realm_of_rim(c->src, rim);
		r->realm = s->realm;
		if (s->realm == NO_REALM) {
			char hex[24];
			fail(c, GROUP_CHECK_RIM, NO_REALM, t, "its RIM %s (%zu bytes) is no realm of the policy",
			     abbrev(rim.ptr, rim.len, hex), rim.len);
		}
	}
}

/* ---- step 2: each realm ---------------------------------------------------- */

static bool check_nonce(struct ctx *c, int r, int t)
{
	const struct cca_bytes ch = claims_of(c, r)->challenge;
	uint8_t derived[GROUP_NONCE_SIZE];

	group_realm_nonce(c->nonce, realm_name(c, r), derived);
	if (ch.len == GROUP_NONCE_SIZE && memcmp(ch.ptr, c->nonce, GROUP_NONCE_SIZE) == 0)
		c->out->realms[r].nonce = GROUP_NONCE_GROUP;
	else if (ch.len == GROUP_NONCE_SIZE && memcmp(ch.ptr, derived, GROUP_NONCE_SIZE) == 0)
		c->out->realms[r].nonce = GROUP_NONCE_REALM;
	else {
		fail(c, GROUP_CHECK_NONCE, r, t,
		     "its challenge is neither the group nonce nor its realm nonce SHA-512(\"" GROUP_NONCE_LABEL
		     "\" || nonce || \"%s\"): a token of another run, or of an old nonce",
		     realm_name(c, r));
		return false;
	}
	return true;
}

static bool check_policy_digest(struct ctx *c, int r, int t)
{
	const struct cca_realm_claims *rc = claims_of(c, r);
	size_t hs = cca_hash_size(rc->hash_alg);
	const uint8_t *want = hs == 32 ? c->digests[r].d32 : c->digests[r].d64;
	char a[24], b[24];

	if (!rc->has_policy_digest) {
		fail(c, GROUP_CHECK_POLICY_DIGEST, r, t, "claim 65003 is missing: the realm has set no policy");
		return false;
	}
	if (hs != 32 && hs != 64) {
		fail(c, GROUP_CHECK_POLICY_DIGEST, r, t,
		     "its hash algorithm %s has no policy digest (a policy realm uses sha-256 or sha-512)",
		     cca_hash_name(rc->hash_alg));
		return false;
	}
	if (rc->policy_digest.len != hs || memcmp(rc->policy_digest.ptr, want, hs) != 0) {
		fail(c, GROUP_CHECK_POLICY_DIGEST, r, t,
		     "claim 65003 is not the policy's digest (%s, the token says %s)", abbrev(want, hs, a),
		     abbrev(rc->policy_digest.ptr, rc->policy_digest.len, b));
		return false;
	}
	return true;
}

/* The checks of one realm's token, stopping at its first failure. */
static void check_realm(struct ctx *c, int r, int t)
{
	const struct cca_token *tok = &c->toks[t].tok;
	struct verify_appraisal ap;

	verify_appraise(tok, c->opts->ref, NULL, &c->opts->appraise, &ap);
	for (size_t i = 0; i < ap.count; i++)
		if (ap.verdicts[i].status == VERDICT_FAIL) {
			fail(c, GROUP_CHECK_APPRAISAL, r, t, "%s: %s", ap.verdicts[i].check, ap.verdicts[i].reason);
			return;
		}
	if (!tok->realm_claims.has_realm_id) {
		fail(c, GROUP_CHECK_REALM_ID, r, t, "claim 65001 (realm ID) is missing");
		return;
	}
	if (check_nonce(c, r, t))
		check_policy_digest(c, r, t);
}

static void match_realms(struct ctx *c)
{
	for (unsigned ru = 0; ru < c->src->num_realms; ru++) {
		int r = (int)ru, first = NO_TOKEN, count = 0;
		char hex[24];

		c->realm_tok[r] = NO_TOKEN;
		for (size_t t = 0; t < c->n; t++)
			if (c->toks[t].verified && c->toks[t].realm == r && count++ == 0)
				first = (int)t;
		if (count == 0) {
			fail(c, GROUP_CHECK_MISSING, r, NO_TOKEN, "no token of the group verifies with its RIM %s",
			     abbrev(c->src->realms[r].rim, c->src->realms[r].rim_size, hex));
			continue;
		}
		if (count > 1) {
			int second = NO_TOKEN;
			for (size_t t = (size_t)first + 1; t < c->n && second == NO_TOKEN; t++)
				if (c->toks[t].verified && c->toks[t].realm == r)
					second = (int)t;
			/* Every such token gets the realm's failure. */
			for (size_t t = 0; t < c->n; t++)
				if (c->toks[t].verified && c->toks[t].realm == r)
					fail(c, GROUP_CHECK_DUPLICATE, r, (int)t,
					     "%d tokens have its RIM ('%s', '%s'%s): one realm claims another's identity, or two instances of it run",
					     count, tok_result(c, first)->label, tok_result(c, second)->label,
					     count > 2 ? ", ..." : "");
			continue;
		}
		c->realm_tok[r] = first;
		c->out->realms[r].token = (int)c->toks[first].index;
		check_realm(c, r, first);
	}
}

/* Realm IDs unique, one platform: across the realms that have their token. */
static void check_across_realms(struct ctx *c)
{
	int base = NO_REALM;
	for (unsigned ru = 0; ru < c->src->num_realms; ru++) {
		int r = (int)ru;
		if (token_of(c, r) == NO_TOKEN)
			continue;
		const struct cca_token *tok = &c->toks[token_of(c, r)].tok;
		if (base == NO_REALM) {
			base = r;
		} else if (!cca_bytes_eq(tok->platform_claims.instance_id,
					 c->toks[token_of(c, base)].tok.platform_claims.instance_id)) {
			fail(c, GROUP_CHECK_PLATFORM, r, token_of(c, r),
			     "its platform (instance ID, claim 256) is not realm '%s''s: the realms of a group run on one platform",
			     realm_name(c, base));
			continue;
		}
		if (!tok->realm_claims.has_realm_id)
			continue;
		for (int q = 0; q < r; q++)
			if (token_of(c, q) != NO_TOKEN && claims_of(c, q)->has_realm_id &&
			    cca_bytes_eq(claims_of(c, q)->realm_id, tok->realm_claims.realm_id)) {
				fail(c, GROUP_CHECK_REALM_ID, r, token_of(c, r),
				     "its realm ID (claim 65001) is also realm '%s''s", realm_name(c, q));
				break;
			}
	}
}

/* ---- step 3: the channel graph -------------------------------------------- */

static struct region *find_region(struct ctx *c, const struct caec_region *e)
{
	for (size_t i = 0; i < c->num_regions; i++)
		if (c->regions[i].csm_id == e->csm_id && cca_bytes_eq(c->regions[i].owner_realm_id, e->owner_realm_id))
			return &c->regions[i];
	if (c->num_regions == MAX_REGIONS)
		return NULL; /* cannot happen: at most 32 entries in each of 16 tokens */
	struct region *g = &c->regions[c->num_regions++];
	memset(g, 0, sizeof(*g));
	g->csm_id = e->csm_id;
	g->owner_realm_id = e->owner_realm_id;
	g->owner = NO_REALM;
	g->channel = -1;
	return g;
}

/* Whether entry i of the realm's claim 65002 is well formed for it; messages say why not. */
static bool entry_ok(struct ctx *c, int r, size_t i)
{
	const struct cca_realm_claims *rc = claims_of(c, r);
	const struct caec_region *e = &rc->regions[i];
	int t = token_of(c, r);

	for (size_t j = 0; j < i; j++)
		if (rc->regions[j].csm_id == e->csm_id && cca_bytes_eq(rc->regions[j].owner_realm_id, e->owner_realm_id)) {
			fail(c, GROUP_CHECK_REGION, r, t, "claim 65002 lists region 0x%" PRIx64 " twice", e->csm_id);
			return false;
		}
	bool own_id = cca_bytes_eq(e->owner_realm_id, rc->realm_id);
	if (e->role == 0 && !own_id) {
		fail(c, GROUP_CHECK_REGION, r, t,
		     "region 0x%" PRIx64 ": an owner entry (role 0) whose owner realm ID (key 7) is not its own",
		     e->csm_id);
		return false;
	}
	if (e->role == 0 && !cca_bytes_eq(e->owner_rim, rc->rim)) {
		fail(c, GROUP_CHECK_REGION, r, t,
		     "region 0x%" PRIx64 ": an owner entry (role 0) whose owner RIM (key 4) is not its RIM",
		     e->csm_id);
		return false;
	}
	if (e->role == 1 && own_id) {
		fail(c, GROUP_CHECK_REGION, r, t,
		     "region 0x%" PRIx64 ": a member entry (role 1) of a region whose owner realm ID (key 7) is its own",
		     e->csm_id);
		return false;
	}
	if (e->role != 0 && e->role != 1) {
		fail(c, GROUP_CHECK_REGION, r, t, "region 0x%" PRIx64 ": role %" PRIu64, e->csm_id, e->role);
		return false;
	}
	return true;
}

static int region_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;
	unsigned ox = (unsigned)x->owner, oy = (unsigned)y->owner; /* NO_REALM last */
	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (x->csm_id != y->csm_id)
		return x->csm_id < y->csm_id ? -1 : 1;
	size_t n = x->owner_realm_id.len < y->owner_realm_id.len ? x->owner_realm_id.len : y->owner_realm_id.len;
	int d = memcmp(x->owner_realm_id.ptr, y->owner_realm_id.ptr, n);
	return d ? d : (x->owner_realm_id.len > y->owner_realm_id.len) - (x->owner_realm_id.len < y->owner_realm_id.len);
}

/* Every entry of every token into c->regions (canonical order), member
 * entries checked against their owner's entry. */
static void collect_regions(struct ctx *c)
{
	for (unsigned ru = 0; ru < c->src->num_realms; ru++) {
		int r = (int)ru;
		const struct cca_realm_claims *rc = claims_of(c, r);
		for (size_t i = 0; i < rc->num_regions; i++) {
			const struct caec_region *e = &rc->regions[i];
			struct region *g;
			if (!entry_ok(c, r, i) || !(g = find_region(c, e)))
				continue;
			if (e->role == 0) {
				g->owner = r;
				g->owner_entry = e;
			} else {
				g->members[g->num_members++] = (struct member_entry){ r, e };
				g->member_set |= UINT32_C(1) << r;
			}
		}
	}
	qsort(c->regions, c->num_regions, sizeof(c->regions[0]), region_cmp);
	for (size_t i = 0; i < c->num_regions; i++) {
		const struct region *g = &c->regions[i];
		for (unsigned k = 0; g->owner != NO_REALM && k < g->num_members; k++) {
			const struct member_entry *m = &g->members[k];
			if (m->e->generation != g->owner_entry->generation)
				fail(c, GROUP_CHECK_REGION, m->realm, token_of(c, m->realm),
				     "region 0x%" PRIx64 " of '%s': generation %" PRIu64 ", the owner's token says %" PRIu64
				     ": tokens of different moments (each realm must attest once every channel is set up)",
				     g->csm_id, realm_name(c, g->owner), m->e->generation, g->owner_entry->generation);
			else if (!cca_bytes_eq(m->e->owner_rim, g->owner_entry->owner_rim))
				fail(c, GROUP_CHECK_REGION, m->realm, token_of(c, m->realm),
				     "region 0x%" PRIx64 " of '%s': its owner RIM (key 4) is not the owner's RIM",
				     g->csm_id, realm_name(c, g->owner));
		}
	}
}

/* The declared members of channel ch other than its owner, a bit per realm. */
static uint32_t declared_members(const struct ctx *c, unsigned ch)
{
	const struct policy_source_channel *pc = &c->src->channels[ch];
	uint32_t set = 0;
	for (unsigned m = 0; m < c->src->num_realms; m++)
		if (m != pc->owner && pc->perms[m] != 0)
			set |= UINT32_C(1) << m;
	return set;
}

/* The owner's mapping: none, or what the channel declares for it. */
static bool owner_perms_ok(const struct policy_source_channel *pc, const struct region *g)
{
	return g->owner_entry->perms == 0 || g->owner_entry->perms == pc->perms[pc->owner];
}

static bool perms_match(const struct ctx *c, unsigned ch, const struct region *g)
{
	const struct policy_source_channel *pc = &c->src->channels[ch];
	for (unsigned k = 0; k < g->num_members; k++)
		if (g->members[k].e->perms != pc->perms[g->members[k].realm])
			return false;
	return owner_perms_ok(pc, g);
}

/*
 * Channels to regions: first those equal in owner, members and perms, then
 * in owner and members, then the owner's region closest in members. Each
 * pass is greedy in the policy's channel order and the regions' canonical
 * order, which is exact for the first two (equality classes) and
 * deterministic for the third (it only picks what to report).
 */
static void match_channels(struct ctx *c, int match[POLICY_MAX_CHANNELS])
{
	for (unsigned ch = 0; ch < c->src->num_channels; ch++)
		match[ch] = -1;
	for (int pass = 0; pass < 3; pass++)
		for (unsigned ch = 0; ch < c->src->num_channels; ch++) {
			uint32_t want = declared_members(c, ch);
			int best = -1, best_diff = 0;
			if (match[ch] >= 0)
				continue;
			for (size_t i = 0; i < c->num_regions; i++) {
				const struct region *g = &c->regions[i];
				int diff = __builtin_popcount(g->member_set ^ want);
				if (g->channel >= 0 || g->owner != (int)c->src->channels[ch].owner)
					continue;
				if (pass < 2 && (diff != 0 || (pass == 0 && !perms_match(c, ch, g))))
					continue;
				if (best < 0 || diff < best_diff) {
					best = (int)i;
					best_diff = diff;
				}
				if (pass < 2)
					break;
			}
			if (best >= 0) {
				match[ch] = best;
				c->regions[best].channel = (int)ch;
			}
		}
}

/* Key 5 of every entry of g against the digest of the members the tokens show. */
static void check_membership_digest(struct ctx *c, const struct region *g, const char *channel)
{
	const struct cca_realm_claims *oc = claims_of(c, g->owner);
	size_t hs = cca_hash_size(oc->hash_alg);
	struct csm_member mem[POLICY_MAX_REALMS + 1];
	struct csm_member_list list = { .csm_id = g->csm_id, .members = mem };
	uint8_t digest[64];
	int realms[POLICY_MAX_REALMS + 1];
	const struct caec_region *entries[POLICY_MAX_REALMS + 1];
	unsigned num = 0;

	memset(mem, 0, sizeof(mem));
	realms[num] = g->owner;
	entries[num++] = g->owner_entry;
	for (unsigned k = 0; k < g->num_members; k++) {
		realms[num] = g->members[k].realm;
		entries[num++] = g->members[k].e;
	}
	for (unsigned k = 0; k < num; k++) {
		const struct cca_realm_claims *rc = claims_of(c, realms[k]);
		if (entries[k]->perms == 0 && k == 0)
			continue; /* the owner is a member only when it maps the region */
		struct csm_member *m = &mem[list.num_members++];
		memcpy(m->realm_id, rc->realm_id.ptr, sizeof(m->realm_id));
		/* The RIM at the region's hash size, as the monitor hashes it. */
		memcpy(m->rim.bytes, rc->rim.ptr, rc->rim.len < hs ? rc->rim.len : hs);
		m->rim.len = hs;
		m->perms = entries[k]->perms;
	}
	if (caec_membership_digest(oc->hash_alg, &list, digest) != hs) {
		fail(c, GROUP_CHECK_MEMBERSHIP_DIGEST, g->owner, token_of(c, g->owner),
		     "region 0x%" PRIx64 " of channel '%s': its membership digest cannot be computed", g->csm_id,
		     channel);
		return;
	}
	for (unsigned k = 0; k < num; k++) {
		struct cca_bytes d = entries[k]->membership_digest;
		if (d.len != hs || memcmp(d.ptr, digest, hs) != 0)
			fail(c, GROUP_CHECK_MEMBERSHIP_DIGEST, realms[k], token_of(c, realms[k]),
			     "region 0x%" PRIx64 " of channel '%s': its membership digest (key 5) is not that of the %zu members the group's tokens show (a member without a token in the group, or a view of another moment)",
			     g->csm_id, channel, list.num_members);
	}
}

static void check_channel(struct ctx *c, unsigned ch, const struct region *g)
{
	const struct policy_source_channel *pc = &c->src->channels[ch];
	int owner = (int)pc->owner;
	uint32_t want = declared_members(c, ch);

	if (!g) {
		fail(c, GROUP_CHECK_CHANNEL, owner, token_of(c, owner),
		     "owns channel '%s' in the policy, but its token owns no region that is it", pc->name);
		return;
	}
	for (unsigned k = 0; k < g->num_members; k++)
		if (!(want & (UINT32_C(1) << g->members[k].realm)))
			fail(c, GROUP_CHECK_MEMBERS, g->members[k].realm, token_of(c, g->members[k].realm),
			     "maps region 0x%" PRIx64 " of channel '%s' (owner '%s'), which the policy does not give it",
			     g->csm_id, pc->name, realm_name(c, owner));
	for (unsigned m = 0; m < c->src->num_realms; m++)
		if ((want & ~g->member_set) & (UINT32_C(1) << m))
			fail(c, GROUP_CHECK_MEMBERS, (int)m, token_of(c, (int)m),
			     "is a member of channel '%s' (owner '%s') in the policy, but its token maps no region of it (region 0x%" PRIx64 ")",
			     pc->name, realm_name(c, owner), g->csm_id);
	for (unsigned k = 0; k < g->num_members; k++) {
		const struct member_entry *me = &g->members[k];
		if ((want & (UINT32_C(1) << me->realm)) && me->e->perms != pc->perms[me->realm])
			fail(c, GROUP_CHECK_PERMS, me->realm, token_of(c, me->realm),
			     "maps region 0x%" PRIx64 " of channel '%s' with perms %s, the policy declares %s",
			     g->csm_id, pc->name, perms_name(me->e->perms), perms_name(pc->perms[me->realm]));
	}
	if (!owner_perms_ok(pc, g))
		fail(c, GROUP_CHECK_PERMS, owner, token_of(c, owner),
		     "maps its region 0x%" PRIx64 " of channel '%s' with perms %s, the policy declares %s",
		     g->csm_id, pc->name, perms_name(g->owner_entry->perms), perms_name(pc->perms[owner]));
	check_membership_digest(c, g, pc->name);
}

static void check_undeclared(struct ctx *c, const struct region *g)
{
	char hex[24];
	if (g->owner != NO_REALM)
		fail(c, GROUP_CHECK_UNDECLARED_REGION, g->owner, token_of(c, g->owner),
		     "owns region 0x%" PRIx64 " (%u member%s), which is no channel of the policy", g->csm_id,
		     g->num_members, g->num_members == 1 ? "" : "s");
	for (unsigned k = 0; k < g->num_members; k++) {
		int m = g->members[k].realm;
		if (g->owner != NO_REALM)
			fail(c, GROUP_CHECK_UNDECLARED_REGION, m, token_of(c, m),
			     "maps region 0x%" PRIx64 " of '%s', which is no channel of the policy", g->csm_id,
			     realm_name(c, g->owner));
		else
			fail(c, GROUP_CHECK_UNDECLARED_REGION, m, token_of(c, m),
			     "maps region 0x%" PRIx64 " whose owner (realm ID %s) is no realm of the group",
			     g->csm_id, abbrev(g->owner_realm_id.ptr, g->owner_realm_id.len, hex));
	}
}

static void check_graph(struct ctx *c)
{
	int match[POLICY_MAX_CHANNELS];

	c->out->graph_checked = true;
	collect_regions(c);
	match_channels(c, match);
	for (unsigned ch = 0; ch < c->src->num_channels; ch++)
		check_channel(c, ch, match[ch] >= 0 ? &c->regions[match[ch]] : NULL);
	for (size_t i = 0; i < c->num_regions; i++)
		if (c->regions[i].channel < 0)
			check_undeclared(c, &c->regions[i]);
}

/* ---- the whole -------------------------------------------------------------- */

static void init_verdict(struct group_verdict *out, const struct policy_source *src, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->realm = -1;
	out->token = -1;
	out->num_realms = src->num_realms;
	out->num_tokens = n;
	for (unsigned r = 0; r < POLICY_MAX_REALMS; r++)
		out->realms[r].token = -1;
	for (size_t t = 0; t < GROUP_MAX_TOKENS; t++)
		out->tokens[t].realm = -1;
}

int group_verify(const struct policy_source *src, const uint8_t nonce[GROUP_NONCE_SIZE],
		 const struct group_token *tokens, size_t n, const struct group_options *opts,
		 struct group_verdict *out)
{
	init_verdict(out, src, n > GROUP_MAX_TOKENS ? 0 : n);
	if (n > GROUP_MAX_TOKENS) {
		snprintf(out->reason, sizeof(out->reason), "%zu tokens: at most %d", n, GROUP_MAX_TOKENS);
		return -EINVAL;
	}
	if (src->num_realms == 0 || src->num_realms > POLICY_MAX_REALMS ||
	    src->num_channels > POLICY_MAX_CHANNELS) {
		snprintf(out->reason, sizeof(out->reason), "the policy has %u realms and %u channels", src->num_realms,
			 src->num_channels);
		return -EINVAL;
	}
	struct ctx *c = calloc(1, sizeof(*c));
	struct tok_state *toks = calloc(n ? n : 1, sizeof(*toks));
	struct region *regions = calloc(MAX_REGIONS, sizeof(*regions));
	int rc = -ENOMEM;
	if (!c || !toks || !regions) {
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		goto out;
	}
	*c = (struct ctx){ .src = src, .nonce = nonce, .opts = opts, .in = tokens, .out = out, .n = n,
			   .toks = toks, .regions = regions };
	rc = compile_policy(c);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		make_label(&tokens[i], out->tokens[i].label);
		toks[i].index = i;
		toks[i].in = &tokens[i];
		toks[i].label = out->tokens[i].label;
	}
	qsort(toks, n, sizeof(toks[0]), token_cmp);

	verify_tokens(c);
	match_realms(c);
	check_across_realms(c);
	if (out->failed == GROUP_CHECK_NONE)
		check_graph(c);
	out->accepted = out->failed == GROUP_CHECK_NONE;
	rc = out->accepted ? 0 : -EBADMSG;
out:
	free(regions);
	free(toks);
	free(c);
	return rc;
}
