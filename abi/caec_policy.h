/*
 * The binary form of a communication policy (../shared/spec/caec-ext.md,
 * "Policy"): what RSI_POLICY_SET uploads and what claim 65003 digests.
 * `caec policy compile` writes it from the JSON source; the monitor and the
 * host tools read it with the same parser (rmm/include/rmm/policy_blob.h).
 *
 * Layout (little endian, every part 8-byte aligned, nothing between parts,
 * so one policy has exactly one blob and one digest):
 *   header                      32 bytes
 *   realms[num_realms]          72 bytes each
 *   channels[num_channels]      24 bytes each
 *   names                       names_size bytes: the realm and channel
 *                               names, each [A-Za-z0-9_.-]{1,31}, not
 *                               terminated, then zero padding to 8 bytes
 * A realm is known by its RIM alone: no two realms of a policy share a
 * RIM (the measurement is the identity, a name is only for people). A
 * channel gives each realm (by index) the permissions it may hold on the
 * channel's region, 0 for none; the owner maps its region only if it lists
 * itself.
 */
#ifndef CAEC_ABI_CAEC_POLICY_H
#define CAEC_ABI_CAEC_POLICY_H

#include <stdint.h>

#define POLICY_MAGIC        UINT32_C(0x4c4f5043) /* "CPOL" */
#define POLICY_VERSION      1u
#define POLICY_MAX_SIZE     2048u
#define POLICY_MAX_REALMS   16u
#define POLICY_MAX_CHANNELS 16u
#define POLICY_NAME_MAX     31u
#define POLICY_RIM_SIZE     64u

/* header.flags */
#define POLICY_FLAG_STRICT  (UINT16_C(1) << 0) /* nothing outside declared channels */
#define POLICY_FLAGS_VALID  POLICY_FLAG_STRICT

/* header.host_calls */
#define POLICY_HOST_CALLS_ALLOW    0u
#define POLICY_HOST_CALLS_DENY     1u
#define POLICY_HOST_CALLS_DOORBELL 2u /* only the data-free channel doorbell */

/* realm.flags */
#define POLICY_REALM_GATEWAY (UINT8_C(1) << 0) /* may use host-visible memory */
#define POLICY_REALM_FLAGS_VALID POLICY_REALM_GATEWAY

/* RSI_CSM_CREATE's X3 when the region is no declared channel. */
#define POLICY_NO_CHANNEL UINT64_MAX

struct policy_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;     /* sizeof(struct policy_header) */
	uint32_t total_size;      /* the whole blob */
	uint16_t flags;           /* POLICY_FLAG_* */
	uint8_t host_calls;       /* POLICY_HOST_CALLS_* */
	uint8_t self;             /* the index of the realm this blob is for */
	uint8_t num_realms;       /* 1..POLICY_MAX_REALMS */
	uint8_t num_channels;     /* 0..POLICY_MAX_CHANNELS */
	uint16_t realms_offset;   /* = header_size */
	uint16_t channels_offset; /* = realms_offset + 72 * num_realms */
	uint16_t names_offset;    /* = channels_offset + 24 * num_channels */
	uint16_t names_size;      /* = total_size - names_offset, a multiple of 8 */
	uint8_t reserved[6];      /* zero */
};

struct policy_realm {
	uint16_t name_offset; /* in the names */
	uint8_t name_len;
	uint8_t flags;        /* POLICY_REALM_* */
	uint8_t rim_size;     /* 32 (SHA-256) or 64 (SHA-512) */
	uint8_t reserved[3];  /* zero */
	uint8_t rim[POLICY_RIM_SIZE]; /* zero past rim_size */
};

struct policy_channel {
	uint16_t name_offset;
	uint8_t name_len;
	uint8_t owner;        /* a realm index */
	uint32_t pages;       /* the region's size in granules */
	uint8_t perms[POLICY_MAX_REALMS]; /* CSM_PERM_READ | CSM_PERM_WRITE per realm, 0: none */
};

_Static_assert(sizeof(struct policy_header) == 32, "policy header");
_Static_assert(sizeof(struct policy_realm) == 72, "policy realm");
_Static_assert(sizeof(struct policy_channel) == 24, "policy channel");

#endif
