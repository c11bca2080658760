/* The default allocator and the zero-filling wrappers every module uses. */
#include <string.h>

#include "llm/alloc.h"
#include "port.h"

static void *libc_alloc(void *ctx, size_t size, size_t align)
{
	(void)ctx;
	return llm_sys_alloc(size, align);
}

static void libc_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	llm_sys_free(ptr);
}

static const struct llm_allocator libc_allocator = { libc_alloc, libc_free, NULL };

const struct llm_allocator *llm_allocator_default(void)
{
	return &libc_allocator;
}

void *llm_alloc(const struct llm_allocator *a, size_t size, size_t align)
{
	if (!a)
		a = &libc_allocator;
	void *p = a->alloc(a->ctx, size, align);
	if (p)
		memset(p, 0, size);
	return p;
}

void *llm_alloc_array(const struct llm_allocator *a, size_t n, size_t size, size_t align)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	return llm_alloc(a, total, align);
}

void llm_free(const struct llm_allocator *a, void *ptr, size_t size)
{
	if (!ptr)
		return;
	if (!a)
		a = &libc_allocator;
	a->free(a->ctx, ptr, size);
}
