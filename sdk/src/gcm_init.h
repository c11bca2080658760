/* AES-256-GCM with the fastest BearSSL code this CPU runs (AES-NI and
 * PCLMULQDQ where present, constant-time portable code otherwise); shared by
 * the sealed channels and the model opener (sdk internal). */
#ifndef CAEC_SDK_GCM_INIT_H
#define CAEC_SDK_GCM_INIT_H

#include <bearssl.h>

static inline void sdk_gcm_init(br_gcm_context *g, br_aes_gen_ctr_keys *keys, const void *key, size_t len)
{
	const br_block_ctr_class *aes = br_aes_x86ni_ctr_get_vtable();
	br_ghash gh = br_ghash_pclmul_get();

	if (!aes)
		aes = &br_aes_ct64_ctr_vtable;
	if (!gh)
		gh = br_ghash_ctmul64;
	aes->init(&keys->vtable, key, len);
	br_gcm_init(g, &keys->vtable, gh);
}

#endif
