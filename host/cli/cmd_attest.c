/* Placeholder until this command lands: an explicit error, never a fake result. */
#include "cli.h"

int cmd_attest(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "caec attest (issue 3): not implemented yet\n");
	return CLI_FAIL;
}
