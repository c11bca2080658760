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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

int cmd_attest(int argc, char **argv); /* caec attest verify|show */
int cmd_realm(int argc, char **argv);  /* caec realm run|measure */
int cmd_llm(int argc, char **argv);    /* caec llm run */
int cmd_bench(int argc, char **argv);  /* caec bench llm|... */

/* ---- cli_args.c: argument handling shared by the subcommands ---- */

/* True when argv[1..argc) contains -h or --help. */
int cli_wants_help(int argc, char **argv);

struct cli_subcommand {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
};

/* A command whose first argument names one of its subcommands. */
struct cli_command {
	const char *name;  /* "realm": messages start "caec realm: " */
	const char *usage; /* printed for no argument (stderr) and -h/--help (stdout) */
	const char *noun;  /* "subcommand", "benchmark": what argv[1] names */
	const char *hint;  /* after the unknown-name message: "(try 'caec realm --help')" */
	const struct cli_subcommand *subcommands;
	size_t num_subcommands;
};

/* Runs the subcommand argv[1] names; usage or an unknown name is CLI_USAGE. */
int cli_dispatch(const struct cli_command *cmd, int argc, char **argv);

/* Prints "caec <cmd>: <message>" on stderr and returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Unsigned numbers as strtoull reads them in base 0 (decimal, 0x hex, 0
 * octal), nothing after them, no minus sign: the value if it is at most max.
 */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* The same, any size, with an optional K, M or G suffix (powers of 1024). */
bool cli_parse_size(const char *s, uint64_t *out);

#endif
