/* Test-only access to monitor structures for attest_rsi_test.c. */
#ifndef RMM_ATTEST_RSI_PEEK_H
#define RMM_ATTEST_RSI_PEEK_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/smc.h"

struct rec;

/* What an RSI call that exits to the host told it. */
struct peek_exit {
	bool exited;
	uint64_t reason, esr, far, hpfar;
};

/* Runs RSI_ATTEST_TOKEN_INIT (init) or _CONTINUE as the RSI dispatcher does
 * for the REC the running CPU holds, in the realm whose RD is at rd_pa.
 * Returns X0 with regs updated, or, if the call exited to the host, X0 as
 * the realm left it and *exit filled. */
uint64_t peek_attest_call(bool init, struct rec *rec, uint64_t rd_pa, struct smc_regs *regs,
			  struct peek_exit *exit);
/* Sets the realm's hash algorithm; returns the old one. */
uint64_t peek_rd_set_hash_algo(uint64_t rd_pa, uint64_t algo);

/* Sets the REC's aux count; returns the old one. */
uint64_t peek_rec_set_num_aux(struct rec *rec, uint64_t num_aux);
/* Fills the first 32 bytes of the realm's REM[index] with value (as a
 * MEASUREMENT_EXTEND would change it). */
bool peek_rd_fill_rem(uint64_t rd_pa, unsigned index, uint8_t value);

#endif
