/*
 * Concurrency of REC_ENTER with the commands that lock a REC while it may be
 * running (REC_ENTER of the same REC, PSCI_COMPLETE, RTT_SET_RIPAS): two host
 * threads race to enter REC 0, whose scripted realm extends a REM and asks
 * for a RIPAS change every time; a third thread completes and pokes. Run
 * under TSan this checks the claim protocol of rec.h (who may touch which
 * REC field when); the assertions check that exactly one entry runs the REC
 * at a time and that every RIPAS answer is consistent.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"

#define ROUNDS 400
#define SCRIPT_STATE 10 /* the realm keeps its script position in X10 */

static struct exec_realm realm;
static atomic_int inside;       /* scripted realms running right now */
static atomic_int stop_poking;
static atomic_uint completed_changes;

static void realm_steps(unsigned run, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			struct plat_trap *trap)
{
	(void)run;
	(void)s2;
	assert_int_equal(atomic_fetch_add(&inside, 1), 0);
	switch (ctx->gprs[SCRIPT_STATE]) {
	case 0:
		ctx->gprs[SCRIPT_STATE] = 1;
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_EXTEND, 1, 8, 0x1234, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		ctx->gprs[SCRIPT_STATE] = 2;
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x3000, 0x4000, RIPAS_RAM, 0);
		break;
	default:
		/* Back from the host: the change was answered, fully or not at all. */
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_true(ctx->gprs[1] == 0x3000 || ctx->gprs[1] == 0x4000);
		assert_int_equal(ctx->gprs[2], RSI_ACCEPT);
		atomic_fetch_add(&completed_changes, 1);
		ctx->gprs[SCRIPT_STATE] = 0;
		trap->kind = PLAT_TRAP_IRQ;
		break;
	}
	atomic_fetch_sub(&inside, 1);
}

struct host_cpu {
	uint64_t run;
	unsigned entered, busy;
};

static void *host_cpu_main(void *arg)
{
	struct host_cpu *cpu = arg;
	struct rmi_rec_entry entry;
	struct smc_regs r;

	memset(&entry, 0, sizeof(entry));
	assert_true(hostsim_host_write(cpu->run, &entry, sizeof(entry)));
	for (unsigned i = 0; i < ROUNDS; i++) {
		r = (struct smc_regs){ .x = { RMI_REC_ENTER, realm.rec[0], cpu->run } };
		hostsim_smc(&r);
		if (r.x[0] == RMI_ERROR_REC) {
			cpu->busy++;
			continue;
		}
		assert_int_equal(r.x[0], RMI_SUCCESS);
		cpu->entered++;
	}
	return NULL;
}

static void *poker_main(void *arg)
{
	struct smc_regs r;

	(void)arg;
	while (!atomic_load(&stop_poking)) {
		r = (struct smc_regs){ .x = { RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0 } };
		hostsim_smc(&r);
		assert_int_equal(r.x[0], RMI_ERROR_INPUT); /* REC 0 never asks for PSCI */
		r = (struct smc_regs){ .x = { RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x3000, 0x4000 } };
		hostsim_smc(&r);
		assert_true(r.x[0] == RMI_SUCCESS || r.x[0] == RMI_ERROR_INPUT);
	}
	return NULL;
}

static void test_concurrent_enter(void **state)
{
	struct host_cpu cpus[2] = { { .run = 0 }, { .run = 0 } };
	pthread_t threads[3];
	struct rmm_debug_realm info;
	uint8_t zero[64] = { 0 };

	(void)state;
	exec_realm_build(&realm, NULL);
	cpus[0].run = realm.run;
	cpus[1].run = test_alloc();
	exec_fake_set_step(realm_steps);
	assert_int_equal(pthread_create(&threads[2], NULL, poker_main, NULL), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, host_cpu_main, &cpus[i]), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	atomic_store(&stop_poking, 1);
	assert_int_equal(pthread_join(threads[2], NULL), 0);
	assert_int_equal(cpus[0].entered + cpus[0].busy, ROUNDS);
	assert_int_equal(cpus[1].entered + cpus[1].busy, ROUNDS);
	{
		/* A cycle is two entries and three runs (extend + set, then the
		 * answer); the last cycle may be half done. */
		unsigned entries = cpus[0].entered + cpus[1].entered;
		unsigned cycles = atomic_load(&completed_changes);
		unsigned half = entries - 2 * cycles;

		assert_true(half <= 1);
		assert_int_equal(exec_fake_runs(), 3 * cycles + 2 * half);
		assert_true(cycles > 0);
	}
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
	assert_true(rmm_debug_realm(realm.rd, &info));
	assert_memory_not_equal(info.rem[0], zero, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_concurrent_enter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
