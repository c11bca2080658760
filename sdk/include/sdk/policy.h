/*
 * Reading the realm's own communication policy (abi/caec_policy.h) inside
 * the realm: which channels it declares, their pages and members, and the
 * realms' RIMs, e.g. to grant each member of a channel what the policy
 * gives it. The blob is checked by the very parser the monitor runs at
 * RSI_POLICY_SET (rmm/src/policy_blob.c, compiled into the SDK), so a blob
 * this accepts is one the monitor accepts, and the pointers below can be
 * followed without further checks.
 */
#ifndef CAEC_SDK_POLICY_H
#define CAEC_SDK_POLICY_H

#include <stddef.h>

#include "abi/caec_policy.h"

/* A checked blob: pointers into the caller's bytes, which must stay. */
struct sdk_policy {
	const struct policy_header *hdr;
	const struct policy_realm *realms;     /* hdr->num_realms */
	const struct policy_channel *channels; /* hdr->num_channels */
	const char *names;
};

/* Checks len bytes at blob (8-byte aligned) and fills *out. 0, or
 * SDK_CSM_INVALID (sdk/csm.h) with *why (when non-NULL) naming the first
 * rule the blob breaks. */
int sdk_policy_read(const void *blob, size_t len, struct sdk_policy *out, const char **why);

/* Realm i's and channel i's names: *len bytes in the blob, not
 * NUL-terminated. */
const char *sdk_policy_realm_name(const struct sdk_policy *p, unsigned i, size_t *len);
const char *sdk_policy_channel_name(const struct sdk_policy *p, unsigned i, size_t *len);

#endif
