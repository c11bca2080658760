/* A hash set of RTTs keyed by (level, IPA); linear probing, no tombstones
 * (removal re-inserts the rest of the cluster). */
#include "rtt_set.h"

#include <errno.h>
#include <stdlib.h>

#include "host/realm_layout.h"

/* A table at `level` maps the range of one entry at level - 1. Level (1..3)
 * in bits 60..61 and bit 63 set make every key nonzero. */
static uint64_t make_key(int level, uint64_t ipa)
{
	uint64_t span = vmm_rtt_level_size(level - 1);

	return (UINT64_C(1) << 63) | ((uint64_t)level << 60) | (ipa & ~(span - 1));
}

static int key_level(uint64_t key)
{
	return (int)((key >> 60) & 3);
}

static uint64_t key_ipa(uint64_t key)
{
	return key & ((UINT64_C(1) << 60) - 1);
}

static size_t slot_of(const struct rtt_set *s, uint64_t key)
{
	uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);

	return (size_t)(h >> 20) & (s->cap - 1);
}

void rtt_set_init(struct rtt_set *s)
{
	s->slots = NULL;
	s->cap = 0;
	s->count = 0;
}

void rtt_set_fini(struct rtt_set *s)
{
	free(s->slots);
	rtt_set_init(s);
}

static void insert(struct rtt_set *s, uint64_t key, uint64_t pa)
{
	size_t i = slot_of(s, key);

	while (s->slots[i].key != 0 && s->slots[i].key != key)
		i = (i + 1) & (s->cap - 1);
	if (s->slots[i].key == 0)
		s->count++;
	s->slots[i].key = key;
	s->slots[i].pa = pa;
}

static int grow(struct rtt_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct rtt_set_entry *old = s->slots;
	size_t old_cap = s->cap;

	s->slots = calloc(cap, sizeof(*s->slots));
	if (!s->slots) {
		s->slots = old;
		return -ENOMEM;
	}
	s->cap = cap;
	s->count = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			insert(s, old[i].key, old[i].pa);
	free(old);
	return 0;
}

int rtt_set_add(struct rtt_set *s, int level, uint64_t ipa, uint64_t pa)
{
	if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
		return -ENOMEM;
	insert(s, make_key(level, ipa), pa);
	return 0;
}

static bool lookup(const struct rtt_set *s, uint64_t key, size_t *at)
{
	if (s->cap == 0)
		return false;
	for (size_t i = slot_of(s, key);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i].key == 0)
			return false;
		if (s->slots[i].key == key) {
			*at = i;
			return true;
		}
	}
}

bool rtt_set_find(const struct rtt_set *s, int level, uint64_t ipa, uint64_t *pa)
{
	size_t i;

	if (!lookup(s, make_key(level, ipa), &i))
		return false;
	if (pa)
		*pa = s->slots[i].pa;
	return true;
}

bool rtt_set_remove(struct rtt_set *s, int level, uint64_t ipa)
{
	size_t i;

	if (!lookup(s, make_key(level, ipa), &i))
		return false;
	s->slots[i].key = 0;
	s->count--;
	/* Re-insert the rest of the probe cluster so lookups never stop early. */
	for (size_t j = (i + 1) & (s->cap - 1); s->slots[j].key != 0; j = (j + 1) & (s->cap - 1)) {
		struct rtt_set_entry e = s->slots[j];

		s->slots[j].key = 0;
		s->count--;
		insert(s, e.key, e.pa);
	}
	return true;
}

void rtt_set_each(const struct rtt_set *s, void (*fn)(int level, uint64_t ipa, uint64_t pa, void *ctx),
		  void *ctx)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].key)
			fn(key_level(s->slots[i].key), key_ipa(s->slots[i].key), s->slots[i].pa, ctx);
}
