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
#include "sdk/rsi.h"

#define PAGE          SDK_GRANULE_SIZE /* what the realm's stage 2 maps at a time */
#define WORDS_IN_PAGE (PAGE / sizeof(uint64_t))
#define MIB_SHIFT     20
/* Room left for the heap's own headers when asking for the largest block. */
#define HEAP_SLACK    (2 * PAGE)
/* The passes: every other page first, then every page, each with its own
 * pattern so that a page still holding the first pass's words is caught. */
#define SPARSE_STEP 2u
#define SPARSE_PASS 1u
#define DENSE_STEP  1u
#define DENSE_PASS  2u
/* 2^64 / golden ratio, odd: multiplying by it spreads nearby addresses over
 * all 64 bits (Fibonacci hashing). */
#define ADDRESS_MIX UINT64_C(0x9e3779b97f4a7c15)
#define PASS_SHIFT  56 /* the pass number also goes in the top byte */

static uint64_t pattern(const volatile uint64_t *p, uint64_t pass)
{
	return ((uint64_t)(uintptr_t)p * ADDRESS_MIX) ^ (pass << PASS_SHIFT) ^ pass;
}

/* Writes, then verifies, every step-th page of [base, base + pages pages). */
static int pass_over(uint8_t *base, uint64_t pages, uint64_t step, uint64_t pass)
{
	for (uint64_t i = 0; i < pages; i += step) {
		volatile uint64_t *w = (volatile uint64_t *)(base + i * PAGE);
		for (unsigned k = 0; k < WORDS_IN_PAGE; k++)
			w[k] = pattern(&w[k], pass);
	}
	for (uint64_t i = 0; i < pages; i += step) {
		volatile uint64_t *w = (volatile uint64_t *)(base + i * PAGE);
		for (unsigned k = 0; k < WORDS_IN_PAGE; k++) {
			if (w[k] != pattern(&w[k], pass)) {
				sdk_printf("memtest: pass %llu: bad word at page %llu offset %u\n",
					   (unsigned long long)pass, (unsigned long long)i,
					   (unsigned)(k * sizeof(uint64_t)));
				return -1;
			}
		}
	}
	return 0;
}

int realm_main(void)
{
	size_t avail = sdk_heap_free_bytes(sdk_realm_heap());
	size_t size = avail > HEAP_SLACK ? (avail - HEAP_SLACK) & ~(size_t)(PAGE - 1) : 0;
	uint8_t *base = NULL;

	/* The heap's headers take a little of what it reports: back off until
	 * the largest block fits. */
	while (size >= PAGE && !(base = sdk_aligned_alloc(PAGE, size)))
		size -= PAGE;
	if (!base) {
		sdk_printf("memtest: no memory to test\n");
		return SDK_EXIT_FAILURE;
	}
	uint64_t pages = size / PAGE;
	sdk_printf("memtest: %llu pages, alternate pages then every page\n", (unsigned long long)pages);
	if (pass_over(base, pages, SPARSE_STEP, SPARSE_PASS) != 0 ||
	    pass_over(base, pages, DENSE_STEP, DENSE_PASS) != 0)
		return SDK_EXIT_FAILURE;
	sdk_free(base);
	sdk_printf("memtest: %llu MiB ok\n", (unsigned long long)(size >> MIB_SHIFT));
	return SDK_EXIT_SUCCESS;
}
