/* The realm's policy blob through the monitor's own parser (sdk/policy.h). */
#include "rmm/policy_blob.h"
#include "sdk/csm.h"
#include "sdk/policy.h"

int sdk_policy_read(const void *blob, size_t len, struct sdk_policy *out, const char **why)
{
	struct policy_view v;
	enum policy_blob_error e = blob ? policy_blob_check(blob, len, &v) : POLICY_BLOB_E_SIZE;

	if (e != POLICY_BLOB_OK) {
		if (why)
			*why = policy_blob_strerror(e);
		return SDK_CSM_INVALID;
	}
	*out = (struct sdk_policy){ v.hdr, v.realms, v.channels, v.names };
	return 0;
}

const char *sdk_policy_realm_name(const struct sdk_policy *p, unsigned i, size_t *len)
{
	*len = p->realms[i].name_len;
	return p->names + p->realms[i].name_offset;
}

const char *sdk_policy_channel_name(const struct sdk_policy *p, unsigned i, size_t *len)
{
	*len = p->channels[i].name_len;
	return p->names + p->channels[i].name_offset;
}
