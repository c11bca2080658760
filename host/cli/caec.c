/* caec: entry point, version, help and subcommand dispatch. */
#include <string.h>

#include "cli.h"
#include "verify/names.h"

int cmd_policy(int argc, char **argv); /* caec policy compile|show|check (cmd_policy.c) */
int cmd_model(int argc, char **argv);
int cmd_chat(int argc, char **argv);   /* caec chat (cmd_chat.c) */
int cmd_run(int argc, char **argv);    /* caec run PIPELINE (cmd_run.c) */  /* caec model seal|unseal|info (cmd_model.c) */

#ifndef CAEC_VERSION
#error "the build defines CAEC_VERSION (host/CMakeLists.txt)"
#endif

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
	{ "demo", cmd_demo, "demonstrations: realms sharing confidential memory" },
	{ "policy", cmd_policy, "compile, show and check communication policies" },
	{ "run", cmd_run, "run a pipeline of attested realms (PIPELINE.json)" },
	{ "chat", cmd_chat, "ask a pipeline's attested gateway (caec run --listen)" },
	{ "model", cmd_model, "seal model files for private inference (the owner's tools)" },
};
#define NUM_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: caec <command> [args...]\n"
		     "       caec help <command> | --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < NUM_SUBCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "  %-8s %s\n", "version", "print caec's version");
	fprintf(out, "\n'caec <command> --help' (or 'caec help <command>') describes a command.\n"
		     "Options take '--opt value' or '--opt=value'; '--' ends the options; a file\n"
		     "named '-' is standard input.\n\n" CLI_EXIT_CODES);
}

static const struct subcommand *find(const char *name)
{
	for (size_t i = 0; i < NUM_SUBCOMMANDS; i++)
		if (!strcmp(name, subcommands[i].name))
			return &subcommands[i];
	return NULL;
}

static int unknown(const char *name)
{
	const char *names[NUM_SUBCOMMANDS + 2];
	for (size_t i = 0; i < NUM_SUBCOMMANDS; i++)
		names[i] = subcommands[i].name;
	names[NUM_SUBCOMMANDS] = "version";
	names[NUM_SUBCOMMANDS + 1] = "help";
	const char *near = closest_name(name, names, NUM_SUBCOMMANDS + 2);
	if (near)
		fprintf(stderr, "caec: unknown command '%s' (did you mean '%s'?)\n", name, near);
	else
		fprintf(stderr, "caec: unknown command '%s' (try 'caec --help')\n", name);
	return CLI_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || (!strcmp(cmd, "help") && argc == 2)) {
		usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
		printf("caec %s\n", CAEC_VERSION);
		return CLI_OK;
	}
	if (!strcmp(cmd, "help")) {
		/* "caec help realm run" is "caec realm run --help". */
		const struct subcommand *sub = find(argv[2]);
		if (!sub)
			return unknown(argv[2]);
		char *help_argv[4] = { argv[2], NULL, NULL, NULL };
		int n = 1;
		if (argc > 3)
			help_argv[n++] = argv[3];
		help_argv[n++] = (char *)"--help";
		return sub->run(n, help_argv);
	}
	if (cmd[0] == '-')
		return fprintf(stderr, "caec: unknown option '%s' (try 'caec --help')\n", cmd), CLI_USAGE;
	const struct subcommand *sub = find(cmd);
	return sub ? sub->run(argc - 1, argv + 1) : unknown(cmd);
}
