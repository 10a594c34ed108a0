/* pic: the command line of a PIC cell. This file holds the table of verbs,
 * the global options and the dispatch; each verb group lives in its own
 * file (init.c, status.c, config.c, users.c, tokens.c, revisions.c,
 * logs.c, services.c, dns.c, dhcp.c, ntp.c, peer.c). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"

static int verb_help(struct cli *cli, int argc, char **argv);

static const struct verb verbs[] = {
        {"init", verb_init, "Create a new cell directory (local; no picd needed)"},
        {"status", verb_status, "Show the cell, picd's health, pending changes and services"},
        {"config", verb_config, "Show or change the configuration: get, set, pending, discard"},
        {"apply", verb_apply, "Apply the staged changes, with a confirm window"},
        {"confirm", verb_confirm, "Keep the changes applied by `pic apply`"},
        {"user", verb_user, "Manage users: add, list, passwd, rm"},
        {"token", verb_token, "Manage API tokens: create, list, revoke"},
        {"revisions", verb_revisions, "List the revision history, or show one revision"},
        {"rollback", verb_rollback, "Restore the configuration of an earlier revision"},
        {"logs", verb_logs, "Show a service's log lines, or follow them with -f"},
        {"restart", verb_restart, "Restart a service that picd supervises"},
        {"dns", verb_dns, "The zone's records: list, show, add, set, rm"},
        {"dhcp", verb_dhcp, "DHCP: show, set, reservations, reserve, unreserve, leases"},
        {"ntp", verb_ntp, "The time server: status, set"},
        {"peer", verb_peer, "The VPN's peers: list, show, add, set, config, qr, rm"},
        {"help", verb_help, "Show this help, or a verb's"},
};

static const char usage_head[] =
        "Usage: pic [--dir DIR] [--json] VERB [ARGS...]\n"
        "\n"
        "The command line of a PIC cell. Apart from `init`, every verb talks to\n"
        "picd over DIR/run/control.sock (as root: no password needed).\n"
        "\n"
        "Options:\n"
        "  --dir DIR     the cell directory (default: $PIC_DIR, else ./var if it\n"
        "                holds cell.db, else /var/lib/pic)\n"
        "  --json        print the API's JSON (indented) instead of readable text\n"
        "  -h, --help    show this help\n"
        "  --version     show the version\n"
        "\n"
        "Verbs:\n";

static const char usage_tail[] =
        "\n"
        "Run `pic VERB --help` for the options of a verb.\n"
        "\n"
        "Environment:\n"
        "  PIC_DIR       the cell directory, as --dir\n"
        "  PIC_TOKEN     an API token, sent as Bearer (for users other than root)\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  the request failed: picd refused it, and the message says why\n"
        "  2  usage error: unknown verb or option, missing or bad argument\n"
        "  3  cannot reach picd: it is not running, or did not answer\n"
        "  4  permission denied\n";

static void print_usage(FILE *f) {
        fputs(usage_head, f);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-10s  %s\n", verbs[i].name, verbs[i].summary);
        fputs(usage_tail, f);
}

static const struct verb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

/* `pic help` is `pic --help`; `pic help VERB` is `pic VERB --help`. */
static int verb_help(struct cli *cli, int argc, char **argv) {
        if (argc < 2) {
                print_usage(stdout);
                return EXIT_OK;
        }
        const struct verb *v = find_verb(argv[1]);
        if (!v || v->fn == verb_help) {
                fprintf(stderr, "pic: unknown verb '%s'\n", argv[1]);
                print_usage(stderr);
                return EXIT_USAGE;
        }
        char *help_argv[] = {argv[1], (char *)"--help", NULL};
        optind = 0;
        return v->fn(cli, 2, help_argv);
}

/* --dir, else $PIC_DIR, else ./var when it holds a cell, else /var/lib/pic. */
static const char *default_dir(struct cli *cli) {
        const char *env = getenv("PIC_DIR");

        if (env && *env) {
                cli->dir_explicit = true;
                return env;
        }
        if (access("var/cell.db", F_OK) == 0)
                return "var";
        return "/var/lib/pic";
}

int main(int argc, char **argv) {
        enum { ARG_DIR = 0x100, ARG_GJSON, ARG_VERSION };
        static const struct option options[] = {
                {"dir", required_argument, NULL, ARG_DIR},
                {"json", no_argument, NULL, ARG_GJSON},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {},
        };
        struct cli cli = {};
        int c, r;

        opterr = 0; /* every verb reports option errors itself, with its usage */
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1)
                switch (c) {
                case ARG_DIR:
                        if (!*optarg) {
                                fputs("pic: --dir needs a directory\n", stderr);
                                return EXIT_USAGE;
                        }
                        cli.dir = optarg;
                        cli.dir_explicit = true;
                        break;
                case ARG_GJSON:
                        cli.json = true;
                        break;
                case 'h':
                        print_usage(stdout);
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("pic %s\n", PIC_VERSION);
                        return EXIT_OK;
                case ':':
                        fprintf(stderr, "pic: option '%s' needs a value\n", argv[optind - 1]);
                        print_usage(stderr);
                        return EXIT_USAGE;
                default:
                        fprintf(stderr, "pic: unknown option '%s'\n", argv[optind - 1]);
                        print_usage(stderr);
                        return EXIT_USAGE;
                }

        if (optind >= argc) {
                fputs("pic: missing verb\n", stderr);
                print_usage(stderr);
                return EXIT_USAGE;
        }
        const struct verb *v = find_verb(argv[optind]);
        if (!v) {
                fprintf(stderr, "pic: unknown verb '%s'\n", argv[optind]);
                print_usage(stderr);
                return EXIT_USAGE;
        }
        if (!cli.dir)
                cli.dir = default_dir(&cli);

        r = client_init(&cli.client, cli.dir);
        if (r < 0) {
                fprintf(stderr, "pic: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                fputs("pic: cannot initialise libcurl\n", stderr);
                client_release(&cli.client);
                return EXIT_FAILED;
        }

        int verb_argc = argc - optind;
        char **verb_argv = argv + optind;
        optind = 0; /* a full getopt reset: the verb parses its own options */
        r = v->fn(&cli, verb_argc, verb_argv);

        client_release(&cli.client);
        curl_global_cleanup();
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "pic: cannot write the output: %s\n", strerror(errno));
                return r ? r : EXIT_FAILED;
        }
        return r;
}
