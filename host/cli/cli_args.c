/*
 * Argument handling shared by the subcommands: help detection, dispatch to a
 * sub-subcommand, the option parser, numbers and sizes, input and output
 * files, and the one-line error messages (remembered for --json output).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "host/measure.h"
#include "verify/names.h"

/* ---- messages ---- */

static char last_error[512];

const char *cli_last_error(void)
{
	return last_error;
}

static void vset_error(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
}

void cli_set_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_error(fmt, ap);
	va_end(ap);
}

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	vset_error(fmt, copy);
	va_end(copy);
	fprintf(stderr, "caec %s: %s\n", cmd, last_error);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

void cli_print_json(json_t *j, bool failed)
{
	if (!j)
		j = json_object();
	if (failed && j)
		json_object_set_new(j, "error", json_string(last_error[0] ? last_error : "failed"));
	if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0)
		fprintf(stderr, "caec: out of memory writing JSON\n");
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
}

/* ---- help and dispatch ---- */

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

/* "help NAME" runs "NAME --help". */
static int run_help_of(const struct cli_subcommand *sub, int argc, char **argv)
{
	char *help_argv[] = { argv[1], (char *)"--help", NULL };
	(void)argc;
	return sub->run(2, help_argv);
}

int cli_dispatch(const struct cli_command *cmd, int argc, char **argv)
{
	const char *names[16];
	size_t n = cmd->num_subcommands < 16 ? cmd->num_subcommands : 16;

	if (argc < 2) {
		fputs(cmd->usage, stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		fputs(cmd->usage, stdout);
		return CLI_OK;
	}
	bool help = !strcmp(argv[1], "help");
	const char *name = help ? argv[2] : argv[1];
	for (size_t i = 0; i < cmd->num_subcommands; i++) {
		if (strcmp(name, cmd->subcommands[i].name))
			continue;
		return help ? run_help_of(&cmd->subcommands[i], argc - 1, argv + 1)
			    : cmd->subcommands[i].run(argc - 1, argv + 1);
	}
	for (size_t i = 0; i < n; i++)
		names[i] = cmd->subcommands[i].name;
	const char *near = closest_name(name, names, n);
	if (near)
		return cli_usage_error(cmd->name, "unknown %s '%s' (did you mean '%s'?)", cmd->noun, name, near);
	return cli_usage_error(cmd->name, "unknown %s '%s' (try 'caec %s --help')", cmd->noun, name,
			       cmd->name);
}

/* ---- options ---- */

void cli_parser_init(struct cli_parser *p, const char *cmd, const struct cli_option *opts,
		     size_t num_opts, int argc, char **argv)
{
	*p = (struct cli_parser){ .cmd = cmd, .opts = opts, .num_opts = num_opts,
				  .argc = argc, .argv = argv, .next = 1 };
}

static int unknown_option(struct cli_parser *p, const char *arg, size_t len)
{
	char given[64];
	const char *names[64];
	size_t n = 0;

	snprintf(given, sizeof(given), "%.*s", (int)(len < 63 ? len : 63), arg);
	for (size_t i = 0; i < p->num_opts && n < 62; i++) {
		names[n++] = p->opts[i].name;
		names[n++] = p->opts[i].alias;
	}
	const char *near = closest_name(given, names, n);
	if (near)
		cli_usage_error(p->cmd, "unknown option '%s' (did you mean '%s'?)", given, near);
	else
		cli_usage_error(p->cmd, "unknown option '%s' (try 'caec %s --help')", given, p->cmd);
	return CLI_ARG_BAD;
}

int cli_next(struct cli_parser *p)
{
	if (p->next >= p->argc)
		return CLI_ARG_END;
	const char *arg = p->argv[p->next++];

	p->opt = NULL;
	p->value = NULL;
	if (!p->options_done && !strcmp(arg, "--")) {
		p->options_done = true;
		return cli_next(p);
	}
	if (p->options_done || arg[0] != '-' || arg[1] == '\0') {
		p->value = arg;
		return CLI_ARG;
	}
	/* "--name=value": only long options take the attached form. */
	const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	for (size_t i = 0; i < p->num_opts; i++) {
		const struct cli_option *o = &p->opts[i];
		bool is_name = strlen(o->name) == len && !strncmp(arg, o->name, len);
		bool is_alias = !eq && o->alias && !strcmp(arg, o->alias);
		if (!is_name && !is_alias)
			continue;
		p->opt = o->name;
		if (!o->has_value) {
			if (eq) {
				cli_usage_error(p->cmd, "%s takes no value", o->name);
				return CLI_ARG_BAD;
			}
			return (int)i;
		}
		if (eq) {
			p->value = eq + 1;
		} else if (p->next < p->argc) {
			p->value = p->argv[p->next++];
		} else {
			cli_usage_error(p->cmd, "%s needs a value (try 'caec %s --help')", arg, p->cmd);
			return CLI_ARG_BAD;
		}
		return (int)i;
	}
	return unknown_option(p, arg, len);
}

int cli_bad_value(const struct cli_parser *p, const char *expected)
{
	return cli_usage_error(p->cmd, "%s: '%s' is not %s", p->opt, p->value, expected);
}

/* ---- numbers ---- */

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

int cli_parse_size_list(const struct cli_parser *p, uint64_t *out, unsigned max, unsigned *n,
			bool (*ok)(uint64_t size), const char *expected)
{
	char list[512], *save = NULL;

	if (strlen(p->value) >= sizeof(list))
		return cli_bad_value(p, expected);
	snprintf(list, sizeof(list), "%s", p->value);
	*n = 0;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t s;
		if (*n == max || !cli_parse_size(t, &s) || !ok(s))
			return cli_bad_value(p, expected);
		out[(*n)++] = s;
	}
	return *n ? CLI_OK : cli_bad_value(p, expected);
}

/* ---- realm runs ---- */

void cli_console_out(void *ctx, const char *bytes, size_t len)
{
	struct cli_console *c = ctx;

	if (c->echo) {
		fwrite(bytes, 1, len, c->echo);
		fflush(c->echo);
	}
	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
}

json_t *cli_hex_json(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	vmm_hex(b, n, s);
	j = json_string(s);
	free(s);
	return j;
}

void cli_put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

const char *cli_build_file(const char *rel, char *buf, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return rel;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return rel;
	*slash = '\0';
	snprintf(buf, cap, "%s/../%s", self, rel);
	return buf;
}

/* ---- files ---- */

static int file_problem(const char *cmd, const char *what, const char *path, const char *problem)
{
	return cli_usage_error(cmd, "%s %s %s", what, path, problem);
}

int cli_check_input(const char *cmd, const char *what, const char *path)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return CLI_OK;
	if (stat(path, &st) != 0)
		return file_problem(cmd, what, path, errno == ENOENT ? "does not exist" : strerror(errno));
	if (S_ISDIR(st.st_mode))
		return file_problem(cmd, what, path, "is a directory");
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return file_problem(cmd, what, path, "is empty");
	if (access(path, R_OK) != 0)
		return file_problem(cmd, what, path, "cannot be read (permission denied)");
	return CLI_OK;
}

int cli_check_output(const char *cmd, const char *what, const char *path)
{
	struct stat st;
	char dir[PATH_MAX];

	if (!strcmp(path, "-"))
		return CLI_OK;
	if (!*path)
		return cli_usage_error(cmd, "%s needs a file name", what);
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return file_problem(cmd, what, path, "is a directory");
		if (access(path, W_OK) != 0)
			return file_problem(cmd, what, path, "cannot be written (permission denied)");
		return CLI_OK;
	}
	if (path[strlen(path) - 1] == '/')
		return file_problem(cmd, what, path, "is a directory that does not exist");
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_usage_error(cmd, "%s %s: folder %s does not exist", what, path, dir);
	if (access(dir, W_OK) != 0)
		return cli_usage_error(cmd, "%s %s: folder %s cannot be written (permission denied)",
				       what, path, dir);
	return CLI_OK;
}

uint8_t *cli_read_input(const char *cmd, const char *what, const char *path, size_t max,
			size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	const char *shown = is_stdin ? "(standard input)" : path;

	if (cli_check_input(cmd, what, path) != CLI_OK)
		return NULL;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		file_problem(cmd, what, shown, strerror(errno));
		return NULL;
	}
	size_t cap = max + 1, n = 0;
	uint8_t *buf = malloc(cap);
	if (buf)
		n = fread(buf, 1, cap, f);
	if (!buf || ferror(f)) {
		file_problem(cmd, what, shown, buf ? "cannot be read" : "does not fit in memory");
		free(buf);
		buf = NULL;
	} else if (n == 0) {
		file_problem(cmd, what, shown, "is empty");
		free(buf);
		buf = NULL;
	}
	if (!is_stdin)
		fclose(f);
	*len = n;
	return buf;
}
