/* The measurement log as JSON (see measure.h). */
#include "host/measure.h"

static const char *const step_names[] = { "realm", "ripas", "data", "rec", "caec_config" };

void vmm_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static json_t *hex_string(const uint8_t *bytes, size_t n)
{
	char buf[2 * VMM_MEASURE_SLOT + 1];

	vmm_hex(bytes, n, buf);
	return json_string(buf);
}

/* The algorithm as the CLI's --hash and the JSON name it. */
static const char *hash_algo_name(uint64_t algo)
{
	return algo == RMI_HASH_SHA_512 ? "sha512" : "sha256";
}

static int set_u64(json_t *obj, const char *key, uint64_t v)
{
	return json_object_set_new(obj, key, json_integer((json_int_t)v));
}

static json_t *step_json(const struct vmm_measurement *m, const struct vmm_measure_step *s)
{
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= json_object_set_new(o, "type", json_string(step_names[s->type]));
	switch (s->type) {
	case VMM_STEP_REALM:
		rc |= set_u64(o, "flags", s->flags);
		rc |= set_u64(o, "s2sz", s->s2sz);
		rc |= set_u64(o, "sve_vl", s->sve_vl);
		rc |= set_u64(o, "num_bps", s->num_bps);
		rc |= set_u64(o, "num_wps", s->num_wps);
		rc |= set_u64(o, "pmu_num_ctrs", s->pmu_num_ctrs);
		rc |= json_object_set_new(o, "hash_algo", json_string(hash_algo_name(s->hash_algo)));
		break;
	case VMM_STEP_CAEC_CONFIG:
		rc |= set_u64(o, "flags", s->flags);
		break;
	case VMM_STEP_RIPAS:
		rc |= set_u64(o, "base", s->base);
		rc |= set_u64(o, "top", s->top);
		break;
	case VMM_STEP_DATA:
		rc |= set_u64(o, "ipa", s->ipa);
		rc |= set_u64(o, "flags", s->flags);
		rc |= json_object_set_new(o, "content", hex_string(s->content, m->hash_size));
		break;
	case VMM_STEP_REC: {
		json_t *gprs = json_array();

		rc |= set_u64(o, "flags", s->flags);
		rc |= set_u64(o, "pc", s->pc);
		for (unsigned i = 0; gprs && i < RMI_REC_PARAMS_GPRS; i++)
			rc |= json_array_append_new(gprs, json_integer((json_int_t)s->gprs[i]));
		rc |= json_object_set_new(o, "gprs", gprs);
		rc |= json_object_set_new(o, "content", hex_string(s->content, m->hash_size));
		break;
	}
	}
	rc |= json_object_set_new(o, "rim", hex_string(s->rim_after, m->hash_size));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *vmm_measurement_to_json(const struct vmm_measurement *m)
{
	json_t *root = json_object(), *log = json_array();
	int rc = 0;

	if (!root || !log) {
		json_decref(root);
		json_decref(log);
		return NULL;
	}
	rc |= json_object_set_new(root, "rim", hex_string(m->rim, m->hash_size));
	rc |= json_object_set_new(root, "hash_algo", json_string(hash_algo_name(m->hash_algo)));
	for (size_t i = 0; i < m->nsteps && rc == 0; i++) {
		json_t *s = step_json(m, &m->steps[i]);

		rc |= s ? json_array_append_new(log, s) : -1;
	}
	rc |= json_object_set_new(root, "log", log);
	if (rc) {
		json_decref(root);
		return NULL;
	}
	return root;
}
