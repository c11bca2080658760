/*
 * RSI_MEASUREMENT_READ and RSI_MEASUREMENT_EXTEND: the realm reads its RIM
 * and REMs and extends the REMs.
 *
 * A slot is 64 bytes, carried in eight registers, little-endian, first byte
 * in the lowest byte of X1 (READ) or X3 (EXTEND). The measurements live in
 * the RD, read and written under its lock: the realm's RECs may extend and
 * read concurrently from several CPUs.
 */
#include "realm.h"
#include "rsi_handlers.h"

#define SLOT_WORDS (MEASUREMENT_SLOT_SIZE / 8)
#define EXTEND_VALUE_FIRST_REG 3

struct measurement_read_args {
	uint64_t index; /* X1: 0 = RIM, 1..4 = REM */
};

struct measurement_extend_args {
	uint64_t index;                        /* X1: 1..4 */
	uint64_t size;                         /* X2: bytes of value that count */
	uint8_t value[MEASUREMENT_SLOT_SIZE];  /* X3..X10 */
};

static void regs_to_bytes(const uint64_t *regs, uint8_t out[MEASUREMENT_SLOT_SIZE]);

static struct measurement_read_args decode_read(const struct smc_regs *regs)
{
	return (struct measurement_read_args){ .index = regs->x[1] };
}

static void decode_extend(const struct smc_regs *regs, struct measurement_extend_args *a)
{
	a->index = regs->x[1];
	a->size = regs->x[2];
	regs_to_bytes(&regs->x[EXTEND_VALUE_FIRST_REG], a->value);
}

static void slot_to_regs(const uint8_t slot[MEASUREMENT_SLOT_SIZE], uint64_t *regs)
{
	for (unsigned w = 0; w < SLOT_WORDS; w++) {
		uint64_t v = 0;

		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)slot[w * 8 + b] << (8 * b);
		regs[w] = v;
	}
}

static void regs_to_bytes(const uint64_t *regs, uint8_t out[MEASUREMENT_SLOT_SIZE])
{
	for (unsigned w = 0; w < SLOT_WORDS; w++)
		for (unsigned b = 0; b < 8; b++)
			out[w * 8 + b] = (uint8_t)(regs[w] >> (8 * b));
}

enum rec_action rsi_measurement_read(struct rec_run *run, struct smc_regs *regs)
{
	struct measurement_read_args a = decode_read(regs);
	struct granule *g_rd;
	struct rd *rd;

	if (a.index >= RSI_MEASUREMENT_SLOTS) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	rd = rd_lock_owner(run->rd_pa, &g_rd);
	slot_to_regs(a.index == 0 ? rd->rim : rd->rem[a.index - 1], &regs->x[1]);
	rd_unlock(g_rd, rd);
	regs->x[0] = RSI_SUCCESS;
	return REC_RESUME;
}

enum rec_action rsi_measurement_extend(struct rec_run *run, struct smc_regs *regs)
{
	struct measurement_extend_args a;
	struct granule *g_rd;
	struct rd *rd;

	decode_extend(regs, &a);
	if (a.index < 1 || a.index >= RSI_MEASUREMENT_SLOTS || a.size > MEASUREMENT_SLOT_SIZE) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	rd = rd_lock_owner(run->rd_pa, &g_rd);
	measurement_extend_rem(rd->hash_algo, rd->rem[a.index - 1], a.value, (size_t)a.size);
	rd_unlock(g_rd, rd);
	regs->x[0] = RSI_SUCCESS;
	return REC_RESUME;
}
