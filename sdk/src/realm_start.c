/*
 * The realm program's start and end (see realm.h). One copy of this state
 * per image: every realm loads its own copy of the image, globals included.
 */
#include "caec/arch.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/psci.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

static struct sdk_realm_info realm_info;
static struct sdk_heap realm_heap;

struct sdk_heap *sdk_realm_heap(void)
{
	return &realm_heap;
}

const struct sdk_realm_info *sdk_realm_info(void)
{
	return &realm_info;
}

void *sdk_malloc(size_t size)
{
	return sdk_heap_alloc(&realm_heap, size, 16);
}

void *sdk_aligned_alloc(size_t align, size_t size)
{
	return sdk_heap_alloc(&realm_heap, size, align);
}

void *sdk_calloc(size_t n, size_t size)
{
	size_t total;
	unsigned char *p;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	p = sdk_malloc(total);
	for (size_t i = 0; p && i < total; i++)
		p[i] = 0;
	return p;
}

void sdk_free(void *p)
{
	/* A bad pointer is refused by the heap and left alone: realm code
	 * that frees garbage gets a leak, never a corrupted heap. */
	(void)sdk_heap_free(&realm_heap, p);
}

_Noreturn void sdk_realm_exit(int status)
{
	sdk_report_exit((uint64_t)(int64_t)status);
	psci_system_off();
}

int sdk_realm_start(uint64_t image_base, uint64_t image_size, uint64_t ram_base,
		    uint64_t ram_size, uint64_t nr_cpus)
{
	realm_info.image_base = image_base;
	realm_info.image_size = image_size;
	realm_info.ram_base = ram_base;
	realm_info.ram_size = ram_size;
	realm_info.nr_cpus = (unsigned)nr_cpus;
	/* The heap is RAM minus the boot stack at its top (the crt put it there). */
	if (ram_size > CAEC_ARCH_BOOT_STACK_SIZE) {
		void *base = sdk_ptr_of(ram_base);

		if (base)
			sdk_heap_init(&realm_heap, base, ram_size - CAEC_ARCH_BOOT_STACK_SIZE);
	}
	sdk_realm_exit(realm_main());
}
