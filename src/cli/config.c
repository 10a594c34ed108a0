/* pic config get|set|pending|discard, pic apply, pic confirm: the cell
 * configuration and its staged-change cycle (set, apply, confirm). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic config VERB [ARGS...]\n"
        "\n"
        "Show or change the cell configuration. public_endpoint and the dns, dhcp\n"
        "and ntp settings apply at once; cell_name, domain, vpn_address, ip_range,\n"
        "ports and wireguard.implementation are staged, and `pic apply` applies them\n"
        "with a confirm window.\n";

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
        "       pic config set LIST-FIELD VALUE... | --empty\n"
        "\n"
        "Change configuration fields:\n"
        "  cell_name, domain, vpn_address, ip_range   staged until `pic apply`\n"
        "  ports.NAME (NAME: ui api dns dhcp ntp wireguard smtp submission imaps\n"
        "             http https; an integer)        staged until `pic apply`\n"
        "  wireguard.implementation (auto, kernel or\n"
        "             userspace: WireGuard's)         staged until `pic apply`\n"
        "  public_endpoint                            applied at once\n"
        "  dns.forwarders (a list), dns.forward_tls (true or false),\n"
        "  dhcp.enabled (true or false), dhcp.interface, dhcp.range_start,\n"
        "  dhcp.range_end, dhcp.router, dhcp.lease_time (seconds),\n"
        "  ntp.servers (a list), ntp.local_stratum (0..15),\n"
        "  ntp.allow (a list of CIDRs)                applied at once\n"
        "A list field takes its whole new list: as FIELD=A,B,C (FIELD= clears it),\n"
        "or as FIELD followed by its values, one per word, with --empty to clear it.\n"
        "Examples:\n"
        "  pic config set domain=example.org ports.dns=5354\n"
        "  pic config set dns.forwarders 192.0.2.53 198.51.100.53@5353\n"
        "  pic config set dns.forwarders --empty\n"
        "  pic config set dns.forward_tls=true dns.forwarders=192.0.2.53@853#dns.example.net\n"
        "  pic config set ntp.servers=0.pool.ntp.org,1.pool.ntp.org ntp.local_stratum=10\n"
        "\n"
        "Options:\n"
        "  --empty       with LIST-FIELD and no values: set it to the empty list\n"
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

/* The JSON type each field takes, by its dotted name; a name ending in '.'
 * covers every field under it. A field not named here goes as a string:
 * picd checks the types and names the field it refuses. */
enum field_kind { FIELD_STRING, FIELD_INTEGER, FIELD_BOOLEAN, FIELD_LIST };

static const struct {
        const char *name;
        enum field_kind kind;
} field_kinds[] = {
        {"ports.", FIELD_INTEGER},
        {"dns.forwarders", FIELD_LIST},
        {"dns.forward_tls", FIELD_BOOLEAN},
        {"dhcp.enabled", FIELD_BOOLEAN},
        {"dhcp.lease_time", FIELD_INTEGER},
        {"ntp.servers", FIELD_LIST},
        {"ntp.local_stratum", FIELD_INTEGER},
        {"ntp.allow", FIELD_LIST},
        {"wireguard.peer_to_peer", FIELD_BOOLEAN},
};

static enum field_kind field_kind(const char *field) {
        for (size_t i = 0; i < ELEMENTSOF(field_kinds); i++) {
                const char *name = field_kinds[i].name;
                size_t n = strlen(name);
                if (name[n - 1] == '.' ? strncmp(field, name, n) == 0 : streq(field, name))
                        return field_kinds[i].kind;
        }
        return FIELD_STRING;
}

/* A JSON array of the words; NULL on a word that is not UTF-8, or no memory. */
static json_t *word_list(char *const *words, size_t n) {
        _cleanup_json_ json_t *list = json_array();

        if (!list)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (json_array_append_new(list, json_string(words[i])) < 0)
                        return NULL;
        return TAKE_PTR(list);
}

/* VALUE of FIELD as its kind wants it. A value that does not parse as that
 * kind goes as a string, so that picd's refusal names the field. A list is
 * split at commas; an empty VALUE is the empty list. NULL: not UTF-8, or no
 * memory. */
static json_t *field_value(const char *field, const char *value) {
        long long n;

        switch (field_kind(field)) {
        case FIELD_INTEGER:
                if (parse_int(value, LLONG_MIN, LLONG_MAX, &n) == 0)
                        return json_integer(n);
                break;
        case FIELD_BOOLEAN:
                if (streq(value, "true") || streq(value, "false"))
                        return json_boolean(streq(value, "true"));
                break;
        case FIELD_LIST: {
                _cleanup_json_ json_t *list = json_array();
                if (!list)
                        return NULL;
                /* Empty items are kept ("a,,b"): picd refuses them by index. */
                for (const char *p = value; *value; p++) {
                        const char *comma = strchrnul(p, ',');
                        if (json_array_append_new(list, json_stringn(p, (size_t)(comma - p))) < 0)
                                return NULL;
                        if (!*comma)
                                break;
                        p = comma;
                }
                return TAKE_PTR(list);
        }
        case FIELD_STRING:
                break;
        }
        return json_string(value);
}

/* Sets FIELD (dotted: "a.b" nests one level, ports.dns) in body to value,
 * which it takes. -EINVAL: not a field name; -EEXIST: set twice. */
static int set_field(json_t *body, const char *field, json_t *value) {
        _cleanup_json_ json_t *v = value;
        _cleanup_free_ char *key = strdup(field);
        json_t *target = body;

        if (!key)
                return -ENOMEM;
        if (!*key)
                return -EINVAL;
        char *dot = strchr(key, '.');
        if (dot) {
                *dot = 0;
                if (!*key || !dot[1] || strchr(dot + 1, '.'))
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
        if (json_object_set_new(target, key, TAKE_PTR(v)) < 0)
                return -ENOMEM;
        return 0;
}

/* FIELD=VALUE into body. -EILSEQ: VALUE is not UTF-8. */
static int add_assignment(json_t *body, const char *arg) {
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *field = NULL;

        if (!eq || eq == arg)
                return -EINVAL;
        field = strndup(arg, (size_t)(eq - arg));
        if (!field)
                return -ENOMEM;
        json_t *value = field_value(field, eq + 1);
        if (!value)
                return -EILSEQ;
        return set_field(body, field, value);
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

int config_update(struct cli *cli, json_t *body) {
        _cleanup_json_ json_t *response = NULL;
        int r;

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

/* `config set LIST-FIELD VALUE...` or `config set LIST-FIELD --empty`. */
static int set_list(json_t *body, const char *field, bool empty, int argc, char **argv) {
        if (empty && argc > 0)
                return cli_usage_error(usage_set, "config set: --empty takes no values, but '%s' follows", argv[0]);
        if (!empty && argc == 0)
                return cli_usage_error(usage_set, "config set: give the values of %s, or --empty to clear it",
                                       field);
        for (int i = 0; i < argc; i++)
                if (strchr(argv[i], '='))
                        return cli_usage_error(usage_set,
                                               "config set: '%s' is not a value of %s; to set other fields "
                                               "beside a list, give it as %s=A,B,...",
                                               argv[i], field, field);
        json_t *list = word_list(argv, (size_t)argc);
        if (!list)
                return cli_usage_error(usage_set, "config set: a value of %s is not UTF-8 text", field);
        return set_field(body, field, list) < 0 ? EXIT_FAILED : EXIT_OK;
}

static int config_set(struct cli *cli, int argc, char **argv) {
        enum { ARG_EMPTY = 0x200 };
        static const struct option options[] = {
                {"empty", no_argument, NULL, ARG_EMPTY},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *body = json_object();
        bool empty = false;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_EMPTY:
                        empty = true;
                        break;
                CASES_COMMON(cli, usage_set, argv);
                }
        if (optind >= argc)
                return cli_usage_error(usage_set, "config set: give at least one FIELD=VALUE");
        if (!body)
                return EXIT_FAILED;

        /* A list field without '=' takes the words after it as its values. */
        if (!strchr(argv[optind], '=') && field_kind(argv[optind]) == FIELD_LIST) {
                if ((r = set_list(body, argv[optind], empty, argc - optind - 1, argv + optind + 1)))
                        return r;
                return config_update(cli, body);
        }
        if (empty)
                return cli_usage_error(usage_set, "config set: --empty goes with a list field (%s)",
                                       "dns.forwarders, ntp.servers, ntp.allow");
        for (int i = optind; i < argc; i++) {
                r = add_assignment(body, argv[i]);
                if (r == -ENOMEM)
                        return EXIT_FAILED;
                if (r == -EEXIST)
                        return cli_usage_error(usage_set, "config set: '%s' sets a field twice", argv[i]);
                if (r == -EILSEQ)
                        return cli_usage_error(usage_set, "config set: a value is not UTF-8 text");
                if (r < 0)
                        return cli_usage_error(usage_set, "config set: '%s' is not FIELD=VALUE", argv[i]);
        }
        return config_update(cli, body);
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
