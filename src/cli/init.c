/* pic init: create a cell directory with cell_init(). Local only: picd is
 * not needed, and not asked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/password.h"
#include "common/cleanup.h"
#include "store/cell.h"

static const char usage[] =
        "Usage: pic init [--dir DIR] --name NAME [OPTIONS]\n"
        "\n"
        "Create a new cell in DIR: its store, secrets/, run/ and log/, and the\n"
        "first admin user, `admin`. Refuses a directory that already holds a cell.\n"
        "Without --admin-password-file a password is generated and shown once.\n"
        "\n"
        "Options:\n"
        "  --dir DIR                  where (default: $PIC_DIR, else ./var for the\n"
        "                             dev profile, /var/lib/pic for system)\n"
        "  --name NAME                the cell name: [a-z0-9-]{1,32} (required)\n"
        "  --domain DOMAIN            default: cell\n"
        "  --vpn-address CIDR         the cell's VPN address (default: 10.0.0.1/24)\n"
        "  --ip-range CIDR            RFC 1918 range of service IPs (default: 172.20.0.0/24)\n"
        "  --profile dev|system       ports and paths (default: dev)\n"
        "  --public-endpoint HOST     hostname or IPv4 peers connect to (default: none)\n"
        "  --admin-password-file F    the admin password: the first line of F\n"
        "  --json                     print {\"dir\", \"admin_user\", \"password\"}\n"
        "  -h, --help                 show this help\n";

/* cell_init names the option that failed by its field; say it as the user typed it. */
static const char *option_of(const char *field) {
        static const struct {
                const char *field, *option;
        } map[] = {
                {"dir", "--dir"},
                {"name", "--name"},
                {"cell_name", "--name"},
                {"domain", "--domain"},
                {"vpn_address", "--vpn-address"},
                {"ip_range", "--ip-range"},
                {"profile", "--profile"},
                {"public_endpoint", "--public-endpoint"},
                {"admin_password", "--admin-password-file"},
                {"password", "--admin-password-file"},
        };
        for (size_t i = 0; field && i < ELEMENTSOF(map); i++)
                if (streq(map[i].field, field))
                        return map[i].option;
        return field;
}

static int print_result(const struct cli *cli, const char *dir, const char *name, const char *password) {
        if (cli->json) {
                _cleanup_json_ json_t *o = json_pack("{s:s, s:s, s:s?}", "dir", dir, "admin_user", "admin",
                                                     "password", password);
                if (!o)
                        return EXIT_FAILED;
                return cli_print_json(o);
        }
        printf("Created the cell '%s' in %s\n", name, dir);
        if (password) {
                printf("admin user: admin\n");
                printf("password: %s\n", password);
                printf("This password is shown only once: store it now.\n");
        }
        printf("Start picd with `picd --dir %s` (or `make start`).\n", dir);
        return EXIT_OK;
}

int verb_init(struct cli *cli, int argc, char **argv) {
        enum { ARG_DIR = 0x200, ARG_NAME, ARG_DOMAIN, ARG_VPN, ARG_RANGE, ARG_PROFILE, ARG_ENDPOINT, ARG_PWFILE };
        static const struct option options[] = {
                {"dir", required_argument, NULL, ARG_DIR},
                {"name", required_argument, NULL, ARG_NAME},
                {"domain", required_argument, NULL, ARG_DOMAIN},
                {"vpn-address", required_argument, NULL, ARG_VPN},
                {"ip-range", required_argument, NULL, ARG_RANGE},
                {"profile", required_argument, NULL, ARG_PROFILE},
                {"public-endpoint", required_argument, NULL, ARG_ENDPOINT},
                {"admin-password-file", required_argument, NULL, ARG_PWFILE},
                OPTIONS_COMMON,
                {},
        };
        struct cell_init_options o = {};
        const char *password_file = NULL, *field = NULL, *message = NULL;
        _cleanup_password_ char *password = NULL, *generated = NULL;
        _cleanup_free_ char *absolute = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_DIR:
                        o.dir = optarg;
                        break;
                case ARG_NAME:
                        o.name = optarg;
                        break;
                case ARG_DOMAIN:
                        o.domain = optarg;
                        break;
                case ARG_VPN:
                        o.vpn_address = optarg;
                        break;
                case ARG_RANGE:
                        o.ip_range = optarg;
                        break;
                case ARG_PROFILE:
                        o.profile = optarg;
                        break;
                case ARG_ENDPOINT:
                        o.public_endpoint = optarg;
                        break;
                case ARG_PWFILE:
                        password_file = optarg;
                        break;
                CASES_COMMON(cli, usage, argv);
                }
        if ((r = cli_want_args(usage, argc, argv, 0)))
                return r;
        if (!o.name)
                return cli_usage_error(usage, "init: --name is required");
        if (o.profile && !streq(o.profile, "dev") && !streq(o.profile, "system"))
                return cli_usage_error(usage, "init: --profile must be dev or system, not '%s'", o.profile);
        if (o.dir && !*o.dir)
                return cli_usage_error(usage, "init: --dir needs a directory");
        if (!o.dir)
                o.dir = cli->dir_explicit ? cli->dir
                        : (o.profile && streq(o.profile, "system")) ? "/var/lib/pic"
                                                                      : "var";

        if (password_file) {
                r = password_from_file(password_file, &password);
                if (r < 0) {
                        fprintf(stderr, "pic: --admin-password-file '%s': %s\n", password_file,
                                r == -E2BIG ? "the first line is too long" : strerror(-r));
                        return EXIT_FAILED;
                }
                o.admin_password = password;
        }

        r = cell_init(&o, &field, &message, &generated);
        if (r == -EEXIST) {
                fprintf(stderr, "pic: '%s' already holds a cell; not touching it\n", o.dir);
                return EXIT_FAILED;
        }
        if (r == -EINVAL && field) {
                fprintf(stderr, "pic: %s: %s (field: %s)\n", option_of(field), message ? message : "invalid value",
                        field);
                return EXIT_FAILED;
        }
        if (r < 0) {
                fprintf(stderr, "pic: cannot create a cell in '%s': %s\n", o.dir, strerror(-r));
                return r == -EACCES || r == -EPERM ? EXIT_DENIED : EXIT_FAILED;
        }

        absolute = realpath(o.dir, NULL);
        return print_result(cli, absolute ? absolute : o.dir, o.name, generated);
}
