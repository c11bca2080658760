/* RSI wrappers (see rsi.h). */
#include "sdk/rsi.h"

#include "sdk/mem.h"

struct smc_regs sdk_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5, uint64_t a6)
{
	struct smc_regs r;

	sdk_memset(&r, 0, sizeof(r));
	r.x[0] = fid;
	r.x[1] = a1;
	r.x[2] = a2;
	r.x[3] = a3;
	r.x[4] = a4;
	r.x[5] = a5;
	r.x[6] = a6;
	rsi_call(&r);
	return r;
}

uint64_t rsi_version(uint64_t requested, uint64_t *lowest, uint64_t *highest)
{
	struct smc_regs r = sdk_smc(RSI_VERSION, requested, 0, 0, 0, 0, 0);

	if (lowest)
		*lowest = r.x[1];
	if (highest)
		*highest = r.x[2];
	return r.x[0];
}

uint64_t rsi_features(uint64_t index, uint64_t *value)
{
	struct smc_regs r = sdk_smc(RSI_FEATURES, index, 0, 0, 0, 0, 0);

	if (value)
		*value = r.x[1];
	return r.x[0];
}

uint64_t rsi_measurement_read(unsigned index, uint8_t out[RSI_MEASUREMENT_SIZE])
{
	struct smc_regs r = sdk_smc(RSI_MEASUREMENT_READ, index, 0, 0, 0, 0, 0);

	if (r.x[0] != RSI_SUCCESS)
		return r.x[0];
	/* X1..X8, each register little-endian. */
	for (unsigned i = 0; i < RSI_MEASUREMENT_SIZE; i++)
		out[i] = (uint8_t)(r.x[1 + i / 8] >> (8 * (i % 8)));
	return RSI_SUCCESS;
}

uint64_t rsi_measurement_extend(unsigned index, const void *value, size_t size)
{
	const uint8_t *v = value;
	struct smc_regs r;

	if (size > RSI_MEASUREMENT_SIZE)
		return RSI_ERROR_INPUT;
	sdk_memset(&r, 0, sizeof(r));
	r.x[0] = RSI_MEASUREMENT_EXTEND;
	r.x[1] = index;
	r.x[2] = size;
	for (size_t i = 0; i < size; i++)
		r.x[3 + i / 8] |= (uint64_t)v[i] << (8 * (i % 8));
	rsi_call(&r);
	return r.x[0];
}

uint64_t rsi_realm_config(struct rsi_realm_config *cfg)
{
	uint64_t ipa = sdk_ipa_of(cfg);

	if (ipa == SDK_NO_IPA)
		return RSI_ERROR_INPUT;
	return sdk_smc(RSI_REALM_CONFIG, ipa, 0, 0, 0, 0, 0).x[0];
}

uint64_t rsi_ipa_state_set(uint64_t base, uint64_t top, unsigned ripas, uint64_t flags,
			   uint64_t *new_base, uint64_t *response)
{
	struct smc_regs r = sdk_smc(RSI_IPA_STATE_SET, base, top, ripas, flags, 0, 0);

	if (new_base)
		*new_base = r.x[1];
	if (response)
		*response = r.x[2];
	return r.x[0];
}

uint64_t rsi_ipa_state_get(uint64_t base, uint64_t end, uint64_t *top, unsigned *ripas)
{
	struct smc_regs r = sdk_smc(RSI_IPA_STATE_GET, base, end, 0, 0, 0, 0);

	if (top)
		*top = r.x[1];
	if (ripas)
		*ripas = (unsigned)r.x[2];
	return r.x[0];
}

uint64_t rsi_host_call(struct rsi_host_call *call)
{
	uint64_t ipa = sdk_ipa_of(call);

	if (ipa == SDK_NO_IPA)
		return RSI_ERROR_INPUT;
	return sdk_smc(RSI_HOST_CALL, ipa, 0, 0, 0, 0, 0).x[0];
}
