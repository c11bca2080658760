/*
 * Reading a policy blob (abi/caec_policy.h): the one parser the monitor
 * (RSI_POLICY_SET, on its own copy in the RD) and the host tools (`caec
 * policy show`, `caec attest group`) share. Freestanding: no C library.
 *
 * policy_blob_check accepts exactly the canonical blobs: every count within
 * its bound, every offset the one the layout gives, every name well formed
 * and unique, every reserved byte zero, no RIM twice. Whatever it accepts,
 * the accessors below read without further checks; whatever it refuses, it
 * names the first rule broken.
 */
#ifndef RMM_POLICY_BLOB_H
#define RMM_POLICY_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/caec_policy.h"

enum policy_blob_error {
	POLICY_BLOB_OK = 0,
	POLICY_BLOB_E_SIZE,      /* shorter than a header, longer than POLICY_MAX_SIZE, or not total_size */
	POLICY_BLOB_E_MAGIC,
	POLICY_BLOB_E_VERSION,
	POLICY_BLOB_E_LAYOUT,    /* an offset or size other than the layout's */
	POLICY_BLOB_E_FLAGS,     /* an unknown flag or host_calls mode, or a reserved byte set */
	POLICY_BLOB_E_COUNT,     /* no realm, too many realms or channels */
	POLICY_BLOB_E_SELF,      /* self is not a realm of the policy */
	POLICY_BLOB_E_NAME,      /* a name empty, too long, out of place or of other characters */
	POLICY_BLOB_E_DUPLICATE, /* two realms or two channels of one name, or two realms of one RIM */
	POLICY_BLOB_E_RIM,       /* a RIM size other than 32 or 64, or bytes past it */
	POLICY_BLOB_E_CHANNEL,   /* an owner that is no realm, no pages or too many, a perm outside R/W, a member past the realms, no member */
};

/* A checked blob (pointers into the caller's bytes, which must stay). */
struct policy_view {
	const struct policy_header *hdr;
	const struct policy_realm *realms;
	const struct policy_channel *channels;
	const char *names;
};

/* Checks len bytes at blob (8-byte aligned); fills *view when it returns
 * POLICY_BLOB_OK. */
enum policy_blob_error policy_blob_check(const void *blob, size_t len, struct policy_view *view);

/* A short phrase for an error ("a name is malformed"). */
const char *policy_blob_strerror(enum policy_blob_error e);

/* The realm whose RIM is rim[0..size), or -1. */
int policy_find_realm(const struct policy_view *v, const uint8_t *rim, size_t size);

/* The first channel named name[0..len), or -1. */
int policy_find_channel(const struct policy_view *v, const char *name, size_t len);

static inline const char *policy_realm_name(const struct policy_view *v, unsigned i)
{
	return v->names + v->realms[i].name_offset;
}

static inline const char *policy_channel_name(const struct policy_view *v, unsigned i)
{
	return v->names + v->channels[i].name_offset;
}

#endif
