/* What every verb of `pic` shares: the global options, the exit codes, the
 * verb table type, the call-and-report helper and the common getopt cases.
 * A verb returns an exit code (enum cli_exit), never a -errno. */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/client.h"
#include "common/jsonutil.h"

#ifndef PIC_VERSION
#define PIC_VERSION "0.0.0"
#endif

/* The exit codes, documented in `pic --help`. */
enum cli_exit {
        EXIT_OK = 0,
        EXIT_FAILED = 1,      /* the request failed: the API (or cell_init) said no */
        EXIT_USAGE = 2,       /* bad command line */
        EXIT_UNREACHABLE = 3, /* picd is not running, or did not answer */
        EXIT_DENIED = 4,      /* 401/403, or the socket may not be opened */
};

struct cli {
        const char *dir;    /* the cell directory */
        bool dir_explicit;  /* from --dir or PIC_DIR, not guessed */
        bool json;          /* print the API's JSON bodies */
        struct client client;
};

/* argv[0] is the verb's own name, as getopt expects. */
typedef int (*verb_fn)(struct cli *cli, int argc, char **argv);

struct verb {
        const char *name;
        verb_fn fn;
        const char *summary;
};

/* Runs the verb named by argv[0] from the table; `pic GROUP` with no verb,
 * --help or -h prints the group's list of verbs. When dflt is not NULL it runs
 * for an empty argv or one starting with an option (`pic revisions --limit 5`). */
int cli_dispatch(struct cli *cli, const char *group, const char *group_usage, const struct verb *verbs,
                 size_t n_verbs, verb_fn dflt, int argc, char **argv);

/* Usage text: to stdout with exit 0 for --help, to stderr with exit 2 for an error. */
int cli_help(const char *usage);
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message for getopt's '?' or ':' (opterr is 0), then the usage; returns 2. */
int cli_bad_option(const char *usage, char **argv, int c);
/* Checks that exactly want positional arguments remain after the options. */
int cli_want_args(const char *usage, int argc, char **argv, int want);

/* Performs one request. On success returns 0 and hands over the body (NULL
 * for a 204). Otherwise it reports the failure on stderr once, with --json
 * also prints the error body on stdout, and returns the exit code. */
int cli_call(struct cli *cli, const char *method, const char *path, json_t *body, json_t **ret_body);

/* How cli_call reports a failure, for callers of client_request or
 * client_stream: r < 0 is a transport error, else an HTTP status that is not
 * 2xx with its body (may be NULL). Returns the exit code. */
int cli_report_failure(const struct cli *cli, int r, long status, const json_t *body);

/* Prints v as indented JSON on stdout ("{}" for NULL); returns 0. */
int cli_print_json(const json_t *v);

/* asprintf that returns the string, or NULL when out of memory. */
char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A JSON value as readable text: a string as is, anything else as compact
 * JSON. Caller frees; NULL only when out of memory. */
char *cli_value_text(const json_t *v);

/* "45s", "3m 12s", "2h 5m 0s", "4d 3h 12m". */
void cli_format_duration(long long seconds, char *out, size_t size);

/* Writes text from a daemon or user with its control characters (C0 but
 * tab, DEL, C1) shown as \xNN or \u00NN, so that it cannot drive the
 * terminal. */
void cli_put_text(const char *s, FILE *f);

/* Parses a whole decimal integer in [min, max]; -EINVAL or -ERANGE. */
int parse_int(const char *s, long long min, long long max, long long *ret);

/* The whole number of an option such as --ttl. Its range is picd's to check
 * (the refusal names the field); only a value that is not a number at all is
 * a usage error. Returns 0, or the usage error's exit code. */
int cli_option_int(const char *usage, const char *verb, const char *option, const char *arg, long long *ret);

/* A command-line word as a JSON string in *ret. A word that is not UTF-8
 * is a usage error (jansson takes only UTF-8). Returns 0 or an exit code. */
int cli_json_word(const char *usage, const char *verb, const char *word, json_t **ret);

/* Appends "?key=value" or "&key=value" (value percent-encoded) to a path;
 * NULL value: nothing. Returns 0 or -ENOMEM. */
struct buf;
int cli_query_add(struct buf *path, const char *key, const char *value);

/* JSON accessors that tolerate a missing or mistyped member. */
const char *jstr(const json_t *o, const char *key);
long long jint(const json_t *o, const char *key);

/* Every verb takes --help/-h and --json. ARG_JSON stays outside the char range. */
enum { ARG_JSON = 0x100 };
#define OPTIONS_COMMON {"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, ARG_JSON}

/* The common cases of a verb's getopt switch. It returns from the verb for
 * --help and for a bad option. */
#define CASES_COMMON(cli, usage, argv)                                                             \
        case 'h':                                                                                  \
                return cli_help(usage);                                                            \
        case ARG_JSON:                                                                             \
                (cli)->json = true;                                                                \
                break;                                                                             \
        default:                                                                                   \
                return cli_bad_option(usage, argv, c)

/* The verb groups, one file each. */
int verb_init(struct cli *cli, int argc, char **argv);
int verb_status(struct cli *cli, int argc, char **argv);
int verb_config(struct cli *cli, int argc, char **argv);
int verb_apply(struct cli *cli, int argc, char **argv);
int verb_confirm(struct cli *cli, int argc, char **argv);
int verb_user(struct cli *cli, int argc, char **argv);
int verb_token(struct cli *cli, int argc, char **argv);
int verb_revisions(struct cli *cli, int argc, char **argv);
int verb_rollback(struct cli *cli, int argc, char **argv);
int verb_logs(struct cli *cli, int argc, char **argv);
int verb_restart(struct cli *cli, int argc, char **argv);
int verb_dns(struct cli *cli, int argc, char **argv);
int verb_dhcp(struct cli *cli, int argc, char **argv);
int verb_ntp(struct cli *cli, int argc, char **argv);
int verb_peer(struct cli *cli, int argc, char **argv);

/* Sends PUT /api/config with body ({"dhcp": {...}}, ...) and reports what
 * was applied and what staged, as `pic config set` does (config.c). */
int config_update(struct cli *cli, json_t *body);

/* The services table of `pic status` (services.c): name, state, uptime,
 * restarts, last exit, from a list of API Service objects. */
void services_table_print(const json_t *services, FILE *f);
