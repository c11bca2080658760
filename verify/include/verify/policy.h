/*
 * Communication policies on the host side: the JSON source
 * (../shared/spec/caec-ext.md, "Policy") read into a policy_source, compiled
 * into the blob a realm uploads with RSI_POLICY_SET (abi/caec_policy.h), and
 * the digest of that blob, which is the realm's claim 65003.
 *
 * One source describes a whole pipeline; its blob differs per realm only in
 * `self`, so the blob (and the digest) of each realm is compile(source,
 * that realm's name). A source's "self" is the default for compile.
 *
 * A realm's RIM is given in the source as hex ("rim") or as a realm image
 * ("image": "path.so"); the image is measured by a resolver the caller gives
 * (the CLI's measures it offline as the VMM would build it, see
 * host/measure.h), because the verifier library does not build realms.
 *
 * Functions return 0, or -1 with a one-line reason in err that names the
 * realm or channel of the source it is about.
 */
#ifndef CAEC_VERIFY_POLICY_H
#define CAEC_VERIFY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "abi/caec_policy.h"

#define POLICY_ERR_MAX 256

struct policy_err {
	char msg[POLICY_ERR_MAX];
};

/* Measures the image a realm entry names. realm: that entry's JSON object
 * (for options such as memory or vcpus the resolver may read); base_dir: the
 * source file's directory, for relative paths. Writes rim[0..*size). */
typedef int (*policy_image_resolver)(void *ctx, const char *image_path, const char *base_dir,
				     const json_t *realm, uint8_t rim[POLICY_RIM_SIZE], size_t *size,
				     struct policy_err *err);

struct policy_source_realm {
	char name[POLICY_NAME_MAX + 1];
	uint8_t rim[POLICY_RIM_SIZE];
	size_t rim_size; /* 32 or 64 */
	bool gateway;
	/* The source's word that this realm's data may reach the host (through
	 * a gateway): `caec policy check` does not count it. Not in the blob
	 * (the monitor enforces channels, not intentions). */
	bool reaches_host;
};

struct policy_source_channel {
	char name[POLICY_NAME_MAX + 1];
	unsigned owner;                       /* realm index */
	uint32_t pages;
	uint8_t perms[POLICY_MAX_REALMS];     /* CSM_PERM_READ | CSM_PERM_WRITE, by realm index */
};

/* A source read and checked for form (names, RIMs, permissions, bounds);
 * realm and channel order is the source's. */
struct policy_source {
	unsigned num_realms, num_channels;
	struct policy_source_realm realms[POLICY_MAX_REALMS];
	struct policy_source_channel channels[POLICY_MAX_CHANNELS];
	int self;            /* the source's "self" as a realm index, -1 if absent */
	unsigned host_calls; /* POLICY_HOST_CALLS_* */
	bool strict;
};

/* Reads a source from a JSON value or a file. resolver may be NULL: then an
 * "image" entry is an error saying so. */
int policy_source_from_json(const json_t *root, const char *base_dir, policy_image_resolver resolver,
			    void *resolver_ctx, struct policy_source *out, struct policy_err *err);
int policy_source_load(const char *path, policy_image_resolver resolver, void *resolver_ctx,
		       struct policy_source *out, struct policy_err *err);

/* The realm of that name, or -1. */
int policy_source_find_realm(const struct policy_source *src, const char *name);

/* The blob for realm self (an index; -1: the source's self, an error if it
 * has none) into blob[0..cap), its length in *len (at most
 * POLICY_MAX_SIZE). The blob is canonical: policy_blob_check accepts it. */
int policy_compile(const struct policy_source *src, int self, uint8_t *blob, size_t cap, size_t *len,
		   struct policy_err *err);

/* The digest claim 65003 carries for that blob in a realm of hash size
 * digest_size (32: SHA-256, 64: SHA-512). */
int policy_blob_digest(const uint8_t *blob, size_t len, size_t digest_size, uint8_t digest[64]);

/* ---- additions: form, names, static checks --------------------------------- */

/* The JSON source's defaults for keys it leaves out: each the most
 * restrictive value ("gateway": false, "host_calls": "deny", "strict": true),
 * so a relaxation is always written down. */
#define POLICY_DEFAULT_HOST_CALLS POLICY_HOST_CALLS_DENY
#define POLICY_DEFAULT_STRICT     true

/* Whether a source can be compiled: counts, names ([A-Za-z0-9_.-]{1,31},
 * unique), RIM sizes, no two realms of one RIM, owners, pages, permissions,
 * at least one member per channel, self, host_calls, and a blob of at most
 * POLICY_MAX_SIZE. policy_source_from_json and policy_compile run it (a
 * source built by hand is checked too). */
int policy_source_validate(const struct policy_source *src, struct policy_err *err);

/* The size of the blob policy_compile writes for src (valid or not). */
size_t policy_blob_size(const struct policy_source *src);

/* The source a blob was compiled from, read back with the monitor's parser
 * (rmm/policy_blob.h): self is the blob's. 0, or -1 with the parser's phrase
 * in err. compile(from_blob(b), self) is b again, byte for byte. */
int policy_source_from_blob(const uint8_t *blob, size_t len, struct policy_source *out, struct policy_err *err);

/* The source as JSON in the source form (RIMs in hex, every key written
 * out, "self" when it has one), which policy_source_from_json reads back to
 * the same source. NULL when out of memory. */
json_t *policy_source_to_json(const struct policy_source *src);

/* Whether name is a well-formed realm or channel name. */
bool policy_name_valid(const char *name);

/* "allow", "deny", "doorbell"; NULL for another value. */
const char *policy_host_calls_name(unsigned mode);
/* "r", "w", "rw"; "" for none, NULL for bits other than CSM_PERM_READ/WRITE. */
const char *policy_perm_name(unsigned perms);

/*
 * Static checks (policy_check.c). Data flows along a graph of realms: a realm
 * with write permission on a channel sends to every other realm with read
 * permission on it. The host exchanges data with every gateway realm (its
 * host-visible memory) and, when host_calls is "allow", with every realm; a
 * "doorbell" carries no data and makes no edge.
 */

/* The host, as a node of chains and path checks (realms are 0..num_realms). */
#define POLICY_NODE_HOST POLICY_MAX_REALMS
/* The hop of a chain between a realm and the host (no channel). */
#define POLICY_HOP_HOST  POLICY_MAX_CHANNELS

/* A chain: nodes[0] -> nodes[1] -> ... -> nodes[len - 1], hop i through
 * channel hops[i] (or POLICY_HOP_HOST). A simple path, so every realm and
 * the host appear at most once. */
struct policy_chain {
	unsigned len; /* nodes; 0: no chain */
	unsigned nodes[POLICY_MAX_REALMS + 1];
	unsigned hops[POLICY_MAX_REALMS];
};

/* "notes -> [tools] -> agent -> [net-chan] -> net -> host" into buf. */
void policy_chain_format(const struct policy_source *src, const struct policy_chain *c, char *buf,
			 size_t size);

/*
 * Every channel owner and member (and the "self") of a JSON source that is
 * no declared realm ("channel 'prompt': member 'tool' is not a declared realm
 * (declared: agent, llm)"), one per line into lines[0..max); returns how many there are (which
 * may be more than max). Runs on the JSON alone, so it can report them all
 * where policy_source_from_json stops at the first.
 */
unsigned policy_check_references(const json_t *root, struct policy_err *lines, unsigned max);

/*
 * The non-gateway realms whose data can reach the host, directly or through
 * a chain, and whose source entry does not say "reaches_host": true (an
 * agent whose answers leave through the gateway): for each such realm i, chains[i] is a shortest chain from it to
 * the host; for the others chains[i].len is 0. Returns how many there are
 * (0: the check passes).
 */
unsigned policy_check_host_reach(const struct policy_source *src,
				 struct policy_chain chains[POLICY_MAX_REALMS]);

/*
 * Whether every path from node `from` to node `to` passes through node
 * `via` (any of them may be POLICY_NODE_HOST; all three differ): 1 if so
 * (also when to cannot be reached at all; *reachable says which), 0 with
 * *avoiding a shortest path that does not, -1 for nodes out of range or not
 * distinct.
 */
int policy_check_path(const struct policy_source *src, unsigned from, unsigned to, unsigned via,
		      struct policy_chain *avoiding, bool *reachable);

#endif
