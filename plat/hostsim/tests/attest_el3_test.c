/*
 * hostsim's EL3 attestation service, without the monitor: RMM_GET_PLAT_TOKEN
 * through plat_el3_smc, the platform token's claims and CPAK signature, the
 * firmware measurement recomputed from the program file on disk, and the
 * CPAK's PEM export.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "abi/el3.h"
#include "attest_test_support.h"
#include "el3_attest.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define GRANULES 64u
#define ROOT     4u

static void start(unsigned format)
{
	struct hostsim_config cfg = { .dram_size = G(GRANULES), .root_granules = ROOT,
				      .token_format = format };
	assert_int_equal(hostsim_hw_start(&cfg), 0);
}

static uint64_t delegated(unsigned n)
{
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(n)), E_RMM_OK);
	return G(n);
}

static struct smc_regs plat_token(uint64_t pa, uint64_t size, uint64_t challenge_len)
{
	struct smc_regs r = { .x = { RMM_GET_PLAT_TOKEN, pa, size, challenge_len } };

	plat_el3_smc(&r);
	return r;
}

static EVP_PKEY *cpak(void)
{
	char pem[1024];
	int n = hostsim_platform_key_pem(pem, sizeof(pem));

	assert_true(n > 0);
	assert_int_equal(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26), 0);
	BIO *bio = BIO_new_mem_buf(pem, n);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(k);
	return k;
}

static void check_token(const uint8_t *tok, size_t len, const uint8_t *challenge,
			size_t challenge_len, bool legacy)
{
	struct test_sign1 s = { 0 };
	const uint8_t *p = NULL;
	size_t n = 0;
	struct crd v;
	int64_t life = 0;
	uint8_t want[32];

	assert_true(test_sign1_parse(tok, len, &s));
	assert_int_equal(s.sig_len, 96);
	assert_int_equal(s.unprotected_pairs, 0);
	EVP_PKEY *k = cpak();
	assert_true(test_sign1_verify(&s, k));
	EVP_PKEY_free(k);

	const uint8_t *m = s.payload;
	size_t ml = s.payload_len;
	assert_true(crd_map_bytes(m, ml, 10, 2, &p, &n));
	assert_int_equal(n, challenge_len);
	assert_memory_equal(p, challenge, n);
	/* The 2023 profile in both formats (RMM 1.0-rel0 platforms send it
	 * beside tag 399 too): only the config claim tells them apart. */
	assert_true(crd_map_text_is(m, ml, 265, "tag:arm.com,2023:cca_platform#1.0.0"));
	SHA256((const uint8_t *)"caec hostsim", 12, want);
	assert_true(crd_map_bytes(m, ml, 2396, 2, &p, &n));
	assert_int_equal(n, 32);
	assert_memory_equal(p, want, 32);
	assert_true(crd_map_find(m, ml, 2395, &v) && crd_int(&v, &life));
	assert_int_equal(life, 0x5000);
	/* Config: DRAM size, Root granules, token format, little endian. */
	assert_true(crd_map_bytes(m, ml, 2401, 2, &p, &n));
	assert_int_equal(n, 16);
	uint64_t dram;
	uint32_t root, format;
	memcpy(&dram, p, 8);
	memcpy(&root, p + 8, 4);
	memcpy(&format, p + 12, 4);
	assert_int_equal(dram, G(GRANULES));
	assert_int_equal(root, ROOT);
	assert_int_equal(format, legacy ? HOSTSIM_TOKEN_LEGACY : HOSTSIM_TOKEN_CCA);
	assert_true(crd_map_text_is(m, ml, 2400, "caec attest verify"));
	assert_true(crd_map_text_is(m, ml, 2402, "sha-256"));

	/* BL31 first: the platform's code section, as the file holds it. */
	uint64_t count = 0;
	assert_true(crd_map_find(m, ml, 2399, &v) && crd_expect(&v, 4, &count));
	assert_true(count >= 1 && count <= 2);
	size_t at = v.pos;
	assert_true(crd_skip(&v));
	const uint8_t *c = v.p + at;
	size_t cl = v.pos - at;
	assert_true(crd_map_text_is(c, cl, 1, "BL31"));
	assert_true(crd_map_bytes(c, cl, 2, 2, &p, &n));
	assert_int_equal(n, 32);
	assert_true(test_exe_section_sha256("caec_plat_text", want));
	assert_memory_equal(p, want, 32);
	assert_true(crd_map_text_is(c, cl, 4, "0.1.0"));
	assert_true(crd_map_text_is(c, cl, 6, "sha-256"));
	/* Signer ID and instance ID derive from the CPAK point. */
	uint8_t point[HOSTSIM_EC_POINT_SIZE];
	assert_true(hostsim_attest_cpak_point(point));
	SHA256(point, sizeof(point), want);
	assert_true(crd_map_bytes(c, cl, 5, 2, &p, &n));
	assert_int_equal(n, 32);
	assert_memory_equal(p, want, 32);
	assert_true(crd_map_bytes(m, ml, 256, 2, &p, &n));
	assert_int_equal(n, 33);
	assert_int_equal(p[0], 0x01);
	assert_memory_equal(p + 1, want, 32);
}

static void plat_token_for_each_challenge_size(void **state)
{
	static const size_t sizes[] = { 32, 48, 64 };

	(void)state;
	start(HOSTSIM_TOKEN_CCA);
	uint64_t pa = delegated(10);
	uint8_t *buf = hostsim_dram_monitor_ptr(pa);
	for (size_t i = 0; i < 3; i++) {
		uint8_t challenge[64];
		for (unsigned j = 0; j < sizes[i]; j++)
			challenge[j] = (uint8_t)(i * 64 + j);
		memcpy(buf, challenge, sizes[i]);
		struct smc_regs r = plat_token(pa, G(1), sizes[i]);
		assert_int_equal(r.x[0], E_RMM_OK);
		assert_true(r.x[1] > 200 && r.x[1] < G(1));
		check_token(buf, r.x[1], challenge, sizes[i], false);
	}
}

static void plat_token_legacy_profile(void **state)
{
	uint8_t challenge[32];

	(void)state;
	start(HOSTSIM_TOKEN_LEGACY);
	uint64_t pa = delegated(10);
	uint8_t *buf = hostsim_dram_monitor_ptr(pa);
	memset(challenge, 0xc3, sizeof(challenge));
	memcpy(buf, challenge, sizeof(challenge));
	struct smc_regs r = plat_token(pa, G(1), 32);
	assert_int_equal(r.x[0], E_RMM_OK);
	check_token(buf, r.x[1], challenge, 32, true);
}

static void plat_token_refuses_bad_buffers(void **state)
{
	(void)state;
	start(HOSTSIM_TOKEN_CCA);
	uint64_t pa = delegated(10);
	delegated(11);

	/* Not monitor memory: NS, Root. */
	assert_int_equal(plat_token(G(20), G(1), 32).x[0], E_RMM_BAD_PAS);
	assert_int_equal(plat_token(G(1), G(1), 32).x[0], E_RMM_BAD_PAS);
	/* Realm, then NS: every granule must be Realm. */
	assert_int_equal(plat_token(pa + 100, G(2), 32).x[0], E_RMM_BAD_PAS);
	/* Outside DRAM, empty, wrapping. */
	assert_int_equal(plat_token(G(GRANULES), G(1), 32).x[0], E_RMM_BAD_ADDR);
	assert_int_equal(plat_token(pa, 0, 32).x[0], E_RMM_BAD_ADDR);
	assert_int_equal(plat_token(pa, UINT64_MAX, 32).x[0], E_RMM_BAD_ADDR);
	/* Challenge sizes. */
	assert_int_equal(plat_token(pa, G(1), 33).x[0], E_RMM_INVAL);
	assert_int_equal(plat_token(pa, G(1), 0).x[0], E_RMM_INVAL);
	assert_int_equal(plat_token(pa, G(1), 65).x[0], E_RMM_INVAL);
	assert_int_equal(plat_token(pa, 16, 32).x[0], E_RMM_INVAL);
	/* Too small: NOMEM and the size needed, which then works. Spanning two
	 * Realm granules is fine. */
	struct smc_regs r = plat_token(pa, 100, 32);
	assert_int_equal(r.x[0], E_RMM_NOMEM);
	uint64_t need = r.x[1];
	assert_true(need > 100);
	r = plat_token(pa + G(1) - 64, need, 32);
	assert_int_equal(r.x[0], E_RMM_OK);
	assert_int_equal(r.x[1], need);
	r = plat_token(pa, need - 1, 32);
	assert_int_equal(r.x[0], E_RMM_NOMEM);
	assert_int_equal(r.x[1], need);
}

static void measurements_are_stable_keys_are_not(void **state)
{
	uint8_t c[32] = { 0 }, p1[32], p2[32];

	(void)state;
	for (int round = 0; round < 2; round++) {
		start(HOSTSIM_TOKEN_CCA);
		uint64_t pa = delegated(10);
		uint8_t *buf = hostsim_dram_monitor_ptr(pa);
		memcpy(buf, c, 32);
		struct smc_regs r = plat_token(pa, G(1), 32);
		assert_int_equal(r.x[0], E_RMM_OK);
		check_token(buf, r.x[1], c, 32, false); /* BL31 = the file's code both times */
		uint8_t point[HOSTSIM_EC_POINT_SIZE];
		assert_true(hostsim_attest_cpak_point(point));
		memcpy(round ? p2 : p1, point + 1, 32);
		hostsim_hw_stop();
	}
	assert_memory_not_equal(p1, p2, 32); /* a fresh CPAK per machine */
}

static void no_machine_no_token(void **state)
{
	char pem[1024];
	uint8_t buf[1024];
	size_t len;
	uint8_t x[48], y[48], d[48] = { 0 }, sig[96];

	(void)state;
	assert_int_equal(hostsim_platform_key_pem(pem, sizeof(pem)), -ENODEV);
	assert_int_equal(hostsim_plat_token_build(buf, 32, buf, sizeof(buf), &len), -ENODEV);
	assert_false(plat_rak_public(x, y));
	assert_false(plat_rak_sign(d, sig));
	assert_false(hostsim_attest_cpak_point(buf));
	start(HOSTSIM_TOKEN_CCA);
	assert_int_equal(hostsim_platform_key_pem(pem, 10), -ENOSPC);
	int n = hostsim_platform_key_pem(pem, sizeof(pem));
	assert_true(n > 0);
	assert_int_equal(hostsim_platform_key_pem(pem, (size_t)n), -ENOSPC); /* no room for NUL */
	assert_int_equal(hostsim_platform_key_pem(pem, (size_t)n + 1), n);
	assert_int_equal(hostsim_plat_token_build(buf, 31, buf, sizeof(buf), &len), -EINVAL);
	assert_true(plat_rak_public(x, y));
	assert_true(plat_rak_sign(d, sig));
	assert_int_equal(plat_attest_token_format(), PLAT_TOKEN_FORMAT_CCA);
}

static void bad_format_refuses_the_machine(void **state)
{
	struct hostsim_config cfg = { .dram_size = G(GRANULES), .root_granules = ROOT,
				      .token_format = 7 };
	(void)state;
	assert_int_equal(hostsim_hw_start(&cfg), -EINVAL);
	cfg.token_format = HOSTSIM_TOKEN_LEGACY;
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	assert_int_equal(plat_attest_token_format(), PLAT_TOKEN_FORMAT_LEGACY);
}

/* ---- key files the user hands the machine ---- */

/* A new P-384 key's ECPrivateKey DER (the "EC PRIVATE KEY" PEM body). */
static int p384_der(uint8_t **der, EVP_PKEY **key)
{
	*key = EVP_EC_gen("P-384");
	assert_non_null(*key);
	*der = NULL;
	int len = i2d_PrivateKey(*key, der);
	assert_true(len > 97);
	return len;
}

static char *temp_pem(const char *name, const uint8_t *der, long len)
{
	char *path = strdup("/tmp/caec-hostsim-key-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(PEM_write(f, name, "", der, len) > 0);
	fclose(f);
	return path;
}

static int load_cpak(const char *path)
{
	struct hostsim_config cfg = { .cpak_pem_path = path };
	int rc = hostsim_attest_keys_start(&cfg);

	hostsim_attest_keys_stop();
	return rc;
}

/* Both halves of a key must belong together: a private scalar with someone
 * else's public point would sign tokens that the public key the machine
 * publishes (instance ID, hostsim_platform_key_pem) can never verify. */
static void mismatched_key_halves_are_refused(void **state)
{
	uint8_t *a, *b;
	EVP_PKEY *ka, *kb;
	int len = p384_der(&a, &ka);

	(void)state;
	assert_int_equal(p384_der(&b, &kb), len);
	char *good = temp_pem("EC PRIVATE KEY", a, len);
	assert_int_equal(load_cpak(good), 0); /* the file format itself is fine */
	/* The public point is the DER's last 97 bytes (a named-curve key). */
	assert_int_equal(a[len - 97], 0x04);
	memcpy(a + len - 97, b + len - 97, 97);
	char *mixed = temp_pem("EC PRIVATE KEY", a, len);
	assert_int_equal(load_cpak(mixed), -EINVAL);
	unlink(good);
	unlink(mixed);
	free(good);
	free(mixed);
	OPENSSL_free(a);
	OPENSSL_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

/* In a child without a controlling terminal, stdin a pipe holding the
 * passphrase: exits 0 when the load was refused and stdin left unread. */
static void load_encrypted_in_child(const char *path)
{
	int fds[2];
	char left[8];

	if (setsid() < 0 || pipe(fds) != 0 || write(fds[1], "x\n", 2) != 2 ||
	    dup2(fds[0], STDIN_FILENO) < 0)
		_exit(2);
	close(fds[1]);
	freopen("/dev/null", "w", stderr); /* where OpenSSL's prompt would go */
	int rc = load_cpak(path);
	_exit(rc == -EINVAL && read(STDIN_FILENO, left, sizeof(left)) == 2 ? 0 : 1);
}

/* An encrypted key file is refused: EL3 has no one to ask for a passphrase,
 * and OpenSSL's default would prompt on the terminal or read the process's
 * stdin (blocking the machine's start, or eating the VMM's input). */
static void encrypted_key_file_is_refused_without_asking(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("P-384");
	char path[] = "/tmp/caec-hostsim-key-XXXXXX";
	int fd = mkstemp(path), status;

	(void)state;
	assert_non_null(key);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_true(PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), (unsigned char *)"x", 1,
					 NULL, NULL) == 1);
	fclose(f);
	EVP_PKEY_free(key);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		load_encrypted_in_child(path);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(plat_token_for_each_challenge_size, test_hw_stop),
		cmocka_unit_test_teardown(plat_token_legacy_profile, test_hw_stop),
		cmocka_unit_test_teardown(plat_token_refuses_bad_buffers, test_hw_stop),
		cmocka_unit_test_teardown(measurements_are_stable_keys_are_not, test_hw_stop),
		cmocka_unit_test_teardown(no_machine_no_token, test_hw_stop),
		cmocka_unit_test_teardown(bad_format_refuses_the_machine, test_hw_stop),
		cmocka_unit_test(mismatched_key_halves_are_refused),
		cmocka_unit_test(encrypted_key_file_is_refused_without_asking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
