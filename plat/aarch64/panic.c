/*
 * A broken monitor invariant on hardware: park this CPU for good. A board
 * port prints `why` on its console first.
 */
#include "plat/plat.h"

_Noreturn void plat_panic(const char *why)
{
	(void)why;
	for (;;)
		__asm__ volatile("wfi" ::: "memory");
}
