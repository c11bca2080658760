/*
 * Common steps of the CSM execution tests (exec_csm_test.c, the lifecycle
 * and refusal groups; exec_csm_weakness_test.c, one regression test per
 * published weakness). Realms are exec realms (exec_realm.h) played by the
 * scripted CPU (exec_fake_cpu.h); the host side is the test calling RMI.
 *
 * The helpers act for the realm `cur` points at (the owner `realm` unless a
 * test switches to `other` or `third`) and fail the test on any surprise.
 */
#ifndef EXEC_CSM_SUPPORT_H
#define EXEC_CSM_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"
#ifdef HAVE_CAEC_VERIFY
#include "verify/appraise.h"
#include "verify/token.h"
#endif

/* The owner, two more realms (the same image, so the same RIM), and the
 * realm the helpers act for. */
extern struct exec_realm realm, other, third;
extern struct exec_realm *cur;

/* X0 and X1 of the realm's last RSI call that returned without a request
 * exit (realm_asks, realm_resumes, realm_attaches). */
extern uint64_t got_x0, got_x1;

/* A region as the host built it: its granules. */
struct region {
	uint64_t csmd, meta, num;
	uint64_t pages[1024];
	uint64_t lists[4];
};
extern struct region region; /* large: not on the stack */

/* The realm calls RSI_CSM_CREATE(num, flags): true if it exited with the CSM
 * request (checked field by field), false if the call returned at once
 * (got_x0 holds the status). */
bool realm_asks(uint64_t num, uint64_t flags);
/* The host enters the REC again; the realm's X0 (X1 in got_x1). */
uint64_t realm_resumes(void);
/* The number of region references the realm's RD holds. */
unsigned rd_regions(void);
/* `realm` with the CSM request exit enabled, its DATA at 0x1000 zero. */
void build_realm(void);
/* The same, with the identity records ID_* in the DATA granule at 0x1000
 * (identity_page(): the 4096 bytes, the same each time). */
void build_with_identities(void);
const void *identity_page(void);

struct rmm_debug_csm debug_csm(uint64_t csmd);
/* RMI_CSM_CREATE for cur's pending request of num pages; then DATA_ADD of
 * fresh DELEGATED granules for pages [from, to). */
void bind_region(struct region *g, uint64_t num);
void add_pages(struct region *g, uint64_t from, uint64_t to);
/* A complete one-page region owned by cur; its csm_id. */
uint64_t owned_region(struct region *g);
/* build_with_identities, a one-page region the owner holds (its csm_id),
 * and `others` more realms built: `other`, then `third` (cur is left at the
 * last one built). */
uint64_t owner_and_realms(unsigned others);
/* Removes every page (checking X1 and the scrub), destroys, frees. */
void remove_all(struct region *g);

bool is_zero_granule(uint64_t pa);
/* The CSM invariants hold (hostsim_check_csm: the monitor's, the GPT, the host window). */
void expect_invariants(void);

/* A list of RSI calls the scripted realm makes in one run, and their results. */
struct call {
	uint64_t fid, a1, a2, a3;
	uint64_t x0, x1; /* out */
};
#define CALL(f, x1, x2, x3) { .fid = (f), .a1 = (x1), .a2 = (x2), .a3 = (x3) }
#define CALL_VALUE(f, x1, x2, x3) ((struct call)CALL(f, x1, x2, x3))
extern struct call *prog;
extern unsigned prog_len;
/* The scripted CPU's steps for prog (exec_fake_set_step). */
void prog_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		struct plat_trap *trap);
/* cur makes the n calls in one run, which must end with an IRQ exit. */
void run_prog(struct call *calls, unsigned n);

/* Identity records in the realm's DATA granule at IPA 0x1000. */
#define ID_RIM       0x1000 /* kind 1, a SHA-256 RIM */
#define ID_REALM_ID  0x1100 /* kind 2 */
#define ID_RIM_RPV   0x1200 /* kind 3 */
#define ID_BAD_KIND  0x1300 /* kind 4 */
#define ID_RIM_TAIL  0x1400 /* kind 1 with a byte past the hash size */
#define ID_ID_TAIL   0x1500 /* kind 2 with a byte past 32 */

#define RW (CSM_PERM_READ | CSM_PERM_WRITE)

#define CSM_IPA UINT64_C(0x10000) /* RIPAS EMPTY, in the level-3 RTT at 0 */

/* cur asks to attach; true if it exited with the ATTACH request (checked),
 * false if the call returned at once (got_x0). */
bool realm_attaches(uint64_t id, uint64_t ipa, uint64_t perms);
/* After an ATTACH exit: the REC resumes; the realm's X0 then. */
uint64_t realm_resumes_prog(void);
/* After any request exit: the REC resumes; the realm's X0 then. */
uint64_t realm_resume_x0(void);

/* Stage-2 descriptor bits the tests look at. */
#define DESC_S2AP_R  (UINT64_C(1) << 6)
#define DESC_S2AP_W  (UINT64_C(1) << 7)
#define DESC_XN      (UINT64_C(2) << 53)
#define DESC_OA      UINT64_C(0x0000fffffffff000)
/* The level-3 entry of realm r at ipa (below 1 GiB), as the monitor wrote it. */
uint64_t l3_entry(const struct exec_realm *r, uint64_t ipa);
/* Every page of g is mapped in r from ipa, R or RW, execute-never, and the
 * host's RTT_READ_ENTRY says ASSIGNED/RAM. */
void expect_mapped(const struct exec_realm *r, const struct region *g, uint64_t ipa, bool writable);

/* The scripted CPU of a read-only member at CSM_IPA: a write (a permission
 * fault: a SEA), an instruction fetch (a SEA), a translation fault that
 * raced the mapping (resumed normally), then an IRQ exit: four runs. */
void permission_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		      struct plat_trap *trap);

#ifdef HAVE_CAEC_VERIFY
/* The token r's REC 0 gets from ATTEST_TOKEN_INIT, decoded (strict). */
void realm_token(struct exec_realm *r, struct cca_token *tok);
#endif
/* Tears an exec realm down completely (its DATA, RTTs, RECs, RD). */
void exec_realm_destroy(struct exec_realm *r);

#endif
