/*
 * The suite's realm-side platform layer on hostsim, and the few VAL realm
 * functions whose suite versions program the stage-1 MMU or exception
 * vectors (val_realm_framework.c): RSI calls go through the sdk's rsi_call().
 *
 * Addresses: the suite passes the monitor "IPAs" that are, on its flat
 * stage-1 map, also pointers. On hostsim a pointer is either into the realm's
 * IPA window (its RAM: the stack here), into the loaded image's own globals
 * (process memory outside realm memory: the platform loads a sealed copy of
 * the measured bytes), or neither, a bare IPA the test chose. For the calls
 * that take the address of a buffer (RSI_HOST_CALL, RSI_REALM_CONFIG,
 * RSI_ATTESTATION_TOKEN_CONTINUE) the first is translated to its IPA, the
 * second goes through the calling CPU's bounce granule in realm RAM (same
 * offset in the granule, so misaligned addresses stay misaligned; copied in
 * before the call and back after it) and the third is passed as it is. For the calls
 * that take an IPA range (RSI_IPA_STATE_GET/SET), a pointer into the image
 * names the IPA where that byte of the image lies in realm memory: the image
 * is the measured copy of the bytes at ACS_REALM_IMAGE_IPA.
 */
#include "acs_realm_shim.h" /* first, as in the suite's realm sources */
#include "pal_cdefs.h"      /* the suite's headers use its __aligned */

#include <stdbool.h>
#include <string.h>

#include "caec/arch.h"

#include "acs_realm.h"
#include "pal_interfaces.h"
#include "test_database.h"
#include "val_framework.h"
#include "val_hvc.h"
#include "val_psci.h"
#include "val_realm_framework.h"
#include "val_realm_rsi.h"
#include "val_smc.h"
#include "val_sysreg.h"

_Static_assert(ACS_REALM_IMAGE_IPA == VAL_PLANE0_IMAGE_BASE_IPA, "the suite's realm image IPA");
_Static_assert(ACS_REALM_IMAGE_SIZE == PLATFORM_REALM_IMAGE_SIZE, "the suite's realm image size");

extern bool realm_in_p0;
/* The loaded image's extent (GNU ld). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern char _end[] __attribute__((visibility("hidden")));

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int str_cmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void *acs_realm_shared_region_base(void)
{
	return caec_arch_ipa_to_ptr((uint64_t)(uintptr_t)acs_suite_shared_region_base());
}

/* ---- RSI ---- */

struct bounce {
	char *page;   /* the image's page copied to the bounce granule, or NULL */
	uint64_t ipa; /* the bounce granule (the calling CPU's) */
};

static uint64_t buffer_ipa(uint64_t addr, struct bounce *b)
{
	uintptr_t window = (uintptr_t)caec_arch_ipa_to_ptr(0);
	uintptr_t p = (uintptr_t)addr;

	b->page = NULL;
	if (p >= window && caec_arch_ipa_to_ptr(p - window) != NULL)
		return p - window; /* realm memory */
	if (p >= (uintptr_t)__ehdr_start && p < (uintptr_t)_end) {
		b->page = (char *)(p & ~(uintptr_t)(PAGE_SIZE - 1));
		b->ipa = ACS_REALM_BOUNCE_IPA(val_read_mpidr());
		memcpy(caec_arch_ipa_to_ptr(b->ipa), b->page, PAGE_SIZE);
		return b->ipa + (p & (PAGE_SIZE - 1));
	}
	return addr;
}

static uint64_t range_ipa(uint64_t addr)
{
	uintptr_t p = (uintptr_t)addr;

	if (p >= (uintptr_t)__ehdr_start && p - (uintptr_t)__ehdr_start <= ACS_REALM_IMAGE_SIZE)
		return ACS_REALM_IMAGE_IPA + (p - (uintptr_t)__ehdr_start);
	return addr;
}

static void bounce_back(const struct bounce *b)
{
	if (b->page)
		memcpy(b->page, caec_arch_ipa_to_ptr(b->ipa), PAGE_SIZE);
}

/* The entry the suite passes to PSCI CPU_ON (val_realm_get_secondary_cpu_entry)
 * becomes the entry of the target CPU's own slot; any other entry (a test's
 * invalid one) goes to the monitor as it is. */
static uint64_t cpu_on_entry(uint64_t mpidr, uint64_t entry)
{
	if (entry != val_realm_get_secondary_cpu_entry() || mpidr == 0 || mpidr >= ACS_REALM_CPUS)
		return entry;
	return caec_arch_code_to_ipa(acs_realm_secondary_entry((unsigned)mpidr));
}

void val_smc_call_asm(val_smc_param_ts *args)
{
	struct smc_regs regs = { .x = { args->x0, args->x1, args->x2, args->x3, args->x4, args->x5,
					args->x6, args->x7, args->x8, args->x9, args->x10 } };
	struct bounce b = { NULL, 0 };
	bool in_image = false;

	if (args->x0 == RSI_HOST_CALL || args->x0 == RSI_REALM_CONFIG ||
	    args->x0 == RSI_ATTESTATION_TOKEN_CONTINUE)
		regs.x[1] = buffer_ipa(args->x1, &b);
	if (args->x0 == RSI_IPA_STATE_GET || args->x0 == RSI_IPA_STATE_SET) {
		regs.x[1] = range_ipa(args->x1);
		regs.x[2] = range_ipa(args->x2);
		in_image = regs.x[1] != args->x1;
	}
	if (args->x0 == PSCI_CPU_ON_AARCH64)
		regs.x[2] = cpu_on_entry(args->x1, args->x2);
	rsi_call(&regs);
	bounce_back(&b);
	/* X1 out of RSI_IPA_STATE_GET/SET is an IPA of the same range: back to
	 * the image pointer the suite compares it with. */
	if (in_image && regs.x[1] >= ACS_REALM_IMAGE_IPA &&
	    regs.x[1] - ACS_REALM_IMAGE_IPA <= ACS_REALM_IMAGE_SIZE)
		regs.x[1] = (uint64_t)(uintptr_t)(__ehdr_start + (regs.x[1] - ACS_REALM_IMAGE_IPA));
	args->x0 = regs.x[0];
	args->x1 = regs.x[1];
	args->x2 = regs.x[2];
	args->x3 = regs.x[3];
	args->x4 = regs.x[4];
	args->x5 = regs.x[5];
	args->x6 = regs.x[6];
	args->x7 = regs.x[7];
	args->x8 = regs.x[8];
	args->x9 = regs.x[9];
	args->x10 = regs.x[10];
}

/* Planes are RMM 1.1: plane 0 has no one to take an HVC. */
void val_hvc_call_asm(val_hvc_param_ts *args)
{
	args->x0 = (uint64_t)-1;
}

/* ---- val_realm_framework.c's part ---- */

uint32_t val_realm_printf(const char *msg, uint64_t data1, uint64_t data2)
{
	char *shared = val_get_shared_region_base();
	size_t len = str_len(msg);

	if (len >= REALM_PRINTF_DATA1_OFFSET - REALM_PRINTF_MSG_OFFSET)
		len = REALM_PRINTF_DATA1_OFFSET - REALM_PRINTF_MSG_OFFSET - 1;
	memcpy(shared + REALM_PRINTF_MSG_OFFSET, msg, len);
	shared[REALM_PRINTF_MSG_OFFSET + len] = '\0';
	*(uint64_t *)(shared + REALM_PRINTF_DATA1_OFFSET) = data1;
	*(uint64_t *)(shared + REALM_PRINTF_DATA2_OFFSET) = data2;
	val_realm_rsi_host_call((uint16_t)VAL_REALM_PRINT_MSG);
	return VAL_SUCCESS;
}

void val_realm_return_to_host(void)
{
	val_realm_rsi_host_call(VAL_SWITCH_TO_HOST);
}

uint64_t val_realm_in_p0(void)
{
	return realm_in_p0;
}

uint64_t val_realm_in_pn(void)
{
	return 0;
}

uint64_t val_realm_get_secondary_cpu_entry(void)
{
	return caec_arch_code_to_ipa((const void *)acs_realm_run_secondary);
}

/* Planes (RMM 1.1): a 1.0 realm is always plane 0 and never asks. */
uint64_t val_realm_psi_realm_config(uint64_t buff)
{
	(void)buff;
	return (uint64_t)-1;
}

/* ---- MPIDR: hostsim's realm code has no system registers; a CPU is known
 * by the stack it runs on (acs_realm.h) ---- */

uint64_t val_read_mpidr(void)
{
	uint64_t ipa = caec_arch_ptr_to_ipa(__builtin_frame_address(0));

	if (ipa < ACS_REALM_STACKS_IPA || ipa >= ACS_REALM_STACK_TOP(ACS_REALM_CPUS - 1))
		return 0;
	return (ipa - ACS_REALM_STACKS_IPA) / ACS_REALM_STACK_SIZE;
}

/* ID_AA64MMFR0_EL1 as the host side's PAL reports it: PARange 0b0010, a
 * 40-bit PA space (hostsim's); 4 KiB granules (TGran4 = 0). */
uint64_t val_id_aa64mmfr0_el1_read(void)
{
	return 2;
}

uint64_t val_get_primary_mpidr(void)
{
	return 0;
}

/* ---- the rest of the PAL ---- */

uint32_t pal_printf(const char *msg, uint64_t data1, uint64_t data2)
{
	return val_realm_printf(msg, data1, data2);
}

/* NVM and watchdogs are the host's. */
uint32_t pal_nvm_write(uint32_t offset, void *buffer, size_t size)
{
	(void)offset;
	(void)buffer;
	(void)size;
	return 1;
}

uint32_t pal_nvm_read(uint32_t offset, void *buffer, size_t size)
{
	(void)offset;
	(void)buffer;
	(void)size;
	return 1;
}

uint32_t pal_watchdog_enable(void)
{
	return 0;
}

uint32_t pal_watchdog_disable(void)
{
	return 0;
}

void pal_ns_wdog_enable(uint32_t ms)
{
	(void)ms;
}

void pal_ns_wdog_disable(void)
{
}

uint32_t pal_twdog_enable(uint32_t ms)
{
	(void)ms;
	return 0;
}

uint32_t pal_twdog_disable(void)
{
	return 0;
}

/* The realm stops: its CPU switches off (the host sees a PSCI exit). */
uint32_t pal_terminate_simulation(void)
{
	struct smc_regs off = { .x = { PSCI_SYSTEM_OFF } };

	for (;;)
		rsi_call(&off);
}

int pal_memcmp(void *src, void *dest, size_t len)
{
	return memcmp(src, dest, len);
}

void *pal_memcpy(void *dst, const void *src, size_t len)
{
	return memcpy(dst, src, len);
}

void *pal_memset(void *dst, int val, size_t count)
{
	return memset(dst, val, count);
}

size_t pal_strlen(char *str)
{
	return str_len(str);
}

void pal_assert(const char *e, uint64_t line, const char *file)
{
	(void)file;
	LOG(ERROR, "\tassertion failed in the suite's realm code, line %d\n", line, 0);
	LOG(ERROR, e, 0, 0);
	pal_terminate_simulation();
}

/* The token's signatures: not checked in the realm (it has no crypto here),
 * as the suite's reference platform does not check them either
 * (tgt_tfa_fvp's pal_verify_signature); the project's own verifier checks
 * the monitor's tokens in rmm/tests (rmm_attest_*) and verify/. */
uint32_t pal_verify_signature(uint64_t *token)
{
	(void)token;
	return 0;
}

/* ---- the test ---- */

static const struct acs_realm_test *find_test(const char *name)
{
	for (unsigned i = 0; i < acs_realm_num_tests; i++)
		if (str_cmp(acs_realm_tests[i].name, name) == 0)
			return &acs_realm_tests[i];
	return NULL;
}

_Noreturn void acs_realm_run(void)
{
	val_realm_rsi_version_ts version;

	if (val_realm_rsi_version(RSI_ABI_VERSION, &version) != RSI_SUCCESS)
		pal_terminate_simulation();
	realm_in_p0 = true;
	val_set_running_in_realm_flag();
	val_set_security_state_flag(2);
	/* Records the IPA width, after which the shared region is the
	 * unprotected IPA the host mapped it at. */
	(void)val_get_shared_region_base_ipa(val_realm_get_ipa_width());

	const char *name = (const char *)val_get_shared_region_base() + TEST_NAME_OFFSET;
	const struct acs_realm_test *t = find_test(name);
	if (!t) {
		LOG(ERROR, "\tno realm side for this test in the image\n", 0, 0);
		val_set_status(RESULT_FAIL(VAL_ERROR_POINT(250)));
	} else {
		t->realm_fn();
	}
	/* The suite's tests return to the host themselves; a host that enters
	 * the REC again finds it returning again. */
	for (;;)
		val_realm_return_to_host();
}

_Noreturn void acs_realm_run_secondary(void)
{
	const char *name = (const char *)val_get_shared_region_base() + TEST_NAME_OFFSET;
	const struct acs_realm_test *t = find_test(name);
	struct smc_regs off = { .x = { PSCI_CPU_OFF } };

	if (t)
		t->realm_fn();
	for (;;)
		rsi_call(&off);
}

/* The entry the platform's image check looks for; the suite's image starts
 * in acs_realm_crt.c instead. */
int realm_main(void)
{
	acs_realm_run();
}
