/* pic token create|list|revoke: API tokens for scripts and other machines.
 * A token's secret is printed once, at creation; picd keeps only a digest. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage_group[] =
        "Usage: pic token VERB [ARGS...]\n"
        "\n"
        "Manage API tokens. A client sends one as `Authorization: Bearer TOKEN`\n"
        "(pic itself reads it from $PIC_TOKEN). Scopes: read (GET only) < write <\n"
        "admin; a token never exceeds its owner's role.\n";

static const char usage_create[] =
        "Usage: pic token create NAME [--scope read|write|admin] [--expires-days N] [--user USER]\n"
        "\n"
        "Create a token and print it. It is shown only this once.\n"
        "\n"
        "Options:\n"
        "  --scope SCOPE       read, write or admin (default: read)\n"
        "  --expires-days N    expire after N days, 1..3650 (default: never)\n"
        "  --user USER         the owner (admins only; default: you)\n"
        "  --json              print the API's JSON, with the token\n"
        "  -h, --help          show this help\n";

static const char usage_list[] =
        "Usage: pic token list [--all]\n"
        "\n"
        "List your tokens (never their secrets).\n"
        "\n"
        "Options:\n"
        "  --all         every user's tokens (admins only)\n"
        "  --json        print the API's JSON\n"
        "  -h, --help    show this help\n";

static const char usage_revoke[] =
        "Usage: pic token revoke ID\n"
        "\n"
        "Revoke a token by its id (see `pic token list`); it stops working at once.\n"
        "\n"
        "Options:\n"
        "  --json        print {} on success\n"
        "  -h, --help    show this help\n";

enum { ARG_SCOPE = 0x200, ARG_EXPIRES, ARG_USER, ARG_ALL };

static int token_create(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"scope", required_argument, NULL, ARG_SCOPE},
                {"expires-days", required_argument, NULL, ARG_EXPIRES},
                {"user", required_argument, NULL, ARG_USER},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *body = NULL, *token = NULL;
        const char *scope = "read", *user = NULL;
        long long days = 0;
        bool expires = false;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_SCOPE:
                        scope = optarg;
                        break;
                case ARG_EXPIRES:
                        if (parse_int(optarg, INT_MIN, INT_MAX, &days) < 0)
                                return cli_usage_error(usage_create,
                                                       "token create: --expires-days needs a number, not '%s'",
                                                       optarg);
                        expires = true;
                        break;
                case ARG_USER:
                        user = optarg;
                        break;
                CASES_COMMON(cli, usage_create, argv);
                }
        if ((r = cli_want_args(usage_create, argc, argv, 1)))
                return r;
        if (!streq(scope, "read") && !streq(scope, "write") && !streq(scope, "admin"))
                return cli_usage_error(usage_create, "token create: --scope must be read, write or admin, not '%s'",
                                       scope);

        body = json_pack("{s:s, s:s}", "name", argv[optind], "scope", scope);
        if (!body || (expires && json_object_set_new(body, "expires_in_days", json_integer(days)) < 0) ||
            (user && json_object_set_new(body, "username", json_string(user)) < 0))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "POST", "/api/auth/tokens", body, &token)))
                return r;
        if (cli->json)
                return cli_print_json(token);

        printf("Created token '%s' (id %s, scope %s, owner %s, expires %s).\n", jstr(token, "name") ?: "?",
               jstr(token, "id") ?: "?", jstr(token, "scope") ?: "?", jstr(token, "username") ?: "?",
               jstr(token, "expires_at") ?: "never");
        printf("token: %s\n", jstr(token, "token") ?: "?");
        puts("This token is shown only once: store it now.");
        return EXIT_OK;
}

static int token_list(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {
                {"all", no_argument, NULL, ARG_ALL},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *response = NULL;
        _cleanup_table_ struct table t = {};
        bool all = false;
        json_t *tok;
        size_t i;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_ALL:
                        all = true;
                        break;
                CASES_COMMON(cli, usage_list, argv);
                }
        if ((r = cli_want_args(usage_list, argc, argv, 0)))
                return r;
        if ((r = cli_call(cli, "GET", all ? "/api/auth/tokens?all=1" : "/api/auth/tokens", NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);

        const json_t *tokens = json_object_get(response, "tokens");
        if (json_array_size(tokens) == 0) {
                puts("No tokens.");
                return EXIT_OK;
        }
        table_init(&t, 7, (const char *const[]){"ID", "NAME", "USER", "SCOPE", "CREATED", "EXPIRES", "LAST USED"});
        json_array_foreach(tokens, i, tok)
                table_add(&t, jstr(tok, "id"), jstr(tok, "name"), jstr(tok, "username"), jstr(tok, "scope"),
                          jstr(tok, "created_at"), jstr(tok, "expires_at") ?: "never",
                          jstr(tok, "last_used_at") ?: "never");
        table_print(&t, stdout);
        return EXIT_OK;
}

static int token_revoke(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *response = NULL;
        _cleanup_free_ char *id = NULL, *path = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage_revoke, argv);
                }
        if ((r = cli_want_args(usage_revoke, argc, argv, 1)))
                return r;
        id = client_escape(argv[optind]);
        path = id ? strdup_printf("/api/auth/tokens/%s", id) : NULL;
        if (!path)
                return EXIT_FAILED;
        if ((r = cli_call(cli, "DELETE", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        printf("Revoked token %s.\n", argv[optind]);
        return EXIT_OK;
}

int verb_token(struct cli *cli, int argc, char **argv) {
        static const struct verb verbs[] = {
                {"create", token_create, "Create a token and print it once"},
                {"list", token_list, "List tokens"},
                {"revoke", token_revoke, "Revoke a token"},
        };
        return cli_dispatch(cli, "token", usage_group, verbs, ELEMENTSOF(verbs), NULL, argc, argv);
}
