/*
 * Realm measurements: the RIM (slot 0), built while the host constructs the
 * realm, and the four REMs the realm extends at run time.
 *
 * Each slot is 64 bytes; with SHA-256 only the first 32 are significant and
 * the rest stay zero. Every RIM extension hashes a 0x100-byte descriptor that
 * embeds the previous RIM (RMM 1.0 measurement descriptors):
 *   0x00 type (0 DATA, 1 REC, 2 RIPAS), 0x08 length 0x100, 0x10 RIM[64],
 *   DATA:  0x50 ipa, 0x58 flags, 0x60 H(content) or zero
 *   REC:   0x50 H(RmiRecParams image with only flags, pc, gprs kept)
 *   RIPAS: 0x50 base, 0x58 top
 *   CAEC config (type 0x80, RMI_CAEC_REALM_CONFIG): 0x50 flags
 */
#ifndef RMM_MEASUREMENT_H
#define RMM_MEASUREMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/rmi.h"

#define MEASUREMENT_SLOT_SIZE   64
#define MEASUREMENT_DESC_SIZE   0x100
#define MEASUREMENT_DESC_DATA   0u
#define MEASUREMENT_DESC_REC    1u
#define MEASUREMENT_DESC_RIPAS  2u

/* Digest size of an RMI hash algorithm (RMI_HASH_*), 0 if unsupported. */
size_t measurement_hash_size(unsigned algo);
/* Hashes data into out[64] (zero padded). Panics if the platform fails. */
void measurement_hash(unsigned algo, const void *data, size_t len, uint8_t out[MEASUREMENT_SLOT_SIZE]);

/* RIM initial value from the realm parameters (only the measured fields). */
void measurement_rim_init(unsigned algo, const struct rmi_realm_params *params,
			  uint8_t rim[MEASUREMENT_SLOT_SIZE]);

/* Descriptor builders (exposed so tests can check the layout byte by byte). */
void measurement_data_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			   uint64_t ipa, uint64_t flags, const uint8_t content_hash[MEASUREMENT_SLOT_SIZE]);
void measurement_rec_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			  const uint8_t params_hash[MEASUREMENT_SLOT_SIZE]);
void measurement_ripas_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			    uint64_t base, uint64_t top);
void measurement_caec_config_desc(uint8_t desc[MEASUREMENT_DESC_SIZE],
				  const uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t flags);

/* RIM extensions. content is the 4 KiB granule (monitor memory), or NULL for
 * a DATA granule created without MEASURE_CONTENT. */
void measurement_extend_data(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t ipa,
			     uint64_t flags, const void *content);
void measurement_extend_rec(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE],
			    const struct rmi_rec_params *params);
void measurement_extend_ripas(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t base,
			      uint64_t top);
void measurement_extend_caec_config(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t flags);

/* REM[i] = H(REM[i][0..hash size) || value[0..size)), size <= 64. */
void measurement_extend_rem(unsigned algo, uint8_t rem[MEASUREMENT_SLOT_SIZE], const void *value,
			    size_t size);

#endif
