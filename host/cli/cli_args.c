/*
 * Argument handling shared by the subcommands: help detection, dispatch to
 * a sub-subcommand, unsigned numbers and sizes, and the one-line usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int cli_dispatch(const struct cli_command *cmd, int argc, char **argv)
{
	if (argc < 2) {
		fputs(cmd->usage, stderr);
		return CLI_USAGE;
	}
	for (size_t i = 0; i < cmd->num_subcommands; i++)
		if (!strcmp(argv[1], cmd->subcommands[i].name))
			return cmd->subcommands[i].run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(cmd->usage, stdout);
		return CLI_OK;
	}
	fprintf(stderr, "caec %s: unknown %s '%s' %s\n", cmd->name, cmd->noun, argv[1], cmd->hint);
	return CLI_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "caec %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

/* strtoull in any base C knows (10, 0x, 0) with an optional K/M/G suffix when allowed. */
static bool parse_number(const char *s, bool suffix_allowed, uint64_t *out)
{
	char *end;
	unsigned shift = 0;

	if (!s)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	if (suffix_allowed && (*end == 'K' || *end == 'k'))
		shift = 10;
	else if (suffix_allowed && (*end == 'M' || *end == 'm'))
		shift = 20;
	else if (suffix_allowed && (*end == 'G' || *end == 'g'))
		shift = 30;
	else if (*end)
		return false;
	if (shift && end[1])
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (!parse_number(s, false, &v) || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
	return parse_number(s, true, out);
}
