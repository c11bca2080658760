/*
 * One handler per RMI command. x[1..6] are the caller's X1..X6, which a
 * handler decodes once into its command's named arguments (rmi_args.h); it
 * returns X0 (status | index << 8) and writes outputs to res->x[1..4], which
 * start out zero. Each handler validates in the specification's failure
 * order, then locks, then acts; the act step cannot fail on bad input.
 */
#ifndef RMM_RMI_HANDLERS_H
#define RMM_RMI_HANDLERS_H

#include <stdint.h>

#include "rmi_args.h"
#include "rmi_status.h"

struct granule;
struct rd;

/* The two ways most realm commands hold their argument granules, so a
 * handler's body only validates and acts (realm.c):
 * - rd_command: the RD named by X1 alone, locked and mapped around `body`;
 * - rd_new_granule_command: the RD (X1) and a DELEGATED granule (X2) that
 *   becomes a new object of the realm, locked as one argument set; the
 *   granule takes `new_state` if `body` returns RMI_OK and stays DELEGATED
 *   (as `body` left it: body scrubs what it wrote) otherwise.
 * Either returns RMI_INPUT_ERROR without calling `body` if a granule is not
 * in the state the command needs. */
typedef uint64_t rd_command_fn(struct rd *rd, const uint64_t *x, struct rmi_result *res);
typedef uint64_t rd_new_granule_fn(struct rd *rd, struct granule *g_new, const uint64_t *x);
uint64_t rd_command(const uint64_t *x, struct rmi_result *res, rd_command_fn *body);
uint64_t rd_new_granule_command(const uint64_t *x, unsigned new_state, rd_new_granule_fn *body);

uint64_t smc_version(const uint64_t *x, struct rmi_result *res);
uint64_t smc_features(const uint64_t *x, struct rmi_result *res);
uint64_t smc_granule_delegate(const uint64_t *x, struct rmi_result *res);
uint64_t smc_granule_undelegate(const uint64_t *x, struct rmi_result *res);
uint64_t smc_data_create(const uint64_t *x, struct rmi_result *res);
uint64_t smc_data_create_unknown(const uint64_t *x, struct rmi_result *res);
uint64_t smc_data_destroy(const uint64_t *x, struct rmi_result *res);
uint64_t smc_realm_activate(const uint64_t *x, struct rmi_result *res);
uint64_t smc_realm_create(const uint64_t *x, struct rmi_result *res);
uint64_t smc_realm_destroy(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rec_create(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rec_destroy(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rec_enter(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_create(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_destroy(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_map_unprotected(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_read_entry(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_unmap_unprotected(const uint64_t *x, struct rmi_result *res);
uint64_t smc_psci_complete(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_fold(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rec_aux_count(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_init_ripas(const uint64_t *x, struct rmi_result *res);
uint64_t smc_rtt_set_ripas(const uint64_t *x, struct rmi_result *res);

/* The CAEC extension (abi/caec.h), in the SiP range. */
uint64_t smc_caec_realm_config(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_version(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_create(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_data_add(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_list_add(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_data_remove(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_destroy(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_map(const uint64_t *x, struct rmi_result *res);
uint64_t smc_csm_unmap(const uint64_t *x, struct rmi_result *res);

#endif
