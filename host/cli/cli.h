/*
 * The `caec` command-line tool: one binary, one subcommand per area.
 *
 * Every subcommand handler takes the arguments after its own name (argv[0] is
 * the subcommand name) and returns the process exit status (CLI_EXIT_CODES
 * below, the same for every subcommand). Handlers print one clear line on
 * stderr for every failure, accept --help, and parse their options with
 * cli_next() so that every command follows the same rules: "--opt value" and
 * "--opt=value", short aliases, "--" ends the options, "-" is a file name
 * (standard input or output), and an unknown option is named as such with the
 * closest valid one.
 */
#ifndef CAEC_HOST_CLI_H
#define CAEC_HOST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define CLI_OK          0   /* the operation succeeded */
#define CLI_FAIL        1   /* it ran and failed (a token did not verify, a realm crashed) */
#define CLI_USAGE       2   /* usage error or unusable input (bad option, unreadable file) */
#define CLI_INTERRUPTED 130 /* stopped by SIGINT (128 + the signal, as shells say: SIGTERM 143) */

/* The exit codes as every --help and the README print them. */
#define CLI_EXIT_CODES \
	"Exit status: 0 success; 1 the operation failed; 2 usage error or unusable\n" \
	"input; 130 interrupted by SIGINT (143 by SIGTERM).\n"

int cmd_attest(int argc, char **argv); /* caec attest verify|show */
int attest_group(int argc, char **argv); /* caec attest group (cmd_attest_group.c) */
/* An input file read whole (cli_read_input), refused when larger than max
 * (limit: max in words, for the message); NULL after one line. */
uint8_t *cli_read_bounded(const char *cmd, const char *what, const char *path, size_t max, const char *limit,
			  size_t *len);
/* The folder of path ("." for a bare name or "-"): where relative paths in
 * the file it names are resolved. */
void cli_folder_of(const char *path, char *dir, size_t size);

/* The platform keys a verifying command was given: its --platform-key files
 * and the keys of its --ref file, as one list (cli_verify_keys.c). */
#define CLI_MAX_KEYS 16
struct evp_pkey_st;
struct verify_refvals;
struct cli_verify_keys {
	struct evp_pkey_st *cli_keys[CLI_MAX_KEYS];
	size_t num_cli_keys;
	struct verify_refvals *ref;     /* NULL without --ref */
	struct evp_pkey_st **keys;      /* the CLI's, then the reference file's */
	size_t num_keys;
};
/* CLI_OK, or CLI_USAGE with the message printed; free in either case. */
int cli_verify_keys_load(const char *cmd, const char *const *key_paths, size_t num_paths, const char *ref_path,
			 struct cli_verify_keys *k);
void cli_verify_keys_free(struct cli_verify_keys *k);

/* A policy source file, its "image" realms measured as `caec policy` does
 * (cmd_policy.c); 0, or -1 with the reason in err. */
struct policy_source;
struct policy_err;
int cli_policy_source_load(const char *path, struct policy_source *src, struct policy_err *err);
/* The same from JSON already read from path (relative images from its folder). */
int cli_policy_source_from_json(const json_t *root, const char *path, struct policy_source *src,
				struct policy_err *err);
/* Realm `name`'s image file and the options it is measured (and so must be
 * built) with, from a source read from path. 0, or -1 with err. */
struct vmm_realm_opts;
int cli_policy_realm_image(const json_t *root, const char *path, const char *name, char *image, size_t cap,
			   struct vmm_realm_opts *opts, struct policy_err *err);
int cmd_realm(int argc, char **argv);  /* caec realm run|measure */
int cmd_llm(int argc, char **argv);    /* caec llm run */
int cmd_bench(int argc, char **argv);  /* caec bench llm|... */
int bench_csm(int argc, char **argv);  /* caec bench csm (cmd_bench_csm.c) */
int bench_channel(int argc, char **argv); /* caec bench channel (cmd_bench_channel.c) */
int cmd_demo(int argc, char **argv);   /* caec demo csm */

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
	const struct cli_subcommand *subcommands;
	size_t num_subcommands;
};

/* Runs the subcommand argv[1] names; usage or an unknown name is CLI_USAGE
 * ("did you mean" the closest one). "help NAME" is "NAME --help". */
int cli_dispatch(const struct cli_command *cmd, int argc, char **argv);

/* Prints "caec <cmd>: <message>" on stderr and returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, returning CLI_FAIL: the operation itself failed. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The message of the last cli_usage_error/cli_fail/cli_next error (without
 * the "caec <cmd>: " prefix), "" if none: what a command's --json output
 * puts in its "error" member when it fails.
 */
const char *cli_last_error(void);
/* Records a failure reported some other way, for cli_last_error(). */
void cli_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints j (a --json result) on stdout, indented, and releases it. When the
 * command failed, j gains "error": cli_last_error() first; j NULL prints
 * {"error": ...} alone (a failure before any result existed).
 */
void cli_print_json(json_t *j, bool failed);

/* ---- options ---- */

struct cli_option {
	const char *name;  /* "--mem" */
	const char *alias; /* "-m", or NULL */
	bool has_value;    /* takes a value: "--mem 16M" or "--mem=16M" */
};

/* What cli_next() returns besides an index into the option table. */
#define CLI_ARG     (-1) /* a positional argument, in p->value */
#define CLI_ARG_END (-2) /* no more arguments */
#define CLI_ARG_BAD (-3) /* an error, already printed: return CLI_USAGE */

struct cli_parser {
	const char *cmd; /* "realm run": messages start "caec realm run: " */
	const struct cli_option *opts;
	size_t num_opts;
	int argc;
	char **argv;
	int next;          /* index of the next argv element */
	bool options_done; /* after "--" every argument is positional */
	const char *opt;   /* the option just returned, as its table names it */
	const char *value; /* its value, or the positional argument */
};

/* argv[0] is the subcommand's name; parsing starts at argv[1]. */
void cli_parser_init(struct cli_parser *p, const char *cmd, const struct cli_option *opts,
		     size_t num_opts, int argc, char **argv);
/*
 * The next argument: the index of the option in the table (with p->value set
 * when it takes one), CLI_ARG for a positional argument, CLI_ARG_END, or
 * CLI_ARG_BAD after printing why: "unknown option '--nonse' (did you mean
 * '--nonce'?)", "--mem needs a value", "--json takes no value". An option's
 * value is the next argument whatever it looks like ("--prompt -x" is
 * allowed); "-" alone is a positional argument.
 */
int cli_next(struct cli_parser *p);
/* "caec <cmd>: <opt>: '<value>' is not <expected>", returns CLI_USAGE. */
int cli_bad_value(const struct cli_parser *p, const char *expected);

/* ---- realm runs in the demos and benchmarks ---- */

/* A realm console kept in memory (the last bytes that fit), echoed to echo
 * when it is not NULL: the VMM's console callback is cli_console_out. */
struct cli_console {
	FILE *echo;
	char text[2048];
	size_t len;
};
void cli_console_out(void *ctx, const char *bytes, size_t len);
/* n bytes as a JSON string of lowercase hex; NULL when out of memory. */
json_t *cli_hex_json(const uint8_t *b, size_t n);
/* v little endian into p[0..8), as realms read their challenge. */
void cli_put_le64(uint8_t *p, uint64_t v);
/* A file of the build tree caec runs from: "<caec's folder>/../rel" (the
 * build puts caec in build/host), written into buf; rel itself if caec
 * cannot tell where it is. */
const char *cli_build_file(const char *rel, char *buf, size_t cap);

/* ---- signals (cli_signals.c) ----
 * SIGINT and SIGTERM stop the published VMM (its runs end at their next
 * exit, the command tears down and reports); a second signal kills at once. */
#include <signal.h>
struct cli_saved_signals {
	struct sigaction intr, term;
};
struct vmm;
void cli_catch_stop_signals(struct cli_saved_signals *saved);
void cli_restore_stop_signals(const struct cli_saved_signals *saved);
/* Makes vmm the one a signal stops (NULL: none); stops it at once if a
 * signal came first. */
void cli_publish_vmm(struct vmm *vmm);
/* The first signal's number since cli_catch_stop_signals, 0 if none. */
int cli_stop_signal(void);
const char *cli_signal_name(int sig);

/* ---- files ---- */

/*
 * Checks before any work starts that path can be read: CLI_OK, or CLI_USAGE
 * after "caec <cmd>: <what> <path> does not exist" (or "is a directory",
 * "is empty", "cannot be read: <reason>"). "-" (standard input) passes.
 * what names the argument: "TOKEN", "--ref".
 */
int cli_check_input(const char *cmd, const char *what, const char *path);
/*
 * Checks before any work starts that path can be written: not a directory,
 * its folder exists and is writable, an existing file is writable. CLI_OK
 * or CLI_USAGE after the same wording as cli_check_input.
 */
int cli_check_output(const char *cmd, const char *what, const char *path);
/*
 * Reads path ("-": standard input) up to max + 1 bytes, so that a caller can
 * refuse more than max with its own limit's wording: the bytes (malloc'ed,
 * *len set), or NULL after printing why (cli_check_input's wording, "is
 * empty" included).
 */
uint8_t *cli_read_input(const char *cmd, const char *what, const char *path, size_t max,
			size_t *len);

/*
 * Unsigned numbers as strtoull reads them in base 0 (decimal, 0x hex, 0
 * octal), nothing after them, no minus sign: the value if it is at most max.
 */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* The same, any size, with an optional K, M or G suffix (powers of 1024). */
bool cli_parse_size(const char *s, uint64_t *out);
/* p's value as a comma-separated list of sizes, each accepted by ok: at most
 * max of them into out[0..*n). CLI_OK, or the usage error (cli_bad_value)
 * saying `expected`. */
int cli_parse_size_list(const struct cli_parser *p, uint64_t *out, unsigned max, unsigned *n,
			bool (*ok)(uint64_t size), const char *expected);

#endif
