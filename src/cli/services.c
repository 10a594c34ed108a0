/* pic restart SERVICE [--wait], and the services table that `pic status`
 * prints: the daemons picd supervises, as GET /api/services/status has them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/cleanup.h"

#define WAIT_TIMEOUT_S 30
#define WAIT_POLL_MS 200

static const char usage_restart[] =
        "Usage: pic restart SERVICE [--wait]\n"
        "\n"
        "Restart a service that picd supervises (see `pic status`): picd stops it\n"
        "and starts it again, and a failed service gets a fresh start. Prints the\n"
        "state picd reports right after the request (usually \"stopping\").\n"
        "\n"
        "Options:\n"
        "  --wait        then wait until the service is ready (exit 0) or failed\n"
        "                (exit 1), at most 30 s (exit 1 too)\n"
        "  --json        print the API's Service object (with --wait: the last one)\n"
        "  -h, --help    show this help\n";

/* "code 1 at TIME", "SIGKILL at TIME", or "-". */
static void format_exit(const json_t *last_exit, char *out, size_t size) {
        const char *signal = jstr(last_exit, "signal");
        const char *when = jstr(last_exit, "time") ?: "?";
        const json_t *code = json_object_get(last_exit, "code");

        if (!json_is_object(last_exit))
                snprintf(out, size, "-");
        else if (signal)
                snprintf(out, size, "%s at %s", signal, when);
        else if (json_is_integer(code))
                snprintf(out, size, "code %lld at %s", (long long)json_integer_value(code), when);
        else
                snprintf(out, size, "at %s", when);
}

/* "ready", "backoff (next start in 4s)". */
static void format_state(const json_t *svc, char *out, size_t size) {
        const char *state = jstr(svc, "state") ?: "?";
        const json_t *next = json_object_get(svc, "next_start_in_s");

        if (json_is_integer(next))
                snprintf(out, size, "%s (next start in %llds)", state, (long long)json_integer_value(next));
        else
                snprintf(out, size, "%s", state);
}

void services_table_print(const json_t *services, FILE *f) {
        _cleanup_table_ struct table t = {};
        const json_t *svc;
        size_t i;

        if (json_array_size(services) == 0) {
                fputs("services: none\n", f);
                return;
        }
        table_init(&t, 5, (const char *const[]){"SERVICE", "STATE", "UPTIME", "RESTARTS", "LAST EXIT"});
        json_array_foreach((json_t *)services, i, svc) {
                char state[96], uptime[64] = "-", restarts[32], last_exit[128];
                const json_t *up = json_object_get(svc, "uptime_s");

                format_state(svc, state, sizeof state);
                if (json_is_integer(up))
                        cli_format_duration((long long)json_integer_value(up), uptime, sizeof uptime);
                snprintf(restarts, sizeof restarts, "%lld", jint(svc, "restarts"));
                format_exit(json_object_get(svc, "last_exit"), last_exit, sizeof last_exit);
                table_add(&t, jstr(svc, "name"), state, uptime, restarts, last_exit);
        }
        table_print(&t, f);
}

static void print_service_line(const json_t *svc) {
        const json_t *pid = json_object_get(svc, "pid");
        char state[96];

        format_state(svc, state, sizeof state);
        printf("%s: %s", jstr(svc, "name") ?: "?", state);
        if (json_is_integer(pid))
                printf(" (pid %lld)", (long long)json_integer_value(pid));
        fputs("\n", stdout);
}

static void sleep_ms(long ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};

        while (nanosleep(&ts, &ts) < 0)
                ;
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls the status until name is ready or failed; returns an exit code and
 * hands over the last Service object seen. */
static int wait_settled(struct cli *cli, const char *name, json_t **ret_svc) {
        long long deadline = now_ms() + WAIT_TIMEOUT_S * 1000LL;
        _cleanup_json_ json_t *last = NULL;
        int r;

        for (;;) {
                _cleanup_json_ json_t *body = NULL;
                const json_t *svc = NULL, *s;
                size_t i;

                if ((r = cli_call(cli, "GET", "/api/services/status", NULL, &body)))
                        return r;
                json_array_foreach(json_object_get(body, "services"), i, s)
                        if (jstr(s, "name") && streq(jstr(s, "name"), name))
                                svc = s;
                if (!svc) {
                        fprintf(stderr, "pic: service '%s' is gone from picd's list\n", name);
                        return EXIT_FAILED;
                }
                json_decref(last);
                last = json_incref((json_t *)svc);

                const char *state = jstr(svc, "state") ?: "?";
                if (streq(state, "ready")) {
                        *ret_svc = TAKE_PTR(last);
                        return EXIT_OK;
                }
                if (streq(state, "failed")) {
                        fprintf(stderr, "pic: '%s' failed to start again; see `pic logs %s`\n", name, name);
                        *ret_svc = TAKE_PTR(last);
                        return EXIT_FAILED;
                }
                if (now_ms() >= deadline) {
                        fprintf(stderr, "pic: '%s' is not ready after %d s (it is %s); see `pic logs %s`\n", name,
                                WAIT_TIMEOUT_S, state, name);
                        *ret_svc = TAKE_PTR(last);
                        return EXIT_FAILED;
                }
                sleep_ms(WAIT_POLL_MS);
        }
}

int verb_restart(struct cli *cli, int argc, char **argv) {
        enum { ARG_WAIT = 0x200 };
        static const struct option options[] = {
                {"wait", no_argument, NULL, ARG_WAIT},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_json_ json_t *svc = NULL, *settled = NULL;
        _cleanup_free_ char *path = NULL, *escaped = NULL;
        bool wait = false;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
                switch (c) {
                case ARG_WAIT:
                        wait = true;
                        break;
                CASES_COMMON(cli, usage_restart, argv);
                }
        if ((r = cli_want_args(usage_restart, argc, argv, 1)))
                return r;
        const char *name = argv[optind];

        escaped = client_escape(name);
        if (!escaped || !(path = strdup_printf("/api/containers/%s/restart", escaped)))
                return EXIT_FAILED;
        if ((r = cli_call(cli, "POST", path, NULL, &svc)))
                return r;
        if (!wait) {
                if (cli->json)
                        return cli_print_json(svc);
                print_service_line(svc);
                return EXIT_OK;
        }

        if (!cli->json) {
                print_service_line(svc);
                fflush(stdout);
        }
        r = wait_settled(cli, name, &settled);
        if (settled) {
                if (cli->json)
                        cli_print_json(settled);
                else
                        print_service_line(settled);
        }
        return r;
}
