/*
 * A scripted stand-in for the platform's CPUs, for testing the monitor's run
 * loop without running realm code.
 *
 * The exec_fake tests build the monitor's sources with plat_rec_run and
 * plat_rec_destroy renamed to exec_fake_rec_run / exec_fake_rec_destroy
 * (rmm/tests/CMakeLists.txt), so the monitor calls this file instead of the
 * platform. Each "run" calls the test's step function, which plays the
 * realm: it reads the results the monitor left in ctx (the previous call's
 * X0..X8, the resume action) and returns the next trap.
 */
#ifndef EXEC_FAKE_CPU_H
#define EXEC_FAKE_CPU_H

#include <stdint.h>

#include "plat/plat.h"

typedef void (*exec_fake_step_fn)(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				  struct plat_trap *trap);

/* The realm behaviour for the next runs; steps count from 0 for each new fn. */
void exec_fake_set_step(exec_fake_step_fn fn);
unsigned exec_fake_runs(void);       /* plat_rec_run calls since set_step */
unsigned exec_fake_destroys(void);   /* plat_rec_destroy calls since set_step */

/* Step helpers: an SMC trap with X0..X7 (the rest of X8..X17 untouched);
 * an IRQ, which ends a script with an exit to the host. */
void exec_fake_smc(struct plat_rec_ctx *ctx, struct plat_trap *trap, uint64_t fid, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4);
void exec_fake_irq(struct plat_trap *trap);

void exec_fake_rec_run(const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap);
void exec_fake_rec_destroy(struct plat_rec_ctx *ctx);

#endif
