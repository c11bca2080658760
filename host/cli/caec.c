/* caec: entry point and subcommand dispatch. */
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "attest", cmd_attest, "verify and inspect CCA attestation tokens" },
	{ "realm", cmd_realm, "build, measure and run realms on the hostsim machine" },
	{ "llm", cmd_llm, "run the llama-family inference engine" },
	{ "bench", cmd_bench, "benchmarks (print figures and JSON)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: caec <command> [args...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'caec <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "caec: unknown command '%s' (try 'caec --help')\n", argv[1]);
	return CLI_USAGE;
}
