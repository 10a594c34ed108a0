/* pic dhcp show|set|reservations|reserve|unreserve|leases: the cell's DHCP
 * server (dnsmasq). The settings are the `dhcp` section of /api/config;
 * reservations and leases have routes of their own under /api/dhcp. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/buf.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic dhcp VERB [ARGS...]\n"
        "\n"
        "The cell's DHCP server: its settings, fixed addresses by MAC\n"
        "(reservations) and the leases it handed out. Changes apply at once.\n";

static const char usage_show[] =
        "Usage: pic dhcp show\n"
        "\n"
        "Show the DHCP settings (on or off, interface, address range, router,\n"
        "lease time) and the interfaces DHCP could serve, with their addresses.\n"
        "\n"
        "Options:\n"
        "  --json        print {\"dhcp\": the settings, \"interfaces\": [...]}, as the API\n"
        "                gives them\n"
        "  -h, --help    show this help\n";

static const char usage_set[] =
        "Usage: pic dhcp set [--enable|--disable] [--interface IF] [--range START END]\n"
        "                    [--router IP] [--lease-time SECONDS]\n"
        "\n"
        "Change the DHCP settings; what is not given stays. Turning DHCP on needs\n"
        "an interface with an IPv4 address (see `pic dhcp show`) and a range inside\n"
        "its subnet; picd names the setting it refuses.\n"
        "Example: pic dhcp set --enable --interface eth1 --range 192.168.1.100 192.168.1.200\n"
        "\n"
        "Options:\n"
        "  --enable              serve DHCP\n"
        "  --disable             stop serving DHCP\n"
        "  --interface IF        the interface to serve ('' for none)\n"
        "  --range START END     the addresses to hand out\n"
        "  --router IP           the router clients get ('': the cell's own address\n"
        "                        on the interface)\n"
        "  --lease-time SECONDS  how long a lease lasts, 120..31536000\n"
        "  --json                print the API's JSON\n"
        "  -h, --help            show this help\n";

static const char usage_reservations[] =
        "Usage: pic dhcp reservations\n"
        "\n"
        "List the reservations: MAC, address and name.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_reserve[] =
        "Usage: pic dhcp reserve MAC IP [--name NAME] [--replace]\n"
        "\n"
        "Give the device with MAC (aa:bb:cc:dd:ee:ff) the fixed address IP. With a\n"
        "NAME (one DNS label) it is also NAME.lan.<cell_name>.<domain>. A MAC that\n"
        "already has a reservation is refused, unless --replace: then its address\n"
        "and name are replaced (without --name, the name is removed).\n"
        "\n"
        "Options:\n"
        "  --name NAME   the device's name in the cell's DNS\n"
        "  --replace     replace the reservation MAC has\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_unreserve[] =
        "Usage: pic dhcp unreserve MAC\n"
        "\n"
        "Remove the reservation of MAC.\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

static const char usage_leases[] =
        "Usage: pic dhcp leases\n"
        "\n"
        "List the leases handed out: address, MAC, host name (when the device sent\n"
        "a valid one), when the lease ends, and whether the address is the MAC's\n"
        "reservation.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

enum { ARG_ENABLE = 0x200, ARG_DISABLE, ARG_INTERFACE, ARG_RANGE, ARG_ROUTER, ARG_LEASE_TIME, ARG_NAME, ARG_REPLACE };

/* A verb that takes only the common options and no words; returns -1 to go
 * on, or an exit code. */
static int parse_plain(struct cli *cli, const char *usage, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage, argv);
                }
        if ((r = cli_want_args(usage, argc, argv, 0)))
                return r;
        return -1;
}

static char *reservation_path(const char *mac) {
        _cleanup_free_ char *e = client_escape(mac);

        return e ? strdup_printf("/api/dhcp/reservations/%s", e) : NULL;
}

static void print_settings(const json_t *dhcp) {
        _cleanup_table_ struct table t = {};
        const char *iface = jstr(dhcp, "interface"), *start = jstr(dhcp, "range_start"),
                   *end = jstr(dhcp, "range_end"), *router = jstr(dhcp, "router");
        char range[64], lease[96], duration[64];

        if (start && *start && end && *end)
                snprintf(range, sizeof range, "%s - %s", start, end);
        else
                snprintf(range, sizeof range, "(not set)");
        cli_format_duration(jint(dhcp, "lease_time"), duration, sizeof duration);
        snprintf(lease, sizeof lease, "%lld s (%s)", jint(dhcp, "lease_time"), duration);

        table_init(&t, 2, NULL);
        table_add(&t, "enabled:", json_is_true(json_object_get(dhcp, "enabled")) ? "yes" : "no");
        table_add(&t, "interface:", iface && *iface ? iface : "(not set)");
        table_add(&t, "range:", range);
        table_add(&t, "router:", router && *router ? router : "(the cell's address on the interface)");
        table_add(&t, "lease time:", lease);
        table_print(&t, stdout);
}

static void print_interfaces(const json_t *interfaces) {
        _cleanup_table_ struct table t = {};
        json_t *iface, *addr;
        size_t i, j;

        if (json_array_size(interfaces) == 0) {
                puts("No interface has an IPv4 address (loopback aside).");
                return;
        }
        table_init(&t, 2, (const char *const[]){"INTERFACE", "ADDRESSES"});
        json_array_foreach(interfaces, i, iface) {
                _cleanup_buf_ struct buf b = BUF_INIT;
                json_array_foreach(json_object_get(iface, "addresses"), j, addr)
                        if (buf_printf(&b, "%s%s", j ? ", " : "", json_string_value(addr) ?: "?") < 0)
                                return;
                table_add(&t, jstr(iface, "name"), buf_str(&b));
        }
        table_print(&t, stdout);
}

static int dhcp_show(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *config = NULL, *interfaces = NULL;
        int r;

        if ((r = parse_plain(cli, usage_show, argc, argv)) >= 0)
                return r;
        if ((r = cli_call(cli, "GET", "/api/config", NULL, &config)) ||
            (r = cli_call(cli, "GET", "/api/dhcp/interfaces", NULL, &interfaces)))
                return r;
        const json_t *dhcp = json_object_get(config, "dhcp");
        const json_t *list = json_object_get(interfaces, "interfaces");
        if (cli->json) {
                _cleanup_json_ json_t *all = json_pack("{s:O?, s:O?}", "dhcp", dhcp, "interfaces", list);
                return all ? cli_print_json(all) : EXIT_FAILED;
        }
        if (!json_is_object(dhcp)) {
                fputs("pic: picd's configuration has no dhcp section\n", stderr);
                return EXIT_FAILED;
        }
        print_settings(dhcp);
        putchar('\n');
        print_interfaces(list);
        return EXIT_OK;
}

/* Sets key of the dhcp object to the command-line word; 0 or an exit code. */
static int set_word(json_t *dhcp, const char *key, const char *word) {
        json_t *v;
        int r;

        if ((r = cli_json_word(usage_set, "dhcp set", word, &v)))
                return r;
        return json_object_set_new(dhcp, key, v) < 0 ? EXIT_FAILED : EXIT_OK;
}

static int dhcp_set(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"enable", no_argument, NULL, ARG_ENABLE},
                {"disable", no_argument, NULL, ARG_DISABLE},
                {"interface", required_argument, NULL, ARG_INTERFACE},
                {"range", required_argument, NULL, ARG_RANGE},
                {"router", required_argument, NULL, ARG_ROUTER},
                {"lease-time", required_argument, NULL, ARG_LEASE_TIME},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *dhcp = json_object(), *body = NULL;
        bool enable = false, disable = false;
        long long n;
        int c, r;

        if (!dhcp)
                return EXIT_FAILED;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                r = EXIT_OK;
                switch (c) {
                case ARG_ENABLE:
                        enable = true;
                        break;
                case ARG_DISABLE:
                        disable = true;
                        break;
                case ARG_INTERFACE:
                        r = set_word(dhcp, "interface", optarg);
                        break;
                case ARG_RANGE:
                        /* Two words: getopt gave START; END is the next one,
                         * taken here as if it were part of the option. */
                        if (optind >= argc || (argv[optind][0] == '-' && argv[optind][1] == '-'))
                                return cli_usage_error(usage_set, "dhcp set: --range needs START and END");
                        if (!(r = set_word(dhcp, "range_start", optarg)))
                                r = set_word(dhcp, "range_end", argv[optind++]);
                        break;
                case ARG_ROUTER:
                        r = set_word(dhcp, "router", optarg);
                        break;
                case ARG_LEASE_TIME:
                        if (!(r = cli_option_int(usage_set, "dhcp set", "--lease-time", optarg, &n)) &&
                            json_object_set_new(dhcp, "lease_time", json_integer(n)) < 0)
                                r = EXIT_FAILED;
                        break;
                CASES_COMMON(cli, usage_set, argv);
                }
                if (r)
                        return r;
        }
        if ((r = cli_want_args(usage_set, argc, argv, 0)))
                return r;
        if (enable && disable)
                return cli_usage_error(usage_set, "dhcp set: --enable and --disable exclude each other");
        if ((enable || disable) && json_object_set_new(dhcp, "enabled", json_boolean(enable)) < 0)
                return EXIT_FAILED;
        if (json_object_size(dhcp) == 0)
                return cli_usage_error(usage_set, "dhcp set: give at least one setting to change");

        body = json_pack("{s:O}", "dhcp", dhcp);
        if (!body)
                return EXIT_FAILED;
        return config_update(cli, body);
}

static int dhcp_reservations(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        json_t *res;
        size_t i;
        int r;

        if ((r = parse_plain(cli, usage_reservations, argc, argv)) >= 0)
                return r;
        if ((r = cli_call(cli, "GET", "/api/dhcp/reservations", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *list = json_object_get(response, "reservations");
        if (json_array_size(list) == 0) {
                puts("No reservations.");
                return EXIT_OK;
        }
        table_init(&t, 3, (const char *const[]){"MAC", "IP", "NAME"});
        json_array_foreach(list, i, res) {
                const char *name = jstr(res, "name");
                table_add(&t, jstr(res, "mac"), jstr(res, "ip"), name && *name ? name : "-");
        }
        table_print(&t, stdout);
        return EXIT_OK;
}

static int dhcp_reserve(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"name", required_argument, NULL, ARG_NAME},
                {"replace", no_argument, NULL, ARG_REPLACE},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *body = json_object(), *res = NULL;
        _cleanup_free_ char *path = NULL;
        const char *name = NULL, *mac, *ip;
        bool replace = false;
        json_t *v;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_NAME:
                        name = optarg;
                        break;
                case ARG_REPLACE:
                        replace = true;
                        break;
                CASES_COMMON(cli, usage_reserve, argv);
                }
        if ((r = cli_want_args(usage_reserve, argc, argv, 2)))
                return r;
        mac = argv[optind];
        ip = argv[optind + 1];
        if (!body)
                return EXIT_FAILED;

        /* POST names the MAC in the body; PUT in the path, and replaces the
         * name too, so it always carries one ("" for none). */
        if (!replace) {
                if ((r = cli_json_word(usage_reserve, "dhcp reserve", mac, &v)))
                        return r;
                if (json_object_set_new(body, "mac", v) < 0)
                        return EXIT_FAILED;
        }
        if ((r = cli_json_word(usage_reserve, "dhcp reserve", ip, &v)))
                return r;
        if (json_object_set_new(body, "ip", v) < 0)
                return EXIT_FAILED;
        if (name || replace) {
                if ((r = cli_json_word(usage_reserve, "dhcp reserve", name ?: "", &v)))
                        return r;
                if (json_object_set_new(body, "name", v) < 0)
                        return EXIT_FAILED;
        }

        if (replace) {
                if (!(path = reservation_path(mac)))
                        return EXIT_FAILED;
                r = cli_call(cli, "PUT", path, body, &res);
        } else
                r = cli_call(cli, "POST", "/api/dhcp/reservations", body, &res);
        if (r)
                return r;
        if (cli->json)
                return cli_print_json(res);

        const char *got = jstr(res, "name");
        printf("%s %s for %s", replace ? "Now reserved" : "Reserved", jstr(res, "ip") ?: "?", jstr(res, "mac") ?: "?");
        if (got && *got)
                printf(", named '%s'", got);
        puts(".");
        return EXIT_OK;
}

static int dhcp_unreserve(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *path = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_unreserve, argv);
                }
        if ((r = cli_want_args(usage_unreserve, argc, argv, 1)))
                return r;
        if (!(path = reservation_path(argv[optind])))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "DELETE", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Removed the reservation of %s.\n", argv[optind]);
        return EXIT_OK;
}

static int dhcp_leases(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        json_t *lease;
        size_t i;
        int r;

        if ((r = parse_plain(cli, usage_leases, argc, argv)) >= 0)
                return r;
        if ((r = cli_call(cli, "GET", "/api/dhcp/leases", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *list = json_object_get(response, "leases");
        if (json_array_size(list) == 0) {
                puts("No leases.");
                return EXIT_OK;
        }
        table_init(&t, 5, (const char *const[]){"IP", "MAC", "HOSTNAME", "EXPIRES", "RESERVED"});
        json_array_foreach(list, i, lease)
                table_add(&t, jstr(lease, "ip"), jstr(lease, "mac"), jstr(lease, "hostname"),
                          jstr(lease, "expires") ?: "never",
                          json_is_true(json_object_get(lease, "reserved")) ? "yes" : "no");
        table_print(&t, stdout);
        return EXIT_OK;
}

int verb_dhcp(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"show", dhcp_show, "Show the settings and the interfaces"},
                {"set", dhcp_set, "Change the settings"},
                {"reservations", dhcp_reservations, "List the fixed addresses"},
                {"reserve", dhcp_reserve, "Give a MAC a fixed address (or --replace it)"},
                {"unreserve", dhcp_unreserve, "Remove a MAC's fixed address"},
                {"leases", dhcp_leases, "List the leases handed out"},
        };
        return cli_dispatch(cli, "dhcp", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
