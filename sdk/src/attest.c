/* Token retrieval (see attest.h). */
#include "sdk/attest.h"

#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/rsi.h"

#define GRANULE 4096u

int sdk_attest_token(const uint8_t challenge[RSI_CHALLENGE_SIZE], uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *status)
{
	struct smc_regs r;
	uint64_t ignored;
	uint8_t *granule;
	uint64_t ipa, bound;
	size_t got = 0;
	int rc = 0;

	if (!status)
		status = &ignored;
	*len = 0;
	sdk_memset(&r, 0, sizeof(r));
	r.x[0] = RSI_ATTEST_TOKEN_INIT;
	for (unsigned i = 0; i < RSI_CHALLENGE_SIZE; i++)
		r.x[1 + i / 8] |= (uint64_t)challenge[i] << (8 * (i % 8));
	rsi_call(&r);
	*status = r.x[0];
	if (r.x[0] != RSI_SUCCESS)
		return SDK_ATTEST_REFUSED;
	bound = r.x[1];

	granule = sdk_aligned_alloc(GRANULE, GRANULE);
	if (!granule)
		return SDK_ATTEST_NO_MEMORY;
	ipa = sdk_ipa_of(granule);
	/* Each CONTINUE fills the granule from offset 0; the pieces are copied
	 * out in order. INCOMPLETE means "call again". */
	for (;;) {
		r = sdk_smc(RSI_ATTEST_TOKEN_CONTINUE, ipa, 0, GRANULE, 0, 0, 0);
		*status = r.x[0];
		if (r.x[0] != RSI_SUCCESS && r.x[0] != RSI_INCOMPLETE) {
			rc = SDK_ATTEST_REFUSED;
			break;
		}
		size_t n = r.x[1] <= GRANULE ? (size_t)r.x[1] : GRANULE;
		if (got + n > cap) {
			rc = SDK_ATTEST_TOO_SMALL;
			*len = bound > got + n ? (size_t)bound : got + n;
			break;
		}
		sdk_memcpy(buf + got, granule, n);
		got += n;
		if (r.x[0] == RSI_SUCCESS) {
			*len = got;
			break;
		}
	}
	sdk_free(granule);
	return rc;
}
