/*
 * Region identifiers (csm.h): csm_id = E_k(counter), E a four-round Feistel
 * network over 64 bits whose round function is SHA-256 of the key, the round
 * number and the right half. Any Feistel network is a permutation, so IDs
 * never repeat while the counter does not wrap (2^64 regions); the key makes
 * the next ID unguessable from the previous ones. The ID is not a secret
 * (tokens carry it); unpredictability only keeps a realm from naming a region
 * before it has been told of it.
 */
#include <stdatomic.h>

#include "csm.h"
#include "plat/plat.h"

#define CSM_ID_KEY_SIZE 32
#define CSM_ID_ROUNDS   4

static uint8_t id_key[CSM_ID_KEY_SIZE];
static _Atomic uint64_t id_counter;

bool csm_ids_reset(void)
{
	atomic_store_explicit(&id_counter, 0, memory_order_relaxed);
	return plat_entropy(id_key, sizeof(id_key));
}

static uint32_t round_fn(unsigned round, uint32_t half)
{
	uint8_t in[CSM_ID_KEY_SIZE + 5], out[PLAT_HASH_MAX_SIZE];

	__builtin_memcpy(in, id_key, CSM_ID_KEY_SIZE);
	in[CSM_ID_KEY_SIZE] = (uint8_t)round;
	for (unsigned i = 0; i < 4; i++)
		in[CSM_ID_KEY_SIZE + 1 + i] = (uint8_t)(half >> (8 * i));
	if (!plat_hash(PLAT_HASH_SHA256, in, sizeof(in), out))
		plat_panic("csm_id: the platform cannot hash");
	return (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 | (uint32_t)out[3] << 24;
}

static uint64_t permute(uint64_t v)
{
	uint32_t left = (uint32_t)(v >> 32), right = (uint32_t)v;

	for (unsigned r = 0; r < CSM_ID_ROUNDS; r++) {
		uint32_t next = left ^ round_fn(r, right);
		left = right;
		right = next;
	}
	return (uint64_t)left << 32 | right;
}

uint64_t csm_id_next(void)
{
	for (;;) {
		uint64_t id = permute(atomic_fetch_add_explicit(&id_counter, 1, memory_order_relaxed));
		if (id > 1) /* 0: "no region" in the monitor's records; 1: a registry tombstone */
			return id;
	}
}
