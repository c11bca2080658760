/*
 * The platform keys and reference values a verifying command is given
 * (`caec attest verify`, `caec attest group`): --platform-key files and a
 * --ref file, read and parsed once, the keys of both in one list (cli.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "verify/pubkey.h"
#include "verify/appraise.h"

#define KEY_FILE_MAX (64 * 1024)
#define REF_FILE_MAX (4 * 1024 * 1024)

uint8_t *cli_read_bounded(const char *cmd, const char *what, const char *path, size_t max, const char *limit,
			  size_t *len)
{
	uint8_t *buf = cli_read_input(cmd, what, path, max, len);

	if (buf && *len > max) {
		cli_usage_error(cmd, "%s %s is larger than %s", what, strcmp(path, "-") ? path : "(standard input)",
				limit);
		free(buf);
		return NULL;
	}
	return buf;
}

void cli_folder_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!strcmp(path, "-") || !slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int cli_verify_keys_load(const char *cmd, const char *const *key_paths, size_t num_paths, const char *ref_path,
			 struct cli_verify_keys *k)
{
	char why[REF_WHY_MAX > PUBKEY_WHY_MAX ? REF_WHY_MAX : PUBKEY_WHY_MAX];
	size_t len;

	memset(k, 0, sizeof(*k));
	if (num_paths > CLI_MAX_KEYS)
		return cli_usage_error(cmd, "at most %d --platform-key files", CLI_MAX_KEYS);
	for (size_t i = 0; i < num_paths; i++) {
		uint8_t *text = cli_read_bounded(cmd, "--platform-key", key_paths[i], KEY_FILE_MAX, "64 KiB", &len);
		if (!text)
			return CLI_USAGE;
		int rc = pubkey_from_text((const char *)text, len, &k->cli_keys[k->num_cli_keys], why);
		free(text);
		if (rc != 0)
			return cli_usage_error(cmd, "--platform-key %s: %s", key_paths[i], why);
		k->num_cli_keys++;
	}
	if (ref_path) {
		char dir[PATH_MAX];
		char *text = (char *)cli_read_bounded(cmd, "--ref", ref_path, REF_FILE_MAX, "4 MiB", &len);
		if (!text)
			return CLI_USAGE;
		cli_folder_of(ref_path, dir, sizeof(dir));
		int rc = verify_refvals_parse(text, len, dir, &k->ref, why);
		free(text);
		if (rc != 0)
			return cli_usage_error(cmd, "--ref %s: %s", ref_path, why);
	}
	size_t ref_keys = k->ref ? k->ref->num_platform_keys : 0;
	k->keys = calloc(k->num_cli_keys + ref_keys + 1, sizeof(EVP_PKEY *));
	if (!k->keys)
		return cli_usage_error(cmd, "out of memory");
	for (size_t i = 0; i < k->num_cli_keys; i++)
		k->keys[k->num_keys++] = k->cli_keys[i];
	for (size_t i = 0; i < ref_keys; i++)
		k->keys[k->num_keys++] = k->ref->platform_keys[i];
	return CLI_OK;
}

void cli_verify_keys_free(struct cli_verify_keys *k)
{
	for (size_t i = 0; i < k->num_cli_keys; i++)
		EVP_PKEY_free(k->cli_keys[i]);
	verify_refvals_free(k->ref);
	free(k->keys);
	memset(k, 0, sizeof(*k));
}
