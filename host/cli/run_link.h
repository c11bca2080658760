/*
 * caec run --listen: the host's end of the gateway link (abi/caec_link.h).
 * It listens on a TCP address, relays each accepted connection's bytes to
 * and from the gateway realm through the link area, one connection after
 * another, and knows nothing of what they mean (TLS, for the gateway).
 */
#ifndef CAEC_CLI_RUN_LINK_H
#define CAEC_CLI_RUN_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "host/vmm.h"

struct run_link;

/* Parses "ADDR:PORT" (an IPv4 address; port 0 picks a free one), binds and
 * listens, and lays the link area out in NS memory. 0, or -1 with why. */
int run_link_open(struct run_link **out, struct vmm *vmm, const char *addr, char *why, size_t cap);
/* The port it listens on. */
uint16_t run_link_port(const struct run_link *l);
/* Maps the link into the gateway realm r (once): its unprotected IPA. 0, or
 * -1 when it was mapped before or the mapping failed. */
int run_link_map(struct run_link *l, struct vmm_realm *r, uint64_t *ipa, uint64_t *pages);
/* Starts relaying (a thread of its own); connections are logged to log. */
int run_link_start(struct run_link *l, FILE *log);
/* Stops relaying and closes the sockets; the NS area stays until
 * run_link_free, which must come after the gateway realm was destroyed. */
void run_link_stop(struct run_link *l);
void run_link_free(struct run_link *l);

#endif
