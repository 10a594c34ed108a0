/* The parts every verb shares: sub-verb dispatch, usage and option errors,
 * and cli_call, the one place where a failed request becomes a message and
 * an exit code. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"

int cli_help(const char *usage) {
        fputs(usage, stdout);
        return EXIT_OK;
}

int cli_usage_error(const char *usage, const char *fmt, ...) {
        va_list ap;

        fputs("pic: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        fputs(usage, stderr);
        return EXIT_USAGE;
}

int cli_bad_option(const char *usage, char **argv, int c) {
        /* With opterr = 0 getopt leaves the offending word at optind - 1. */
        const char *word = optind > 0 ? argv[optind - 1] : "?";

        if (c == ':')
                return cli_usage_error(usage, "%s: option '%s' needs a value", argv[0], word);
        if (optopt > 0 && optopt < 0x100 && word[0] == '-' && word[1] != '-')
                return cli_usage_error(usage, "%s: unknown option '-%c'", argv[0], optopt);
        return cli_usage_error(usage, "%s: unknown option '%s'", argv[0], word);
}

int cli_want_args(const char *usage, int argc, char **argv, int want) {
        int have = argc - optind;

        if (have < want)
                return cli_usage_error(usage, "missing argument");
        if (have > want)
                return cli_usage_error(usage, "unexpected argument '%s'", argv[optind + want]);
        return EXIT_OK;
}

static void print_group_usage(FILE *f, const char *group, const char *group_usage, const struct verb *verbs,
                              size_t n) {
        size_t w = 0;

        fputs(group_usage, f);
        for (size_t i = 0; i < n; i++)
                if (strlen(verbs[i].name) > w)
                        w = strlen(verbs[i].name);
        fputs("\nVerbs:\n", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "  %-*s  %s\n", (int)w, verbs[i].name, verbs[i].summary);
        fprintf(f, "\nRun `pic %s VERB --help` for the options of a verb.\n", group);
}

int cli_dispatch(struct cli *cli, const char *group, const char *group_usage, const struct verb *verbs,
                 size_t n_verbs, verb_fn dflt, int argc, char **argv) {
        /* argv[0] is the group's name; the verb, if any, follows, perhaps
         * after --json (`pic config --json get`). */
        while (argc > 1 && streq(argv[1], "--json")) {
                cli->json = true;
                argv[1] = argv[0];
                argc--, argv++;
        }
        const char *name = argc > 1 ? argv[1] : NULL;

        if (name && (streq(name, "--help") || streq(name, "-h") || streq(name, "help"))) {
                print_group_usage(stdout, group, group_usage, verbs, n_verbs);
                return EXIT_OK;
        }
        if (dflt && (!name || name[0] == '-'))
                return dflt(cli, argc, argv);
        if (!name) {
                fprintf(stderr, "pic %s: missing verb\n", group);
                print_group_usage(stderr, group, group_usage, verbs, n_verbs);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < n_verbs; i++)
                if (streq(verbs[i].name, name)) {
                        optind = 0; /* a full getopt reset for the verb's own parse */
                        return verbs[i].fn(cli, argc - 1, argv + 1);
                }
        fprintf(stderr, "pic %s: unknown verb '%s'\n", group, name);
        print_group_usage(stderr, group, group_usage, verbs, n_verbs);
        return EXIT_USAGE;
}

int cli_print_json(const json_t *v) {
        if (!v) {
                puts("{}");
                return EXIT_OK;
        }
        _cleanup_free_ char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
        if (!s) {
                fputs("pic: out of memory\n", stderr);
                return EXIT_FAILED;
        }
        puts(s);
        return EXIT_OK;
}

char *strdup_printf(const char *fmt, ...) {
        va_list ap;
        char *s;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return n < 0 ? NULL : s;
}

char *cli_value_text(const json_t *v) {
        if (json_is_string(v))
                return strdup(json_string_value(v));
        if (!v)
                return strdup("-");
        return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int report_transport(const struct cli *cli, int r) {
        const char *sock = cli->client.socket_path;
        const char *more = cli->client.error;

        switch (r) {
        case -ENOENT:
        case -ECONNREFUSED:
                fprintf(stderr, "pic: cannot reach picd at '%s': %s; is picd running? (make start)\n", sock,
                        strerror(-r));
                return EXIT_UNREACHABLE;
        case -ETIMEDOUT:
                fprintf(stderr, "pic: picd did not answer within %ld s at '%s'\n", CLIENT_TIMEOUT_S, sock);
                return EXIT_UNREACHABLE;
        case -ECONNRESET:
                fprintf(stderr, "pic: picd closed the connection in the middle of the stream\n");
                return EXIT_UNREACHABLE;
        case -ETIME:
                fprintf(stderr, "pic: picd sent nothing for %ld s, not even a keepalive; giving up\n",
                        CLIENT_STREAM_STALL_S);
                return EXIT_UNREACHABLE;
        case -EACCES:
                fprintf(stderr, "pic: permission denied opening '%s' (run as root, or set PIC_TOKEN)\n", sock);
                return EXIT_DENIED;
        default:
                fprintf(stderr, "pic: request to picd failed: %s\n", *more ? more : strerror(-r));
                return EXIT_FAILED;
        }
}

static int report_http(const struct cli *cli, long status, const json_t *body) {
        const json_t *err = json_object_get(body, "error");
        const char *message = jstr(err, "message");
        const char *field = jstr(err, "field");

        if (cli->json && body)
                cli_print_json(body);
        if (message && field && *field)
                fprintf(stderr, "pic: %s (field: %s)\n", message, field);
        else if (message)
                fprintf(stderr, "pic: %s\n", message);
        else
                fprintf(stderr, "pic: picd answered HTTP %ld\n", status);
        return status == 401 || status == 403 ? EXIT_DENIED : EXIT_FAILED;
}

int cli_report_failure(const struct cli *cli, int r, long status, const json_t *body) {
        return r < 0 ? report_transport(cli, r) : report_http(cli, status, body);
}

int cli_call(struct cli *cli, const char *method, const char *path, json_t *body, json_t **ret_body) {
        _cleanup_json_ json_t *response = NULL;
        long status = 0;
        int r;

        r = client_request(&cli->client, method, path, body, &status, &response);
        if (r < 0 || status < 200 || status >= 300)
                return cli_report_failure(cli, r, status, response);
        *ret_body = TAKE_PTR(response);
        return EXIT_OK;
}

void cli_format_duration(long long s, char *out, size_t size) {
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

void cli_put_text(const char *s, FILE *f) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* a C1 control, U+0080..U+009F */
                        fprintf(f, "\\u%04x", *++p);
                else
                        fputc(*p, f);
        }
}

int parse_int(const char *s, long long min, long long max, long long *ret) {
        char *end;
        long long v;

        if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE || v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int cli_option_int(const char *usage, const char *verb, const char *option, const char *arg, long long *ret) {
        if (parse_int(arg, LLONG_MIN, LLONG_MAX, ret) < 0)
                return cli_usage_error(usage, "%s: %s needs a whole number, not '%s'", verb, option, arg);
        return EXIT_OK;
}

int cli_json_word(const char *usage, const char *verb, const char *word, json_t **ret) {
        json_t *v = json_string(word);

        /* Out of memory is not told apart: jansson says NULL for both. */
        if (!v)
                return cli_usage_error(usage, "%s: an argument is not UTF-8 text", verb);
        *ret = v;
        return EXIT_OK;
}

int cli_query_add(struct buf *path, const char *key, const char *value) {
        if (!value)
                return 0;
        _cleanup_free_ char *e = client_escape(value);
        if (!e)
                return -ENOMEM;
        return buf_printf(path, "%c%s=%s", strchr(buf_str(path), '?') ? '&' : '?', key, e);
}

const char *jstr(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

long long jint(const json_t *o, const char *key) {
        return (long long)json_integer_value(json_object_get(o, key));
}
