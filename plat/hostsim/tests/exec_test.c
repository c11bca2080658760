/*
 * hostsim's realm execution, tested directly: the test builds a realm over
 * RMI with the real monitor (RD, RTTs, RIPAS, measured DATA holding a realm
 * image built by caec_add_realm_image) and then plays the monitor's run loop
 * itself, calling plat_rec_run with a context of its own. The realm image
 * (realms/exec_realm.c) runs the commands the test hands it over SMCs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "abi/rmi.h"
#include "abi/rsi.h"
#include "hostsim_internal.h"
#include "realms/exec_realm_abi.h"
#include "test_support.h"

#define S2SZ        36
#define IMAGE_IPA   UINT64_C(0)
#define RAM_IPA     UINT64_C(0x40000)
#define RAM_SIZE    UINT64_C(0x40000)                /* 256 KiB */
#define EMPTY_IPA   UINT64_C(0x100000)               /* RTT present, RIPAS EMPTY */
#define UNPROT_IPA  ((UINT64_C(1) << (S2SZ - 1)) + 0x200000)
#define SECONDARY_STACK_TOP (RAM_IPA + 0x10000)
#define MAX_GRANULES 128
/* Host attributes of an unprotected mapping: Normal WB (FWB encoding),
 * S2AP read/write, inner shareable. */
#define NS_ATTRS    ((UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8))

struct realm {
	uint64_t rd;
	uint64_t root;
	struct plat_s2 s2;
	unsigned n_data;
	uint64_t data_ipa[MAX_GRANULES], data_pa[MAX_GRANULES];
	uint64_t image_size;
};

static uint16_t next_vmid = 1;
/* Tests of preemption see IRQ traps; the others resume them (a loaded
 * machine may preempt anything). */
static bool want_irq;

static struct smc_regs rmi(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			   uint64_t a5)
{
	return hostsim_smc_call(fid, a1, a2, a3, a4, a5, 0);
}

static uint64_t delegated(void)
{
	uint64_t pa = hostsim_host_alloc();

	assert_int_not_equal(pa, HOSTSIM_NO_PA);
	assert_int_equal(rmi(RMI_GRANULE_DELEGATE, pa, 0, 0, 0, 0).x[0], RMI_SUCCESS);
	return pa;
}

static void rtt_create(struct realm *r, uint64_t ipa, int level)
{
	assert_int_equal(rmi(RMI_RTT_CREATE, r->rd, delegated(), ipa, (uint64_t)level, 0).x[0],
			 RMI_SUCCESS);
}

static void data_create(struct realm *r, uint64_t ipa, const void *content)
{
	uint64_t src = hostsim_host_alloc();
	uint64_t pa = delegated();

	if (content)
		assert_true(hostsim_host_write(src, content, PLAT_GRANULE_SIZE));
	assert_int_equal(rmi(RMI_DATA_CREATE, r->rd, pa, ipa, src, RMI_MEASURE_CONTENT).x[0],
			 RMI_SUCCESS);
	hostsim_host_free(src);
	r->data_ipa[r->n_data] = ipa;
	r->data_pa[r->n_data++] = pa;
}

static uint64_t data_pa(const struct realm *r, uint64_t ipa)
{
	for (unsigned i = 0; i < r->n_data; i++)
		if (r->data_ipa[i] == ipa)
			return r->data_pa[i];
	fail_msg("no DATA granule at IPA 0x%llx", (unsigned long long)ipa);
	return 0;
}

static uint8_t *read_image(size_t *len)
{
	FILE *f = fopen(EXEC_REALM_IMAGE, "rb");
	uint8_t *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (*len + PLAT_GRANULE_SIZE - 1) & ~(PLAT_GRANULE_SIZE - 1));
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* Replaces the image's magic constant (it must be there exactly once). */
static void patch_magic(uint8_t *image, size_t len, uint64_t value)
{
	uint64_t magic = EXEC_IMAGE_MAGIC;
	int found = 0;

	for (size_t i = 0; i + 8 <= len; i++) {
		if (memcmp(image + i, &magic, 8) == 0) {
			memcpy(image + i, &value, 8);
			found++;
		}
	}
	assert_int_equal(found, 1);
}

enum image_kind { IMAGE_AS_BUILT, IMAGE_PATCHED, IMAGE_TRUNCATED, IMAGE_BAD_PHNUM };

/* Machine up, realm built: image at IMAGE_IPA, RAM after it, an EMPTY
 * protected granule with its RTT, RTTs for UNPROT_IPA, active. */
static void realm_build(struct realm *r, enum image_kind kind, uint64_t magic)
{
	struct hostsim_config cfg = { .dram_size = UINT64_C(64) << 20 };
	struct rmi_realm_params *p = calloc(1, sizeof(*p));
	size_t len;
	uint8_t *image = read_image(&len);

	memset(r, 0, sizeof(*r));
	assert_int_equal(hostsim_start(&cfg), 0);
	if (kind == IMAGE_PATCHED)
		patch_magic(image, len, magic);
	if (kind == IMAGE_BAD_PHNUM)
		image[56] = 0xff; /* e_phnum */
	r->image_size = len;
	r->rd = delegated();
	r->root = delegated();
	p->s2sz = S2SZ;
	p->hash_algo = RMI_HASH_SHA_256;
	p->num_bps = 1;
	p->num_wps = 1;
	p->vmid = next_vmid++;
	p->rtt_base = r->root;
	p->rtt_level_start = 1;
	p->rtt_num_start = 1;
	uint64_t params = hostsim_host_alloc();
	assert_true(hostsim_host_write(params, p, sizeof(*p)));
	free(p);
	assert_int_equal(rmi(RMI_REALM_CREATE, r->rd, params, 0, 0, 0).x[0], RMI_SUCCESS);
	hostsim_host_free(params);
	r->s2 = (struct plat_s2){ .rtt_base = r->root, .vmid = (uint16_t)(next_vmid - 1),
				  .ipa_bits = S2SZ, .level_start = 1, .num_root_rtts = 1 };

	rtt_create(r, 0, 2);
	rtt_create(r, 0, 3);
	rtt_create(r, UNPROT_IPA & ~((UINT64_C(1) << 30) - 1), 2);
	rtt_create(r, UNPROT_IPA, 3);
	assert_int_equal(rmi(RMI_RTT_INIT_RIPAS, r->rd, 0, RAM_IPA + RAM_SIZE, 0, 0).x[0], RMI_SUCCESS);
	size_t granules = (len + PLAT_GRANULE_SIZE - 1) / PLAT_GRANULE_SIZE;
	if (kind == IMAGE_TRUNCATED)
		granules = 1;
	assert_true(RAM_IPA >= granules * PLAT_GRANULE_SIZE);
	for (size_t g = 0; g < granules; g++)
		data_create(r, IMAGE_IPA + g * PLAT_GRANULE_SIZE, image + g * PLAT_GRANULE_SIZE);
	for (uint64_t ipa = RAM_IPA; ipa < RAM_IPA + RAM_SIZE; ipa += PLAT_GRANULE_SIZE)
		data_create(r, ipa, NULL);
	assert_int_equal(rmi(RMI_REALM_ACTIVATE, r->rd, 0, 0, 0, 0).x[0], RMI_SUCCESS);
	free(image);
}

static void boot_ctx(const struct realm *r, struct plat_rec_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pc = IMAGE_IPA;
	ctx->gprs[0] = IMAGE_IPA;
	ctx->gprs[1] = r->image_size;
	ctx->gprs[2] = RAM_IPA;
	ctx->gprs[3] = RAM_SIZE;
	ctx->gprs[4] = 2;
}

static int machine_down(void **state)
{
	(void)state;
	hostsim_set_time_slice_us(0);
	want_irq = false;
	hostsim_stop();
	return 0;
}

/* Runs until an SMC of the test protocol (others get SMC_UNKNOWN), or any other trap. */
static struct plat_trap run(const struct realm *r, struct plat_rec_ctx *ctx)
{
	struct plat_trap t;

	for (;;) {
		plat_rec_run(&r->s2, ctx, &t);
		if (t.kind == PLAT_TRAP_IRQ && !want_irq)
			continue;
		ctx->resume = PLAT_RESUME_NORMAL;
		if (t.kind != PLAT_TRAP_SMC || (ctx->gprs[0] >> 16) == (EXEC_FID_HELLO >> 16) ||
		    ctx->gprs[0] == RSI_HOST_CALL || ctx->gprs[0] == PSCI_SYSTEM_OFF)
			return t;
		ctx->gprs[0] = SMC_UNKNOWN;
	}
}

static void expect_smc(const struct realm *r, struct plat_rec_ctx *ctx, uint64_t fid)
{
	struct plat_trap t = run(r, ctx);

	assert_int_equal(t.kind, PLAT_TRAP_SMC);
	assert_int_equal(ctx->gprs[0], fid);
}

static struct plat_trap expect_s2_fault(const struct realm *r, struct plat_rec_ctx *ctx,
					uint64_t ipa)
{
	struct plat_trap t = run(r, ctx);

	assert_int_equal(t.kind, PLAT_TRAP_S2_FAULT);
	assert_int_equal(t.ipa, ipa);
	return t;
}

/* Answers the pending NEXT with a command (the next run carries it in). */
static void command(struct plat_rec_ctx *ctx, uint64_t cmd, uint64_t a1, uint64_t a2, uint64_t a3)
{
	ctx->gprs[0] = cmd;
	ctx->gprs[1] = a1;
	ctx->gprs[2] = a2;
	ctx->gprs[3] = a3;
}

/* Boots to the first NEXT; returns the hello registers (hello may be NULL). */
static void boot_to_next(const struct realm *r, struct plat_rec_ctx *ctx, uint64_t hello[5])
{
	boot_ctx(r, ctx);
	expect_smc(r, ctx, EXEC_FID_HELLO);
	if (hello)
		memcpy(hello, ctx->gprs, 5 * sizeof(uint64_t));
	expect_smc(r, ctx, EXEC_FID_NEXT);
}

/* The image as built, booted to its first NEXT. */
static void realm_start(struct realm *r, struct plat_rec_ctx *ctx, uint64_t hello[5])
{
	realm_build(r, IMAGE_AS_BUILT, 0);
	boot_to_next(r, ctx, hello);
}

static uint64_t do_command(const struct realm *r, struct plat_rec_ctx *ctx, uint64_t cmd,
			   uint64_t a1, uint64_t a2, uint64_t a3)
{
	command(ctx, cmd, a1, a2, a3);
	expect_smc(r, ctx, EXEC_FID_RESULT);
	uint64_t result = ctx->gprs[1];
	expect_smc(r, ctx, EXEC_FID_NEXT);
	return result;
}

/* The host maps a fresh NS granule at UNPROT_IPA, `value` at offset 16;
 * returns the granule. */
static uint64_t map_ns_granule(const struct realm *r, uint64_t value)
{
	uint64_t ns = hostsim_host_alloc();

	assert_true(hostsim_host_write(ns + 16, &value, sizeof(value)));
	assert_int_equal(rmi(RMI_RTT_MAP_UNPROTECTED, r->rd, UNPROT_IPA, 3, ns | NS_ATTRS, 0).x[0],
			 RMI_SUCCESS);
	return ns;
}

/* ---- tests ---- */

static void test_boot_smc_round_trip(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t hello[5];

	(void)state;
	realm_start(&r, &ctx, hello);
	assert_int_equal(hello[1], EXEC_IMAGE_MAGIC);
	assert_int_equal(hello[2], IMAGE_IPA);
	assert_true(ctx.started);
	assert_int_not_equal(ctx.cpu, 0);
	/* Registers in, results back. */
	command(&ctx, EXEC_CMD_ECHO, 10, 20, 30);
	expect_smc(&r, &ctx, EXEC_FID_RESULT);
	assert_int_equal(ctx.gprs[1], 11);
	assert_int_equal(ctx.gprs[2], 22);
	assert_int_equal(ctx.gprs[3], 33);
	expect_smc(&r, &ctx, EXEC_FID_NEXT);
	/* Realm RAM is the DATA granule, both ways. */
	assert_int_equal(do_command(&r, &ctx, EXEC_CMD_WRITE, RAM_IPA + 8, 0xabcdef, 0), 0);
	const uint64_t *ram = hostsim_monitor_view(data_pa(&r, RAM_IPA));
	assert_int_equal(ram[1], 0xabcdef);
	/* The exit path: status host call, then SYSTEM_OFF. */
	command(&ctx, EXEC_CMD_EXIT, 7, 0, 0);
	struct plat_trap t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_SMC);
	assert_int_equal(ctx.gprs[0], RSI_HOST_CALL);
	const struct rsi_host_call *hc = hostsim_monitor_view(data_pa(&r, ctx.gprs[1]));
	assert_int_equal(hc->imm, 0xCAE1);
	assert_int_equal(hc->gprs[0], 7);
	ctx.gprs[0] = RSI_SUCCESS;
	t = run(&r, &ctx);
	assert_int_equal(ctx.gprs[0], PSCI_SYSTEM_OFF);
	plat_rec_destroy(&ctx); /* blocked in the SYSTEM_OFF trap */
	assert_int_equal(ctx.cpu, 0);
}

static void test_executed_bytes_are_measured_bytes(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t hello[5];

	(void)state;
	realm_build(&r, IMAGE_PATCHED, UINT64_C(0x1122334455667788));
	boot_to_next(&r, &ctx, hello);
	assert_int_equal(hello[1], UINT64_C(0x1122334455667788));
	plat_rec_destroy(&ctx);
}

static void test_unprotected_fault_then_map(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t value = UINT64_C(0x5ca1ab1e);

	(void)state;
	realm_start(&r, &ctx, NULL);
	command(&ctx, EXEC_CMD_READ, UNPROT_IPA + 16, 0, 0);
	struct plat_trap t = expect_s2_fault(&r, &ctx, UNPROT_IPA + 16);
	assert_int_equal(t.esr >> 26, 0x24);               /* data abort, lower EL */
	assert_int_equal(t.esr & 0x3c, 0x04);              /* translation fault */
	assert_int_equal(t.esr & (1u << 6), 0);            /* a read */
	/* Still unmapped: the retry faults again. */
	t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_S2_FAULT);
	/* The host maps an NS granule there; the retried load reads it. */
	map_ns_granule(&r, value);
	expect_smc(&r, &ctx, EXEC_FID_RESULT);
	assert_int_equal(ctx.gprs[1], value);
	expect_smc(&r, &ctx, EXEC_FID_NEXT);
	/* TLBI: unmapping makes the next access fault again. */
	assert_int_equal(rmi(RMI_RTT_UNMAP_UNPROTECTED, r.rd, UNPROT_IPA, 3, 0, 0).x[0], RMI_SUCCESS);
	command(&ctx, EXEC_CMD_READ, UNPROT_IPA + 16, 0, 0);
	t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_S2_FAULT);
	plat_rec_destroy(&ctx); /* blocked in a stage-2 fault */
}

/* A host that delegates an NS granule a realm maps as shared memory (the
 * monitor does not track NS mappings) must not leave the realm a path to it:
 * the GPT change drops the realm's cached mapping and the walk's granule
 * protection check refuses it from then on. */
static void test_delegated_ns_granule_unreachable(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t value = UINT64_C(0x0b5e55ed);

	(void)state;
	realm_start(&r, &ctx, NULL);
	uint64_t ns = map_ns_granule(&r, value);
	assert_int_equal(do_command(&r, &ctx, EXEC_CMD_READ, UNPROT_IPA + 16, 0, 0), value);

	/* The window now caches the mapping; the host delegates the granule. */
	assert_int_equal(rmi(RMI_GRANULE_DELEGATE, ns, 0, 0, 0, 0).x[0], RMI_SUCCESS);
	command(&ctx, EXEC_CMD_READ, UNPROT_IPA + 16, 0, 0);
	struct plat_trap t = expect_s2_fault(&r, &ctx, UNPROT_IPA + 16);
	assert_int_equal(t.esr & 0x3f, HOSTSIM_DFSC_GPF);
	command(&ctx, EXEC_CMD_WRITE, UNPROT_IPA + 24, 0xbad, 0);
	t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_S2_FAULT);
	/* The delegated granule stayed zero: no realm store reached it. */
	const uint8_t *g = hostsim_monitor_view(ns);
	for (unsigned i = 0; i < PLAT_GRANULE_SIZE; i++)
		assert_int_equal(g[i], 0);
	plat_rec_destroy(&ctx);
}

static unsigned thread_count(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/task");

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A host may stop the machine without destroying its RECs: their threads
 * end with it, and a new machine starts cleanly. */
static void test_stop_ends_undestroyed_recs(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	unsigned before = thread_count();

	(void)state;
	realm_start(&r, &ctx, NULL);
	assert_int_equal(thread_count(), before + 1);
	hostsim_stop();
	assert_int_equal(thread_count(), before);
	realm_start(&r, &ctx, NULL);
	plat_rec_destroy(&ctx);
	assert_int_equal(thread_count(), before);
}

static void test_protected_tlbi_and_sea(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t ipa = RAM_IPA + 0x20000;

	(void)state;
	realm_start(&r, &ctx, NULL);
	assert_int_equal(do_command(&r, &ctx, EXEC_CMD_WRITE, ipa, 99, 0), 0);
	assert_int_equal(do_command(&r, &ctx, EXEC_CMD_READ, ipa, 0, 0), 99);
	/* The host destroys the granule: the mapping the window cached goes. */
	struct smc_regs d = rmi(RMI_DATA_DESTROY, r.rd, ipa, 0, 0, 0);
	assert_int_equal(d.x[0], RMI_SUCCESS);
	command(&ctx, EXEC_CMD_READ, ipa, 0, 0);
	struct plat_trap t = expect_s2_fault(&r, &ctx, ipa);
	/* The monitor injects an SEA: the realm's handler gets it. */
	ctx.resume = PLAT_RESUME_INJECT_SEA;
	t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_SMC);
	assert_int_equal(ctx.gprs[0], EXEC_FID_SEA);
	assert_int_equal(ctx.gprs[1], ipa);
	assert_int_equal(ctx.gprs[2] >> 26, 0x24);
	/* The handler keeps serving commands on the realm's stack. */
	expect_smc(&r, &ctx, EXEC_FID_NEXT);
	assert_int_equal(do_command(&r, &ctx, EXEC_CMD_ECHO, 1, 2, 3), 2);
	/* An EMPTY IPA: fault, SEA again (a write this time). */
	command(&ctx, EXEC_CMD_WRITE, EMPTY_IPA, 5, 0);
	t = expect_s2_fault(&r, &ctx, EMPTY_IPA);
	assert_int_not_equal(t.esr & (1u << 6), 0);        /* WnR */
	ctx.resume = PLAT_RESUME_INJECT_SEA;
	t = run(&r, &ctx);
	assert_int_equal(ctx.gprs[0], EXEC_FID_SEA);
	assert_int_equal(ctx.gprs[1], EMPTY_IPA);
	plat_rec_destroy(&ctx);
}

static void test_preemption_resumes(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t flag = RAM_IPA + 0x30000;
	unsigned irqs = 0;

	(void)state;
	realm_start(&r, &ctx, NULL);
	hostsim_set_time_slice_us(2000);
	want_irq = true;
	command(&ctx, EXEC_CMD_SPIN, flag, 0, 0);
	struct plat_trap t;
	for (;;) {
		t = run(&r, &ctx);
		if (t.kind != PLAT_TRAP_IRQ)
			break;
		if (++irqs == 3) /* it ran past three slices: let it finish */
			*(volatile uint64_t *)hostsim_monitor_view(data_pa(&r, flag)) = 42;
	}
	assert_int_equal(t.kind, PLAT_TRAP_SMC);
	assert_int_equal(ctx.gprs[0], EXEC_FID_RESULT);
	assert_true(irqs >= 3);
	assert_true(ctx.gprs[1] > 0);
	assert_int_equal(ctx.gprs[2], 42);
	plat_rec_destroy(&ctx);
}

struct flag_setter {
	volatile uint64_t *flag;
};

static void *set_flag_later(void *arg)
{
	struct flag_setter *fs = arg;
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	*fs->flag = 7;
	return NULL;
}

/* A slice too long to count in nanoseconds means "never preempt": it must
 * not wrap around to a slice of a few hundred nanoseconds. */
static void test_huge_time_slice_does_not_wrap(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t flag = RAM_IPA + 0x30000;
	pthread_t th;

	(void)state;
	realm_start(&r, &ctx, NULL);
	/* x 1000 is 2^64 + 384 */
	hostsim_set_time_slice_us(UINT64_C(18446744073709552));
	want_irq = true;
	struct flag_setter fs = { (volatile uint64_t *)hostsim_monitor_view(data_pa(&r, flag)) };
	command(&ctx, EXEC_CMD_SPIN, flag, 0, 0);
	assert_int_equal(pthread_create(&th, NULL, set_flag_later, &fs), 0);
	struct plat_trap t = run(&r, &ctx);
	pthread_join(th, NULL);
	assert_int_equal(t.kind, PLAT_TRAP_SMC);
	assert_int_equal(ctx.gprs[0], EXEC_FID_RESULT);
	assert_int_equal(ctx.gprs[2], 7);
	plat_rec_destroy(&ctx);
}

static void test_destroy_while_preempted(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;

	(void)state;
	realm_start(&r, &ctx, NULL);
	hostsim_set_time_slice_us(2000);
	want_irq = true;
	command(&ctx, EXEC_CMD_SPIN, RAM_IPA + 0x30000, 0, 0);
	assert_int_equal(run(&r, &ctx).kind, PLAT_TRAP_IRQ);
	plat_rec_destroy(&ctx);
	assert_int_equal(ctx.cpu, 0);
}

static void expect_crash(uint64_t how, const char *reason)
{
	struct realm r;
	struct plat_rec_ctx ctx;

	realm_start(&r, &ctx, NULL);
	command(&ctx, EXEC_CMD_CRASH, how, 64, 0);
	struct plat_trap t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	assert_non_null(strstr(t.halt_reason, reason));
	/* Halted for good. */
	plat_rec_run(&r.s2, &ctx, &t);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	plat_rec_destroy(&ctx);
	hostsim_stop();
}

static void test_realm_crashes_halt(void **state)
{
	(void)state;
	expect_crash(1, "illegal instruction");
	expect_crash(2, "outside its IPA window");
#if defined(__x86_64__)
	expect_crash(3, "arithmetic");
#endif
}

/* Realm code storing through a wild pointer into hostsim's other fault
 * windows (the host window at a delegated granule, the monitor view at a Root
 * granule) crashes that realm only: its CPU halts, the machine lives on. */
static void expect_wild_store_halts(uint64_t (*target)(void))
{
	struct realm r;
	struct plat_rec_ctx ctx;

	realm_start(&r, &ctx, NULL);
	command(&ctx, EXEC_CMD_CRASH, 2, target(), 0);
	struct plat_trap t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	assert_non_null(strstr(t.halt_reason, "outside its IPA window"));
	assert_int_equal(hostsim_gpf_count(), 0); /* not the host's access */
	plat_rec_destroy(&ctx);
	hostsim_stop();
}

static uint64_t host_window_of_delegated(void)
{
	return (uintptr_t)hostsim_host_va(delegated());
}

static uint64_t monitor_view_of_root(void)
{
	assert_int_equal(hostsim_gpt_pas(0), HOSTSIM_PAS_ROOT);
	return (uintptr_t)hostsim_dram_monitor_ptr(0);
}

static void test_realm_wild_store_to_hostsim_windows_halts(void **state)
{
	(void)state;
	expect_wild_store_halts(host_window_of_delegated);
	expect_wild_store_halts(monitor_view_of_root);
}

static void expect_boot_halt(enum image_kind kind, uint64_t pc, const char *reason)
{
	struct realm r;
	struct plat_rec_ctx ctx;

	realm_build(&r, kind, 0);
	boot_ctx(&r, &ctx);
	ctx.pc = pc;
	struct plat_trap t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	if (!strstr(t.halt_reason, reason))
		fail_msg("halt reason \"%s\", expected \"%s\"", t.halt_reason, reason);
	plat_rec_destroy(&ctx);
	hostsim_stop();
}

/* Boot registers that put the realm's RAM (its stack and heap) in the
 * unprotected, host-visible half: the crt refuses to run on it. */
static void test_ram_in_unprotected_half_refused(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;

	(void)state;
	realm_build(&r, IMAGE_AS_BUILT, 0);
	boot_ctx(&r, &ctx);
	ctx.gprs[2] = UNPROT_IPA;
	struct plat_trap t = run(&r, &ctx);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	if (!strstr(t.halt_reason, "returned from its entry"))
		fail_msg("halt reason \"%s\"", t.halt_reason);
	plat_rec_destroy(&ctx);
}

static void test_bad_images_halt(void **state)
{
	(void)state;
	expect_boot_halt(IMAGE_AS_BUILT, RAM_IPA, "no ELF header");
	expect_boot_halt(IMAGE_AS_BUILT, EMPTY_IPA, "not readable realm memory");
	expect_boot_halt(IMAGE_AS_BUILT, UNPROT_IPA, "not readable realm memory");
	expect_boot_halt(IMAGE_TRUNCATED, IMAGE_IPA, "past the realm's mapped memory");
	expect_boot_halt(IMAGE_BAD_PHNUM, IMAGE_IPA, "malformed");
}

/* ---- two RECs of one realm on two threads ---- */

struct secondary {
	const struct realm *r;
	struct plat_rec_ctx ctx;
	uint64_t echoes;
};

static void *run_secondary(void *arg)
{
	struct secondary *s = arg;
	struct plat_trap t;

	for (unsigned i = 0; i < 200; i++) {
		plat_rec_run(&s->r->s2, &s->ctx, &t);
		if (t.kind == PLAT_TRAP_IRQ) {
			i--;
			continue;
		}
		if (t.kind != PLAT_TRAP_SMC)
			return NULL;
		if (s->ctx.gprs[0] == EXEC_FID_NEXT) {
			s->ctx.gprs[0] = EXEC_CMD_ECHO;
			s->ctx.gprs[1] = i;
		} else if (s->ctx.gprs[0] == EXEC_FID_RESULT && s->ctx.gprs[1] == (uint64_t)i) {
			s->echoes++;
		}
	}
	return NULL;
}

static void test_two_recs_two_threads(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	struct secondary s;
	uint64_t hello[5];
	pthread_t th;

	(void)state;
	realm_start(&r, &ctx, hello);
	uint64_t context = do_command(&r, &ctx, EXEC_CMD_SECONDARY, SECONDARY_STACK_TOP, 0, 0);
	memset(&s, 0, sizeof(s));
	s.r = &r;
	s.ctx.pc = hello[4];
	s.ctx.gprs[0] = context;
	assert_int_equal(pthread_create(&th, NULL, run_secondary, &s), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(do_command(&r, &ctx, EXEC_CMD_ECHO, i, 0, 0), i + 1);
	pthread_join(th, NULL);
	assert_int_equal(s.echoes, 100);
	/* A pc inside the image but not in its code cannot start a CPU. */
	struct plat_rec_ctx bad = { .pc = IMAGE_IPA };
	struct plat_trap t;
	plat_rec_run(&r.s2, &bad, &t);
	assert_int_equal(t.kind, PLAT_TRAP_HALTED);
	plat_rec_destroy(&bad);
	plat_rec_destroy(&s.ctx);
	plat_rec_destroy(&ctx);
}

/* ---- isolation ---- */

static uint8_t *death_window;

static void host_touches_window(void *arg)
{
	(void)arg;
	(void)*(volatile uint8_t *)(death_window + RAM_IPA);
}

static void test_host_access_to_window_aborts(void **state)
{
	struct realm r;
	struct plat_rec_ctx ctx;
	uint64_t hello[5];

	(void)state;
	realm_start(&r, &ctx, hello);
	death_window = (uint8_t *)(uintptr_t)hello[3];
	assert_true(death_test(host_touches_window, NULL, SIGABRT,
			       "a host thread touched a realm's IPA window"));
	/* The window is not the host window: the host's view of the RAM granule faults. */
	assert_false(hostsim_host_read(data_pa(&r, RAM_IPA), hello, 8));
	plat_rec_destroy(&ctx);
}

static void test_s2_walk_reports_faults(void **state)
{
	struct realm r;
	struct hostsim_s2_translation t;

	(void)state;
	realm_build(&r, IMAGE_AS_BUILT, 0);
	hostsim_s2_translate(&r.s2, RAM_IPA + 5, &t);
	assert_true(t.valid);
	assert_true(t.read && t.write && !t.ns);
	assert_int_equal(t.level, 3);
	assert_int_equal(t.pa, data_pa(&r, RAM_IPA));
	hostsim_s2_translate(&r.s2, EMPTY_IPA, &t);
	assert_false(t.valid);
	assert_int_equal(t.dfsc, HOSTSIM_DFSC_TRANSLATION(3));
	hostsim_s2_translate(&r.s2, UINT64_C(1) << 33, &t); /* no level-2 table there */
	assert_false(t.valid);
	assert_int_equal(t.dfsc, HOSTSIM_DFSC_TRANSLATION(1));
	hostsim_s2_translate(&r.s2, UINT64_C(1) << S2SZ, &t);
	assert_false(t.valid);
	assert_int_equal(t.dfsc, HOSTSIM_DFSC_ADDR_SIZE(0));
	uint8_t buf[8];
	/* Across two mapped granules: fine; past the end of RAM: refused. */
	assert_true(hostsim_s2_read(&r.s2, RAM_IPA + PLAT_GRANULE_SIZE - 4, buf, 8));
	assert_false(hostsim_s2_read(&r.s2, RAM_IPA + RAM_SIZE - 4, buf, 8));
}

static void test_time_slice_config(void **state)
{
	(void)state;
	unsetenv("CAEC_TIME_SLICE_MS");
	assert_int_equal(hostsim_time_slice_us(), HOSTSIM_DEFAULT_TIME_SLICE_US);
	setenv("CAEC_TIME_SLICE_MS", "7", 1);
	assert_int_equal(hostsim_time_slice_us(), 7000);
	setenv("CAEC_TIME_SLICE_MS", "7x", 1); /* not a number: ignored */
	assert_int_equal(hostsim_time_slice_us(), HOSTSIM_DEFAULT_TIME_SLICE_US);
	setenv("CAEC_TIME_SLICE_MS", "7", 1);
	hostsim_set_time_slice_us(1234); /* the call wins over the environment */
	assert_int_equal(hostsim_time_slice_us(), 1234);
	hostsim_set_time_slice_us(0);
	unsetenv("CAEC_TIME_SLICE_MS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_slice_config),
		cmocka_unit_test_teardown(test_s2_walk_reports_faults, machine_down),
		cmocka_unit_test_teardown(test_boot_smc_round_trip, machine_down),
		cmocka_unit_test_teardown(test_executed_bytes_are_measured_bytes, machine_down),
		cmocka_unit_test_teardown(test_unprotected_fault_then_map, machine_down),
		cmocka_unit_test_teardown(test_delegated_ns_granule_unreachable, machine_down),
		cmocka_unit_test_teardown(test_protected_tlbi_and_sea, machine_down),
		cmocka_unit_test_teardown(test_stop_ends_undestroyed_recs, machine_down),
		cmocka_unit_test_teardown(test_preemption_resumes, machine_down),
		cmocka_unit_test_teardown(test_destroy_while_preempted, machine_down),
		cmocka_unit_test_teardown(test_huge_time_slice_does_not_wrap, machine_down),
		cmocka_unit_test_teardown(test_realm_crashes_halt, machine_down),
		cmocka_unit_test_teardown(test_bad_images_halt, machine_down),
		cmocka_unit_test_teardown(test_ram_in_unprotected_half_refused, machine_down),
		cmocka_unit_test_teardown(test_realm_wild_store_to_hostsim_windows_halts, machine_down),
		cmocka_unit_test_teardown(test_two_recs_two_threads, machine_down),
		cmocka_unit_test_teardown(test_host_access_to_window_aborts, machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
