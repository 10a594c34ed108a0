/* pic user add|list|passwd|rm: the cell's users (admin only). Passwords
 * come from a file, stdin, a prompt, or are generated and shown once. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/password.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic user VERB [ARGS...]\n"
        "\n"
        "Manage the users of the cell (admins only). Changing a password or\n"
        "removing a user signs out all of that user's sessions.\n";

#define PASSWORD_HELP                                                                              \
        "The password comes from --password-file (its first line), else from stdin\n"                \
        "when it is not a terminal (its first line), else from a prompt (asked\n"                    \
        "twice, not echoed); --generate makes one and prints it once.\n"                             \
        "Passwords are 8..256 bytes without control characters.\n"

static const char usage_add[] =
        "Usage: pic user add NAME [--role admin|user] [--password-file F | --generate]\n"
        "\n"
        "Create a user. NAME: [a-z0-9_.-]{1,32}, starting with a letter or digit.\n" PASSWORD_HELP
        "\n"
        "Options:\n"
        "  --role ROLE          admin or user (default: user)\n"
        "  --password-file F    read the password from the first line of F\n"
        "  --generate           generate a password and print it once\n"
        "  --json               print the API's JSON (plus \"password\" when generated)\n"
        "  -h, --help           show this help\n";

static const char usage_list[] =
        "Usage: pic user list\n"
        "\n"
        "List the users with their roles.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_passwd[] =
        "Usage: pic user passwd NAME [--password-file F | --generate]\n"
        "\n"
        "Set a user's password.\n" PASSWORD_HELP
        "\n"
        "Options:\n"
        "  --password-file F    read the password from the first line of F\n"
        "  --generate           generate a password and print it once\n"
        "  --json               print the API's JSON (plus \"password\" when generated)\n"
        "  -h, --help           show this help\n";

static const char usage_rm[] =
        "Usage: pic user rm NAME\n"
        "\n"
        "Remove a user, with their sessions and tokens. The last admin stays.\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

enum { ARG_ROLE = 0x200, ARG_PWFILE, ARG_GENERATE };

struct password_source {
        const char *file;
        bool generate;
};

/* Returns 0 with *ret set, or an exit code after saying what went wrong. */
static int get_password(const struct password_source *src, const char *name, char **ret) {
        int r;

        if (src->generate)
                r = password_generate(ret);
        else if (src->file)
                r = password_from_file(src->file, ret);
        else {
                _cleanup_free_ char *what = strdup_printf("'%s'", name);
                r = what ? password_from_stdin(what, ret) : -ENOMEM;
        }
        if (r == 0)
                return EXIT_OK;
        if (src->file)
                fprintf(stderr, "pic: --password-file '%s': %s\n", src->file,
                        r == -E2BIG ? "the first line is too long" : strerror(-r));
        else if (r == -EKEYREJECTED)
                fputs("pic: the passwords do not match\n", stderr);
        else
                fprintf(stderr, "pic: cannot read the password: %s\n", strerror(-r));
        return EXIT_FAILED;
}

/* A user path /api/users/NAME with NAME escaped; caller frees. */
static char *user_path(const char *name) {
        _cleanup_free_ char *e = client_escape(name);

        return e ? strdup_printf("/api/users/%s", e) : NULL;
}

static int print_user_result(struct cli *cli, json_t *user, const char *generated, const char *what) {
        if (cli->json) {
                if (generated && json_object_set_new(user, "password", json_string(generated)) < 0)
                        return EXIT_FAILED;
                return cli_print_json(user);
        }
        printf("%s '%s' (role: %s).\n", what, jstr(user, "username") ?: "?", jstr(user, "role") ?: "?");
        if (generated) {
                printf("password: %s\n", generated);
                puts("This password is shown only once: store it now.");
        }
        return EXIT_OK;
}

static int user_add(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"role", required_argument, NULL, ARG_ROLE},
                {"password-file", required_argument, NULL, ARG_PWFILE},
                {"generate", no_argument, NULL, ARG_GENERATE},
                OPTIONS_COMMON,
                {},
        };
        struct password_source src = {};
        _cleanup_password_ char *password = NULL;
        _cleanup_json_ json_t *body = NULL, *user = NULL;
        const char *role = "user", *name;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_ROLE:
                        role = optarg;
                        break;
                case ARG_PWFILE:
                        src.file = optarg;
                        break;
                case ARG_GENERATE:
                        src.generate = true;
                        break;
                CASES_COMMON(cli, usage_add, argv);
                }
        if ((r = cli_want_args(usage_add, argc, argv, 1)))
                return r;
        if (src.file && src.generate)
                return cli_usage_error(usage_add, "user add: --password-file and --generate exclude each other");
        if (!streq(role, "admin") && !streq(role, "user"))
                return cli_usage_error(usage_add, "user add: --role must be admin or user, not '%s'", role);
        name = argv[optind];

        if ((r = get_password(&src, name, &password)))
                return r;
        body = json_pack("{s:s, s:s, s:s}", "username", name, "password", password, "role", role);
        if (!body)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "POST", "/api/users", body, &user)))
                return r;
        return print_user_result(cli, user, src.generate ? password : NULL, "Created user");
}

static int user_list(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        json_t *u;
        size_t i;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_list, argv);
                }
        if ((r = cli_want_args(usage_list, argc, argv, 0)))
                return r;
        if ((r = cli_call(cli, "GET", "/api/users", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        table_init(&t, 4, (const char *const[]){"USERNAME", "ROLE", "CREATED", "UPDATED"});
        json_array_foreach(json_object_get(response, "users"), i, u)
                table_add(&t, jstr(u, "username"), jstr(u, "role"), jstr(u, "created_at"), jstr(u, "updated_at"));
        table_print(&t, stdout);
        return EXIT_OK;
}

static int user_passwd(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"password-file", required_argument, NULL, ARG_PWFILE},
                {"generate", no_argument, NULL, ARG_GENERATE},
                OPTIONS_COMMON,
                {},
        };
        struct password_source src = {};
        _cleanup_password_ char *password = NULL;
        _cleanup_json_ json_t *body = NULL, *user = NULL;
        _cleanup_free_ char *path = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_PWFILE:
                        src.file = optarg;
                        break;
                case ARG_GENERATE:
                        src.generate = true;
                        break;
                CASES_COMMON(cli, usage_passwd, argv);
                }
        if ((r = cli_want_args(usage_passwd, argc, argv, 1)))
                return r;
        if (src.file && src.generate)
                return cli_usage_error(usage_passwd,
                                       "user passwd: --password-file and --generate exclude each other");

        path = user_path(argv[optind]);
        if (!path)
                return EXIT_FAILED;
        if ((r = get_password(&src, argv[optind], &password)))
                return r;
        body = json_pack("{s:s}", "password", password);
        if (!body)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "PUT", path, body, &user)))
                return r;
        r = print_user_result(cli, user, src.generate ? password : NULL, "Changed the password of");
        if (r == EXIT_OK && !cli->json)
                puts("Their sessions were signed out.");
        return r;
}

static int user_rm(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *path = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_rm, argv);
                }
        if ((r = cli_want_args(usage_rm, argc, argv, 1)))
                return r;
        path = user_path(argv[optind]);
        if (!path)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "DELETE", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Removed user '%s'.\n", argv[optind]);
        return EXIT_OK;
}

int verb_user(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"add", user_add, "Create a user"},
                {"list", user_list, "List the users"},
                {"passwd", user_passwd, "Set a user's password"},
                {"rm", user_rm, "Remove a user"},
        };
        return cli_dispatch(cli, "user", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
