/*
 * One handler per RMI command. x[1..6] are the caller's X1..X6; a handler
 * returns X0 (status | index << 8) and writes outputs to res->x[1..4], which
 * start out zero. Each handler validates in the specification's failure
 * order, then locks, then acts; the act step cannot fail on bad input.
 */
#ifndef RMM_RMI_HANDLERS_H
#define RMM_RMI_HANDLERS_H

#include <stdint.h>

#include "rmi_status.h"

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

#endif
