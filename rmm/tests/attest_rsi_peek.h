/* Test-only access to monitor structures for attest_rsi_test.c. */
#ifndef RMM_ATTEST_RSI_PEEK_H
#define RMM_ATTEST_RSI_PEEK_H

#include <stdbool.h>
#include <stdint.h>

struct rec;

/* Sets the REC's aux count; returns the old one. */
uint64_t peek_rec_set_num_aux(struct rec *rec, uint64_t num_aux);
/* Fills the first 32 bytes of the realm's REM[index] with value (as a
 * MEASUREMENT_EXTEND would change it). */
bool peek_rd_fill_rem(uint64_t rd_pa, unsigned index, uint8_t value);

#endif
