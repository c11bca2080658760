/*
 * A realm program that exits with a status that is not 0 (REALM_EXIT_STATUS),
 * so that tests can tell the realm's own status from caec's.
 */
#include "sdk/console.h"
#include "sdk/realm.h"

#define REALM_EXIT_STATUS 7

int realm_main(void)
{
	sdk_printf("exit-status: returning %d\n", REALM_EXIT_STATUS);
	return REALM_EXIT_STATUS;
}
