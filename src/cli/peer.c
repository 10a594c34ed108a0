/* pic peer list|show|add|set|config|qr|rm: the VPN's peers (/api/peers).
 * picd checks every field and names the one it refuses; the CLI turns words
 * into JSON, writes a peer's config to a 0600 file, and draws the config as
 * a QR code in the terminal (src/common/qr.c, from the config's own bytes). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/qr.h"

static const char usage_group[] =
        "Usage: pic peer VERB [ARGS...]\n"
        "\n"
        "The VPN's peers: the devices that connect to the cell over WireGuard.\n"
        "Each has a name (its DNS name is NAME.peers.<cell_name>.<domain>), an\n"
        "address in the VPN subnet, a key pair (made by the cell, or the device's\n"
        "own public key), the services it may reach, and a wg-quick config that\n"
        "`pic peer config` writes out and `pic peer qr` draws for a phone to scan.\n";

#define SERVICES_HELP "SERVICE is one of webui, dns, ntp, mail, calendar, files.\n"

#define EXPIRES_HELP "TIME is UTC, as 2026-12-31T23:59:59Z, and in the future.\n"

static const char usage_list[] =
        "Usage: pic peer list [--search S] [--limit N] [--offset N]\n"
        "\n"
        "List the peers, sorted by name: name, address, state (enabled, disabled,\n"
        "expired), tunnel (split: only the cell's subnets; full: all traffic),\n"
        "services, and when it expires.\n"
        "\n"
        "Options:\n"
        "  --search S    only peers whose name or address contains S\n"
        "  --limit N     at most N peers, 1..1000 (default: all)\n"
        "  --offset N    skip the first N matching peers\n"
        "  --json        print the API's JSON ({\"peers\": [...], \"total\": N})\n"
        "  -h, --help    show this help\n";

static const char usage_show[] =
        "Usage: pic peer show NAME\n"
        "\n"
        "Show every field of one peer.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_add[] =
        "Usage: pic peer add NAME [--ip IP] [--public-key KEY] [--service SERVICE ...]\n"
        "                    [--no-services] [--full-tunnel] [--keepalive N] [--disabled]\n"
        "                    [--expires TIME] [--config FILE [--force]] [--qr]\n"
        "\n"
        "Add a peer and print it. NAME is 1-32 of a-z, 0-9 and '-', not starting\n"
        "or ending with '-'. The cell makes the key pair unless --public-key gives\n"
        "the device's own (its config then asks for the device's private key).\n"
        "The address is the first free one of the VPN subnet unless --ip. --service\n"
        "repeats and gives the whole list; by default the peer reaches every\n"
        "service. " SERVICES_HELP EXPIRES_HELP
        "Examples:\n"
        "  pic peer add phone --service dns --service webui --qr\n"
        "  pic peer add laptop --full-tunnel --config laptop.conf\n"
        "\n"
        "Options:\n"
        "  --ip IP            the peer's address, inside the VPN subnet\n"
        "  --public-key KEY   the device's WireGuard public key (44 characters)\n"
        "  --service SERVICE  a service the peer may reach (repeats)\n"
        "  --no-services      the peer reaches no service (only the VPN)\n"
        "  --full-tunnel      send all of the device's IPv4 traffic through the cell\n"
        "                     (default: split, only the cell's subnets)\n"
        "  --keepalive N      seconds between keepalives, 0 (off)..3600 (default: 25)\n"
        "  --disabled         add the peer switched off\n"
        "  --expires TIME     when the peer stops working (default: never)\n"
        "  --config FILE      also write the peer's wg-quick config to FILE, mode 0600;\n"
        "                     an existing FILE is refused (before the peer is added)\n"
        "  --force            replace FILE if it exists\n"
        "  --qr               also draw the config as a QR code (see `pic peer qr`)\n"
        "  --json             print the API's JSON (not with --qr)\n"
        "  -h, --help         show this help\n";

static const char usage_set[] =
        "Usage: pic peer set NAME [--service SERVICE ... | --no-services]\n"
        "                    [--full-tunnel | --split-tunnel] [--keepalive N]\n"
        "                    [--enable | --disable] [--expires TIME | --no-expiry]\n"
        "\n"
        "Change a peer; what is not given stays. --service repeats and gives the\n"
        "whole new list. The name, address and key cannot change: remove the peer\n"
        "and add it again. " SERVICES_HELP EXPIRES_HELP
        "\n"
        "Options:\n"
        "  --service SERVICE  a service the peer may reach (repeats)\n"
        "  --no-services      the peer reaches no service (only the VPN)\n"
        "  --full-tunnel      send all of the device's IPv4 traffic through the cell\n"
        "  --split-tunnel     send only the cell's subnets through the cell\n"
        "  --keepalive N      seconds between keepalives, 0 (off)..3600\n"
        "  --enable           switch the peer on\n"
        "  --disable          switch the peer off (its key stays)\n"
        "  --expires TIME     when the peer stops working\n"
        "  --no-expiry        the peer never expires\n"
        "  --json             print the API's JSON\n"
        "  -h, --help         show this help\n";

static const char usage_config[] =
        "Usage: pic peer config NAME [-o FILE [--force]]\n"
        "\n"
        "Print the peer's wg-quick config, or write it to FILE with mode 0600. It\n"
        "holds the peer's private key when the cell made the key pair: keep it\n"
        "private. An existing FILE is refused unless --force.\n"
        "\n"
        "Options:\n"
        "  -o, --output FILE  write the config to FILE instead of stdout\n"
        "  --force            replace FILE if it exists\n"
        "  --json             print the API's JSON (the config and an SVG QR code)\n"
        "  -h, --help         show this help\n";

static const char usage_qr[] =
        "Usage: pic peer qr NAME\n"
        "\n"
        "Draw the peer's wg-quick config as a QR code in the terminal, for the\n"
        "WireGuard app on a phone to scan (\"Scan from QR code\"). The code holds\n"
        "the config byte for byte, private key included. It is drawn for a dark\n"
        "terminal background (light blocks on dark); on a light background the\n"
        "code comes out inverted, which many scanners do not read. The web UI and\n"
        "GET /api/peers/NAME/config?format=png give it as an image.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON (the config and an SVG QR code)\n"
        "  -h, --help    show this help\n";

static const char usage_rm[] =
        "Usage: pic peer rm NAME\n"
        "\n"
        "Remove a peer and its keys; the device can no longer connect.\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

enum {
        ARG_SEARCH = 0x200,
        ARG_LIMIT,
        ARG_OFFSET,
        ARG_IP,
        ARG_PUBLIC_KEY,
        ARG_SERVICE,
        ARG_NO_SERVICES,
        ARG_FULL_TUNNEL,
        ARG_SPLIT_TUNNEL,
        ARG_KEEPALIVE,
        ARG_ENABLE,
        ARG_DISABLE,
        ARG_EXPIRES,
        ARG_NO_EXPIRY,
        ARG_CONFIG,
        ARG_FORCE,
        ARG_QR,
};

/* "/api/peers/NAME" plus suffix ("" or "/config?format=json"). */
static char *peer_path(const char *name, const char *suffix) {
        _cleanup_free_ char *e = client_escape(name);

        return e ? strdup_printf("/api/peers/%s%s", e, suffix) : NULL;
}

/* "dns,calendar" (sep ","), "dns, calendar" (sep ", "), "none". Caller frees. */
static char *services_text(const json_t *peer, const char *sep) {
        _cleanup_buf_ struct buf b = BUF_INIT;
        const json_t *list = json_object_get(peer, "services");
        json_t *s;
        size_t i;

        if (json_array_size(list) == 0)
                return strdup("none");
        json_array_foreach(list, i, s)
                if (buf_printf(&b, "%s%s", i ? sep : "", json_string_value(s) ?: "?") < 0)
                        return NULL;
        return buf_steal(&b);
}

static bool jtrue(const json_t *o, const char *key) {
        return json_is_true(json_object_get(o, key));
}

/* Expired first: a disabled peer that has also expired needs more than
 * --enable to work again. */
static const char *state_text(const json_t *peer) {
        if (jtrue(peer, "expired"))
                return "expired";
        return jtrue(peer, "enabled") ? "enabled" : "disabled";
}

static const char *tunnel_text(const json_t *peer) {
        return jtrue(peer, "full_tunnel") ? "full" : "split";
}

static void print_peer(const json_t *peer) {
        _cleanup_table_ struct table t = {};
        _cleanup_free_ char *services = services_text(peer, ", ");
        const char *expires = jstr(peer, "expires");
        long long keepalive = jint(peer, "keepalive");
        char ka[32];

        if (keepalive > 0)
                snprintf(ka, sizeof ka, "%lld s", keepalive);
        else
                snprintf(ka, sizeof ka, "off");
        table_init(&t, 2, NULL);
        table_add(&t, "name:", jstr(peer, "name"));
        table_add(&t, "ip:", jstr(peer, "ip"));
        table_add(&t, "fqdn:", jstr(peer, "fqdn"));
        table_add(&t, "public key:", jstr(peer, "public_key"));
        table_add(&t, "key kept by cell:", jtrue(peer, "key_kept_by_cell") ? "yes (the config holds the private key)"
                                                                           : "no (the device keeps its private key)");
        table_add(&t, "services:", services);
        table_add(&t, "tunnel:", jtrue(peer, "full_tunnel") ? "full (all IPv4 traffic)" : "split (the cell's subnets)");
        table_add(&t, "keepalive:", ka);
        table_add(&t, "enabled:", jtrue(peer, "enabled") ? "yes" : "no");
        table_add(&t, "expires:", expires ?: "never");
        table_add(&t, "expired:", jtrue(peer, "expired") ? "yes" : "no");
        table_add(&t, "created:", jstr(peer, "created"));
        table_print(&t, stdout);
}

/* The options shared by `add` and `set`, gathered before the body is made. */
struct peer_options {
        json_t *services; /* a list, or NULL when no --service */
        bool no_services;
        bool full_tunnel, split_tunnel;
        bool enable, disable;
        bool has_keepalive;
        long long keepalive;
        const char *expires;
        bool no_expiry;
};

static void peer_options_release(struct peer_options *o) {
        json_decref(o->services);
        o->services = NULL;
}

/* Handles c when it is one of the shared options: returns 0 or an exit
 * code; 1 when c is not one of them. */
static int peer_option(struct peer_options *o, const char *usage, const char *verb, int c) {
        json_t *v;
        int r;

        switch (c) {
        case ARG_SERVICE:
                if (!o->services && !(o->services = json_array()))
                        return EXIT_FAILED;
                if ((r = cli_json_word(usage, verb, optarg, &v)))
                        return r;
                return json_array_append_new(o->services, v) < 0 ? EXIT_FAILED : EXIT_OK;
        case ARG_NO_SERVICES:
                o->no_services = true;
                return EXIT_OK;
        case ARG_FULL_TUNNEL:
                o->full_tunnel = true;
                return EXIT_OK;
        case ARG_SPLIT_TUNNEL:
                o->split_tunnel = true;
                return EXIT_OK;
        case ARG_ENABLE:
                o->enable = true;
                return EXIT_OK;
        case ARG_DISABLE:
                o->disable = true;
                return EXIT_OK;
        case ARG_KEEPALIVE:
                o->has_keepalive = true;
                return cli_option_int(usage, verb, "--keepalive", optarg, &o->keepalive);
        case ARG_EXPIRES:
                o->expires = optarg;
                return EXIT_OK;
        case ARG_NO_EXPIRY:
                o->no_expiry = true;
                return EXIT_OK;
        default:
                return 1;
        }
}

/* Adds the shared options to body after checking that no two exclude each
 * other. Returns 0 or an exit code. */
static int peer_options_to_body(const struct peer_options *o, const char *usage, const char *verb, json_t *body) {
        json_t *v;
        int r;

        if (o->full_tunnel && o->split_tunnel)
                return cli_usage_error(usage, "%s: --full-tunnel and --split-tunnel exclude each other", verb);
        if (o->enable && o->disable)
                return cli_usage_error(usage, "%s: --enable and --disable exclude each other", verb);
        if (o->services && o->no_services)
                return cli_usage_error(usage, "%s: --service and --no-services exclude each other", verb);
        if (o->expires && o->no_expiry)
                return cli_usage_error(usage, "%s: --expires and --no-expiry exclude each other", verb);

        if (o->services && json_object_set(body, "services", o->services) < 0)
                return EXIT_FAILED;
        if (o->no_services && json_object_set_new(body, "services", json_array()) < 0)
                return EXIT_FAILED;
        if ((o->full_tunnel || o->split_tunnel) &&
            json_object_set_new(body, "full_tunnel", json_boolean(o->full_tunnel)) < 0)
                return EXIT_FAILED;
        if ((o->enable || o->disable) && json_object_set_new(body, "enabled", json_boolean(o->enable)) < 0)
                return EXIT_FAILED;
        if (o->has_keepalive && json_object_set_new(body, "keepalive", json_integer(o->keepalive)) < 0)
                return EXIT_FAILED;
        if (o->no_expiry && json_object_set_new(body, "expires", json_null()) < 0)
                return EXIT_FAILED;
        if (o->expires) {
                if ((r = cli_json_word(usage, verb, o->expires, &v)))
                        return r;
                if (json_object_set_new(body, "expires", v) < 0)
                        return EXIT_FAILED;
        }
        return EXIT_OK;
}

/* ---- the config: fetched as JSON, written to a file, drawn as a QR code */

/* GET /api/peers/NAME/config?format=json. Returns 0 with the PeerConfig
 * object, or an exit code after reporting the failure. */
static int fetch_config(struct cli *cli, const char *name, json_t **ret) {
        _cleanup_free_ char *path = peer_path(name, "/config?format=json");
        _cleanup_json_ json_t *c = NULL;
        int r;

        if (!path)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", path, NULL, &c)))
                return r;
        if (!json_is_string(json_object_get(c, "config"))) {
                fputs("pic: picd's answer has no config\n", stderr);
                return EXIT_FAILED;
        }
        *ret = TAKE_PTR(c);
        return EXIT_OK;
}

/* What the config lacks for a device to connect as it is; on stderr, so
 * that stdout stays the config (or the code) alone. */
static void config_notes(const char *config) {
        if (!strstr(config, "\nEndpoint = "))
                fputs("pic: note: the cell's public_endpoint is not set, so the config has no Endpoint "
                      "(pic config set public_endpoint=HOST)\n",
                      stderr);
        if (!strstr(config, "\nPrivateKey = "))
                fputs("pic: note: the cell has only the device's public key: put the device's own private key "
                      "into the config\n",
                      stderr);
}

static int write_all(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Writes data to fd, makes it mode 0600 whatever the umask, syncs and
 * closes it. Returns 0 or -errno; fd is closed either way. */
static int finish_file(int fd, const char *data, size_t len) {
        int r = write_all(fd, data, len);

        if (r == 0 && fchmod(fd, 0600) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* Writes a secret to path, mode 0600. Without force it must be a new file
 * (O_EXCL: an existing file or a symlink is -EEXIST). With force it goes
 * through a temporary file beside path and a rename, so that a replaced
 * file's mode, owner or links never carry over and a symlink at path is
 * replaced, not followed. Returns 0 or -errno. */
static int write_secret_file(const char *path, const char *data, size_t len, bool force) {
        int fd, r;

        if (!force) {
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
                if (fd < 0)
                        return -errno;
                if ((r = finish_file(fd, data, len)) < 0)
                        unlink(path);
                return r;
        }
        _cleanup_free_ char *copy = strdup(path), *tmp = NULL;
        if (!copy || !(tmp = strdup_printf("%s/.pic-peer-XXXXXX", dirname(copy))))
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = finish_file(fd, data, len);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

/* Writes the config of a PeerConfig object to file; says what went wrong.
 * Returns 0 or an exit code. */
static int save_config(const json_t *c, const char *file, bool force) {
        const json_t *config = json_object_get(c, "config");
        int r = write_secret_file(file, json_string_value(config), json_string_length(config), force);

        if (r == -EEXIST)
                fprintf(stderr, "pic: '%s' exists; --force replaces it\n", file);
        else if (r < 0)
                fprintf(stderr, "pic: cannot write '%s': %s\n", file, strerror(-r));
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* Draws text as a QR code in half blocks on stdout; 0 or an exit code. */
static int print_qr(const char *text) {
        _cleanup_qr_ struct qr *q = NULL;
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r;

        if ((r = qr_encode(text, &q)) < 0 || (r = qr_terminal(q, &b)) < 0) {
                fprintf(stderr, "pic: cannot draw the config as a QR code: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        fwrite(b.data, 1, b.len, stdout);

        /* A line that wraps breaks the code: say so rather than leave the
         * user with a code no phone reads. */
        unsigned columns = q->width + 2 * QR_TERMINAL_MARGIN;
        struct winsize ws;
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
            ws.ws_col < columns)
                fprintf(stderr,
                        "pic: note: the code is %u columns wide and the terminal %u: widen the window (or make\n"
                        "the font smaller) until no line wraps, then run this again\n",
                        columns, (unsigned)ws.ws_col);
        return EXIT_OK;
}

/* An existing file at path, checked before a peer is added for it. */
static bool file_exists(const char *path) {
        struct stat st;

        return lstat(path, &st) == 0;
}

/* ---- the verbs */

static int peer_list(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"search", required_argument, NULL, ARG_SEARCH},
                {"limit", required_argument, NULL, ARG_LIMIT},
                {"offset", required_argument, NULL, ARG_OFFSET},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        _cleanup_buf_ struct buf path = BUF_INIT;
        const char *search = NULL;
        char limit[32] = "", offset[32] = "";
        long long n, skip = 0;
        json_t *peer;
        size_t i;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_SEARCH:
                        search = optarg;
                        break;
                case ARG_LIMIT:
                case ARG_OFFSET:
                        if ((r = cli_option_int(usage_list, "peer list", c == ARG_LIMIT ? "--limit" : "--offset",
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

        if (buf_puts(&path, "/api/peers") < 0 || cli_query_add(&path, "search", search) < 0 ||
            cli_query_add(&path, "limit", *limit ? limit : NULL) < 0 ||
            cli_query_add(&path, "offset", *offset ? offset : NULL) < 0)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", buf_str(&path), NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *peers = json_object_get(response, "peers");
        long long total = jint(response, "total"), shown = (long long)json_array_size(peers);
        if (shown == 0) {
                if (total > 0)
                        printf("No peers past offset %lld (%lld match).\n", skip, total);
                else
                        puts(search ? "No matching peers." : "No peers.");
                return EXIT_OK;
        }
        table_init(&t, 6, (const char *const[]){"NAME", "IP", "STATE", "TUNNEL", "SERVICES", "EXPIRES"});
        json_array_foreach(peers, i, peer) {
                _cleanup_free_ char *services = services_text(peer, ",");
                table_add(&t, jstr(peer, "name"), jstr(peer, "ip"), state_text(peer), tunnel_text(peer), services,
                          jstr(peer, "expires") ?: "never");
        }
        table_print(&t, stdout);
        if (shown < total)
                printf("Peers %lld-%lld of %lld (see --limit and --offset).\n", skip + 1, skip + shown, total);
        return EXIT_OK;
}

/* A verb whose only word is NAME and whose only options are the common
 * ones; returns -1 to go on, or an exit code. */
static int parse_name_only(struct cli *cli, const char *usage, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage, argv);
                }
        if ((r = cli_want_args(usage, argc, argv, 1)))
                return r;
        return -1;
}

static int peer_show(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *peer = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if ((r = parse_name_only(cli, usage_show, argc, argv)) >= 0)
                return r;
        if (!(path = peer_path(argv[optind], "")))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "GET", path, NULL, &peer)))
                return r;
        if (cli->json)
                return cli_print_json(peer);
        print_peer(peer);
        return EXIT_OK;
}

static int peer_add(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"ip", required_argument, NULL, ARG_IP},
                {"public-key", required_argument, NULL, ARG_PUBLIC_KEY},
                {"service", required_argument, NULL, ARG_SERVICE},
                {"no-services", no_argument, NULL, ARG_NO_SERVICES},
                {"full-tunnel", no_argument, NULL, ARG_FULL_TUNNEL},
                {"keepalive", required_argument, NULL, ARG_KEEPALIVE},
                {"disabled", no_argument, NULL, ARG_DISABLE},
                {"expires", required_argument, NULL, ARG_EXPIRES},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"force", no_argument, NULL, ARG_FORCE},
                {"qr", no_argument, NULL, ARG_QR},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_(peer_options_release) struct peer_options o = {};
        _cleanup_json_ json_t *body = json_object(), *peer = NULL, *config = NULL;
        const char *config_file = NULL, *words[2] = {};
        bool force = false, qr = false;
        json_t *v;
        int c, r;

        if (!body)
                return EXIT_FAILED;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if ((r = peer_option(&o, usage_add, "peer add", c)) != 1) {
                        if (r)
                                return r;
                        continue;
                }
                switch (c) {
                case ARG_IP:
                        words[0] = optarg;
                        break;
                case ARG_PUBLIC_KEY:
                        words[1] = optarg;
                        break;
                case ARG_CONFIG:
                        config_file = optarg;
                        break;
                case ARG_FORCE:
                        force = true;
                        break;
                case ARG_QR:
                        qr = true;
                        break;
                CASES_COMMON(cli, usage_add, argv);
                }
        }
        if ((r = cli_want_args(usage_add, argc, argv, 1)))
                return r;
        if (!*argv[optind])
                return cli_usage_error(usage_add, "peer add: NAME is empty");
        if (config_file && !*config_file)
                return cli_usage_error(usage_add, "peer add: --config needs a file name");
        if (force && !config_file)
                return cli_usage_error(usage_add, "peer add: --force goes with --config FILE");
        if (qr && cli->json)
                return cli_usage_error(usage_add, "peer add: --qr draws in the terminal; it does not go with --json");

        const char *const keys[] = {"name", "ip", "public_key"}, *const values[] = {argv[optind], words[0], words[1]};
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                if (!values[k])
                        continue;
                if ((r = cli_json_word(usage_add, "peer add", values[k], &v)))
                        return r;
                if (json_object_set_new(body, keys[k], v) < 0)
                        return EXIT_FAILED;
        }
        if ((r = peer_options_to_body(&o, usage_add, "peer add", body)))
                return r;

        /* Before the peer exists: a refused file leaves nothing behind. */
        if (config_file && !force && file_exists(config_file)) {
                fprintf(stderr, "pic: '%s' exists; --force replaces it (no peer was added)\n", config_file);
                return EXIT_FAILED;
        }
        if ((r = cli_call(cli, "POST", "/api/peers", body, &peer)))
                return r;
        if (cli->json)
                cli_print_json(peer);
        else
                print_peer(peer);
        if (!config_file && !qr)
                return EXIT_OK;

        const char *name = jstr(peer, "name") ?: argv[optind];
        if ((r = fetch_config(cli, name, &config))) {
                fprintf(stderr, "pic: peer '%s' was added, but without its config; try `pic peer config %s`\n", name,
                        name);
                return r;
        }
        const char *text = jstr(config, "config");
        config_notes(text);
        if (config_file) {
                if ((r = save_config(config, config_file, force))) {
                        fprintf(stderr, "pic: peer '%s' was added; `pic peer config %s -o FILE` writes its config\n",
                                name, name);
                        return r;
                }
                if (!cli->json)
                        printf("\nWrote the config to '%s' (mode 0600).\n", config_file);
        }
        if (qr) {
                putchar('\n');
                return print_qr(text);
        }
        return EXIT_OK;
}

static int peer_set(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"service", required_argument, NULL, ARG_SERVICE},
                {"no-services", no_argument, NULL, ARG_NO_SERVICES},
                {"full-tunnel", no_argument, NULL, ARG_FULL_TUNNEL},
                {"split-tunnel", no_argument, NULL, ARG_SPLIT_TUNNEL},
                {"keepalive", required_argument, NULL, ARG_KEEPALIVE},
                {"enable", no_argument, NULL, ARG_ENABLE},
                {"disable", no_argument, NULL, ARG_DISABLE},
                {"expires", required_argument, NULL, ARG_EXPIRES},
                {"no-expiry", no_argument, NULL, ARG_NO_EXPIRY},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_(peer_options_release) struct peer_options o = {};
        _cleanup_json_ json_t *body = json_object(), *peer = NULL;
        _cleanup_free_ char *path = NULL;
        int c, r;

        if (!body)
                return EXIT_FAILED;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if ((r = peer_option(&o, usage_set, "peer set", c)) != 1) {
                        if (r)
                                return r;
                        continue;
                }
                switch (c) {
                CASES_COMMON(cli, usage_set, argv);
                }
        }
        if ((r = cli_want_args(usage_set, argc, argv, 1)))
                return r;
        if ((r = peer_options_to_body(&o, usage_set, "peer set", body)))
                return r;
        if (json_object_size(body) == 0)
                return cli_usage_error(usage_set, "peer set: give at least one setting to change");

        if (!(path = peer_path(argv[optind], "")))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "PUT", path, body, &peer)))
                return r;
        if (cli->json)
                return cli_print_json(peer);
        print_peer(peer);
        return EXIT_OK;
}

static int peer_config(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"output", required_argument, NULL, 'o'},
                {"force", no_argument, NULL, ARG_FORCE},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *config = NULL;
        const char *file = NULL;
        bool force = false;
        int c, r;

        while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) != -1)
                switch (c) {
                case 'o':
                        file = optarg;
                        break;
                case ARG_FORCE:
                        force = true;
                        break;
                CASES_COMMON(cli, usage_config, argv);
                }
        if ((r = cli_want_args(usage_config, argc, argv, 1)))
                return r;
        if (file && !*file)
                return cli_usage_error(usage_config, "peer config: -o needs a file name");
        if (force && !file)
                return cli_usage_error(usage_config, "peer config: --force goes with -o FILE");

        if ((r = fetch_config(cli, argv[optind], &config)))
                return r;
        const json_t *text = json_object_get(config, "config");
        config_notes(json_string_value(text));
        if (file && (r = save_config(config, file, force)))
                return r;
        if (cli->json)
                return cli_print_json(config);
        if (file)
                printf("Wrote the config of peer '%s' to '%s' (mode 0600).\n", jstr(config, "name") ?: argv[optind],
                       file);
        else
                fwrite(json_string_value(text), 1, json_string_length(text), stdout);
        return EXIT_OK;
}

static int peer_qr(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *config = NULL;
        int r;

        if ((r = parse_name_only(cli, usage_qr, argc, argv)) >= 0)
                return r;
        if ((r = fetch_config(cli, argv[optind], &config)))
                return r;
        if (cli->json)
                return cli_print_json(config);
        config_notes(jstr(config, "config"));
        return print_qr(jstr(config, "config"));
}

static int peer_rm(struct cli *cli, int argc, char **argv) {
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if ((r = parse_name_only(cli, usage_rm, argc, argv)) >= 0)
                return r;
        if (!(path = peer_path(argv[optind], "")))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "DELETE", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Removed peer '%s'.\n", argv[optind]);
        return EXIT_OK;
}

int verb_peer(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"list", peer_list, "List the peers (search, pages)"},
                {"show", peer_show, "Show one peer"},
                {"add", peer_add, "Add a peer (and write its config, or draw its QR code)"},
                {"set", peer_set, "Change a peer's services, tunnel, keepalive, state or expiry"},
                {"config", peer_config, "Print a peer's wg-quick config, or write it to a file"},
                {"qr", peer_qr, "Draw a peer's config as a QR code in the terminal"},
                {"rm", peer_rm, "Remove a peer"},
        };
        return cli_dispatch(cli, "peer", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
