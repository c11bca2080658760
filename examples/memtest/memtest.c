/*
 * memtest: writes a pattern over the realm's RAM and reads it back, first on
 * alternate pages (the sparse pattern that costs an emulated MMU one mapping
 * per page), then on every page, and prints "memtest: N MiB ok".
 *
 * The memory tested is the largest block the heap can give (all RAM between
 * the image and the boot stack, less the heap's own bookkeeping). Each
 * 8-byte word holds its own address mixed with the pass number, so a page
 * mapped at the wrong place, or a stale page of an earlier pass, is caught.
 */
#include <stdint.h>

#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/realm.h"

#define PAGE 4096u

static uint64_t pattern(const volatile uint64_t *p, uint64_t pass)
{
	return ((uint64_t)(uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15)) ^ (pass << 56) ^ pass;
}

/* Writes, then verifies, every step-th page of [base, base + pages pages). */
static int pass_over(uint8_t *base, uint64_t pages, uint64_t step, uint64_t pass)
{
	for (uint64_t i = 0; i < pages; i += step) {
		volatile uint64_t *w = (volatile uint64_t *)(base + i * PAGE);
		for (unsigned k = 0; k < PAGE / 8; k++)
			w[k] = pattern(&w[k], pass);
	}
	for (uint64_t i = 0; i < pages; i += step) {
		volatile uint64_t *w = (volatile uint64_t *)(base + i * PAGE);
		for (unsigned k = 0; k < PAGE / 8; k++) {
			if (w[k] != pattern(&w[k], pass)) {
				sdk_printf("memtest: pass %llu: bad word at page %llu offset %u\n",
					   (unsigned long long)pass, (unsigned long long)i, k * 8);
				return -1;
			}
		}
	}
	return 0;
}

int realm_main(void)
{
	size_t avail = sdk_heap_free_bytes(sdk_realm_heap());
	size_t size = avail > 2 * PAGE ? (avail - 2 * PAGE) & ~(size_t)(PAGE - 1) : 0;
	uint8_t *base = NULL;

	/* The heap's headers take a little of what it reports: back off until
	 * the largest block fits. */
	while (size >= PAGE && !(base = sdk_aligned_alloc(PAGE, size)))
		size -= PAGE;
	if (!base) {
		sdk_printf("memtest: no memory to test\n");
		return 1;
	}
	uint64_t pages = size / PAGE;
	sdk_printf("memtest: %llu pages, alternate pages then every page\n", (unsigned long long)pages);
	if (pass_over(base, pages, 2, 1) != 0 || pass_over(base, pages, 1, 2) != 0)
		return 1;
	sdk_free(base);
	sdk_printf("memtest: %llu MiB ok\n", (unsigned long long)(size >> 20));
	return 0;
}
