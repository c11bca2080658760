/*
 * libFuzzer harness for the policy blob parser (rmm/policy_blob.h), which
 * the monitor runs on whatever a realm uploads with RSI_POLICY_SET. Each
 * input is checked twice: as a blob itself, and as a list of byte changes
 * (2-byte offset, XOR value) to a valid blob, so that the search starts deep
 * inside the rules instead of at the magic. Whatever the parser accepts must
 * lie inside the input (the header's parts, every name), and must be the
 * blob its own decoded policy compiles to.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rmm/policy_blob.h"
#include "verify/policy.h"

static const char base_source[] =
	"{\"version\": 1, \"self\": \"llm\","
	" \"realms\": {\"agent\": {\"rim\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},"
	"  \"llm\": {\"rim\": \"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\"},"
	"  \"net\": {\"rim\": \"a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5\", \"gateway\": true}},"
	" \"channels\": {\"prompt\": {\"owner\": \"agent\", \"pages\": 16, \"members\": {\"agent\": \"rw\", \"llm\": \"r\"}},"
	"  \"out\": {\"owner\": \"llm\", \"pages\": 1, \"members\": {\"llm\": \"w\", \"net\": \"r\"}}},"
	" \"host_calls\": \"doorbell\"}";

static uint64_t base[POLICY_MAX_SIZE / 8];
static size_t base_len;

static void inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *b = p;
	if (b < buf || n > len || b + n > buf + len)
		abort();
}

/* An accepted blob: every part and name inside it, and canonical. */
static void accepted(const uint8_t *buf, size_t len, const struct policy_view *v)
{
	const struct policy_header *h = v->hdr;
	struct policy_source src;
	struct policy_err err;
	uint8_t again[POLICY_MAX_SIZE];
	size_t n;

	if ((const uint8_t *)h != buf || h->total_size != len)
		abort();
	inside(v->realms, (size_t)h->num_realms * sizeof(struct policy_realm), buf, len);
	inside(v->channels, (size_t)h->num_channels * sizeof(struct policy_channel), buf, len);
	inside(v->names, h->names_size, buf, len);
	for (unsigned i = 0; i < h->num_realms; i++) {
		inside(policy_realm_name(v, i), v->realms[i].name_len, (const uint8_t *)v->names, h->names_size);
		if (v->realms[i].rim_size != 32 && v->realms[i].rim_size != 64)
			abort();
		if (policy_find_realm(v, v->realms[i].rim, v->realms[i].rim_size) != (int)i)
			abort(); /* RIMs are unique */
	}
	for (unsigned i = 0; i < h->num_channels; i++) {
		inside(policy_channel_name(v, i), v->channels[i].name_len, (const uint8_t *)v->names, h->names_size);
		if (v->channels[i].owner >= h->num_realms)
			abort();
	}
	if (policy_source_from_blob(buf, len, &src, &err) != 0 ||
	    policy_compile(&src, -1, again, sizeof(again), &n, &err) != 0 || n != len || memcmp(again, buf, len))
		abort();
}

static void check(const uint8_t *buf, size_t len)
{
	struct policy_view v;
	enum policy_blob_error e = policy_blob_check(buf, len, &v);

	if (e == POLICY_BLOB_OK)
		accepted(buf, len, &v);
	else if (e > POLICY_BLOB_E_CHANNEL || !policy_blob_strerror(e)[0])
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct policy_source src;
	struct policy_err err;
	json_t *root = json_loads(base_source, JSON_PRESERVE_ORDER, NULL);

	(void)argc;
	(void)argv;
	if (!root || policy_source_from_json(root, ".", NULL, NULL, &src, &err) != 0 ||
	    policy_compile(&src, -1, (uint8_t *)base, sizeof(base), &base_len, &err) != 0)
		abort();
	json_decref(root);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy (malloc aligns it): ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	check(copy, size);
	free(copy);

	/* The changes to the valid blob; an odd first byte also cuts it. */
	uint64_t patched[POLICY_MAX_SIZE / 8];
	size_t len = base_len;
	memcpy(patched, base, base_len);
	size_t i = 0;
	if (size && (data[0] & 1)) {
		len = base_len - (data[0] >> 1) % base_len;
		i = 1;
	}
	for (; i + 3 <= size; i += 3) {
		size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % len;
		((uint8_t *)patched)[off] ^= data[i + 2];
	}
	check((const uint8_t *)patched, len);
	return 0;
}
