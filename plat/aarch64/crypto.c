/*
 * Entropy and hashes on hardware.
 *
 * Entropy comes from the RNDR instruction (FEAT_RNG) when the CPU has it.
 * The hashes return false: a real port plugs in its crypto here (a
 * freestanding SHA-2 library or the platform's crypto engine). Until it does,
 * the monitor refuses whatever needs a hash (realm creation, measurement),
 * which is the safe failure.
 */
#include "plat/plat.h"

static bool cpu_has_rndr(void)
{
	uint64_t isar0;

	__asm__ volatile("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
	return ((isar0 >> 60) & 0xf) != 0;
}

/* One RNDR read; false when the hardware could not produce a value in time. */
static bool rndr(uint64_t *out)
{
	uint64_t value, ok;

	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\t" /* RNDR */
			 "cset %1, ne"
			 : "=r"(value), "=r"(ok)
			 :
			 : "cc");
	*out = value;
	return ok != 0;
}

bool plat_entropy(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!cpu_has_rndr())
		return false;
	while (len > 0) {
		uint64_t v;
		int tries = 0;
		while (!rndr(&v)) {
			if (++tries == 32)
				return false;
		}
		for (unsigned i = 0; i < 8 && len > 0; i++, len--) {
			*p++ = (uint8_t)v;
			v >>= 8;
		}
	}
	return true;
}

size_t plat_hash_size(enum plat_hash_alg alg)
{
	switch (alg) {
	case PLAT_HASH_SHA256:
		return 32;
	case PLAT_HASH_SHA384:
		return 48;
	case PLAT_HASH_SHA512:
		return 64;
	}
	return 0;
}

bool plat_hash(enum plat_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	(void)alg;
	(void)data;
	(void)len;
	(void)out;
	return false; /* no crypto in this port yet: see the top of the file */
}

bool plat_hash_init(struct plat_hash_ctx *ctx, enum plat_hash_alg alg)
{
	(void)ctx;
	(void)alg;
	return false;
}

bool plat_hash_update(struct plat_hash_ctx *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return false;
}

bool plat_hash_final(struct plat_hash_ctx *ctx, uint8_t *out)
{
	(void)ctx;
	(void)out;
	return false;
}
