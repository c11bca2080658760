/*
 * The `caec` command-line tool: one binary, one subcommand per area.
 *
 * Every subcommand handler takes the arguments after its own name (argv[0] is
 * the subcommand name) and returns the process exit status: 0 success,
 * 1 the operation ran and failed (e.g. a token did not verify), 2 usage error.
 * Handlers print one clear line on stderr for every failure and accept --help.
 */
#ifndef CAEC_HOST_CLI_H
#define CAEC_HOST_CLI_H

#include <stdio.h>

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

int cmd_attest(int argc, char **argv); /* caec attest verify|show */
int cmd_realm(int argc, char **argv);  /* caec realm run|measure */
int cmd_llm(int argc, char **argv);    /* caec llm run */
int cmd_bench(int argc, char **argv);  /* caec bench llm|... */

/* True when argv[1..argc) contains -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
