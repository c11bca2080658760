/* The realm heap (see heap.h). */
#include "sdk/heap.h"

#include <stdbool.h>

#define HEAP_MAGIC_FREE 0x46524545u /* "FREE" */
#define HEAP_MAGIC_USED 0x55534544u /* "USED" */
#define HEAP_ALIGN      16u

struct sdk_heap_block {
	uint32_t magic;
	uint32_t pad;
	size_t size;                  /* whole block, header included */
	struct sdk_heap_block *next;  /* free list only */
	size_t pad2;
};
_Static_assert(sizeof(struct sdk_heap_block) % HEAP_ALIGN == 0, "headers keep payloads aligned");

#define HDR sizeof(struct sdk_heap_block)
#define MIN_BLOCK (HDR + HEAP_ALIGN)

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void heap_lock(struct sdk_heap *h)
{
	while (atomic_flag_test_and_set_explicit(&h->lock, memory_order_acquire))
		;
}

static void heap_unlock(struct sdk_heap *h)
{
	atomic_flag_clear_explicit(&h->lock, memory_order_release);
}

int sdk_heap_init(struct sdk_heap *h, void *base, size_t size)
{
	uintptr_t b = align_up((uintptr_t)base, HEAP_ALIGN);
	uintptr_t e = ((uintptr_t)base + size) & ~(uintptr_t)(HEAP_ALIGN - 1);

	atomic_flag_clear(&h->lock);
	h->free_list = NULL;
	h->free_bytes = 0;
	if ((uintptr_t)base + size < (uintptr_t)base || e <= b || e - b < MIN_BLOCK)
		return -1;
	h->base = b;
	h->end = e;
	h->free_list = (struct sdk_heap_block *)b;
	h->free_list->magic = HEAP_MAGIC_FREE;
	h->free_list->size = e - b;
	h->free_list->next = NULL;
	h->free_bytes = e - b;
	return 0;
}

/* Carves [payload - HDR, payload - HDR + need) out of free block b (whose
 * list predecessor link is *link); returns the used block. */
static struct sdk_heap_block *carve(struct sdk_heap *h, struct sdk_heap_block **link,
				    struct sdk_heap_block *b, uintptr_t payload, size_t need)
{
	uintptr_t start = payload - HDR, end = (uintptr_t)b + b->size;
	struct sdk_heap_block *u = (struct sdk_heap_block *)start;
	struct sdk_heap_block *next = b->next;

	if (start != (uintptr_t)b) {
		/* Front remainder stays free where it is. */
		b->size = start - (uintptr_t)b;
		link = &b->next;
	}
	u->size = end - start;
	if (u->size - need >= MIN_BLOCK) {
		struct sdk_heap_block *tail = (struct sdk_heap_block *)(start + need);

		tail->magic = HEAP_MAGIC_FREE;
		tail->size = u->size - need;
		tail->next = next;
		next = tail;
		u->size = need;
	}
	*link = next;
	u->magic = HEAP_MAGIC_USED;
	u->next = NULL;
	h->free_bytes -= u->size;
	return u;
}

void *sdk_heap_alloc(struct sdk_heap *h, size_t size, size_t align)
{
	struct sdk_heap_block **link, *b;
	void *p = NULL;
	size_t need;

	if (align < HEAP_ALIGN)
		align = HEAP_ALIGN;
	if (align & (align - 1) || size > h->end - h->base)
		return NULL;
	need = align_up(size ? size : 1, HEAP_ALIGN) + HDR;
	heap_lock(h);
	for (link = &h->free_list; (b = *link) != NULL; link = &b->next) {
		uintptr_t start = (uintptr_t)b, end = start + b->size;
		uintptr_t payload = align_up(start + HDR, align);

		/* A front gap too small to be a block of its own cannot stay behind. */
		if (payload - HDR != start && payload - HDR - start < MIN_BLOCK)
			payload = align_up(start + HDR + MIN_BLOCK, align);
		if (payload < start || payload - HDR + need > end || payload - HDR + need < payload)
			continue;
		p = (void *)payload;
		carve(h, link, b, payload, need);
		break;
	}
	heap_unlock(h);
	return p;
}

static bool is_live(const struct sdk_heap *h, const void *p, struct sdk_heap_block **out)
{
	uintptr_t a = (uintptr_t)p;
	struct sdk_heap_block *b;

	if (a % HEAP_ALIGN || a < h->base + HDR || a >= h->end)
		return false;
	b = (struct sdk_heap_block *)(a - HDR);
	if (b->magic != HEAP_MAGIC_USED || b->size < MIN_BLOCK || b->size > h->end - (uintptr_t)b)
		return false;
	*out = b;
	return true;
}

int sdk_heap_free(struct sdk_heap *h, void *p)
{
	struct sdk_heap_block *b, **link, *prev = NULL;
	int rc = 0;

	if (!p)
		return 0;
	heap_lock(h);
	if (!is_live(h, p, &b)) {
		rc = -1;
		goto out;
	}
	b->magic = HEAP_MAGIC_FREE;
	h->free_bytes += b->size;
	for (link = &h->free_list; *link && *link < b; link = &(*link)->next)
		prev = *link;
	b->next = *link;
	*link = b;
	if (b->next && (uintptr_t)b + b->size == (uintptr_t)b->next) {
		b->size += b->next->size;
		b->next->magic = 0;
		b->next = b->next->next;
	}
	if (prev && (uintptr_t)prev + prev->size == (uintptr_t)b) {
		prev->size += b->size;
		prev->next = b->next;
		b->magic = 0;
	}
out:
	heap_unlock(h);
	return rc;
}

size_t sdk_heap_free_bytes(struct sdk_heap *h)
{
	size_t n;

	heap_lock(h);
	n = h->free_bytes;
	heap_unlock(h);
	return n;
}
