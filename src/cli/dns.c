/* pic dns list|show|add|set|rm: the records of the cell's zone
 * (/api/dns/records). picd checks every record against its type's grammar
 * and names the field it refuses; the CLI only turns words into JSON. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/buf.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic dns VERB [ARGS...]\n"
        "\n"
        "The records of the cell's zone, <cell_name>.<domain>, served by Unbound;\n"
        "changes apply at once. Where the resolver sends other names is set with\n"
        "`pic config set dns.forwarders ...` and `dns.forward_tls`.\n";

#define RECORD_HELP                                                                                \
        "NAME is relative to the zone (`www`, `_sip._tcp`, `@` for the zone itself).\n"             \
        "TYPE is A, AAAA, CNAME, TXT, MX or SRV (either case). VALUE is an address\n"              \
        "for A and AAAA, a name for CNAME, MX and SRV (absolute with a trailing dot),\n"           \
        "text for TXT (quote it for the shell). MX needs --priority; SRV needs\n"                  \
        "--priority, --weight and --port; other types take none of them.\n"

#define RECORD_OPTIONS                                                                             \
        "  --ttl N        seconds, 0..86400 (default: 300)\n"                                       \
        "  --priority N   MX and SRV, 0..65535\n"                                                   \
        "  --weight N     SRV, 0..65535\n"                                                          \
        "  --port N       SRV, 1..65535\n"

static const char usage_list[] =
        "Usage: pic dns list [--search S] [--type T] [--limit N] [--offset N]\n"
        "\n"
        "List the records, sorted by name, type and value: id, name, type, value,\n"
        "ttl, and the priority, weight and port of MX and SRV records.\n"
        "\n"
        "Options:\n"
        "  --search S    only records whose name or value contains S\n"
        "  --type T      only records of type T\n"
        "  --limit N     at most N records, 1..1000 (default: all)\n"
        "  --offset N    skip the first N matching records\n"
        "  --json        print the API's JSON ({\"records\": [...], \"total\": N})\n"
        "  -h, --help    show this help\n";

static const char usage_show[] =
        "Usage: pic dns show ID\n"
        "\n"
        "Show one record, with its full name.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_add[] =
        "Usage: pic dns add NAME TYPE VALUE [--ttl N] [--priority N] [--weight N] [--port N]\n"
        "\n"
        "Add a record to the zone.\n" RECORD_HELP
        "Examples:\n"
        "  pic dns add www A 192.0.2.10\n"
        "  pic dns add @ MX mail --priority 10\n"
        "  pic dns add _sip._tcp SRV sip --priority 10 --weight 5 --port 5060\n"
        "  pic dns add @ TXT 'v=spf1 mx -all'\n"
        "\n"
        "Options:\n" RECORD_OPTIONS
        "  --json         print the API's JSON\n"
        "  -h, --help     show this help\n";

static const char usage_set[] =
        "Usage: pic dns set ID NAME TYPE VALUE [--ttl N] [--priority N] [--weight N] [--port N]\n"
        "\n"
        "Replace record ID as a whole: what is left out takes its default, as with\n"
        "`pic dns add` (an MX changed to A loses its priority; the ttl is 300\n"
        "unless given).\n" RECORD_HELP
        "\n"
        "Options:\n" RECORD_OPTIONS
        "  --json         print the API's JSON\n"
        "  -h, --help     show this help\n";

static const char usage_rm[] =
        "Usage: pic dns rm ID\n"
        "\n"
        "Remove record ID (see `pic dns list`).\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

/* The integer members of a record, in the order of their options. */
enum { ARG_TTL = 0x200, ARG_PRIORITY, ARG_WEIGHT, ARG_PORT, ARG_SEARCH, ARG_TYPE, ARG_LIMIT, ARG_OFFSET };
static const char *const record_ints[] = {"ttl", "priority", "weight", "port"};

/* A record id: a whole number from 1. Returns 0 or an exit code. */
static int parse_id(const char *usage, const char *verb, const char *arg, long long *ret) {
        if (parse_int(arg, 1, LLONG_MAX, ret) < 0)
                return cli_usage_error(usage, "%s: '%s' is not a record id", verb, arg);
        return EXIT_OK;
}

/* A type as the API spells it: "mx" becomes "MX" (ASCII letters only;
 * anything else stays for picd to refuse). Caller frees; NULL: no memory. */
static char *type_upper(const char *type) {
        char *s = strdup(type);

        for (char *p = s; p && *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char)(*p - 'a' + 'A');
        return s;
}

static char *record_path(long long id) {
        return strdup_printf("/api/dns/records/%lld", id);
}

/* "priority 10, weight 5, port 5060" for the members an MX or SRV carries;
 * "" when none. Caller frees. */
static char *record_extra(const json_t *rec) {
        _cleanup_buf_ struct buf b = BUF_INIT;

        for (size_t i = 1; i < ELEMENTSOF(record_ints); i++) {
                const json_t *v = json_object_get(rec, record_ints[i]);
                if (!json_is_integer(v))
                        continue;
                if (buf_printf(&b, "%s%s %lld", b.len ? ", " : "", record_ints[i],
                               (long long)json_integer_value(v)) < 0)
                        return NULL;
        }
        return buf_steal(&b);
}

/* "www A 192.0.2.1 (ttl 300)", "@ MX mail (priority 10, ttl 300)". */
static void print_record_line(const char *what, const json_t *rec) {
        _cleanup_free_ char *extra = record_extra(rec);

        printf("%s record %lld: %s %s %s (%s%sttl %lld).\n", what, jint(rec, "id"), jstr(rec, "name") ?: "?",
               jstr(rec, "type") ?: "?", jstr(rec, "value") ?: "?", extra ?: "", extra && *extra ? ", " : "",
               jint(rec, "ttl"));
}

static int dns_list(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"search", required_argument, NULL, ARG_SEARCH},
                {"type", required_argument, NULL, ARG_TYPE},
                {"limit", required_argument, NULL, ARG_LIMIT},
                {"offset", required_argument, NULL, ARG_OFFSET},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        _cleanup_buf_ struct buf path = BUF_INIT;
        _cleanup_free_ char *type = NULL;
        const char *search = NULL;
        char limit[32] = "", offset[32] = "";
        long long n, skip = 0;
        json_t *rec;
        size_t i;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_SEARCH:
                        search = optarg;
                        break;
                case ARG_TYPE:
                        free(type);
                        if (!(type = type_upper(optarg)))
                                return EXIT_FAILED;
                        break;
                case ARG_LIMIT:
                case ARG_OFFSET:
                        if ((r = cli_option_int(usage_list, "dns list", c == ARG_LIMIT ? "--limit" : "--offset",
                                                optarg, &n)))
                                return r;
                        snprintf(c == ARG_LIMIT ? limit : offset, sizeof limit, "%lld", n);
                        if (c == ARG_OFFSET)
                                skip = n;
                        break;
                CASES_COMMON(cli, usage_list, argv);
                }
        if ((r = cli_want_args(usage_list, argc, argv, 0)))
                return r;

        if (buf_puts(&path, "/api/dns/records") < 0 || cli_query_add(&path, "search", search) < 0 ||
            cli_query_add(&path, "type", type) < 0 ||
            cli_query_add(&path, "limit", *limit ? limit : NULL) < 0 ||
            cli_query_add(&path, "offset", *offset ? offset : NULL) < 0)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", buf_str(&path), NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *records = json_object_get(response, "records");
        long long total = jint(response, "total"), shown = (long long)json_array_size(records);
        if (shown == 0) {
                if (total > 0)
                        printf("No records past offset %lld (%lld match).\n", skip, total);
                else
                        puts(search || type ? "No matching records." : "No records.");
                return EXIT_OK;
        }
        table_init(&t, 6, (const char *const[]){"ID", "NAME", "TYPE", "VALUE", "TTL", "EXTRA"});
        json_array_foreach(records, i, rec) {
                _cleanup_free_ char *extra = record_extra(rec);
                char id[32], ttl[32];
                snprintf(id, sizeof id, "%lld", jint(rec, "id"));
                snprintf(ttl, sizeof ttl, "%lld", jint(rec, "ttl"));
                table_add(&t, id, jstr(rec, "name"), jstr(rec, "type"), jstr(rec, "value"), ttl, extra ?: "");
        }
        table_print(&t, stdout);
        if (shown < total)
                printf("Records %lld-%lld of %lld (see --limit and --offset).\n", skip + 1, skip + shown, total);
        return EXIT_OK;
}

static void print_record(const json_t *rec) {
        _cleanup_table_ struct table t = {};
        char num[32];

        table_init(&t, 2, NULL);
        snprintf(num, sizeof num, "%lld", jint(rec, "id"));
        table_add(&t, "id:", num);
        table_add(&t, "name:", jstr(rec, "name"));
        table_add(&t, "fqdn:", jstr(rec, "fqdn"));
        table_add(&t, "type:", jstr(rec, "type"));
        table_add(&t, "value:", jstr(rec, "value"));
        for (size_t i = 0; i < ELEMENTSOF(record_ints); i++) {
                const json_t *v = json_object_get(rec, record_ints[i]);
                char label[16];
                if (!json_is_integer(v))
                        continue;
                snprintf(label, sizeof label, "%s:", record_ints[i]);
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                table_add(&t, label, num);
        }
        table_print(&t, stdout);
}

static int dns_show(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_free_ char *path = NULL;
        long long id;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_show, argv);
                }
        if ((r = cli_want_args(usage_show, argc, argv, 1)) || (r = parse_id(usage_show, "dns show", argv[optind], &id)))
                return r;
        if (!(path = record_path(id)))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", path, NULL, &rec)))
                return r;
        if (cli->json)
                return cli_print_json(rec);
        print_record(rec);
        return EXIT_OK;
}

/* The options and words of `dns add` and `dns set` (with_id): the record
 * as a request body, and the id. Returns -1 to go on, or an exit code (0
 * after --help). */
static int parse_record(struct cli *cli, const char *usage, const char *verb, bool with_id, int argc, char **argv,
                        long long *ret_id, json_t **ret_body) {
        static const struct option options[] = {
                {"ttl", required_argument, NULL, ARG_TTL},
                {"priority", required_argument, NULL, ARG_PRIORITY},
                {"weight", required_argument, NULL, ARG_WEIGHT},
                {"port", required_argument, NULL, ARG_PORT},
                OPTIONS_COMMON,
                {},
        };
        long long ints[ELEMENTSOF(record_ints)];
        bool given[ELEMENTSOF(record_ints)] = {};
        _cleanup_free_ char *type = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_TTL:
                case ARG_PRIORITY:
                case ARG_WEIGHT:
                case ARG_PORT: {
                        size_t k = (size_t)(c - ARG_TTL);
                        char option[16];
                        snprintf(option, sizeof option, "--%s", record_ints[k]);
                        if ((r = cli_option_int(usage, verb, option, optarg, &ints[k])))
                                return r;
                        given[k] = true;
                        break;
                }
                CASES_COMMON(cli, usage, argv);
                }
        if ((r = cli_want_args(usage, argc, argv, with_id ? 4 : 3)))
                return r;
        char **words = argv + optind;
        if (with_id) {
                if ((r = parse_id(usage, verb, words[0], ret_id)))
                        return r;
                words++;
        }
        if (!(type = type_upper(words[1])))
                return EXIT_FAILED;

        _cleanup_json_ json_t *body = json_object();
        if (!body)
                return EXIT_FAILED;
        const char *const keys[] = {"name", "type", "value"}, *const values[] = {words[0], type, words[2]};
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                json_t *v;
                if ((r = cli_json_word(usage, verb, values[k], &v)))
                        return r;
                if (json_object_set_new(body, keys[k], v) < 0)
                        return EXIT_FAILED;
        }
        for (size_t k = 0; k < ELEMENTSOF(record_ints); k++)
                if (given[k] && json_object_set_new(body, record_ints[k], json_integer(ints[k])) < 0)
                        return EXIT_FAILED;
        *ret_body = TAKE_PTR(body);
        return -1;
}

static int dns_add(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *body = NULL, *rec = NULL;
        int r;

        if ((r = parse_record(cli, usage_add, "dns add", false, argc, argv, NULL, &body)) >= 0)
                return r;
        if ((r = cli_call(cli, "POST", "/api/dns/records", body, &rec)))
                return r;
        if (cli->json)
                return cli_print_json(rec);
        print_record_line("Added", rec);
        return EXIT_OK;
}

static int dns_set(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *body = NULL, *rec = NULL;
        _cleanup_free_ char *path = NULL;
        long long id;
        int r;

        if ((r = parse_record(cli, usage_set, "dns set", true, argc, argv, &id, &body)) >= 0)
                return r;
        if (!(path = record_path(id)))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "PUT", path, body, &rec)))
                return r;
        if (cli->json)
                return cli_print_json(rec);
        print_record_line("Replaced", rec);
        return EXIT_OK;
}

static int dns_rm(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *path = NULL;
        long long id;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_rm, argv);
                }
        if ((r = cli_want_args(usage_rm, argc, argv, 1)) || (r = parse_id(usage_rm, "dns rm", argv[optind], &id)))
                return r;
        if (!(path = record_path(id)))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "DELETE", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Removed record %lld.\n", id);
        return EXIT_OK;
}

int verb_dns(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"list", dns_list, "List the records (search, type filter, pages)"},
                {"show", dns_show, "Show one record"},
                {"add", dns_add, "Add a record"},
                {"set", dns_set, "Replace a record"},
                {"rm", dns_rm, "Remove a record"},
        };
        return cli_dispatch(cli, "dns", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
