/* Pointer <-> IPA for realm memory, over the arch layer's translation. */
#include "caec/arch.h"
#include "sdk/rsi.h"

uint64_t sdk_ipa_of(const void *p)
{
	uint64_t ipa = caec_arch_ptr_to_ipa(p);

	/* Outside the realm's IPA space the arch maps nothing back. */
	return caec_arch_ipa_to_ptr(ipa) == p ? ipa : SDK_NO_IPA;
}

void *sdk_ptr_of(uint64_t ipa)
{
	return caec_arch_ipa_to_ptr(ipa);
}
