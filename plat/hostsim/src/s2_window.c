/*
 * Realms as the emulated MMU sees them: one per live VMID, each with its IPA
 * window.
 *
 * The window is a reserved VA range of 2^ipa_bits bytes (PROT_NONE,
 * MAP_NORESERVE) in which VA = window + IPA. It starts empty, like a cold
 * TLB: realm code's first access to a granule faults, the fault handler
 * walks the RTT and maps the granule from DRAM with the descriptor's
 * permissions (it is a TLB fill), and the access is retried. Invalidation
 * (plat_s2_tlbi_*) puts ranges back to PROT_NONE, so a changed RTT entry
 * takes effect at the next access. Like a TLB it holds a bounded number of
 * fills (hostsim_config.tlb_entries), evicting the oldest for a new one, so a
 * realm touching its memory in any pattern never exhausts the host's
 * mappings (vm.max_map_count). The window and the host window are
 * separate VA ranges: neither reaches the other.
 *
 * A realm lives while a CPU (REC thread) is bound to it; its last REC's
 * destruction unmaps the window and unloads its image. The monitor only
 * reuses a VMID after REALM_DESTROY, which needs every REC destroyed first.
 *
 * Fills run in the faulting thread's signal handler: they only walk (plain
 * reads) and call mremap/mprotect, which are async-signal-safe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hostsim_internal.h"

/* Lock order: realms_lock, then a realm's loader_lock. */
static pthread_mutex_t realms_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hostsim_realm *realms;

/* Live fills of every realm window together. Past HOSTSIM_MAX_LIVE_FILLS a
 * window that needs a slot gives up its own oldest fill first (one with none
 * still gets its first), so all windows together stay below
 * HOSTSIM_MAX_LIVE_FILLS + HOSTSIM_FAULT_WINDOWS_MAX fills, whatever the
 * number of realms: about 2 host mappings each, far from vm.max_map_count. */
#define HOSTSIM_MAX_LIVE_FILLS 16384u
static _Atomic unsigned live_fills;

static void tlb_forget(struct hostsim_realm *r, struct hostsim_tlb_fill *f);

static void window_fault(const struct hostsim_fault_window *w, uintptr_t addr, siginfo_t *si,
			 void *uctx)
{
	struct hostsim_realm *r = w->ctx;

	hostsim_cpu_window_fault(r, addr - w->base, si, uctx);
}

static struct hostsim_realm *realm_find(uint16_t vmid)
{
	for (struct hostsim_realm *r = realms; r; r = r->next)
		if (r->s2.vmid == vmid)
			return r;
	return NULL;
}

static bool same_s2(const struct plat_s2 *a, const struct plat_s2 *b)
{
	return a->rtt_base == b->rtt_base && a->vmid == b->vmid && a->ipa_bits == b->ipa_bits &&
	       a->level_start == b->level_start && a->num_root_rtts == b->num_root_rtts;
}

static struct hostsim_realm *realm_create(const struct plat_s2 *s2, const char **why)
{
	struct hostsim_realm *r;

	if (s2->ipa_bits < 12 || s2->ipa_bits > 48) {
		*why = "hostsim: stage-2 IPA width out of range";
		return NULL;
	}
	if (s2->ipa_bits > HOSTSIM_MAX_IPA_BITS) {
		*why = "hostsim: IPA width wider than the machine runs (at most 46 bits: the IPA window "
		       "is 2^ipa_bits bytes of address space)";
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		*why = "hostsim: out of memory for the realm";
		return NULL;
	}
	r->s2 = *s2;
	r->tlb_capacity = hostsim_hw_tlb_entries();
	r->tlb = calloc(r->tlb_capacity, sizeof(*r->tlb));
	if (!r->tlb) {
		free(r);
		*why = "hostsim: out of memory for the realm";
		return NULL;
	}
	atomic_flag_clear(&r->tlb_lock);
	r->window_size = UINT64_C(1) << s2->ipa_bits;
	void *va = mmap(NULL, r->window_size, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED) {
		free(r->tlb);
		free(r);
		*why = "hostsim: no address space for the realm's IPA window (IPA width too large)";
		return NULL;
	}
	r->window = va;
	r->image.memfd = -1;
	r->fault_window.base = (uintptr_t)va;
	r->fault_window.size = r->window_size;
	r->fault_window.on_fault = window_fault;
	r->fault_window.ctx = r;
	pthread_mutex_init(&r->loader_lock, NULL);
	if (hostsim_fault_window_add(&r->fault_window) != 0) {
		munmap(va, r->window_size);
		pthread_mutex_destroy(&r->loader_lock);
		free(r->tlb);
		free(r);
		*why = "hostsim: too many realm windows";
		return NULL;
	}
	return r;
}

struct hostsim_realm *hostsim_realm_acquire(const struct plat_s2 *s2, const char **why)
{
	struct hostsim_realm *r;

	pthread_mutex_lock(&realms_lock);
	r = realm_find(s2->vmid);
	if (r && !same_s2(&r->s2, s2)) {
		/* Two live realms never share a VMID: the monitor guarantees it. */
		pthread_mutex_unlock(&realms_lock);
		plat_panic("hostsim: a VMID in use runs with another stage-2 configuration");
	}
	if (!r) {
		r = realm_create(s2, why);
		if (r) {
			r->next = realms;
			realms = r;
		}
	}
	if (r)
		r->refs++;
	pthread_mutex_unlock(&realms_lock);
	return r;
}

void hostsim_realm_release(struct hostsim_realm *r)
{
	pthread_mutex_lock(&realms_lock);
	if (--r->refs != 0) {
		pthread_mutex_unlock(&realms_lock);
		return;
	}
	for (struct hostsim_realm **p = &realms; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&realms_lock);
	hostsim_fault_window_remove(&r->fault_window);
	for (unsigned i = 0; i < r->tlb_capacity; i++)
		tlb_forget(r, &r->tlb[i]);
	munmap(r->window, r->window_size);
	hostsim_image_unload(&r->image);
	pthread_mutex_destroy(&r->loader_lock);
	free(r->tlb);
	free(r);
}

/* ---- the TLB: a bounded set of live fills ----
 * Every host mapping in the window belongs to exactly one live fill, fills
 * are pairwise disjoint, and there are at most tlb_capacity of them, so the
 * window costs at most 2 * tlb_capacity + 1 host mappings (VMAs) whatever the
 * realm touches. A fill that needs a slot evicts the oldest one, as a TLB
 * may; an invalidation drops every fill it overlaps whole, so no fill is ever
 * split into pieces the table does not know. All of it runs under tlb_lock. */

static void tlb_lock(struct hostsim_realm *r)
{
	hostsim_spin_lock(&r->tlb_lock);
}

static void tlb_unlock(struct hostsim_realm *r)
{
	hostsim_spin_unlock(&r->tlb_lock);
}

static void tlb_forget(struct hostsim_realm *r, struct hostsim_tlb_fill *f)
{
	if (f->size == 0)
		return;
	f->size = 0;
	r->tlb_live--;
	atomic_fetch_sub(&live_fills, 1);
}

static bool reserve(void *va, uint64_t size)
{
	return mmap(va, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		    -1, 0) != MAP_FAILED;
}

/* Everything back to "not cached". A fresh reservation over the whole window
 * replaces whole mappings and so needs no new one from the OS; should it still
 * be refused, it is tried again (nothing else may run until the TLB is empty). */
static void window_flush(struct hostsim_realm *r)
{
	while (!reserve(r->window, r->window_size))
		sched_yield();
	for (unsigned i = 0; i < r->tlb_capacity; i++)
		tlb_forget(r, &r->tlb[i]);
}

/* Back to "not cached": a fresh reservation over the range. Splitting a
 * mapping can need one more from the OS; when it is refused the whole TLB
 * goes instead, which only gives mappings back. */
static void window_clear(struct hostsim_realm *r, uint64_t ipa, uint64_t size)
{
	if (!reserve(r->window + ipa, size))
		window_flush(r);
}

static void tlb_evict(struct hostsim_realm *r, struct hostsim_tlb_fill *f)
{
	uint64_t ipa = f->ipa, size = f->size;

	tlb_forget(r, f);
	window_clear(r, ipa, size);
}

/* Drops every fill overlapping [base, end), whole: an invalidation. */
static void tlb_drop(struct hostsim_realm *r, uint64_t base, uint64_t end)
{
	bool grown = true;

	while (grown) {
		grown = false;
		for (unsigned i = 0; i < r->tlb_capacity; i++) {
			struct hostsim_tlb_fill *f = &r->tlb[i];
			if (f->size == 0 || f->ipa >= end || f->ipa + f->size <= base)
				continue;
			if (f->ipa < base)
				base = f->ipa;
			if (f->ipa + f->size > end)
				end = f->ipa + f->size;
			tlb_forget(r, f);
			grown = true;
		}
	}
	window_clear(r, base, end - base);
}

/* Shrinks [*base, *end) (which holds ipa) to the gap between live fills
 * around ipa; a live fill holding ipa itself is stale for this access (the
 * realm faulted through it) and is evicted. */
static void tlb_clip(struct hostsim_realm *r, uint64_t ipa, uint64_t *base, uint64_t *end)
{
	for (unsigned i = 0; i < r->tlb_capacity; i++) {
		struct hostsim_tlb_fill *f = &r->tlb[i];
		if (f->size == 0)
			continue;
		uint64_t fend = f->ipa + f->size;
		if (f->ipa <= ipa && ipa < fend)
			tlb_evict(r, f);
		else if (fend <= ipa && fend > *base)
			*base = fend;
		else if (f->ipa > ipa && f->ipa < *end)
			*end = f->ipa;
	}
}

/* The slot a new fill goes to: the oldest, evicted if it is live; when all
 * windows together are at their budget, this window's oldest live fill goes
 * too. */
static struct hostsim_tlb_fill *tlb_slot(struct hostsim_realm *r)
{
	struct hostsim_tlb_fill *f = &r->tlb[r->tlb_cursor];

	r->tlb_cursor = (r->tlb_cursor + 1) % r->tlb_capacity;
	if (f->size)
		tlb_evict(r, f);
	for (unsigned n = 0; r->tlb_live > 0 && n < r->tlb_capacity &&
			     atomic_load(&live_fills) >= HOSTSIM_MAX_LIVE_FILLS; n++) {
		struct hostsim_tlb_fill *old = &r->tlb[(r->tlb_cursor + n) % r->tlb_capacity];
		if (old->size)
			tlb_evict(r, old);
	}
	return f;
}

/* Maps [pa, pa + size) of DRAM at window + ipa with prot, atomically: the
 * pages are aliased from the monitor view (same memfd pages) into a spare
 * range, given their final protection there, then moved into place. */
static bool window_fill(struct hostsim_realm *r, uint64_t ipa, uint64_t pa, uint64_t size, int prot)
{
	void *src = hostsim_dram_monitor_ptr(pa);
	void *alias = mremap(src, 0, size, MREMAP_MAYMOVE);

	if (alias == MAP_FAILED)
		return false;
	if (mprotect(alias, size, prot) != 0 ||
	    mremap(alias, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, r->window + ipa) == MAP_FAILED) {
		munmap(alias, size);
		return false;
	}
	return true;
}

/* A fill covers the leaf that translates ipa and, for a page, the pages
 * around it in the same 2 MiB that continue it (same attributes, adjacent
 * output in the same PAS), as a contiguous-hint TLB entry would: a realm
 * streaming through its memory then costs one fill per 2 MiB. */
#define RUN_SPAN (UINT64_C(2) << 20)

static bool continues(const struct hostsim_s2_translation *t, const struct hostsim_s2_translation *n,
		      int64_t delta)
{
	return n->valid && n->size == PLAT_GRANULE_SIZE && n->read == t->read &&
	       n->write == t->write && n->ns == t->ns && n->pa == t->pa + (uint64_t)delta &&
	       hostsim_s2_gpc_ok(n->pa, PLAT_GRANULE_SIZE, n->ns);
}

static void run_around(struct hostsim_realm *r, const struct hostsim_s2_translation *t,
		       uint64_t *base, uint64_t *end)
{
	struct hostsim_s2_translation n;
	uint64_t span = t->ipa & ~(RUN_SPAN - 1);

	*base = t->ipa;
	*end = t->ipa + t->size;
	if (t->size != PLAT_GRANULE_SIZE)
		return;
	while (*end < span + RUN_SPAN) {
		hostsim_s2_translate(&r->s2, *end, &n);
		if (!continues(t, &n, (int64_t)(*end - t->ipa)))
			break;
		*end += PLAT_GRANULE_SIZE;
	}
	while (*base > span) {
		hostsim_s2_translate(&r->s2, *base - PLAT_GRANULE_SIZE, &n);
		if (!continues(t, &n, -(int64_t)(t->ipa - (*base - PLAT_GRANULE_SIZE))))
			break;
		*base -= PLAT_GRANULE_SIZE;
	}
}

/* One fill from a walk under TLBI epoch seq: 0 when mapped (and no
 * invalidation ran meanwhile), a DFSC, or UINT_MAX to walk again. */
static unsigned realm_fill_once(struct hostsim_realm *r, uint64_t ipa, bool write, uint64_t seq)
{
	struct hostsim_s2_translation t;
	uint64_t base, end;

	hostsim_s2_translate(&r->s2, ipa, &t);
	if (!t.valid)
		return t.dfsc;
	if (write ? !t.write : !t.read)
		return HOSTSIM_DFSC_PERMISSION(t.level);
	if (!hostsim_s2_gpc_ok(t.pa, t.size, t.ns))
		return HOSTSIM_DFSC_GPF;
	int prot = (t.read ? PROT_READ : 0) | (t.write ? PROT_WRITE : 0);
	run_around(r, &t, &base, &end);

	unsigned ret = 0;
	tlb_lock(r);
	tlb_clip(r, ipa & ~(PLAT_GRANULE_SIZE - 1), &base, &end);
	struct hostsim_tlb_fill *f = tlb_slot(r);
	uint64_t pa = t.pa + (base - t.ipa);
	bool mapped = window_fill(r, base, pa, end - base, prot);
	if (!mapped) {
		/* The OS refused a mapping: empty the TLB, which gives every
		 * mapping back, and try once more; else it is a miss again. */
		window_flush(r);
		mapped = window_fill(r, base, pa, end - base, prot);
	}
	if (!mapped) {
		ret = UINT_MAX;
	} else if (hostsim_fill_stale(&r->tlbi, seq)) {
		/* An invalidation that ran while we walked may have missed our fill. */
		window_clear(r, base, end - base);
		ret = UINT_MAX;
	} else {
		f->ipa = base;
		f->size = end - base;
		r->tlb_live++;
		atomic_fetch_add(&live_fills, 1);
	}
	tlb_unlock(r);
	if (!mapped)
		sched_yield();
	return ret;
}

/* A fill in the TLBI epoch it walked under (hostsim_fill_epoch): no
 * invalidation returns while a fill from an older walk can still leave a
 * mapping. A fill never blocks. */
unsigned hostsim_realm_map(struct hostsim_realm *r, uint64_t ipa, bool write)
{
	for (;;) {
		uint64_t seq;
		unsigned dfsc = UINT_MAX;

		if (hostsim_fill_begin(&r->tlbi, &seq))
			dfsc = realm_fill_once(r, ipa, write, seq);
		hostsim_fill_end(&r->tlbi, seq);
		if (dfsc != UINT_MAX)
			return dfsc;
	}
}

static void realm_invalidate(struct hostsim_realm *r, uint64_t ipa, uint64_t size)
{
	uint64_t base = 0, len = r->window_size;

	if (size != UINT64_MAX) {
		if (ipa >= r->window_size)
			return;
		base = ipa & ~(PLAT_GRANULE_SIZE - 1);
		uint64_t end = ipa + size < ipa ? r->window_size : ipa + size;
		if (end > r->window_size)
			end = r->window_size;
		len = ((end - base) + PLAT_GRANULE_SIZE - 1) & ~(PLAT_GRANULE_SIZE - 1);
	}
	/* Fills of the epoch this ends finish (undoing what they mapped, or
	 * leaving it for the drop below); later ones walk the new RTT. Callers
	 * hold realms_lock, so epochs end one at a time. */
	hostsim_fill_epoch_end(&r->tlbi);
	tlb_lock(r);
	if (base == 0 && len == r->window_size)
		window_flush(r);
	else
		tlb_drop(r, base, base + len);
	tlb_unlock(r);
}

void hostsim_realm_invalidate(uint16_t vmid, uint64_t ipa, uint64_t size)
{
	pthread_mutex_lock(&realms_lock);
	struct hostsim_realm *r = realm_find(vmid);
	if (r)
		realm_invalidate(r, ipa, size);
	pthread_mutex_unlock(&realms_lock);
}

void hostsim_s2_invalidate_unprotected(void)
{
	pthread_mutex_lock(&realms_lock);
	for (struct hostsim_realm *r = realms; r; r = r->next)
		realm_invalidate(r, r->window_size / 2, r->window_size / 2);
	pthread_mutex_unlock(&realms_lock);
}
