/* Placeholder until this command lands: an explicit error, never a fake result. */
#include "cli.h"

int cmd_realm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "caec realm (issue 4): not implemented yet\n");
	return CLI_FAIL;
}
