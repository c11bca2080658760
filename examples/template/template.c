/*
 * template: the starting point for a realm program of your own. Copy this
 * folder (template.c, CMakeLists.txt), rename the image in CMakeLists.txt
 * and replace the body of realm_main(); README.md says how to build it
 * outside caec's source tree.
 *
 * What a realm image is: a shared object (IMAGE.so) that `caec realm run`
 * copies into the realm's memory, measures into the RIM and starts on vCPU
 * 0. It runs with no C library and no operating system: use the sdk's
 * headers (sdk/) and the compiler's freestanding ones (stdint.h,
 * stddef.h, stdbool.h, stdarg.h), and nothing that needs libc (no stdio,
 * no malloc, no threads). An image that calls anything it does not define
 * fails to link, on purpose.
 *
 * The life of the program:
 *   entry      the image's real entry point is the sdk's crt
 *              (caec_realm_entry), linked into every image: it moves to a
 *              stack at the top of realm RAM and calls sdk_realm_start(),
 *              which sets up the heap over the rest of RAM and calls
 *              realm_main() below. Other vCPUs start only when the program
 *              asks (sdk_cpu_on, sdk/psci.h).
 *   console    sdk_printf (sdk/console.h) sends its text to the host (host
 *              call SDK_HOST_CALL_CONSOLE); `caec realm run` prints it. The
 *              host sees everything printed: never print a secret.
 *   heap       sdk_malloc / sdk_free (sdk/heap.h), from the realm's own
 *              protected RAM. `caec realm run --mem SIZE` sets the RAM.
 *   attestation  sdk_host_challenge gets the nonce the host chose for this
 *              run, sdk_attest_token asks the monitor for a token over it
 *              (the realm's measurements and the platform's, signed), and
 *              sdk_report_token hands the token to the host, which can
 *              check it with `caec attest verify`.
 *   exit       realm_main's return value is the exit status: the sdk
 *              reports it to the host (SDK_HOST_CALL_EXIT_STATUS) and turns
 *              the realm off with PSCI SYSTEM_OFF; `caec realm run` then
 *              tears the realm down and prints the status if it is not 0
 *              (with --exit-status, caec exits with it).
 *              sdk_realm_exit(status) does the same from anywhere.
 */
#include <stddef.h>
#include <stdint.h>

#include "sdk/attest.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/realm.h"

/* Room for the token at first; sdk_attest_token says when it needs more. */
#define KIB              1024u
#define TOKEN_FIRST_SIZE (4u * KIB)

/* Fetches a token for the host's challenge into a heap buffer; the caller
 * frees *token. 0, or -1 with a line on the console saying why. */
static int fetch_token(uint8_t **token, size_t *len)
{
	uint8_t challenge[SDK_CHALLENGE_SIZE];
	size_t cap = TOKEN_FIRST_SIZE;
	uint64_t status = 0;
	int rc;

	if (sdk_host_challenge(challenge) != 0) {
		sdk_printf("template: the host gave no challenge\n");
		return -1;
	}
	*token = sdk_malloc(cap);
	rc = *token ? sdk_attest_token(challenge, *token, cap, len, &status) : SDK_ATTEST_NO_MEMORY;
	if (rc == SDK_ATTEST_TOO_SMALL && *len > cap) {
		/* The monitor said how big the token is: once more with that. */
		sdk_free(*token);
		cap = *len;
		*token = sdk_malloc(cap);
		rc = *token ? sdk_attest_token(challenge, *token, cap, len, &status)
			    : SDK_ATTEST_NO_MEMORY;
	}
	if (rc != 0) {
		sdk_printf("template: no attestation token (error %d, RSI status %llu)\n", rc,
			   (unsigned long long)status);
		sdk_free(*token);
		*token = NULL;
		return -1;
	}
	return 0;
}

int realm_main(void)
{
	const struct sdk_realm_info *info = sdk_realm_info();
	uint8_t *token;
	size_t len;

	sdk_printf("template: started on %u vCPU(s) with %llu KiB of RAM\n", info->nr_cpus,
		   (unsigned long long)(info->ram_size / KIB));

	/* Your program goes here. */

	if (fetch_token(&token, &len) != 0)
		return SDK_EXIT_FAILURE;
	sdk_printf("template: attestation token of %zu bytes\n", len);
	if (sdk_report_token(token, len) != 0) {
		sdk_printf("template: the host refused the token\n");
		sdk_free(token);
		return SDK_EXIT_FAILURE;
	}
	sdk_free(token);
	sdk_printf("template: done\n");
	return SDK_EXIT_SUCCESS;
}
