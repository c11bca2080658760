/* Placeholder until this command lands: an explicit error, never a fake result. */
#include "cli.h"

int cmd_llm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "caec llm (issue 5): not implemented yet\n");
	return CLI_FAIL;
}
