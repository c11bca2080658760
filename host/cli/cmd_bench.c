/* Placeholder until this command lands: an explicit error, never a fake result. */
#include "cli.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "caec bench (issue 5): not implemented yet\n");
	return CLI_FAIL;
}
