/* libFuzzer harness: the realm image validator must refuse or accept any
 * bytes without reading outside them (ASan) or undefined behaviour (UBSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostsim/realm_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size, 8-aligned heap copy, so ASan sees any overread. */
	uint8_t *copy = malloc(size ? size : 1);
	char why[160];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	(void)hostsim_realm_elf_check(copy, size, why, sizeof(why));
	free(copy);
	return 0;
}
