/* pic logs SERVICE [-n N] [-f]: a service's recent log lines from picd's
 * ring buffer, and with -f the live stream (server-sent events) after them,
 * until a signal or until picd ends it. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sse.h"
#include "common/buf.h"
#include "common/cleanup.h"

/* One event's data; a log line is at most 2 KiB before JSON escaping. */
#define SSE_MAX_EVENT ((size_t)1 << 20)

static const char usage_logs[] =
        "Usage: pic logs SERVICE [-n N] [-f]\n"
        "\n"
        "Show the recent log lines of a service that picd supervises (see\n"
        "`pic status`), oldest first, one a line: TIME STREAM TEXT, where STREAM\n"
        "is stdout, stderr, or picd for picd's own notes on the service (state\n"
        "changes, restarts). Control characters in TEXT are shown as \\xNN.\n"
        "\n"
        "Options:\n"
        "  -n, --lines N   the last N lines, 1..1000 (default: 100; with -f: 20)\n"
        "  -f, --follow    then print each new line as it comes, until Ctrl-C\n"
        "                  (SIGINT) or SIGTERM, or until picd ends the stream (as it\n"
        "                  does when it stops): exit 0 in all three cases. Exit 3\n"
        "                  when the connection breaks in the middle of the stream,\n"
        "                  or when picd sends nothing, not even its keepalive, for\n"
        "                  60 s\n"
        "  --json          print the API's JSON; with -f one JSON object per line\n"
        "                  (NDJSON), each {\"time\", \"stream\", \"text\"}\n"
        "  -h, --help      show this help\n";

/* Prints one {"time","stream","text"} line, as text or as compact JSON. */
static void print_line(const json_t *line, bool json) {
        if (json) {
                _cleanup_free_ char *s = json_dumps(line, JSON_COMPACT);
                if (s)
                        puts(s);
                return;
        }
        printf("%s %-6s ", jstr(line, "time") ?: "?", jstr(line, "stream") ?: "?");
        cli_put_text(jstr(line, "text") ?: "", stdout);
        fputc('\n', stdout);
}

static int logs_once(struct cli *cli, const char *path) {
        _cleanup_json_ json_t *response = NULL;
        const json_t *line;
        size_t i;
        int r;

        if ((r = cli_call(cli, "GET", path, NULL, &response)))
                return r;
        if (cli->json)
                return cli_print_json(response);
        json_array_foreach(json_object_get(response, "lines"), i, line)
                print_line(line, false);
        return EXIT_OK;
}

/* ---- -f */

struct follow {
        struct sse_parser parser;
        bool json;
};

static int on_event(const struct sse_event *ev, void *userdata) {
        struct follow *f = userdata;
        _cleanup_json_ json_t *line = NULL;
        json_error_t err;

        /* Only "line" is defined; other events are for newer clients. */
        if (!streq(ev->type, "line"))
                return 0;
        line = json_loadb(ev->data, ev->data_len, 0, &err);
        if (!json_is_object(line)) {
                fprintf(stderr, "pic: picd sent a log event that is not a JSON object (%s), ignoring\n",
                        line ? "another type" : err.text);
                return 0;
        }
        print_line(line, f->json);
        /* Line by line: whoever reads a pipe sees each line as it comes. */
        if (fflush(stdout) != 0)
                return -errno;
        return 0;
}

static int on_chunk(const char *data, size_t len, void *userdata) {
        struct follow *f = userdata;

        return sse_parser_feed(&f->parser, data, len);
}

/* Blocks SIGINT and SIGTERM, and returns a signalfd that becomes readable
 * when one comes. A signal that was ignored when pic started (SIGINT of a
 * background job in a script) stays ignored. The signals stay blocked until
 * pic exits, so that one that comes late cannot kill it on the way out. */
static int stop_signals_fd(void) {
        static const int signals[] = {SIGINT, SIGTERM};
        sigset_t mask;

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                struct sigaction sa;
                if (sigaction(signals[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
                        sigaddset(&mask, signals[i]);
        }
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return fd < 0 ? -errno : fd;
}

static int logs_follow(struct cli *cli, const char *path) {
        _cleanup_json_ json_t *error_body = NULL;
        _cleanup_close_ int sigfd = -1;
        struct follow f = {.json = cli->json};
        long status = 0;
        int r;

        sigfd = stop_signals_fd();
        if (sigfd < 0) {
                fprintf(stderr, "pic: cannot set up the signals: %s\n", strerror(-sigfd));
                return EXIT_FAILED;
        }
        sse_parser_init(&f.parser, SSE_MAX_EVENT, on_event, &f);
        r = client_stream(&cli->client, path, "text/event-stream", sigfd, on_chunk, &f, &status, &error_body);
        sse_parser_release(&f.parser);

        if (r == 1) /* SIGINT or SIGTERM: the way a follow normally ends */
                return EXIT_OK;
        if (r == 0 && status >= 200 && status < 300) {
                fputs("pic: picd ended the log stream\n", stderr);
                return EXIT_OK;
        }
        if (r == -EPIPE || r == -EIO) {
                fprintf(stderr, "pic: cannot write the output: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        if (r == -E2BIG) {
                fprintf(stderr, "pic: picd sent an event larger than %zu bytes\n", SSE_MAX_EVENT);
                return EXIT_FAILED;
        }
        return cli_report_failure(cli, r, status, error_body);
}

int verb_logs(struct cli *cli, int argc, char **argv) {
        enum { ARG_LINES = 'n', ARG_FOLLOW = 'f' };
        static const struct option options[] = {
                {"lines", required_argument, NULL, ARG_LINES},
                {"follow", no_argument, NULL, ARG_FOLLOW},
                OPTIONS_COMMON,
                {},
        };
        _cleanup_buf_ struct buf path = BUF_INIT;
        _cleanup_free_ char *escaped = NULL;
        bool follow = false, have_lines = false;
        long long lines = 0;
        int c, r;

        /* The range is picd's to check: it names the parameter it refuses. */
        while ((c = getopt_long(argc, argv, ":hn:f", options, NULL)) != -1)
                switch (c) {
                case ARG_LINES:
                        if (parse_int(optarg, LLONG_MIN, LLONG_MAX, &lines) < 0)
                                return cli_usage_error(usage_logs, "logs: --lines needs a number, not '%s'",
                                                       optarg);
                        have_lines = true;
                        break;
                case ARG_FOLLOW:
                        follow = true;
                        break;
                CASES_COMMON(cli, usage_logs, argv);
                }
        if ((r = cli_want_args(usage_logs, argc, argv, 1)))
                return r;

        escaped = client_escape(argv[optind]);
        if (!escaped || buf_printf(&path, "/api/services/%s/logs%s", escaped, follow ? "/stream" : "") < 0)
                return EXIT_FAILED;
        /* Without -n, picd's default: 100 lines, or 20 before a stream. */
        if (have_lines && buf_printf(&path, "?lines=%lld", lines) < 0)
                return EXIT_FAILED;
        return follow ? logs_follow(cli, buf_str(&path)) : logs_once(cli, buf_str(&path));
}
