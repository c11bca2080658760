/*
 * Serving a REC's exits (RMM 1.0 RmiRecExit), one handler per exit reason:
 *   SYNC          data abort on an unprotected IPA: give it a fresh NS page
 *                 (RTT_MAP_UNPROTECTED, RTTs as needed) and enter again; on
 *                 protected RAM the VMM owns but has not backed (after a
 *                 RIPAS change back to RAM), DATA_CREATE_UNKNOWN. The realm
 *                 or an RSI call of it (REALM_CONFIG, HOST_CALL,
 *                 ATTEST_TOKEN_CONTINUE on memory not mapped yet) may stop
 *                 there; an RSI call runs again when the vCPU is entered.
 *                 Protected memory whose RIPAS is DESTROYED cannot be backed
 *                 again: the run ends with a host error naming the IPA
 *   HOST_CALL     host_call_abi.h
 *   RIPAS_CHANGE  RTT_SET_RIPAS over the range, then DATA_DESTROY what went
 *                 EMPTY (the memory comes back to the host) or back what went
 *                 RAM; accepted when the range lies in the realm's layout
 *   PSCI          X0 = the function ID as the realm used it (SMC32 or SMC64),
 *                 X1 = the target MPIDR: CPU_ON / AFFINITY_INFO completed
 *                 with PSCI_COMPLETE (CPU_ON starts the target's thread),
 *                 CPU_SUSPEND enter again (the monitor has answered it; the
 *                 thread yields the CPU first, as a vCPU waiting for an
 *                 interrupt would), CPU_OFF ends this thread,
 *                 SYSTEM_OFF / SYSTEM_RESET end the run
 *   IRQ, FIQ      enter again (the time slice ended)
 *   SERROR        the vCPU died: the run ends as a crash
 *   CSM_REQUEST   (0x80, the CAEC extension) realm_csm.c
 * Anything the VMM cannot serve ends the run with a host error saying why.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "abi/rsi.h"
#include "host/rmi_call.h"
#include "realm_internal.h"

#define IPA_PAGE_MASK (~(GRANULE - 1) & ((UINT64_C(1) << 52) - 1))

static void count_exit(struct vmm_realm *r, uint64_t reason)
{
	struct vmm_exit_counts *c;

	pthread_mutex_lock(&r->run_lock);
	c = &r->result->exits;
	switch (reason) {
	case RMI_EXIT_SYNC: c->sync++; break;
	case RMI_EXIT_IRQ: c->irq++; break;
	case RMI_EXIT_FIQ: c->fiq++; break;
	case RMI_EXIT_PSCI: c->psci++; break;
	case RMI_EXIT_RIPAS_CHANGE: c->ripas_change++; break;
	case RMI_EXIT_HOST_CALL: c->host_call++; break;
	case RMI_EXIT_SERROR: c->serror++; break;
	case RMI_EXIT_CSM_REQUEST: c->csm++; break;
	default: c->other++; break;
	}
	pthread_mutex_unlock(&r->run_lock);
}

/* ---- SYNC ------------------------------------------------------------------ */

/* With mm_lock held: the RTT entry at a protected page the realm faulted on
 * (or an RSI call of it needs). 0 and *ripas set, or -EIO. */
static int protected_page_ripas(struct vmm_realm *r, uint64_t ipa, bool *assigned, uint64_t *ripas,
				struct vmm_error *err)
{
	struct smc_regs res = RMI(RMI_RTT_READ_ENTRY, r->rd, ipa, 3);

	if (res.x[0] != RMI_SUCCESS) {
		vmm_err(err, "RMI_RTT_READ_ENTRY -> %s(%u)", rmi_status_name(res.x[0]),
			RMI_STATUS_INDEX(res.x[0]));
		return -EIO;
	}
	*assigned = res.x[2] == RMI_ASSIGNED;
	*ripas = res.x[4];
	return 0;
}

/* With mm_lock held: backs a protected RAM page on demand, or says why not. */
static int serve_protected(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err)
{
	bool assigned = false;
	uint64_t ripas = RIPAS_EMPTY;
	int rc;

	if (!realm_ipa_in_ram_range(r, ipa)) {
		vmm_err(err, "the IPA is outside the realm's RAM");
		return -EFAULT;
	}
	rc = protected_page_ripas(r, ipa, &assigned, &ripas, err);
	if (rc)
		return rc;
	if (ripas == RIPAS_DESTROYED) {
		vmm_err(err, "its RIPAS is DESTROYED, which the host cannot back again");
		return -EFAULT;
	}
	if (ripas != RIPAS_RAM) {
		vmm_err(err, "its RIPAS is EMPTY");
		return -EFAULT;
	}
	if (assigned)
		return 0; /* another vCPU backed it first */
	if (vmm_realm_data_pa(r, ipa)) {
		vmm_err(err, "the VMM's ledger has a granule there but the RTT does not");
		return -EPROTO;
	}
	return realm_data_create_unknown(r, ipa, err);
}

static enum exit_action handle_sync(struct vmm_vcpu *v, const struct rmi_rec_exit *exit)
{
	struct vmm_realm *r = v->realm;
	/* HPFAR_EL2.FIPA (bits [43:4]) holds IPA[51:12]. */
	uint64_t ipa = (exit->hpfar >> 4 << 12) & IPA_PAGE_MASK;
	struct vmm_error err = { "" };
	int rc;

	pthread_mutex_lock(&r->mm_lock);
	if (realm_ipa_is_unprotected(r, ipa)) {
		bool mapped = false;

		/* Two vCPUs may fault on the same page; the second finds it mapped. */
		for (size_t i = 0; i < r->nshared && !mapped; i++)
			mapped = r->shared[i].ipa == ipa;
		rc = mapped ? 0 : realm_map_shared(r, ipa, &err);
	} else {
		rc = serve_protected(r, ipa, &err);
	}
	pthread_mutex_unlock(&r->mm_lock);
	if (rc == 0) {
		if (realm_ipa_is_unprotected(r, ipa)) {
			pthread_mutex_lock(&r->run_lock);
			r->result->unprotected_maps++;
			pthread_mutex_unlock(&r->run_lock);
		}
		return EXIT_RESUME;
	}
	realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: data abort at IPA 0x%llx (ESR 0x%llx) not served%s%s",
		   v->index, (unsigned long long)ipa, (unsigned long long)exit->esr,
		   err.msg[0] ? ": " : "", err.msg);
	return EXIT_STOP;
}

/* ---- HOST_CALL --------------------------------------------------------------- */

static void console_write(struct vmm_realm *r, const uint64_t *gprs, uint64_t *ret)
{
	char buf[HOST_CALL_CONSOLE_MAX];
	uint64_t n = gprs[0];

	if (n > HOST_CALL_CONSOLE_MAX) {
		*ret = HOST_CALL_ERROR;
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		buf[i] = (char)(gprs[1 + i / 8] >> (8 * (i % 8)));
	pthread_mutex_lock(&r->run_lock);
	if (r->run_cfg->console && n)
		r->run_cfg->console(r->run_cfg->console_ctx, buf, (size_t)n);
	pthread_mutex_unlock(&r->run_lock);
	*ret = HOST_CALL_OK;
}

static void challenge(struct vmm_realm *r, uint64_t *gprs)
{
	const uint8_t *c = r->run_cfg->challenge;

	if (!c) {
		gprs[0] = HOST_CALL_ERROR;
		return;
	}
	for (unsigned w = 0; w < HOST_CALL_CHALLENGE_SIZE / 8; w++) {
		uint64_t v = 0;

		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)c[8 * w + b] << (8 * b);
		gprs[1 + w] = v;
	}
	gprs[0] = HOST_CALL_OK;
}

/* Chunks must arrive in order, each continuing the last; a chunk at offset 0
 * starts a new token. The token counts once its last byte is in. */
static uint64_t token_report(struct vmm_realm *r, const uint64_t *gprs)
{
	uint64_t total = gprs[0], off = gprs[1], len = gprs[2];
	uint64_t status = HOST_CALL_OK;

	if (total == 0 || total > HOST_CALL_TOKEN_MAX || len > HOST_CALL_TOKEN_CHUNK_MAX ||
	    off > total || len > total - off)
		return HOST_CALL_ERROR;
	pthread_mutex_lock(&r->run_lock);
	if (off == 0) {
		free(r->token_buf);
		r->token_buf = malloc(total);
		r->token_total = total;
		r->token_fill = 0;
	}
	if (!r->token_buf || total != r->token_total || off != r->token_fill) {
		status = HOST_CALL_ERROR;
	} else {
		for (uint64_t i = 0; i < len; i++)
			r->token_buf[off + i] = (uint8_t)(gprs[3 + i / 8] >> (8 * (i % 8)));
		r->token_fill += len;
		if (r->token_fill == total) {
			free(r->result->token);
			r->result->token = r->token_buf;
			r->result->token_len = total;
			r->token_buf = NULL;
			r->token_total = 0;
			r->token_fill = 0;
		}
	}
	pthread_mutex_unlock(&r->run_lock);
	return status;
}

static enum exit_action handle_host_call(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
					 struct rmi_rec_entry *entry)
{
	struct vmm_realm *r = v->realm;

	memcpy(entry->gprs, exit->gprs, sizeof(entry->gprs));
	switch (exit->imm) {
	case HOST_CALL_CONSOLE:
		console_write(r, exit->gprs, &entry->gprs[0]);
		break;
	case HOST_CALL_EXIT_STATUS:
		pthread_mutex_lock(&r->run_lock);
		r->result->exit_reported = true;
		r->result->exit_status = exit->gprs[0];
		pthread_mutex_unlock(&r->run_lock);
		entry->gprs[0] = HOST_CALL_OK;
		break;
	case HOST_CALL_CHALLENGE:
		challenge(r, entry->gprs);
		break;
	case HOST_CALL_TOKEN_REPORT:
		entry->gprs[0] = token_report(r, exit->gprs);
		break;
	case HOST_CALL_DOORBELL:
		entry->gprs[0] = csm_doorbell_call(r, exit->gprs);
		break;
	case CAEC_HOST_CALL_DOORBELL_RING:
		entry->gprs[0] = csm_doorbell_ring_all(r);
		break;
	case CAEC_HOST_CALL_DOORBELL_WAIT:
		entry->gprs[0] = csm_doorbell_wait_any(r);
		break;
	default:
		if (exit->imm >= HOST_CALL_APP_FIRST && exit->imm <= HOST_CALL_APP_LAST && r->run_cfg &&
		    r->run_cfg->app_call)
			r->run_cfg->app_call(r->run_cfg->app_ctx, r, exit->imm, entry->gprs);
		else
			entry->gprs[0] = HOST_CALL_ERROR;
		break;
	}
	return EXIT_RESUME;
}

/* ---- RIPAS_CHANGE ------------------------------------------------------------ */

struct set_ripas_ctx {
	uint64_t rec, top, reached;
};

static uint64_t call_set_ripas(struct vmm_realm *r, uint64_t base, void *ctx)
{
	struct set_ripas_ctx *c = ctx;
	struct smc_regs res = RMI(RMI_RTT_SET_RIPAS, r->rd, c->rec, base, c->top);

	c->reached = res.x[1];
	return res.x[0];
}

static int change_ripas(struct vmm_vcpu *v, uint64_t base, uint64_t top, uint64_t value,
			struct vmm_error *err)
{
	struct vmm_realm *r = v->realm;
	struct set_ripas_ctx c = { .rec = v->rec, .top = top };
	uint64_t ipa;
	int rc = 0;

	for (ipa = base; rc == 0 && ipa < top; ipa = c.reached) {
		rc = realm_with_rtts(r, ipa, call_set_ripas, &c, "RMI_RTT_SET_RIPAS", err);
		if (rc == 0 && (c.reached <= ipa || c.reached > top)) {
			vmm_err(err, "RMI_RTT_SET_RIPAS: monitor reported top 0x%llx", (unsigned long long)c.reached);
			rc = -EPROTO;
		}
	}
	/* EMPTY memory is the host's again; RAM must be backed before it is used. */
	for (ipa = base; rc == 0 && ipa < top; ipa += GRANULE) {
		bool backed = vmm_realm_data_pa(r, ipa) != 0;

		if (value == RIPAS_EMPTY && backed)
			rc = realm_data_destroy(r, ipa, err);
		else if (value == RIPAS_RAM && !backed)
			rc = realm_data_create_unknown(r, ipa, err);
	}
	return rc;
}

static enum exit_action handle_ripas_change(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
					    struct rmi_rec_entry *entry)
{
	struct vmm_realm *r = v->realm;
	uint64_t base = exit->ripas_base, top = exit->ripas_top, value = exit->ripas_value;
	struct vmm_error err = { "" };
	int rc = 0;

	/* Only the realm's own range can change: elsewhere there is no memory
	 * to give, so the request is rejected (the realm sees REJECT). */
	if (base >= top || base % GRANULE || top % GRANULE || !realm_ipa_in_ram_range(r, base) ||
	    top > r->layout.top || (value != RIPAS_EMPTY && value != RIPAS_RAM)) {
		entry->flags = RMI_REC_ENTRY_RIPAS_RESPONSE;
		return EXIT_RESUME;
	}
	pthread_mutex_lock(&r->mm_lock);
	rc = change_ripas(v, base, top, value, &err);
	pthread_mutex_unlock(&r->mm_lock);
	if (rc) {
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: RIPAS change [0x%llx, 0x%llx) failed: %s",
			   v->index, (unsigned long long)base, (unsigned long long)top, err.msg);
		return EXIT_STOP;
	}
	pthread_mutex_lock(&r->run_lock);
	r->result->ripas_changes++;
	pthread_mutex_unlock(&r->run_lock);
	return EXIT_RESUME;
}

/* ---- PSCI -------------------------------------------------------------------- */

static struct vmm_vcpu *vcpu_by_mpidr(struct vmm_realm *r, uint64_t mpidr)
{
	for (unsigned i = 0; i < r->nvcpus; i++)
		if (r->vcpus[i].mpidr == mpidr && r->vcpus[i].is_rec)
			return &r->vcpus[i];
	return NULL;
}

static enum exit_action psci_complete(struct vmm_vcpu *v, uint64_t fid, uint64_t target_mpidr)
{
	struct vmm_realm *r = v->realm;
	struct vmm_vcpu *t = vcpu_by_mpidr(r, target_mpidr);
	uint64_t x0;
	int rc = 0;

	if (!t) {
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: PSCI call about MPIDR 0x%llx, which has no REC",
			   v->index, (unsigned long long)target_mpidr);
		return EXIT_STOP;
	}
	x0 = RMI(RMI_PSCI_COMPLETE, v->rec, t->rec, (uint64_t)PSCI_SUCCESS).x[0];
	if (x0 != RMI_SUCCESS) {
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: RMI_PSCI_COMPLETE -> %s(%u)", v->index,
			   rmi_status_name(x0), RMI_STATUS_INDEX(x0));
		return EXIT_STOP;
	}
	if (fid == PSCI_CPU_ON || fid == PSCI_CPU_ON_32) {
		pthread_mutex_lock(&r->run_lock);
		rc = realm_vcpu_start_locked(r, t);
		pthread_mutex_unlock(&r->run_lock);
	}
	if (rc) {
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: no host thread for vCPU %u", v->index, t->index);
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}

static enum exit_action handle_psci(struct vmm_vcpu *v, const struct rmi_rec_exit *exit)
{
	struct vmm_realm *r = v->realm;
	uint64_t fid = exit->gprs[0];

	switch (fid) {
	case PSCI_CPU_ON:
	case PSCI_CPU_ON_32:
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO_32:
		return psci_complete(v, fid, exit->gprs[1]);
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND_32:
		sched_yield(); /* nothing to wait for: no interrupts are emulated */
		return EXIT_RESUME;
	case PSCI_CPU_OFF:
		return EXIT_VCPU_OFF;
	case PSCI_SYSTEM_OFF:
		realm_stop(r, VMM_STOP_SYSTEM_OFF, "vCPU %u: PSCI SYSTEM_OFF", v->index);
		return EXIT_STOP;
	case PSCI_SYSTEM_RESET:
		realm_stop(r, VMM_STOP_SYSTEM_RESET, "vCPU %u: PSCI SYSTEM_RESET", v->index);
		return EXIT_STOP;
	default:
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: PSCI exit for function 0x%llx, which the VMM does not know",
			   v->index, (unsigned long long)fid);
		return EXIT_STOP;
	}
}

enum exit_action realm_handle_exit(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
				   struct rmi_rec_entry *entry)
{
	struct vmm_realm *r = v->realm;

	count_exit(r, exit->exit_reason);
	switch (exit->exit_reason) {
	case RMI_EXIT_SYNC:
		return handle_sync(v, exit);
	case RMI_EXIT_HOST_CALL:
		return handle_host_call(v, exit, entry);
	case RMI_EXIT_RIPAS_CHANGE:
		return handle_ripas_change(v, exit, entry);
	case RMI_EXIT_PSCI:
		return handle_psci(v, exit);
	case RMI_EXIT_CSM_REQUEST:
		return realm_handle_csm(v, exit, entry);
	case RMI_EXIT_IRQ:
	case RMI_EXIT_FIQ:
		return EXIT_RESUME;
	case RMI_EXIT_SERROR:
		realm_stop(r, VMM_STOP_CRASHED, "vCPU %u: SError (the realm's CPU died, ESR 0x%llx)",
			   v->index, (unsigned long long)exit->esr);
		return EXIT_STOP;
	default:
		realm_stop(r, VMM_STOP_HOST_ERROR, "vCPU %u: unknown exit reason %llu", v->index,
			   (unsigned long long)exit->exit_reason);
		return EXIT_STOP;
	}
}
