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

#endif
