/*
 * RMM-EL3 calls: a real SMC to the EL3 firmware, SMCCC v1.2 register
 * convention (X0..X7 in, X0..X4 out).
 */
#include "plat/plat.h"

void plat_el3_smc(struct smc_regs *regs)
{
	register uint64_t x0 __asm__("x0") = regs->x[0];
	register uint64_t x1 __asm__("x1") = regs->x[1];
	register uint64_t x2 __asm__("x2") = regs->x[2];
	register uint64_t x3 __asm__("x3") = regs->x[3];
	register uint64_t x4 __asm__("x4") = regs->x[4];
	register uint64_t x5 __asm__("x5") = regs->x[5];
	register uint64_t x6 __asm__("x6") = regs->x[6];
	register uint64_t x7 __asm__("x7") = regs->x[7];

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4),
			   "+r"(x5), "+r"(x6), "+r"(x7)
			 :
			 : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
			   "x16", "x17", "memory");
	regs->x[0] = x0;
	regs->x[1] = x1;
	regs->x[2] = x2;
	regs->x[3] = x3;
	regs->x[4] = x4;
}
