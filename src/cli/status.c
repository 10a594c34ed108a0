/* pic status: one screen on the cell — identity, network, revision, picd's
 * uptime, and what is staged or waiting for a confirm. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

static const char usage[] =
        "Usage: pic status [--json]\n"
        "\n"
        "Show the cell's name, profile, VPN address, IP range, latest revision,\n"
        "picd's version and uptime, and the staged changes. With --json:\n"
        "{\"health\": ..., \"config\": ..., \"pending\": ... (null for non-admins)}.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON bodies\n"
        "  -h, --help    show this help\n";

static void format_uptime(long long s, char *out, size_t size) {
        long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

        if (d > 0)
                snprintf(out, size, "%lldd %lldh %lldm", d, h, m);
        else if (h > 0)
                snprintf(out, size, "%lldh %lldm %llds", h, m, s % 60);
        else if (m > 0)
                snprintf(out, size, "%lldm %llds", m, s % 60);
        else
                snprintf(out, size, "%llds", s);
}

static int print_status(const json_t *health, const json_t *config, const json_t *pending) {
        _cleanup_table_ struct table t = {};
        char cell[300], uptime[64], picd[128], revision[32], changes[128], confirm[160];
        const char *endpoint = jstr(config, "public_endpoint");
        const json_t *window = json_object_get(pending, "confirm");
        size_t n_changes = json_object_size(json_object_get(pending, "changes"));

        snprintf(cell, sizeof cell, "%s.%s", jstr(config, "cell_name") ?: "?", jstr(config, "domain") ?: "?");
        format_uptime(jint(health, "uptime_s"), uptime, sizeof uptime);
        snprintf(picd, sizeof picd, "%s, up %s", jstr(health, "version") ?: "?", uptime);
        snprintf(revision, sizeof revision, "%lld", jint(config, "revision"));
        if (!pending)
                snprintf(changes, sizeof changes, "(admins only)");
        else if (n_changes == 0)
                snprintf(changes, sizeof changes, "none");
        else
                snprintf(changes, sizeof changes, "%zu staged change%s (see `pic config pending`, then `pic apply`)",
                         n_changes, n_changes == 1 ? "" : "s");

        table_init(&t, 2, NULL);
        table_add(&t, "cell:", cell);
        table_add(&t, "profile:", jstr(config, "profile"));
        table_add(&t, "vpn address:", jstr(config, "vpn_address"));
        table_add(&t, "ip range:", jstr(config, "ip_range"));
        table_add(&t, "public endpoint:", endpoint && *endpoint ? endpoint : "(none)");
        table_add(&t, "revision:", revision);
        table_add(&t, "picd:", picd);
        table_add(&t, "pending:", changes);
        if (json_is_object(window)) {
                snprintf(confirm, sizeof confirm, "revision %lld waits for `pic confirm`: %lld s left",
                         jint(window, "revision"), jint(window, "seconds_left"));
                table_add(&t, "confirm:", confirm);
        }
        table_print(&t, stdout);
        return EXIT_OK;
}

int verb_status(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *health = NULL, *config = NULL, *pending = NULL;
        long status = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                CASES_COMMON(cli, usage, argv);
                }
        if ((r = cli_want_args(usage, argc, argv, 0)))
                return r;

        if ((r = cli_call(cli, "GET", "/health", NULL, &health)))
                return r;
        if ((r = cli_call(cli, "GET", "/api/config", NULL, &config)))
                return r;
        /* Pending changes are for admins; a plain user still gets a status. */
        if (client_request(&cli->client, "GET", "/api/config/pending", NULL, &status, &pending) < 0 ||
            status != 200) {
                json_decref(pending);
                pending = NULL;
        }

        if (cli->json) {
                _cleanup_json_ json_t *all =
                        json_pack("{s:O, s:O, s:O?}", "health", health, "config", config, "pending", pending);
                return all ? cli_print_json(all) : EXIT_FAILED;
        }
        return print_status(health, config, pending);
}
