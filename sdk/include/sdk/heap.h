/*
 * The realm's heap: a first-fit allocator over a range of the realm's own
 * RAM (sdk_realm_start gives it everything between the image and the boot
 * stack). Free blocks sit on one address-ordered list and merge with their
 * neighbours when freed; every block carries a header with a magic value so
 * a pointer that is not a live allocation (out of bounds, misaligned, freed
 * twice) is refused instead of corrupting the heap. A spinlock makes it safe
 * for several vCPUs.
 */
#ifndef CAEC_SDK_HEAP_H
#define CAEC_SDK_HEAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct sdk_heap_block;

struct sdk_heap {
	uintptr_t base, end;
	struct sdk_heap_block *free_list;
	size_t free_bytes;
	atomic_flag lock;
};

/* Sets the heap up over [base, base + size); 0, or -1 when the range is too
 * small or wraps. */
int sdk_heap_init(struct sdk_heap *h, void *base, size_t size);
/* size bytes aligned to align (a power of two; 16 is the minimum used);
 * NULL when no block fits or align is not a power of two. */
void *sdk_heap_alloc(struct sdk_heap *h, size_t size, size_t align);
/* 0, or -1 (nothing changed) when p is not a live allocation of h. NULL is 0. */
int sdk_heap_free(struct sdk_heap *h, void *p);
size_t sdk_heap_free_bytes(struct sdk_heap *h);

/* The realm's heap (set up by sdk_realm_start). */
void *sdk_malloc(size_t size);
void *sdk_calloc(size_t n, size_t size);
void *sdk_aligned_alloc(size_t align, size_t size);
void sdk_free(void *p);
struct sdk_heap *sdk_realm_heap(void);

#endif
