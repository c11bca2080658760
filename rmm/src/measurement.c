/*
 * Measurement descriptors and hashing. Hashes come from the platform
 * (plat_hash); a platform that cannot hash cannot run realms, so a failure
 * there is fatal rather than an error the host could provoke.
 */
#include "abi/caec.h"
#include "measurement.h"

#include "plat/plat.h"

static enum plat_hash_alg plat_alg(unsigned algo)
{
	return algo == RMI_HASH_SHA_512 ? PLAT_HASH_SHA512 : PLAT_HASH_SHA256;
}

size_t measurement_hash_size(unsigned algo)
{
	switch (algo) {
	case RMI_HASH_SHA_256:
		return 32;
	case RMI_HASH_SHA_512:
		return 64;
	default:
		return 0;
	}
}

void measurement_hash(unsigned algo, const void *data, size_t len, uint8_t out[MEASUREMENT_SLOT_SIZE])
{
	__builtin_memset(out, 0, MEASUREMENT_SLOT_SIZE);
	if (measurement_hash_size(algo) == 0 || !plat_hash(plat_alg(algo), data, len, out))
		plat_panic("measurement: platform hash failed");
}

static void put_u64(uint8_t *dst, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		dst[i] = (uint8_t)(v >> (8 * i)); /* the structures are little endian */
}

void measurement_rim_init(unsigned algo, const struct rmi_realm_params *params,
			  uint8_t rim[MEASUREMENT_SLOT_SIZE])
{
	struct rmi_realm_params image; /* the struct has no implicit padding */

	__builtin_memset(&image, 0, sizeof(image));
	image.flags = params->flags;
	image.s2sz = params->s2sz;
	image.sve_vl = params->sve_vl;
	image.num_bps = params->num_bps;
	image.num_wps = params->num_wps;
	image.pmu_num_ctrs = params->pmu_num_ctrs;
	image.hash_algo = params->hash_algo;
	measurement_hash(algo, &image, sizeof(image), rim);
}

static void desc_header(uint8_t desc[MEASUREMENT_DESC_SIZE], unsigned type,
			const uint8_t rim[MEASUREMENT_SLOT_SIZE])
{
	__builtin_memset(desc, 0, MEASUREMENT_DESC_SIZE);
	put_u64(desc + 0x00, type);
	put_u64(desc + 0x08, MEASUREMENT_DESC_SIZE);
	__builtin_memcpy(desc + 0x10, rim, MEASUREMENT_SLOT_SIZE);
}

void measurement_data_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			   uint64_t ipa, uint64_t flags, const uint8_t content_hash[MEASUREMENT_SLOT_SIZE])
{
	desc_header(desc, MEASUREMENT_DESC_DATA, rim);
	put_u64(desc + 0x50, ipa);
	put_u64(desc + 0x58, flags);
	if (content_hash)
		__builtin_memcpy(desc + 0x60, content_hash, MEASUREMENT_SLOT_SIZE);
}

void measurement_rec_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			  const uint8_t params_hash[MEASUREMENT_SLOT_SIZE])
{
	desc_header(desc, MEASUREMENT_DESC_REC, rim);
	__builtin_memcpy(desc + 0x50, params_hash, MEASUREMENT_SLOT_SIZE);
}

void measurement_ripas_desc(uint8_t desc[MEASUREMENT_DESC_SIZE], const uint8_t rim[MEASUREMENT_SLOT_SIZE],
			    uint64_t base, uint64_t top)
{
	desc_header(desc, MEASUREMENT_DESC_RIPAS, rim);
	put_u64(desc + 0x50, base);
	put_u64(desc + 0x58, top);
}

void measurement_caec_config_desc(uint8_t desc[MEASUREMENT_DESC_SIZE],
				  const uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t flags)
{
	desc_header(desc, (unsigned)CAEC_MEASURE_CONFIG_TYPE, rim);
	put_u64(desc + CAEC_MEASURE_CONFIG_FLAGS, flags);
}

void measurement_extend_data(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t ipa,
			     uint64_t flags, const void *content)
{
	uint8_t content_hash[MEASUREMENT_SLOT_SIZE];
	uint8_t desc[MEASUREMENT_DESC_SIZE];

	if (content)
		measurement_hash(algo, content, RMI_GRANULE_SIZE, content_hash);
	measurement_data_desc(desc, rim, ipa, flags, content ? content_hash : NULL);
	measurement_hash(algo, desc, sizeof(desc), rim);
}

void measurement_extend_rec(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE],
			    const struct rmi_rec_params *params)
{
	struct rmi_rec_params image; /* the struct has no implicit padding */
	uint8_t params_hash[MEASUREMENT_SLOT_SIZE];
	uint8_t desc[MEASUREMENT_DESC_SIZE];

	__builtin_memset(&image, 0, sizeof(image));
	image.flags = params->flags;
	image.pc = params->pc;
	__builtin_memcpy(image.gprs, params->gprs, sizeof(image.gprs));
	measurement_hash(algo, &image, sizeof(image), params_hash);
	measurement_rec_desc(desc, rim, params_hash);
	measurement_hash(algo, desc, sizeof(desc), rim);
}

void measurement_extend_ripas(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t base,
			      uint64_t top)
{
	uint8_t desc[MEASUREMENT_DESC_SIZE];

	measurement_ripas_desc(desc, rim, base, top);
	measurement_hash(algo, desc, sizeof(desc), rim);
}

void measurement_extend_caec_config(unsigned algo, uint8_t rim[MEASUREMENT_SLOT_SIZE], uint64_t flags)
{
	uint8_t desc[MEASUREMENT_DESC_SIZE];

	measurement_caec_config_desc(desc, rim, flags);
	measurement_hash(algo, desc, sizeof(desc), rim);
}

void measurement_extend_rem(unsigned algo, uint8_t rem[MEASUREMENT_SLOT_SIZE], const void *value,
			    size_t size)
{
	uint8_t buf[2 * MEASUREMENT_SLOT_SIZE];
	size_t hash_size = measurement_hash_size(algo);

	if (size > MEASUREMENT_SLOT_SIZE)
		plat_panic("measurement_extend_rem: value too large");
	__builtin_memcpy(buf, rem, hash_size);
	__builtin_memcpy(buf + hash_size, value, size);
	measurement_hash(algo, buf, hash_size + size, rem);
}
