/* pic status: one screen on the cell — identity, network, revision, picd's
 * uptime and health, what is staged or waiting for a confirm, and the
 * supervised services. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/buf.h"
#include "common/cleanup.h"

static const char usage[] =
        "Usage: pic status [--json]\n"
        "\n"
        "Show the cell's name, profile, VPN address, IP range, latest revision,\n"
        "picd's version, uptime and health, the staged changes, and a table of\n"
        "the services picd supervises (state, uptime, restarts, last exit).\n"
        "The health is \"degraded\" while a service is not ready; that is shown,\n"
        "but the exit status stays 0. With --json:\n"
        "{\"health\": ..., \"config\": ..., \"pending\": ... (null for non-admins),\n"
        " \"services\": [...] (null when picd could not list them)}.\n"
        "\n"
        "Options:\n"
        "  --json        print the API's JSON bodies\n"
        "  -h, --help    show this help\n";

/* "ok", or "DEGRADED: caddy is backoff, x is starting" from health.services. */
static char *health_text(const json_t *health) {
        const char *status = jstr(health, "status") ?: "?";
        const json_t *services = json_object_get(health, "services");
        _cleanup_buf_ struct buf b = BUF_INIT;
        const char *name, *sep = ": ";
        const json_t *state;

        if (streq(status, "ok"))
                return strdup("ok");
        if (streq(status, "degraded") && buf_puts(&b, "DEGRADED") < 0)
                return NULL;
        if (!streq(status, "degraded") && buf_puts(&b, status) < 0)
                return NULL;
        json_object_foreach((json_t *)services, name, state) {
                const char *s = json_string_value(state);
                if (s && streq(s, "ready"))
                        continue;
                if (buf_printf(&b, "%s%s is %s", sep, name, s ?: "?") < 0)
                        return NULL;
                sep = ", ";
        }
        return buf_steal(&b);
}

static int print_status(const json_t *health, const json_t *config, const json_t *pending, const json_t *services) {
        _cleanup_table_ struct table t = {};
        _cleanup_free_ char *health_line = health_text(health);
        char cell[300], uptime[64], picd[128], revision[32], changes[128], confirm[160];
        const char *endpoint = jstr(config, "public_endpoint");
        const json_t *window = json_object_get(pending, "confirm");
        size_t n_changes = json_object_size(json_object_get(pending, "changes"));

        snprintf(cell, sizeof cell, "%s.%s", jstr(config, "cell_name") ?: "?", jstr(config, "domain") ?: "?");
        cli_format_duration(jint(health, "uptime_s"), uptime, sizeof uptime);
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
        table_add(&t, "health:", health_line ?: "?");
        table_add(&t, "pending:", changes);
        if (json_is_object(window)) {
                snprintf(confirm, sizeof confirm, "revision %lld waits for `pic confirm`: %lld s left",
                         jint(window, "revision"), jint(window, "seconds_left"));
                table_add(&t, "confirm:", confirm);
        }
        table_print(&t, stdout);

        fputs("\n", stdout);
        if (json_is_array(services))
                services_table_print(services, stdout);
        else
                fputs("services: (picd did not list them)\n", stdout);
        return EXIT_OK;
}

int verb_status(struct cli *cli, int argc, char **argv) {
        static const struct option options[] = {OPTIONS_COMMON, {}};
        _cleanup_json_ json_t *health = NULL, *config = NULL, *pending = NULL, *services_body = NULL;
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
        /* The table is extra: a status without it beats no status. */
        if (client_request(&cli->client, "GET", "/api/services/status", NULL, &status, &services_body) < 0 ||
            status != 200) {
                json_decref(services_body);
                services_body = NULL;
        }
        json_t *services = json_object_get(services_body, "services");
        if (!json_is_array(services))
                services = NULL;

        if (cli->json) {
                _cleanup_json_ json_t *all =
                        json_pack("{s:O, s:O, s:O?, s:O?}", "health", health, "config", config, "pending", pending,
                                  "services", services);
                return all ? cli_print_json(all) : EXIT_FAILED;
        }
        return print_status(health, config, pending, services);
}
