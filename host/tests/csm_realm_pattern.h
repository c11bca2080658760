/*
 * What the CSM test realms agree on: the region's default size (more than
 * CSM_INLINE_PAGES, so the host adds page lists, and more than one level-3
 * table, so mapping takes several steps), the pattern the owner writes and
 * the members check, and the owner's exit status when it gets no region.
 */
#ifndef CAEC_HOST_TESTS_CSM_REALM_PATTERN_H
#define CAEC_HOST_TESTS_CSM_REALM_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec.h"

#define CSM_TEST_PAGES  600u
#define CSM_TEST_PAGE   4096u
#define OWNER_NO_REGION 3
#define MEMBER_REFUSED  4 /* the member's read-only attach was refused */
#define OWNER_GRANT_REALM_ID 1 /* challenge byte 36: grant by realm ID */
#define CSM_REPORT_MAX  6144u /* more than the largest region report */

/* The word at offset w of page p of region id. */
static inline uint64_t csm_pattern_word(uint64_t id, uint64_t p, uint64_t w)
{
	return (id ^ (p << 32) ^ w) * UINT64_C(0x9e3779b97f4a7c15);
}

/* First and last word of every page: each page must be the right one. */
static inline void csm_pattern_write(void *base, uint64_t pages, uint64_t id)
{
	for (uint64_t p = 0; p < pages; p++) {
		volatile uint64_t *w = (volatile uint64_t *)((uint8_t *)base + p * CSM_TEST_PAGE);

		w[0] = csm_pattern_word(id, p, 0);
		w[CSM_TEST_PAGE / 8 - 1] = csm_pattern_word(id, p, CSM_TEST_PAGE / 8 - 1);
	}
}

/* The first page that does not hold the pattern, or pages. */
static inline uint64_t csm_pattern_check(const void *base, uint64_t pages, uint64_t id)
{
	for (uint64_t p = 0; p < pages; p++) {
		const volatile uint64_t *w = (const volatile uint64_t *)((const uint8_t *)base + p * CSM_TEST_PAGE);

		if (w[0] != csm_pattern_word(id, p, 0) ||
		    w[CSM_TEST_PAGE / 8 - 1] != csm_pattern_word(id, p, CSM_TEST_PAGE / 8 - 1))
			return p;
	}
	return pages;
}

/* The members of a region report (csm_info), *count of them; NULL when the
 * report is shorter than its counts say. */
static inline const struct csm_report_member *csm_report_members(const uint8_t *rep, size_t len,
								   uint64_t *count)
{
	const struct csm_report_header *h = (const struct csm_report_header *)rep;
	size_t at = sizeof(*h);

	if (len < at || h->acl_count > CSM_ACL_ENTRIES)
		return NULL;
	at += h->acl_count * sizeof(struct csm_report_acl_entry);
	if (len < at + sizeof(uint64_t))
		return NULL;
	*count = *(const uint64_t *)(rep + at);
	at += sizeof(uint64_t);
	if (*count > CSM_MAX_MEMBERS || len < at + *count * sizeof(struct csm_report_member))
		return NULL;
	return (const struct csm_report_member *)(rep + at);
}

#endif
