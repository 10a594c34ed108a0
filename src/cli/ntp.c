/* pic ntp status|set: the cell's time server (chrony). The status is
 * /api/ntp/status, read from chrony by picd; the settings are the `ntp`
 * section of /api/config. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic ntp VERB [ARGS...]\n"
        "\n"
        "The cell's time server: whether it is synchronised, from which sources,\n"
        "and which clients ask it. `pic config get ntp` shows its settings.\n";

static const char usage_status[] =
        "Usage: pic ntp status\n"
        "\n"
        "Show whether chrony runs and is synchronised, its stratum, reference and\n"
        "offset, a table of its sources (address, mode, state, stratum, reach,\n"
        "last sample, offset) and one of its clients (address, NTP packets, last).\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_set[] =
        "Usage: pic ntp set [--server S ...] [--local-stratum N] [--allow CIDR ...]\n"
        "\n"
        "Change the NTP settings; what is not given stays. --server and --allow\n"
        "repeat, and together give the whole new list (at most 8 servers and 16\n"
        "CIDRs); --no-servers and --no-allow empty a list. Servers are host names\n"
        "or IPv4 addresses, used as pools. Clients are always served from the VPN\n"
        "subnet and the DHCP interface's subnet; --allow adds more.\n"
        "Example: pic ntp set --server 0.pool.ntp.org --server 1.pool.ntp.org --local-stratum 10\n"
        "\n"
        "Options:\n"
        "  --server S          an upstream server or pool\n"
        "  --no-servers        no upstream servers\n"
        "  --local-stratum N   serve the cell's own clock at stratum N (1..15) when no\n"
        "                      server is reachable; 0: never\n"
        "  --allow CIDR        also serve clients from CIDR (192.168.1.0/24)\n"
        "  --no-allow          no extra client subnets\n"
        "  --json              print the API's JSON\n"
        "  -h, --help          show this help\n";

enum { ARG_SERVER = 0x200, ARG_NO_SERVERS, ARG_LOCAL_STRATUM, ARG_ALLOW, ARG_NO_ALLOW };

/* An offset in seconds in the unit that suits it, as chronyc shows them:
 * "+0 ns", "-12.3 us", "+4.567 ms", "+1.250 s"; "-" when not a number. */
static void format_offset(const json_t *v, char *out, size_t size) {
        double x = json_number_value(v), a = x < 0 ? -x : x;

        if (!json_is_number(v) || !isfinite(x))
                snprintf(out, size, "-");
        else if (a < 0.5e-9)
                snprintf(out, size, "+0 ns");
        else if (a < 1e-6)
                snprintf(out, size, "%+.0f ns", x * 1e9);
        else if (a < 1e-3)
                snprintf(out, size, "%+.1f us", x * 1e6);
        else if (a < 1)
                snprintf(out, size, "%+.3f ms", x * 1e3);
        else
                snprintf(out, size, "%+.3f s", x);
}

/* Seconds ago as "45s ago", or "never" for null. */
static void format_ago(const json_t *v, char *out, size_t size) {
        char d[64];

        if (!json_is_integer(v)) {
                snprintf(out, size, "never");
                return;
        }
        cli_format_duration((long long)json_integer_value(v), d, sizeof d);
        snprintf(out, size, "%s ago", d);
}

static void print_sources(const json_t *sources) {
        _cleanup_table_ struct table t = {};
        json_t *s;
        size_t i;

        if (json_array_size(sources) == 0) {
                puts("No sources.");
                return;
        }
        table_init(&t, 7, (const char *const[]){"SOURCE", "MODE", "STATE", "STRATUM", "REACH", "LAST RX", "OFFSET"});
        json_array_foreach(sources, i, s) {
                char stratum[16], reach[16], last[80], offset[48];
                snprintf(stratum, sizeof stratum, "%lld", jint(s, "stratum"));
                snprintf(reach, sizeof reach, "%llo", jint(s, "reach")); /* octal, as chronyc shows it */
                format_ago(json_object_get(s, "last_rx_s"), last, sizeof last);
                format_offset(json_object_get(s, "offset_s"), offset, sizeof offset);
                table_add(&t, jstr(s, "address"), jstr(s, "mode"), jstr(s, "state"), stratum, reach, last, offset);
        }
        table_print(&t, stdout);
}

static void print_clients(const json_t *clients) {
        _cleanup_table_ struct table t = {};
        json_t *cl;
        size_t i;

        if (json_array_size(clients) == 0) {
                puts("No clients.");
                return;
        }
        table_init(&t, 3, (const char *const[]){"CLIENT", "NTP PACKETS", "LAST"});
        json_array_foreach(clients, i, cl) {
                char packets[32], last[80];
                snprintf(packets, sizeof packets, "%lld", jint(cl, "ntp_packets"));
                format_ago(json_object_get(cl, "last_s"), last, sizeof last);
                table_add(&t, jstr(cl, "address"), packets, last);
        }
        table_print(&t, stdout);
}

static int ntp_status(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *st = NULL;
        _cleanup_table_ struct table t = {};
        char stratum[16], offset[48];
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_status, argv);
                }
        if ((r = cli_want_args(usage_status, argc, argv, 0)))
                return r;
        if ((r = cli_call(cli, "GET", "/api/ntp/status", NULL, &st)))
                return r;
        if (cli->json)
                return cli_print_json(st);

        if (!json_is_true(json_object_get(st, "running"))) {
                puts("running:       no (chrony is not running)");
                return EXIT_OK;
        }
        const char *reference = jstr(st, "reference");
        snprintf(stratum, sizeof stratum, "%lld", jint(st, "stratum"));
        format_offset(json_object_get(st, "offset_s"), offset, sizeof offset);
        table_init(&t, 2, NULL);
        table_add(&t, "running:", "yes");
        table_add(&t, "synchronised:", json_is_true(json_object_get(st, "synchronised")) ? "yes" : "no");
        table_add(&t, "stratum:", stratum);
        table_add(&t, "reference:", reference && *reference ? reference : "(none)");
        table_add(&t, "offset:", offset);
        table_add(&t, "leap:", jstr(st, "leap"));
        table_print(&t, stdout);
        putchar('\n');
        print_sources(json_object_get(st, "sources"));
        putchar('\n');
        print_clients(json_object_get(st, "clients"));
        return EXIT_OK;
}

/* Appends a command-line word to the list key of ntp (made on first use). */
static int list_add(json_t *ntp, const char *key, const char *word) {
        json_t *list = json_object_get(ntp, key), *v;
        int r;

        if (!list) {
                list = json_array();
                if (!list || json_object_set_new(ntp, key, list) < 0)
                        return EXIT_FAILED;
        }
        if ((r = cli_json_word(usage_set, "ntp set", word, &v)))
                return r;
        return json_array_append_new(list, v) < 0 ? EXIT_FAILED : EXIT_OK;
}

static int ntp_set(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"server", required_argument, NULL, ARG_SERVER},
                {"no-servers", no_argument, NULL, ARG_NO_SERVERS},
                {"local-stratum", required_argument, NULL, ARG_LOCAL_STRATUM},
                {"allow", required_argument, NULL, ARG_ALLOW},
                {"no-allow", no_argument, NULL, ARG_NO_ALLOW},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *ntp = json_object(), *body = NULL;
        bool no_servers = false, no_allow = false;
        long long n;
        int c, r;

        if (!ntp)
                return EXIT_FAILED;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                r = EXIT_OK;
                switch (c) {
                case ARG_SERVER:
                        r = list_add(ntp, "servers", optarg);
                        break;
                case ARG_NO_SERVERS:
                        no_servers = true;
                        break;
                case ARG_ALLOW:
                        r = list_add(ntp, "allow", optarg);
                        break;
                case ARG_NO_ALLOW:
                        no_allow = true;
                        break;
                case ARG_LOCAL_STRATUM:
                        if (!(r = cli_option_int(usage_set, "ntp set", "--local-stratum", optarg, &n)) &&
                            json_object_set_new(ntp, "local_stratum", json_integer(n)) < 0)
                                r = EXIT_FAILED;
                        break;
                CASES_COMMON(cli, usage_set, argv);
                }
                if (r)
                        return r;
        }
        if ((r = cli_want_args(usage_set, argc, argv, 0)))
                return r;
        if (no_servers && json_object_get(ntp, "servers"))
                return cli_usage_error(usage_set, "ntp set: --server and --no-servers exclude each other");
        if (no_allow && json_object_get(ntp, "allow"))
                return cli_usage_error(usage_set, "ntp set: --allow and --no-allow exclude each other");
        if ((no_servers && json_object_set_new(ntp, "servers", json_array()) < 0) ||
            (no_allow && json_object_set_new(ntp, "allow", json_array()) < 0))
                return EXIT_FAILED;
        if (json_object_size(ntp) == 0)
                return cli_usage_error(usage_set, "ntp set: give at least one setting to change");

        body = json_pack("{s:O}", "ntp", ntp);
        if (!body)
                return EXIT_FAILED;
        return config_update(cli, body);
}

int verb_ntp(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"status", ntp_status, "Show synchronisation, sources and clients"},
                {"set", ntp_set, "Change the servers, local stratum and allowed subnets"},
        };
        return cli_dispatch(cli, "ntp", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
