/*
 * The argument registers of each RMI command, decoded once into named
 * fields (X1 first, in the specification's order), so a handler reads
 * `a.ipa` where the specification says "ipa" rather than x[3]. `level` is
 * left as the raw 64-bit register: each handler checks its range
 * (rtt_level_arg) before narrowing it. rmi.c passes a command no register
 * beyond those listed here (the count in its table must match).
 */
#ifndef RMM_RMI_ARGS_H
#define RMM_RMI_ARGS_H

#include <stdint.h>

/* RMI_VERSION(requested) */
struct rmi_version_args {
	uint64_t requested;
};
#define RMI_VERSION_NUM_ARGS 1
static inline struct rmi_version_args rmi_version_args(const uint64_t *x)
{
	return (struct rmi_version_args){
		.requested = x[1],
	};
}

/* RMI_FEATURES(index) */
struct rmi_features_args {
	uint64_t index;
};
#define RMI_FEATURES_NUM_ARGS 1
static inline struct rmi_features_args rmi_features_args(const uint64_t *x)
{
	return (struct rmi_features_args){
		.index = x[1],
	};
}

/* RMI_GRANULE_DELEGATE(addr) */
struct rmi_granule_delegate_args {
	uint64_t addr;
};
#define RMI_GRANULE_DELEGATE_NUM_ARGS 1
static inline struct rmi_granule_delegate_args rmi_granule_delegate_args(const uint64_t *x)
{
	return (struct rmi_granule_delegate_args){
		.addr = x[1],
	};
}

/* RMI_GRANULE_UNDELEGATE(addr) */
struct rmi_granule_undelegate_args {
	uint64_t addr;
};
#define RMI_GRANULE_UNDELEGATE_NUM_ARGS 1
static inline struct rmi_granule_undelegate_args rmi_granule_undelegate_args(const uint64_t *x)
{
	return (struct rmi_granule_undelegate_args){
		.addr = x[1],
	};
}

/* RMI_DATA_CREATE(rd_pa, data_pa, ipa, src_pa, flags) */
struct rmi_data_create_args {
	uint64_t rd_pa, data_pa, ipa, src_pa, flags;
};
#define RMI_DATA_CREATE_NUM_ARGS 5
static inline struct rmi_data_create_args rmi_data_create_args(const uint64_t *x)
{
	return (struct rmi_data_create_args){
		.rd_pa = x[1],
		.data_pa = x[2],
		.ipa = x[3],
		.src_pa = x[4],
		.flags = x[5],
	};
}

/* RMI_DATA_CREATE_UNKNOWN(rd_pa, data_pa, ipa) */
struct rmi_data_create_unknown_args {
	uint64_t rd_pa, data_pa, ipa;
};
#define RMI_DATA_CREATE_UNKNOWN_NUM_ARGS 3
static inline struct rmi_data_create_unknown_args rmi_data_create_unknown_args(const uint64_t *x)
{
	return (struct rmi_data_create_unknown_args){
		.rd_pa = x[1],
		.data_pa = x[2],
		.ipa = x[3],
	};
}

/* RMI_DATA_DESTROY(rd_pa, ipa) */
struct rmi_data_destroy_args {
	uint64_t rd_pa, ipa;
};
#define RMI_DATA_DESTROY_NUM_ARGS 2
static inline struct rmi_data_destroy_args rmi_data_destroy_args(const uint64_t *x)
{
	return (struct rmi_data_destroy_args){
		.rd_pa = x[1],
		.ipa = x[2],
	};
}

/* RMI_REALM_ACTIVATE(rd_pa) */
struct rmi_realm_activate_args {
	uint64_t rd_pa;
};
#define RMI_REALM_ACTIVATE_NUM_ARGS 1
static inline struct rmi_realm_activate_args rmi_realm_activate_args(const uint64_t *x)
{
	return (struct rmi_realm_activate_args){
		.rd_pa = x[1],
	};
}

/* RMI_REALM_CREATE(rd_pa, params_pa) */
struct rmi_realm_create_args {
	uint64_t rd_pa, params_pa;
};
#define RMI_REALM_CREATE_NUM_ARGS 2
static inline struct rmi_realm_create_args rmi_realm_create_args(const uint64_t *x)
{
	return (struct rmi_realm_create_args){
		.rd_pa = x[1],
		.params_pa = x[2],
	};
}

/* RMI_REALM_DESTROY(rd_pa) */
struct rmi_realm_destroy_args {
	uint64_t rd_pa;
};
#define RMI_REALM_DESTROY_NUM_ARGS 1
static inline struct rmi_realm_destroy_args rmi_realm_destroy_args(const uint64_t *x)
{
	return (struct rmi_realm_destroy_args){
		.rd_pa = x[1],
	};
}

/* RMI_REC_CREATE(rd_pa, rec_pa, params_pa) */
struct rmi_rec_create_args {
	uint64_t rd_pa, rec_pa, params_pa;
};
#define RMI_REC_CREATE_NUM_ARGS 3
static inline struct rmi_rec_create_args rmi_rec_create_args(const uint64_t *x)
{
	return (struct rmi_rec_create_args){
		.rd_pa = x[1],
		.rec_pa = x[2],
		.params_pa = x[3],
	};
}

/* RMI_REC_DESTROY(rec_pa) */
struct rmi_rec_destroy_args {
	uint64_t rec_pa;
};
#define RMI_REC_DESTROY_NUM_ARGS 1
static inline struct rmi_rec_destroy_args rmi_rec_destroy_args(const uint64_t *x)
{
	return (struct rmi_rec_destroy_args){
		.rec_pa = x[1],
	};
}

/* RMI_REC_ENTER(rec_pa, run_pa) */
struct rmi_rec_enter_args {
	uint64_t rec_pa, run_pa;
};
#define RMI_REC_ENTER_NUM_ARGS 2
static inline struct rmi_rec_enter_args rmi_rec_enter_args(const uint64_t *x)
{
	return (struct rmi_rec_enter_args){
		.rec_pa = x[1],
		.run_pa = x[2],
	};
}

/* RMI_RTT_CREATE(rd_pa, rtt_pa, ipa, level) */
struct rmi_rtt_create_args {
	uint64_t rd_pa, rtt_pa, ipa, level;
};
#define RMI_RTT_CREATE_NUM_ARGS 4
static inline struct rmi_rtt_create_args rmi_rtt_create_args(const uint64_t *x)
{
	return (struct rmi_rtt_create_args){
		.rd_pa = x[1],
		.rtt_pa = x[2],
		.ipa = x[3],
		.level = x[4],
	};
}

/* RMI_RTT_DESTROY, RMI_RTT_FOLD, RMI_RTT_UNMAP_UNPROTECTED and
 * RMI_RTT_READ_ENTRY all name one RTT entry: (rd_pa, ipa, level). */
struct rmi_rtt_entry_args {
	uint64_t rd_pa, ipa, level;
};
#define RMI_RTT_DESTROY_NUM_ARGS 3
#define RMI_RTT_FOLD_NUM_ARGS 3
#define RMI_RTT_UNMAP_UNPROTECTED_NUM_ARGS 3
#define RMI_RTT_READ_ENTRY_NUM_ARGS 3
static inline struct rmi_rtt_entry_args rmi_rtt_entry_args(const uint64_t *x)
{
	return (struct rmi_rtt_entry_args){
		.rd_pa = x[1],
		.ipa = x[2],
		.level = x[3],
	};
}

/* RMI_RTT_MAP_UNPROTECTED(rd_pa, ipa, level, desc) */
struct rmi_rtt_map_unprotected_args {
	uint64_t rd_pa, ipa, level, desc;
};
#define RMI_RTT_MAP_UNPROTECTED_NUM_ARGS 4
static inline struct rmi_rtt_map_unprotected_args rmi_rtt_map_unprotected_args(const uint64_t *x)
{
	return (struct rmi_rtt_map_unprotected_args){
		.rd_pa = x[1],
		.ipa = x[2],
		.level = x[3],
		.desc = x[4],
	};
}

/* RMI_PSCI_COMPLETE(calling_rec_pa, target_rec_pa, status) */
struct rmi_psci_complete_args {
	uint64_t calling_rec_pa, target_rec_pa, status;
};
#define RMI_PSCI_COMPLETE_NUM_ARGS 3
static inline struct rmi_psci_complete_args rmi_psci_complete_args(const uint64_t *x)
{
	return (struct rmi_psci_complete_args){
		.calling_rec_pa = x[1],
		.target_rec_pa = x[2],
		.status = x[3],
	};
}

/* RMI_REC_AUX_COUNT(rd_pa) */
struct rmi_rec_aux_count_args {
	uint64_t rd_pa;
};
#define RMI_REC_AUX_COUNT_NUM_ARGS 1
static inline struct rmi_rec_aux_count_args rmi_rec_aux_count_args(const uint64_t *x)
{
	return (struct rmi_rec_aux_count_args){
		.rd_pa = x[1],
	};
}

/* RMI_RTT_INIT_RIPAS(rd_pa, base, top) */
struct rmi_rtt_init_ripas_args {
	uint64_t rd_pa, base, top;
};
#define RMI_RTT_INIT_RIPAS_NUM_ARGS 3
static inline struct rmi_rtt_init_ripas_args rmi_rtt_init_ripas_args(const uint64_t *x)
{
	return (struct rmi_rtt_init_ripas_args){
		.rd_pa = x[1],
		.base = x[2],
		.top = x[3],
	};
}

/* RMI_RTT_SET_RIPAS(rd_pa, rec_pa, base, top) */
struct rmi_rtt_set_ripas_args {
	uint64_t rd_pa, rec_pa, base, top;
};
#define RMI_RTT_SET_RIPAS_NUM_ARGS 4
static inline struct rmi_rtt_set_ripas_args rmi_rtt_set_ripas_args(const uint64_t *x)
{
	return (struct rmi_rtt_set_ripas_args){
		.rd_pa = x[1],
		.rec_pa = x[2],
		.base = x[3],
		.top = x[4],
	};
}

/* The shape the shared helpers of realm.c rely on: every realm command
 * names the RD in X1; RTT_CREATE, DATA_CREATE and DATA_CREATE_UNKNOWN name
 * the granule that becomes part of the realm in X2. */
struct rmi_rd_args {
	uint64_t rd_pa, new_pa;
};
static inline struct rmi_rd_args rmi_rd_args(const uint64_t *x)
{
	return (struct rmi_rd_args){
		.rd_pa = x[1],
		.new_pa = x[2],
	};
}

/* ---- The CAEC extension (abi/caec.h) ---- */

/* RMI_CSM_VERSION() */
#define RMI_CSM_VERSION_NUM_ARGS 0

/* RMI_CAEC_REALM_CONFIG(rd_pa, flags) */
struct rmi_caec_realm_config_args {
	uint64_t rd_pa, flags;
};
#define RMI_CAEC_REALM_CONFIG_NUM_ARGS 2
static inline struct rmi_caec_realm_config_args rmi_caec_realm_config_args(const uint64_t *x)
{
	return (struct rmi_caec_realm_config_args){
		.rd_pa = x[1],
		.flags = x[2],
	};
}

/* RMI_CSM_CREATE(rd_pa, rec_pa, csmd_pa, meta_pa, num_granules) */
struct rmi_csm_create_args {
	uint64_t rd_pa, rec_pa, csmd_pa, meta_pa, num_granules;
};
#define RMI_CSM_CREATE_NUM_ARGS 5
static inline struct rmi_csm_create_args rmi_csm_create_args(const uint64_t *x)
{
	return (struct rmi_csm_create_args){
		.rd_pa = x[1],
		.rec_pa = x[2],
		.csmd_pa = x[3],
		.meta_pa = x[4],
		.num_granules = x[5],
	};
}

/* RMI_CSM_DATA_ADD(csmd_pa, data_pa, index), RMI_CSM_LIST_ADD(csmd_pa,
 * list_pa, slot): a DELEGATED granule joins the region at a position. */
struct rmi_csm_add_args {
	uint64_t csmd_pa, new_pa, index;
};
#define RMI_CSM_DATA_ADD_NUM_ARGS 3
#define RMI_CSM_LIST_ADD_NUM_ARGS 3
static inline struct rmi_csm_add_args rmi_csm_add_args(const uint64_t *x)
{
	return (struct rmi_csm_add_args){
		.csmd_pa = x[1],
		.new_pa = x[2],
		.index = x[3],
	};
}

/* RMI_CSM_DATA_REMOVE(csmd_pa, index) */
struct rmi_csm_data_remove_args {
	uint64_t csmd_pa, index;
};
#define RMI_CSM_DATA_REMOVE_NUM_ARGS 2
static inline struct rmi_csm_data_remove_args rmi_csm_data_remove_args(const uint64_t *x)
{
	return (struct rmi_csm_data_remove_args){
		.csmd_pa = x[1],
		.index = x[2],
	};
}

/* RMI_CSM_MAP(rd_pa, rec_pa, csmd_pa, ipa), RMI_CSM_UNMAP(rd_pa, csmd_pa,
 * ipa): decoded in csm_map.c / csm_unmap.c. */
#define RMI_CSM_MAP_NUM_ARGS 4
#define RMI_CSM_UNMAP_NUM_ARGS 3

/* RMI_CSM_DESTROY(csmd_pa) */
struct rmi_csm_destroy_args {
	uint64_t csmd_pa;
};
#define RMI_CSM_DESTROY_NUM_ARGS 1
static inline struct rmi_csm_destroy_args rmi_csm_destroy_args(const uint64_t *x)
{
	return (struct rmi_csm_destroy_args){
		.csmd_pa = x[1],
	};
}

#endif
