/*
 * A broken monitor invariant: say which, and stop the machine (the process),
 * as firmware would halt the CPU.
 */
#include <stdio.h>
#include <stdlib.h>

#include "plat/plat.h"

_Noreturn void plat_panic(const char *why)
{
	fprintf(stderr, "rmm: panic: %s\n", why ? why : "(no reason given)");
	abort();
}
