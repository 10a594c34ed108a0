/* pic config get|set|pending|discard, pic apply, pic confirm: the cell
 * configuration and its staged-change cycle (set, apply, confirm). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic config VERB [ARGS...]\n"
        "\n"
        "Show or change the cell configuration. public_endpoint applies at once;\n"
        "cell_name, domain, vpn_address, ip_range and ports are staged, and\n"
        "`pic apply` applies them with a confirm window.\n";

static const char usage_get[] =
        "Usage: pic config get [FIELD]\n"
        "\n"
        "Print the configuration as `key: value` lines (ports as ports.dns, ...),\n"
        "or only the value of FIELD (e.g. domain, ports.dns).\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON (with FIELD: that value as JSON)\n"
        "  -h, --help    show this help\n";

static const char usage_set[] =
        "Usage: pic config set FIELD=VALUE...\n"
        "\n"
        "Change configuration fields:\n"
        "  cell_name, domain, vpn_address, ip_range   staged until `pic apply`\n"
        "  ports.NAME (NAME: ui api dns dhcp ntp wireguard smtp submission imaps\n"
        "             http https; an integer)        staged until `pic apply`\n"
        "  public_endpoint                            applied at once\n"
        "Example: pic config set domain=example.org ports.dns=5354\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_pending[] =
        "Usage: pic config pending\n"
        "\n"
        "Show the staged changes, and a confirm window that is running.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_discard[] =
        "Usage: pic config discard\n"
        "\n"
        "Drop every staged change.\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

static const char usage_apply[] =
        "Usage: pic apply [--timeout SECONDS]\n"
        "\n"
        "Apply the staged changes as a new revision. Unless `pic confirm` follows\n"
        "within the timeout, picd restores the previous revision by itself.\n"
        "\n"
        "Options:\n"
        "  --timeout SECONDS   the confirm window, 5..3600 (default: 60)\n"
        "  --json              print the API's JSON\n"
        "  -h, --help          show this help\n";

static const char usage_confirm[] =
        "Usage: pic confirm\n"
        "\n"
        "Keep the changes of the last `pic apply`, ending its confirm window.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

/* Parses a verb that takes only the common options; returns -1 to go on,
 * or an exit code. */
static int parse_plain(struct cli *cli, const char *usage, int argc, char **argv, int max_args) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        int c;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage, argv);
                }
        if (argc - optind > max_args)
                return cli_usage_error(usage, "unexpected argument '%s'", argv[optind + max_args]);
        return -1;
}

/* key: value rows for every leaf of v, nested keys joined with '.'. */
static int flatten(struct table *t, const char *prefix, const json_t *v) {
        const char *key;
        json_t *member;
        int r;

        if (!json_is_object(v)) {
                _cleanup_free_ char *k = strdup_printf("%s:", prefix), *text = cli_value_text(v);
                if (!k || !text)
                        return -ENOMEM;
                return table_add(t, k, text);
        }
        json_object_foreach((json_t *)v, key, member) {
                _cleanup_free_ char *path = strdup_printf("%s%s%s", prefix, *prefix ? "." : "", key);
                if (!path)
                        return -ENOMEM;
                if ((r = flatten(t, path, member)) < 0)
                        return r;
        }
        return 0;
}

/* FIELD as a dotted path into the config object. */
static const json_t *lookup(const json_t *config, const char *field) {
        _cleanup_free_ char *copy = strdup(field);
        const json_t *v = config;
        char *save = NULL;

        if (!copy)
                return NULL;
        for (char *part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
                v = json_object_get(v, part);
        return v;
}

static int config_get(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *config = NULL;
        _cleanup_table_ struct table t = {};
        const char *field;
        int r;

        if ((r = parse_plain(cli, usage_get, argc, argv, 1)) >= 0)
                return r;
        field = optind < argc ? argv[optind] : NULL;

        if ((r = cli_call(cli, "GET", "/api/config", NULL, &config)))
                return r;
        const json_t *v = field ? lookup(config, field) : config;
        if (!v) {
                fprintf(stderr, "pic: no such configuration field (field: %s)\n", field);
                return EXIT_FAILED;
        }
        if (cli->json)
                return cli_print_json(v);
        if (json_is_object(v)) {
                if (table_init(&t, 2, NULL) < 0 || flatten(&t, field ?: "", v) < 0)
                        return EXIT_FAILED;
                table_print(&t, stdout);
                return EXIT_OK;
        }
        _cleanup_free_ char *text = cli_value_text(v);
        puts(text ? text : "");
        return EXIT_OK;
}

/* FIELD=VALUE into body; "a.b" nests one level (ports.dns). A value that
 * is a whole integer goes as a number, anything else as a string: picd
 * checks the types and names the field it refuses. */
static int add_assignment(json_t *body, const char *arg) {
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *key = NULL;
        json_t *target = body, *value;
        long long n;

        if (!eq || eq == arg)
                return -EINVAL;
        key = strndup(arg, (size_t)(eq - arg));
        if (!key)
                return -ENOMEM;
        char *dot = strchr(key, '.');
        if (dot) {
                *dot = 0;
                if (!dot[1] || strchr(dot + 1, '.'))
                        return -EINVAL;
                target = json_object_get(body, key);
                if (!target) {
                        target = json_object();
                        if (!target || json_object_set_new(body, key, target) < 0)
                                return -ENOMEM;
                } else if (!json_is_object(target))
                        return -EEXIST;
                memmove(key, dot + 1, strlen(dot + 1) + 1);
        }
        if (json_object_get(target, key))
                return -EEXIST;
        if (dot && parse_int(eq + 1, LLONG_MIN, LLONG_MAX, &n) == 0)
                value = json_integer(n);
        else
                value = json_string(eq + 1);
        if (!value || json_object_set_new(target, key, value) < 0)
                return -ENOMEM;
        return 0;
}

static void print_fields(const char *label, const json_t *list) {
        size_t i;
        json_t *f;

        if (json_array_size(list) == 0)
                return;
        printf("%s: ", label);
        json_array_foreach(list, i, f) printf("%s%s", i ? ", " : "", json_string_value(f) ?: "?");
        putchar('\n');
}

static int config_set(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *body = json_object(), *response = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_set, argv);
                }
        if (optind >= argc)
                return cli_usage_error(usage_set, "config set: give at least one FIELD=VALUE");
        if (!body)
                return EXIT_FAILED;
        for (int i = optind; i < argc; i++) {
                r = add_assignment(body, argv[i]);
                if (r == -ENOMEM)
                        return EXIT_FAILED;
                if (r == -EEXIST)
                        return cli_usage_error(usage_set, "config set: '%s' sets a field twice", argv[i]);
                if (r < 0)
                        return cli_usage_error(usage_set, "config set: '%s' is not FIELD=VALUE", argv[i]);
        }

        if ((r = cli_call(cli, "PUT", "/api/config", body, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *applied = json_object_get(response, "applied");
        const json_t *staged = json_object_get(response, "staged");
        print_fields("applied", applied);
        print_fields("staged", staged);
        if (json_array_size(applied) == 0 && json_array_size(staged) == 0)
                puts("No change.");
        if (json_array_size(staged) > 0)
                puts("Run `pic apply` to apply the staged changes (`pic config pending` lists them).");
        return EXIT_OK;
}

static void print_confirm_window(const json_t *w) {
        printf("Revision %lld (previous: %lld) waits for `pic confirm`: %lld s left (deadline %s);\n"
               "without it, picd rolls back to revision %lld.\n",
               jint(w, "revision"), jint(w, "previous_revision"), jint(w, "seconds_left"),
               jstr(w, "deadline") ?: "?", jint(w, "previous_revision"));
}

static int config_pending(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *pending = NULL;
        _cleanup_table_ struct table t = {};
        const char *field;
        json_t *change;
        int r;

        if ((r = parse_plain(cli, usage_pending, argc, argv, 0)) >= 0)
                return r;
        if ((r = cli_call(cli, "GET", "/api/config/pending", NULL, &pending)))
                return r;
        if (cli->json)
                return cli_print_json(pending);

        const json_t *changes = json_object_get(pending, "changes");
        const json_t *window = json_object_get(pending, "confirm");
        if (json_object_size(changes) == 0)
                puts("No staged changes.");
        else {
                table_init(&t, 3, (const char *const[]){"FIELD", "FROM", "TO"});
                json_object_foreach((json_t *)changes, field, change) {
                        _cleanup_free_ char *from = cli_value_text(json_object_get(change, "from"));
                        _cleanup_free_ char *to = cli_value_text(json_object_get(change, "to"));
                        table_add(&t, field, from, to);
                }
                table_print(&t, stdout);
                puts("Run `pic apply` to apply them, or `pic config discard` to drop them.");
        }
        if (json_is_object(window))
                print_confirm_window(window);
        return EXIT_OK;
}

static int config_discard(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *response = NULL;
        int r;

        if ((r = parse_plain(cli, usage_discard, argc, argv, 0)) >= 0)
                return r;
        if ((r = cli_call(cli, "DELETE", "/api/config/pending", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        puts("Discarded the staged changes.");
        return EXIT_OK;
}

int verb_config(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"get", config_get, "Print the configuration, or one field"},
                {"set", config_set, "Change fields: FIELD=VALUE..."},
                {"pending", config_pending, "Show the staged changes and a running confirm window"},
                {"discard", config_discard, "Drop the staged changes"},
        };
        return cli_dispatch(cli, "config", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}

int verb_apply(struct cli *cli, int argc, char **argv) {
        enum { ARG_TIMEOUT = 0x200 };
        static const struct option options[] = {
                {"timeout", required_argument, NULL, ARG_TIMEOUT},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *body = NULL, *response = NULL;
        long long timeout;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_TIMEOUT:
                        if (parse_int(optarg, 0, INT_MAX, &timeout) < 0)
                                return cli_usage_error(usage_apply, "apply: --timeout needs seconds, not '%s'",
                                                       optarg);
                        json_decref(body);
                        body = json_pack("{s:I}", "timeout_s", (json_int_t)timeout);
                        if (!body)
                                return EXIT_FAILED;
                        break;
                CASES_COMMON(cli, usage_apply, argv);
                }
        if ((r = cli_want_args(usage_apply, argc, argv, 0)))
                return r;

        if ((r = cli_call(cli, "POST", "/api/config/apply", body, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Applied revision %lld (previous: %lld).\n", jint(response, "revision"),
               jint(response, "previous_revision"));
        printf("Confirm within %lld s with `pic confirm`, or it will be rolled back to revision %lld.\n",
               jint(response, "seconds_left"), jint(response, "previous_revision"));
        return EXIT_OK;
}

int verb_confirm(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *response = NULL;
        int r;

        if ((r = parse_plain(cli, usage_confirm, argc, argv, 0)) >= 0)
                return r;
        if ((r = cli_call(cli, "POST", "/api/config/confirm", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Confirmed revision %lld.\n", jint(response, "revision"));
        return EXIT_OK;
}
