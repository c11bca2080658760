/*
 * Included first in every realm-side translation unit of the suite.
 *
 * The suite's realm code takes the shared region's IPA for a pointer (its
 * stage-1 map is flat). A realm on hostsim reaches its memory through its IPA
 * window instead, where the pointer to an IPA is the window's base plus the
 * IPA. So every call `val_get_shared_region_base()` becomes
 * acs_realm_shared_region_base(), which translates, while the suite's own
 * definition `val_get_shared_region_base(void)` is renamed to
 * acs_suite_shared_region_base and still computes the IPA: the two spellings
 * differ only in the argument list, which the macro below tells apart.
 */
#ifndef ACS_REALM_SHIM_H
#define ACS_REALM_SHIM_H

#define val_get_shared_region_base(...) ACS_SHARED_REGION_BASE_##__VA_ARGS__
#define ACS_SHARED_REGION_BASE_void acs_suite_shared_region_base(void)
#define ACS_SHARED_REGION_BASE_ acs_realm_shared_region_base()

void *acs_suite_shared_region_base(void);
void *acs_realm_shared_region_base(void);

#endif
