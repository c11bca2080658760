/* A realm's place in a pipeline (sdk/pipeline.h). */
#include "sdk/attest.h"
#include "sdk/csm.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/pipeline.h"

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

static bool name_is(const char *s, size_t len, const char *name)
{
	size_t i = 0;

	for (; i < len && name[i]; i++)
		if (s[i] != name[i])
			return false;
	return i == len && name[i] == 0;
}

int pipeline_start(struct pipeline *p, const char **why)
{
	const void *blob;
	size_t len, n;
	uint64_t st = 0;

	if (csm_policy_provided(&blob, &len) != 0)
		return fail(why, "the host provided no policy");
	if (csm_policy_set(blob, len, &st) != 0)
		return fail(why, "the monitor refused the provided policy");
	if (sdk_policy_read(blob, len, &p->pol, why) != 0)
		return -1;
	const char *self = sdk_policy_realm_name(&p->pol, p->pol.hdr->self, &n);
	if (n > POLICY_NAME_MAX)
		return fail(why, "a realm name is too long");
	__builtin_memcpy(p->self, self, n);
	p->self[n] = 0;
	return 0;
}

int pipeline_realm(const struct pipeline *p, const char *name)
{
	size_t n;

	for (unsigned i = 0; i < p->pol.hdr->num_realms; i++) {
		const char *s = sdk_policy_realm_name(&p->pol, i, &n);
		if (name_is(s, n, name))
			return (int)i;
	}
	return -1;
}

int pipeline_channel_index(const struct pipeline *p, const char *name)
{
	size_t n;

	for (unsigned i = 0; i < p->pol.hdr->num_channels; i++) {
		const char *s = sdk_policy_channel_name(&p->pol, i, &n);
		if (name_is(s, n, name))
			return (int)i;
	}
	return -1;
}

/* The owner tells the host channel i's csm_id (PIPE_CALL_ANNOUNCE). */
static bool announce(unsigned i, uint64_t csm_id)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { i, csm_id };

	return sdk_host_call(PIPE_CALL_ANNOUNCE, g) == RSI_SUCCESS && g[0] == 0;
}

/* A member asks for it (PIPE_CALL_LOOKUP): the csm_id, or 0. */
static uint64_t lookup(unsigned i)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { i };

	return sdk_host_call(PIPE_CALL_LOOKUP, g) == RSI_SUCCESS ? g[0] : 0;
}

int pipeline_region(struct pipeline *p, const char *name, struct pipeline_region *r, const char **why)
{
	int i = pipeline_channel_index(p, name);
	uint64_t st;

	*r = (struct pipeline_region){ 0 };
	if (i < 0)
		return fail(why, "the policy declares no such region");
	const struct policy_channel *c = &p->pol.channels[i];
	unsigned self = p->pol.hdr->self;
	uint64_t perms = c->perms[self];
	if (!perms)
		return fail(why, "this realm is not a member of the region");
	r->owner = c->owner == self;
	r->writable = (perms & CSM_PERM_WRITE) != 0;
	r->size = (uint64_t)c->pages * 4096;
	if (r->owner) {
		if (csm_create_channel(c->pages, (uint64_t)i, &r->csm_id, &st) != 0 ||
		    csm_attach(r->csm_id, 0, perms, &r->base, &st) != 0)
			return fail(why, "the region could not be made");
		for (unsigned m = 0; m < p->pol.hdr->num_realms; m++) {
			uint64_t handle;
			const struct policy_realm *pr = &p->pol.realms[m];
			if (m != self && c->perms[m] &&
			    csm_grant_rim(r->csm_id, pr->rim, pr->rim_size, c->perms[m] | csm_admit(1), &handle, &st) != 0) {
				pipeline_region_close(r);
				return fail(why, "the region could not be granted to its members");
			}
		}
		if (csm_seal(r->csm_id, &st) != 0 || !announce((unsigned)i, r->csm_id)) {
			pipeline_region_close(r);
			return fail(why, "the region could not be sealed and announced");
		}
		return 0;
	}
	if (!(r->csm_id = lookup((unsigned)i)))
		return fail(why, "the region's owner did not make it in time");
	if (csm_attach(r->csm_id, 0, perms, &r->base, &st) != 0) {
		r->csm_id = 0;
		return fail(why, "the region could not be mapped (the monitor refused it, or it is not the declared one)");
	}
	return 0;
}

void pipeline_region_close(struct pipeline_region *r)
{
	if (r->base)
		csm_detach(r->csm_id, NULL);
	r->base = NULL;
}

int pipeline_channel(struct pipeline *p, const char *name, struct chan_csm *cc, const char **why)
{
	int csm_err = 0;
	int i = pipeline_channel_index(p, name);

	if (i < 0)
		return fail(why, "the policy declares no such channel");
	const struct policy_channel *c = &p->pol.channels[i];
	if (c->owner == p->pol.hdr->self) {
		if (chan_csm_create_declared(cc, &p->pol, (unsigned)i, NULL, &csm_err) != 0)
			return fail(why, "the channel's region could not be made and granted");
		if (!announce((unsigned)i, cc->csm_id)) {
			chan_csm_close(cc);
			return fail(why, "the host refused to announce the channel");
		}
		return 0;
	}
	if (!c->perms[p->pol.hdr->self])
		return fail(why, "this realm is not a member of the channel");
	uint64_t id = lookup((unsigned)i);
	if (!id)
		return fail(why, "the channel's owner did not make it in time");
	if (chan_csm_join(cc, id, &csm_err) != 0)
		return fail(why, "the channel could not be joined (the monitor refused it, or it is not the declared one)");
	return 0;
}

int pipeline_result(const char *text, size_t len)
{
	do {
		uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
		size_t n = len < PIPE_RESULT_MAX ? len : PIPE_RESULT_MAX;
		g[0] = n;
		g[30] = len > n; /* more of this line follows */
		for (size_t i = 0; i < n; i++)
			g[1 + i / 8] |= (uint64_t)(uint8_t)text[i] << (8 * (i % 8));
		if (sdk_host_call(PIPE_CALL_RESULT, g) != RSI_SUCCESS || g[0] != 0)
			return -1;
		text += n;
		len -= n;
	} while (len > 0);
	return 0;
}

long pipeline_work(uint64_t index, char *buf, size_t cap)
{
	uint64_t total = 0, at = 0;

	do {
		uint64_t g[RSI_HOST_CALL_GPRS] = { index, at };
		if (sdk_host_call(PIPE_CALL_WORK, g) != RSI_SUCCESS)
			return -1;
		if (g[0] == 1 && at == 0)
			return 0;
		if (g[0] != 0 || g[2] > PIPE_WORK_CHUNK || g[2] == 0 || (at > 0 && g[1] != total))
			return -1;
		total = g[1];
		if (total >= cap || at + g[2] > total)
			return -1;
		for (uint64_t i = 0; i < g[2]; i++)
			buf[at + i] = (char)(g[3 + i / 8] >> (8 * (i % 8)));
		at += g[2];
	} while (at < total);
	buf[at] = 0;
	return (long)at;
}

int pipeline_attest(const char **why)
{
	uint8_t challenge[SDK_CHALLENGE_SIZE];
	size_t cap = 8192, len = 0;
	uint8_t *token = sdk_malloc(cap);
	int r;

	uint64_t g[RSI_HOST_CALL_GPRS] = { 1 };
	if (!token)
		return fail(why, "no memory for the token");
	if (sdk_host_call(PIPE_CALL_READY, g) != RSI_SUCCESS || g[0] != 0)
		r = fail(why, "the pipeline stopped before every realm had opened its channels");
	else if (sdk_host_challenge(challenge) != 0)
		r = fail(why, "the host gave no challenge");
	else if (sdk_attest_token(challenge, token, cap, &len, NULL) != 0)
		r = fail(why, "no attestation token");
	else if (sdk_report_token(token, len) != 0)
		r = fail(why, "the host did not take the token");
	else
		r = 0;
	sdk_free(token);
	if (r != 0)
		return r;
	uint64_t go[RSI_HOST_CALL_GPRS] = { 2 };
	if (sdk_host_call(PIPE_CALL_READY, go) != RSI_SUCCESS || go[0] != 0)
		return fail(why, "the host did not accept the group's attestation");
	return 0;
}
