/*
 * A realm's place in a pipeline (`caec run`, abi/caec_pipeline.h): it sets
 * the policy the host provisioned (which names it, its peers and every
 * channel), then opens its channels by name. The owner of a channel makes
 * the region the policy declares and tells the host its csm_id; a member
 * asks the host for it and joins. The monitor enforces the policy either
 * way: a host that lies about a csm_id only makes the join fail.
 */
#ifndef CAEC_SDK_PIPELINE_H
#define CAEC_SDK_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec_pipeline.h"
#include "sdk/chan_csm.h"
#include "sdk/policy.h"

struct pipeline {
	struct sdk_policy pol;
	char self[POLICY_NAME_MAX + 1];
};

/* Sets the provided policy and reads it. 0, or -1 with *why. */
int pipeline_start(struct pipeline *p, const char **why);

/* Opens channel `name` of the policy: created (owner) or joined (member).
 * 0, or -1 with *why. */
int pipeline_channel(struct pipeline *p, const char *name, struct chan_csm *cc, const char **why);

/* A region of the policy that is not a channel (e.g. a model shared
 * read-only): its owner makes it, grants every member the policy names
 * with its declared perms, seals its ACL and announces it; a member looks
 * it up and maps it with its declared perms. The region is zero when made:
 * its owner fills it, and says by its own means when it is ready. 0, or
 * -1 with *why. */
struct pipeline_region {
	uint64_t csm_id;
	void *base;
	uint64_t size;
	bool owner;
	bool writable;
};
int pipeline_region(struct pipeline *p, const char *name, struct pipeline_region *r, const char **why);
void pipeline_region_close(struct pipeline_region *r);

/* The index of channel `name` in the policy, or -1 (the policy does not
 * declare it). */
int pipeline_channel_index(const struct pipeline *p, const char *name);

/* The index of realm `name` in the policy, or -1. */
int pipeline_realm(const struct pipeline *p, const char *name);

/* Attests the realm to the host once its channels are open: a token for
 * the host's challenge, reported, then the group's verdict (PIPE_CALL_READY).
 * 0: the group was accepted; -1 with *why. */
int pipeline_attest(const char **why);

/* Workload item `index` into buf[0..cap) (NUL-terminated): its length, 0
 * when there is no such item, -1 when it does not fit or the host failed. */
long pipeline_work(uint64_t index, char *buf, size_t cap);

/* Reports a result line to the host (PIPE_CALL_RESULT, in chunks). */
int pipeline_result(const char *text, size_t len);

#endif
