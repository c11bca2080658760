/*
 * hello: the smallest realm program that shows what a realm can do on its
 * own: print through the host, look at its own configuration and
 * measurements, and prove what it is with an attestation token bound to a
 * nonce the host chose.
 */
#include <stdbool.h>

#include "sdk/attest.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

/* A first guess at the token's size (hostsim's are about 1 KiB); a larger
 * token is fetched again with the size sdk_attest_token asks for. */
#define KIB            1024u
#define TOKEN_BUF_SIZE (16u * KIB)

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	sdk_printf("%s", label);
	for (size_t i = 0; i < n; i++)
		sdk_printf("%02x", b[i]);
	sdk_printf("\n");
}

static int show_config(size_t *hash_size)
{
	struct rsi_realm_config *cfg = sdk_aligned_alloc(SDK_GRANULE_SIZE, sizeof(*cfg));
	bool sha512;
	uint64_t st;

	if (!cfg)
		return -1;
	st = rsi_realm_config(cfg);
	if (st != RSI_SUCCESS) {
		sdk_printf("hello: RSI_REALM_CONFIG failed (%llu)\n", (unsigned long long)st);
		sdk_free(cfg);
		return -1;
	}
	sha512 = cfg->hash_algo == SDK_HASH_SHA_512;
	*hash_size = sha512 ? SDK_SHA_512_SIZE : SDK_SHA_256_SIZE;
	sdk_printf("hello: IPA width %llu bits, measurements in %s\n",
		   (unsigned long long)cfg->ipa_width, sha512 ? "SHA-512" : "SHA-256");
	sdk_free(cfg);
	return 0;
}

static int show_measurements(size_t hash_size)
{
	uint8_t m[RSI_MEASUREMENT_SIZE];

	for (unsigned i = 0; i < RSI_MEASUREMENT_SLOTS; i++) {
		if (rsi_measurement_read(i, m) != RSI_SUCCESS) {
			sdk_printf("hello: RSI_MEASUREMENT_READ(%u) failed\n", i);
			return -1;
		}
		print_hex(i == SDK_MEASUREMENT_RIM ? "hello: RIM    " : "hello: REM    ", m, hash_size);
	}
	return 0;
}

static int attest(void)
{
	uint8_t challenge[SDK_CHALLENGE_SIZE];
	size_t cap = TOKEN_BUF_SIZE, len = 0;
	uint8_t *token = sdk_malloc(cap);
	uint64_t st = 0;
	int rc;

	if (!token)
		return -1;
	if (sdk_host_challenge(challenge) != 0) {
		sdk_printf("hello: the host gave no challenge\n");
		sdk_free(token);
		return -1;
	}
	rc = sdk_attest_token(challenge, token, cap, &len, &st);
	if (rc == SDK_ATTEST_TOO_SMALL && len > cap) {
		sdk_free(token);
		cap = len;
		token = sdk_malloc(cap);
		rc = token ? sdk_attest_token(challenge, token, cap, &len, &st) : SDK_ATTEST_NO_MEMORY;
	}
	if (rc != 0) {
		sdk_printf("hello: no attestation token (error %d, RSI status %llu)\n", rc,
			   (unsigned long long)st);
		sdk_free(token);
		return -1;
	}
	sdk_printf("hello: attestation token of %zu bytes for the host's challenge\n", len);
	rc = sdk_report_token(token, len);
	sdk_free(token);
	return rc;
}

int realm_main(void)
{
	const struct sdk_realm_info *info = sdk_realm_info();
	size_t hash_size = SDK_SHA_256_SIZE;

	sdk_printf("hello from a realm: %u vCPU(s), %llu KiB of RAM at IPA 0x%llx\n", info->nr_cpus,
		   (unsigned long long)(info->ram_size / KIB), (unsigned long long)info->ram_base);
	if (show_config(&hash_size) != 0 || show_measurements(hash_size) != 0 || attest() != 0)
		return SDK_EXIT_FAILURE;
	sdk_printf("hello: done\n");
	return SDK_EXIT_SUCCESS;
}
