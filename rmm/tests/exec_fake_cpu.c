/*
 * The scripted CPU (exec_fake_cpu.h). The step function is set while no REC
 * runs; the counters are atomic because stress tests run RECs on several
 * threads at once.
 */
#include "exec_fake_cpu.h"

static exec_fake_step_fn step_fn;
static _Atomic unsigned runs, destroys;

void exec_fake_set_step(exec_fake_step_fn fn)
{
	step_fn = fn;
	atomic_store(&runs, 0);
	atomic_store(&destroys, 0);
}

unsigned exec_fake_runs(void)
{
	return runs;
}

unsigned exec_fake_destroys(void)
{
	return destroys;
}

void exec_fake_smc(struct plat_rec_ctx *ctx, struct plat_trap *trap, uint64_t fid, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4)
{
	ctx->gprs[0] = fid;
	ctx->gprs[1] = a1;
	ctx->gprs[2] = a2;
	ctx->gprs[3] = a3;
	ctx->gprs[4] = a4;
	trap->kind = PLAT_TRAP_SMC;
}

void exec_fake_irq(struct plat_trap *trap)
{
	trap->kind = PLAT_TRAP_IRQ;
}

void exec_fake_rec_run(const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap)
{
	trap->kind = PLAT_TRAP_HALTED;
	trap->ipa = 0;
	trap->esr = 0;
	trap->halt_reason = "exec_fake: no step function";
	if (step_fn)
		step_fn(atomic_fetch_add(&runs, 1), s2, ctx, trap);
	ctx->started = 1;
}

void exec_fake_rec_destroy(struct plat_rec_ctx *ctx)
{
	(void)ctx;
	atomic_fetch_add(&destroys, 1);
}
