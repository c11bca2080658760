/*
 * The set of non-root RTTs of one realm, as the VMM created them: key (level,
 * IPA of the range the table maps) -> PA of the table granule. The builder
 * uses it to know which tables exist and to destroy them bottom-up; the
 * offline measurement uses the same set (with no PAs) to replay which level
 * each RTT_INIT_RIPAS call stops at.
 */
#ifndef CAEC_HOST_RTT_SET_H
#define CAEC_HOST_RTT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtt_set_entry {
	uint64_t key; /* 0 = free slot */
	uint64_t pa;
};

struct rtt_set {
	struct rtt_set_entry *slots;
	size_t cap;   /* power of two */
	size_t count;
};

void rtt_set_init(struct rtt_set *s);
void rtt_set_fini(struct rtt_set *s);
/* -ENOMEM, or 0. The IPA is aligned down to the range the table maps. */
int rtt_set_add(struct rtt_set *s, int level, uint64_t ipa, uint64_t pa);
bool rtt_set_find(const struct rtt_set *s, int level, uint64_t ipa, uint64_t *pa);
bool rtt_set_remove(struct rtt_set *s, int level, uint64_t ipa);
/* Visits every table (order unspecified). */
void rtt_set_each(const struct rtt_set *s, void (*fn)(int level, uint64_t ipa, uint64_t pa, void *ctx),
		  void *ctx);

#endif
