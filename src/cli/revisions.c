/* pic revisions [list|show N], pic rollback N: the history every mutation
 * appends to, and the way back to an earlier configuration. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/buf.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic revisions [list] [--limit N] [--before N]\n"
        "       pic revisions show N\n"
        "\n"
        "Every change to the cell (configuration, users, tokens) is a numbered\n"
        "revision with its time, actor, summary and diff.\n";

static const char usage_list[] =
        "Usage: pic revisions [list] [--limit N] [--before N]\n"
        "\n"
        "List revisions, newest first: number, time, actor, summary.\n"
        "\n"
        "Options:\n"
        "  --limit N     at most N revisions, 1..1000 (default: 100)\n"
        "  --before N    only revisions older than number N\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_show[] =
        "Usage: pic revisions show N\n"
        "\n"
        "Show revision N with its diff.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_rollback[] =
        "Usage: pic rollback N\n"
        "\n"
        "Restore the configuration as of revision N, as a new revision. Users and\n"
        "tokens are never rolled back.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

/* The single positional revision number; returns 0 or an exit code. */
static int parse_number(const char *usage, const char *verb, int argc, char **argv, long long *ret) {
        int r;

        if ((r = cli_want_args(usage, argc, argv, 1)))
                return r;
        if (parse_int(argv[optind], 1, LLONG_MAX, ret) < 0)
                return cli_usage_error(usage, "%s: '%s' is not a revision number", verb, argv[optind]);
        return EXIT_OK;
}

static int revisions_list(struct cli *cli, int argc, char **argv) {
        enum { ARG_LIMIT = 0x200, ARG_BEFORE };
        static const struct option options[] = {
                {"limit", required_argument, NULL, ARG_LIMIT},
                {"before", required_argument, NULL, ARG_BEFORE},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        _cleanup_buf_ struct buf path = BUF_INIT;
        long long n;
        char sep = '?';
        json_t *rev;
        size_t i;
        int c, r;

        if (buf_puts(&path, "/api/revisions") < 0)
                return EXIT_FAILED;
        /* The range is picd's to check: it names the parameter it refuses. */
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_LIMIT:
                case ARG_BEFORE:
                        if (parse_int(optarg, LLONG_MIN, LLONG_MAX, &n) < 0)
                                return cli_usage_error(usage_list, "revisions: %s needs a number, not '%s'",
                                                       c == ARG_LIMIT ? "--limit" : "--before", optarg);
                        if (buf_printf(&path, "%c%s=%lld", sep, c == ARG_LIMIT ? "limit" : "before", n) < 0)
                                return EXIT_FAILED;
                        sep = '&';
                        break;
                CASES_COMMON(cli, usage_list, argv);
                }
        if ((r = cli_want_args(usage_list, argc, argv, 0)))
                return r;

        if ((r = cli_call(cli, "GET", buf_str(&path), NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        table_init(&t, 4, (const char *const[]){"NUMBER", "TIME", "ACTOR", "SUMMARY"});
        json_array_foreach(json_object_get(response, "revisions"), i, rev) {
                char number[32];
                snprintf(number, sizeof number, "%lld", jint(rev, "number"));
                table_add(&t, number, jstr(rev, "time"), jstr(rev, "actor"), jstr(rev, "summary"));
        }
        table_print(&t, stdout);
        return EXIT_OK;
}

static void print_revision(const json_t *rev) {
        _cleanup_table_ struct table head = {}, diff = {};
        const json_t *changes = json_object_get(json_object_get(rev, "diff"), "changes");
        char number[32];
        json_t *ch;
        size_t i;

        snprintf(number, sizeof number, "%lld", jint(rev, "number"));
        table_init(&head, 2, NULL);
        table_add(&head, "revision:", number);
        table_add(&head, "time:", jstr(rev, "time"));
        table_add(&head, "actor:", jstr(rev, "actor"));
        table_add(&head, "summary:", jstr(rev, "summary"));
        table_print(&head, stdout);

        if (json_array_size(changes) == 0) {
                puts("\nNo changes recorded.");
                return;
        }
        putchar('\n');
        table_init(&diff, 4, (const char *const[]){"ENTITY", "KEY", "BEFORE", "AFTER"});
        json_array_foreach(changes, i, ch) {
                _cleanup_free_ char *before = cli_value_text(json_object_get(ch, "before"));
                _cleanup_free_ char *after = cli_value_text(json_object_get(ch, "after"));
                table_add(&diff, jstr(ch, "entity"), jstr(ch, "key"), before, after);
        }
        table_print(&diff, stdout);
}

static int revisions_show(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *rev = NULL;
        _cleanup_free_ char *path = NULL;
        long long n;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_show, argv);
                }
        if ((r = parse_number(usage_show, "revisions show", argc, argv, &n)))
                return r;
        path = strdup_printf("/api/revisions/%lld", n);
        if (!path)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", path, NULL, &rev)))
                return r;
        if (cli->json)
                return cli_print_json(rev);
        print_revision(rev);
        return EXIT_OK;
}

int verb_revisions(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"list", revisions_list, "List revisions, newest first (the default)"},
                {"show", revisions_show, "Show one revision with its diff"},
        };
        return cli_dispatch(cli, "revisions", usage_group, verbs, ELEMENTSOF(verbs), revisions_list, argc, argv);
}

int verb_rollback(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *path = NULL;
        long long n;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_rollback, argv);
                }
        if ((r = parse_number(usage_rollback, "rollback", argc, argv, &n)))
                return r;
        path = strdup_printf("/api/revisions/%lld/rollback", n);
        if (!path)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "POST", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Restored the configuration of revision %lld as revision %lld.\n", n, jint(response, "revision"));
        return EXIT_OK;
}
