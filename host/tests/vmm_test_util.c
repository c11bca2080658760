/* The VMM tests' kit (see vmm_test_util.h). */
#include "vmm_test_util.h"

#include <stdlib.h>
#include <string.h>

#include "hostsim/hostsim.h"

int vmm_test_machine_up(void **state)
{
	struct hostsim_config cfg;
	struct vmm *vmm = calloc(1, sizeof(*vmm));

	memset(&cfg, 0, sizeof(cfg));
	cfg.dram_size = VMM_TEST_DRAM;
	if (!vmm || hostsim_start(&cfg) != 0) {
		free(vmm);
		return -1;
	}
	vmm_init(vmm);
	*state = vmm;
	return 0;
}

int vmm_test_machine_down(void **state)
{
	hostsim_stop();
	free(*state);
	*state = NULL;
	return 0;
}

uint8_t *vmm_test_fake_image(size_t size, unsigned seed)
{
	uint8_t *img = malloc(size);

	assert_non_null(img);
	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 31u + seed * 7u + (i >> 12));
	memcpy(img, "\177ELF", size < 4 ? size : 4);
	return img;
}
