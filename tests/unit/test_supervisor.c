/* The supervisor on a real sd-event loop with real short-lived processes:
 * readiness by notification fd and by probe, stopping (and SIGKILL when
 * SIGTERM is ignored), backoff and the crash loop, restarts, start failures,
 * what a child inherits (descriptors, capabilities), dependency order,
 * oneshots (start and stop commands, each way they can go wrong), and the
 * log ring. Every wait has a deadline: a broken supervisor fails a test,
 * it never hangs it. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "supervise/logring.h"
#include "supervise/supervisor.h"

#define WAIT_MS 3000
#define SEC 1000000ULL
#define MSEC 1000ULL

struct fixture {
        sd_event *event;
        struct supervisor *sup;
        unsigned stopped_calls; /* how often the stop_all callback ran */
        char exit_order[64];    /* names of services, in the order picd saw them exit */
        unsigned lines_seen;    /* calls of the line callback */
};

/* One test daemon: its command line and a scripted probe; with stop_argv,
 * a oneshot. */
struct daemon {
        const char *argv[8];
        const char *stop_argv[8];
        int probe_failures; /* the probe says "not yet" this many times first */
        int probe_calls;
        bool hold;          /* while set, the probe says "not yet" */
};

/* --- fixture and helpers --------------------------------------------- */

static void strv_release(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static char **strv_copy(const char *const *v) {
        size_t n = 0;
        while (v[n])
                n++;
        char **copy = calloc(n + 1, sizeof *copy);
        if (!copy)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(copy[i] = strdup(v[i]))) {
                        strv_release(copy);
                        return NULL;
                }
        return copy;
}

/* As the supervisor wants it: malloc'd strings in a malloc'd, NULL-ended
 * array, which it frees. */
static int build_command(void *userdata, struct supervised_command *ret) {
        static const char *const env[] = {"PATH=/usr/bin:/bin", "LANG=C", NULL};
        struct daemon *d = userdata;
        char **argv = strv_copy(d->argv), **envp = strv_copy(env);
        char **stop_argv = d->stop_argv[0] ? strv_copy(d->stop_argv) : NULL;
        if (!argv || !envp || (d->stop_argv[0] && !stop_argv)) {
                strv_release(argv);
                strv_release(envp);
                strv_release(stop_argv);
                return -ENOMEM;
        }
        *ret = (struct supervised_command){argv, envp, stop_argv};
        return 0;
}

static int probe(void *userdata) {
        struct daemon *d = userdata;
        d->probe_calls++;
        if (d->hold || d->probe_calls <= d->probe_failures)
                return -EAGAIN;
        return 0;
}

static struct supervised_spec spec_for(const char *name, struct daemon *d, int notify_fd) {
        return (struct supervised_spec){
                .name = name,
                .description = "a test daemon",
                .start_timeout_usec = 5 * SEC,
                .stop_timeout_usec = 2 * SEC,
                .build_command = build_command,
                .notify_fd = notify_fd,
                .userdata = d,
        };
}

static struct supervised *add_spec(struct fixture *f, const struct supervised_spec *spec) {
        struct supervised *svc = NULL;
        assert_int_equal(supervisor_add(f->sup, spec, &svc), 0);
        assert_non_null(svc);
        return svc;
}

static struct supervised *add(struct fixture *f, const char *name, struct daemon *d, int notify_fd, bool with_probe) {
        struct supervised_spec spec = spec_for(name, d, notify_fd);
        if (with_probe)
                spec.probe = probe;
        return add_spec(f, &spec);
}

static void on_stopped(void *userdata) {
        struct fixture *f = userdata;
        f->stopped_calls++;
}

static void on_line(struct supervised *svc, const struct logring_line *line, void *userdata) {
        struct fixture *f = userdata;
        f->lines_seen++;
        if (line->stream == LOG_STREAM_PICD && strncmp(line->text, "exited", 6) == 0) {
                size_t len = strlen(f->exit_order);
                snprintf(f->exit_order + len, sizeof f->exit_order - len, "%s%s", len ? "," : "",
                         supervised_name(svc));
        }
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof *f);
        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(supervisor_new(f->event, &f->sup), 0);
        supervisor_on_line(f->sup, on_line, f);
        *state = f;
        return 0;
}

/* Leaves no child behind, even when a test failed half way. */
static int teardown(void **state) {
        struct fixture *f = *state;
        if (!supervisor_all_down(f->sup)) {
                supervisor_stop_all(f->sup, NULL, NULL);
                uint64_t deadline = now_monotonic_usec() + WAIT_MS * MSEC;
                while (!supervisor_all_down(f->sup) && now_monotonic_usec() < deadline)
                        if (sd_event_run(f->event, 20 * MSEC) < 0)
                                break;
        }
        supervisor_free(f->sup);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* Runs the loop until `cond` holds or `ms` pass; evaluates to whether it held. */
#define run_until_ms(f, ms, cond)                                                                  \
        ({                                                                                         \
                uint64_t _deadline = now_monotonic_usec() + (uint64_t)(ms) * MSEC;                 \
                bool _held;                                                                        \
                while (!(_held = (cond)) && now_monotonic_usec() < _deadline)                      \
                        assert_true(sd_event_run((f)->event, 20 * MSEC) >= 0);                     \
                _held;                                                                             \
        })

#define wait_for(f, cond)                                                                          \
        do {                                                                                       \
                if (!run_until_ms(f, WAIT_MS, cond))                                               \
                        fail_msg("not within %d ms: %s", WAIT_MS, #cond);                          \
        } while (0)

/* Runs the loop for `ms`, for checks that something does not happen. */
static void run_for(struct fixture *f, unsigned ms) {
        (void)run_until_ms(f, ms, false);
}

static uint64_t ms_since(uint64_t start_usec) {
        return (now_monotonic_usec() - start_usec) / MSEC;
}

/* The newest line of `stream` that `text` is exactly (or, with prefix, that
 * starts with it); NULL when there is none. */
static const struct logring_line *log_find(struct supervised *svc, enum log_stream stream, const char *text,
                                           bool prefix) {
        const struct logring *r = supervised_log(svc);
        for (uint64_t seq = r->next_seq; seq-- > logring_tail_start(r, LOGRING_LINES);) {
                const struct logring_line *l = logring_get(r, seq);
                if (!l || l->stream != stream)
                        continue;
                if (prefix ? strncmp(l->text, text, strlen(text)) == 0 : streq(l->text, text))
                        return l;
        }
        return NULL;
}

static bool log_has(struct supervised *svc, enum log_stream stream, const char *text) {
        return log_find(svc, stream, text, false) != NULL;
}

static unsigned log_count_prefix(struct supervised *svc, enum log_stream stream, const char *text) {
        const struct logring *r = supervised_log(svc);
        unsigned n = 0;
        for (uint64_t seq = logring_tail_start(r, LOGRING_LINES); seq < r->next_seq; seq++) {
                const struct logring_line *l = logring_get(r, seq);
                if (l && l->stream == stream && strncmp(l->text, text, strlen(text)) == 0)
                        n++;
        }
        return n;
}

static json_int_t status_int(struct supervised *svc, const char *key) {
        _cleanup_json_ json_t *o = supervised_to_json(svc);
        assert_non_null(o);
        json_t *v = json_object_get(o, key);
        if (!json_is_integer(v))
                fail_msg("status.%s is not an integer", key);
        return json_integer_value(v);
}

static json_int_t restarts(struct supervised *svc) {
        return status_int(svc, "restarts");
}

static bool status_is_null(struct supervised *svc, const char *key) {
        _cleanup_json_ json_t *o = supervised_to_json(svc);
        assert_non_null(o);
        json_t *v = json_object_get(o, key);
        assert_non_null(v); /* present, null or not */
        return json_is_null(v);
}

/* status.last_exit is {code, signal}: code < 0 means null (killed, or never
 * ran), signal NULL means null (not by a signal). */
static void assert_last_exit(struct supervised *svc, int code, const char *signal) {
        _cleanup_json_ json_t *o = supervised_to_json(svc);
        assert_non_null(o);
        json_t *e = json_object_get(o, "last_exit");
        assert_true(json_is_object(e));
        assert_true(json_is_string(json_object_get(e, "time")));
        json_t *c = json_object_get(e, "code"), *s = json_object_get(e, "signal");
        if (code < 0)
                assert_true(json_is_null(c));
        else
                assert_int_equal(json_integer_value(c), code);
        if (signal)
                assert_string_equal(json_string_value(s), signal);
        else
                assert_true(json_is_null(s));
}

static bool process_gone(pid_t pid) {
        return kill(pid, 0) < 0 && errno == ESRCH;
}

/* --- readiness and stopping ------------------------------------------ */

static void test_notify_ready_and_stop(void **state) {
        struct fixture *f = *state;
        struct daemon d = {
                .argv = {"/bin/sh", "-c", "echo started; echo oops >&2; echo > /dev/fd/3; exec /bin/sleep 30", NULL}};
        struct supervised *svc = add(f, "notify", &d, 3, false);
        assert_ptr_equal(supervisor_find(f->sup, "notify"), svc);
        assert_null(supervisor_find(f->sup, "other"));
        assert_int_equal(supervisor_count(f->sup), 1);
        assert_ptr_equal(supervisor_get(f->sup, 0), svc);
        assert_null(supervisor_get(f->sup, 1));
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_true(status_is_null(svc, "pid"));
        assert_true(status_is_null(svc, "last_exit"));
        assert_true(status_is_null(svc, "uptime_s"));

        supervisor_start_all(f->sup);
        assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        pid_t pid = supervised_pid(svc);
        assert_true(pid > 0);
        char note[64];
        snprintf(note, sizeof note, "started /bin/sh (pid %d)", (int)pid);
        assert_true(log_has(svc, LOG_STREAM_PICD, note));

        wait_for(f, supervised_state(svc) == SERVICE_READY);
        assert_int_equal(supervised_pid(svc), pid);
        assert_true(log_has(svc, LOG_STREAM_PICD, "ready"));
        /* The two pipes are read independently of the notification. */
        wait_for(f, log_has(svc, LOG_STREAM_STDOUT, "started") && log_has(svc, LOG_STREAM_STDERR, "oops"));
        assert_false(log_has(svc, LOG_STREAM_STDOUT, "oops"));
        assert_false(log_has(svc, LOG_STREAM_STDERR, "started"));
        assert_true(f->lines_seen >= 4); /* started note, ready note, two lines */

        {
                _cleanup_json_ json_t *o = supervised_to_json(svc);
                assert_non_null(o);
                assert_string_equal(json_string_value(json_object_get(o, "name")), "notify");
                assert_string_equal(json_string_value(json_object_get(o, "description")), "a test daemon");
                assert_string_equal(json_string_value(json_object_get(o, "kind")), "longrun");
                assert_string_equal(json_string_value(json_object_get(o, "state")), "ready");
                assert_int_equal(json_integer_value(json_object_get(o, "pid")), pid);
                assert_true(json_is_integer(json_object_get(o, "uptime_s")));
                assert_true(json_integer_value(json_object_get(o, "uptime_s")) >= 0);
                assert_int_equal(json_integer_value(json_object_get(o, "restarts")), 0);
                assert_true(json_is_null(json_object_get(o, "last_exit")));
                assert_true(json_is_null(json_object_get(o, "next_start_in_s")));
                assert_int_equal(strlen(json_string_value(json_object_get(o, "since"))), ISO8601_LEN - 1);
        }

        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        assert_int_equal(f->stopped_calls, 0);
        wait_for(f, f->stopped_calls > 0);
        run_for(f, 50);
        assert_int_equal(f->stopped_calls, 1);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_true(supervisor_all_down(f->sup));
        assert_int_equal(supervised_pid(svc), 0);
        assert_true(process_gone(pid));
        assert_last_exit(svc, -1, "SIGTERM");
        assert_true(log_has(svc, LOG_STREAM_PICD, "exited on signal TERM"));
        assert_true(status_is_null(svc, "pid"));
        assert_true(status_is_null(svc, "uptime_s"));
}

static void test_probe_ready(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sleep", "30", NULL}, .probe_failures = 3};
        struct supervised *svc = add(f, "probed", &d, 0, true);
        uint64_t start = now_monotonic_usec();
        supervisor_start_all(f->sup);
        assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        /* Polled every PROBE_INTERVAL_USEC: three "not yet", then ready. */
        assert_int_equal(d.probe_calls, 4);
        assert_true(ms_since(start) >= 3 * PROBE_INTERVAL_USEC / MSEC);
        run_for(f, 250);
        assert_int_equal(d.probe_calls, 4); /* no more polling once ready */
        assert_int_equal(supervised_state(svc), SERVICE_READY);
}

static void test_stop_timeout_kills(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sh", "-c",
                                    "trap '' TERM; echo > /dev/fd/3; while :; do /bin/sleep 0.05; done", NULL}};
        struct supervised_spec spec = spec_for("stubborn", &d, 3);
        spec.stop_timeout_usec = 300 * MSEC;
        struct supervised *svc = add_spec(f, &spec);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        pid_t pid = supervised_pid(svc);

        uint64_t start = now_monotonic_usec();
        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        wait_for(f, supervised_state(svc) == SERVICE_DOWN);
        uint64_t took = ms_since(start);
        assert_true(took >= 250);
        assert_true(took < 2000);
        assert_int_equal(f->stopped_calls, 1);
        assert_true(process_gone(pid));
        assert_last_exit(svc, -1, "SIGKILL");
        assert_true(log_has(svc, LOG_STREAM_PICD, "did not stop within 300 ms: SIGKILL"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "exited on signal KILL"));
}

/* --- exits, backoff, the crash loop ----------------------------------- */

static void test_exit_backoff_restart(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/false", NULL}};
        struct supervised *svc = add(f, "false", &d, 0, false);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        uint64_t backoff_at = now_monotonic_usec();
        json_int_t next = status_int(svc, "next_start_in_s");
        assert_true(next == 0 || next == 1);
        assert_int_equal(restarts(svc), 0);
        assert_int_equal(supervised_pid(svc), 0);
        assert_true(status_is_null(svc, "pid"));
        assert_true(status_is_null(svc, "uptime_s"));
        assert_last_exit(svc, 1, NULL);
        assert_true(log_has(svc, LOG_STREAM_PICD, "exited with status 1"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "restarting in 1 s"));

        /* The restart comes by itself, about a second later. */
        run_for(f, 500);
        assert_int_equal(supervised_state(svc), SERVICE_BACKOFF);
        assert_int_equal(restarts(svc), 0);
        wait_for(f, restarts(svc) == 1);
        uint64_t waited = ms_since(backoff_at);
        assert_true(waited >= 900);
        assert_true(waited < 2000);
        assert_int_equal(log_count_prefix(svc, LOG_STREAM_PICD, "started /bin/false"), 2);

        /* It fails again: the delay doubles. */
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        next = status_int(svc, "next_start_in_s");
        assert_true(next == 1 || next == 2);
        assert_true(log_has(svc, LOG_STREAM_PICD, "restarting in 2 s"));

        /* Stopping a service in backoff takes it down at once (how often
         * the callback runs is test_stop_all_callback_once's business). */
        supervisor_stop_all(f->sup, on_stopped, f);
        assert_true(f->stopped_calls > 0);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_true(status_is_null(svc, "next_start_in_s"));
        run_for(f, 100);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
}

/* The crash loop without its 15 s of waiting: the backoff timer's event is
 * delivered by hand as soon as the service is in backoff. A service after
 * it waits through the backoffs and starts once the first has failed. */
static void test_crash_loop(void **state) {
        struct fixture *f = *state;
        struct daemon crasher = {.argv = {"/bin/false", NULL}};
        struct daemon after = {.argv = {"/bin/sleep", "30", NULL}};
        struct supervised *svc = add(f, "crasher", &crasher, 0, false);
        struct supervised *next_svc = add(f, "after", &after, 0, true);
        static const json_int_t delays_s[] = {1, 2, 4, 8};

        supervisor_start_all(f->sup);
        for (unsigned i = 0; i < ELEMENTSOF(delays_s); i++) {
                wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
                json_int_t next = status_int(svc, "next_start_in_s");
                if (next != delays_s[i] && next != delays_s[i] - 1)
                        fail_msg("exit %u: next_start_in_s %lld, want %lld", i + 1, (long long)next,
                                 (long long)delays_s[i]);
                assert_int_equal(restarts(svc), i);
                assert_int_equal(supervised_state(next_svc), SERVICE_DOWN);
                supervised_event(svc, EVENT_TIMEOUT);
                assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        }
        wait_for(f, supervised_state(svc) == SERVICE_FAILED);
        assert_int_equal(restarts(svc), 4);
        assert_true(log_has(svc, LOG_STREAM_PICD, "5 exits within 60 s: failed; restart it to try again"));
        assert_true(status_is_null(svc, "next_start_in_s"));
        assert_last_exit(svc, 1, NULL);

        /* Failed does not hold the rest down. */
        assert_int_equal(supervised_state(next_svc), SERVICE_STARTING);
        wait_for(f, supervised_state(next_svc) == SERVICE_READY);

        /* Failed stays failed: no timer, and a start is ignored. */
        supervised_event(svc, EVENT_START);
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_FAILED);
        assert_int_equal(log_count_prefix(svc, LOG_STREAM_PICD, "started /bin/false"), 5);

        /* A restart forgets the history: the backoff starts at 1 s again. */
        supervised_event(svc, EVENT_RESTART);
        assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        assert_int_equal(restarts(svc), 5);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        json_int_t next = status_int(svc, "next_start_in_s");
        assert_true(next == 0 || next == 1);

        /* So does a restart from backoff: four more exits stay below the
         * crash-loop threshold. */
        supervised_event(svc, EVENT_RESTART);
        for (unsigned i = 0; i < 4; i++) {
                wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
                if (i < 3)
                        supervised_event(svc, EVENT_TIMEOUT);
        }
        assert_int_equal(supervised_state(svc), SERVICE_BACKOFF);

        supervisor_stop_all(f->sup, on_stopped, f);
        wait_for(f, f->stopped_calls == 1);
        assert_true(supervisor_all_down(f->sup));
}

static void test_restart_ready(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sh", "-c", "echo > /dev/fd/3; exec /bin/sleep 30", NULL}};
        struct supervised *svc = add(f, "restartable", &d, 3, false);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        pid_t first = supervised_pid(svc);

        supervised_event(svc, EVENT_RESTART);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        pid_t second = supervised_pid(svc);
        assert_true(second > 0);
        assert_true(second != first);
        assert_true(process_gone(first));
        assert_int_equal(restarts(svc), 1);
        assert_last_exit(svc, -1, "SIGTERM");

        /* A start while stopping: down, then up again. */
        supervised_event(svc, EVENT_STOP);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        supervised_event(svc, EVENT_START);
        wait_for(f, supervised_state(svc) == SERVICE_READY && supervised_pid(svc) != second);
        assert_true(process_gone(second));
        assert_int_equal(restarts(svc), 2);

        /* A plain stop: down, and it stays down. */
        pid_t third = supervised_pid(svc);
        supervised_event(svc, EVENT_STOP);
        wait_for(f, supervised_state(svc) == SERVICE_DOWN);
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_true(process_gone(third));
}

static void test_start_timeout(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sleep", "30", NULL}, .hold = true};
        struct supervised_spec spec = spec_for("slow", &d, 0);
        spec.probe = probe;
        spec.start_timeout_usec = 300 * MSEC;
        struct supervised *svc = add_spec(f, &spec);
        uint64_t start = now_monotonic_usec();
        supervisor_start_all(f->sup);
        pid_t pid = supervised_pid(svc);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        uint64_t took = ms_since(start);
        assert_true(took >= 250);
        assert_true(took < 2000);
        assert_true(process_gone(pid));
        assert_last_exit(svc, -1, "SIGKILL");
        assert_int_equal(log_count_prefix(svc, LOG_STREAM_PICD, "not ready after"), 1);
        /* No more probing in backoff. */
        int calls = d.probe_calls;
        run_for(f, 250);
        assert_int_equal(d.probe_calls, calls);
}

/* A ready service that ends by itself is an exit like any other. */
static void test_exit_when_ready(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sh", "-c", "echo > /dev/fd/3; /bin/sleep 0.1; exit 2", NULL}};
        struct supervised *svc = add(f, "short", &d, 3, false);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        assert_last_exit(svc, 2, NULL);
        assert_true(log_has(svc, LOG_STREAM_PICD, "exited with status 2"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "restarting in 1 s"));
}

/* A service waiting out its backoff is not started again by its timer
 * while stop_all waits for a service after it to go down. */
static void test_stop_all_no_respawn(void **state) {
        struct fixture *f = *state;
        struct daemon crasher = {.argv = {"/bin/false", NULL}};
        struct daemon stubborn = {.argv = {"/bin/sh", "-c",
                                           "trap '' TERM; echo > /dev/fd/3; while :; do /bin/sleep 0.05; done", NULL}};
        struct supervised *a = add(f, "crasher", &crasher, 0, false);
        struct supervised_spec spec = spec_for("stubborn", &stubborn, 3);
        spec.stop_timeout_usec = 1500 * MSEC;
        struct supervised *b = add_spec(f, &spec);
        supervised_event(b, EVENT_START);
        wait_for(f, supervised_state(b) == SERVICE_READY);
        supervised_event(a, EVENT_START);
        wait_for(f, supervised_state(a) == SERVICE_BACKOFF);

        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(b), SERVICE_STOPPING);
        /* a's one-second backoff ends while b is still stopping. */
        wait_for(f, f->stopped_calls > 0);
        assert_true(supervisor_all_down(f->sup));
        unsigned starts = log_count_prefix(a, LOG_STREAM_PICD, "started /bin/false");
        if (starts != 1)
                fail_msg("crasher was started %u times, %u of them during stop_all", starts, starts - 1);
}

static void test_start_failure(void **state) {
        struct fixture *f = *state;
        struct daemon missing = {.argv = {"/nonexistent/daemon", NULL}};
        struct daemon relative = {.argv = {"daemon", NULL}};
        struct supervised *a = add(f, "missing", &missing, 3, false);
        struct supervised *b = add(f, "relative", &relative, 0, false);

        /* exec fails in the child: exit 127, which counts as an exit. */
        supervised_event(a, EVENT_START);
        wait_for(f, supervised_state(a) == SERVICE_BACKOFF);
        assert_last_exit(a, 127, NULL);
        assert_true(log_has(a, LOG_STREAM_PICD, "exited with status 127"));
        wait_for(f, log_has(a, LOG_STREAM_STDERR, "picd: cannot execute the service's binary"));

        /* spawn refuses before any fork: it still counts as an exit. */
        supervised_event(b, EVENT_START);
        assert_int_equal(supervised_state(b), SERVICE_BACKOFF);
        assert_last_exit(b, -1, NULL);
        assert_true(log_has(b, LOG_STREAM_PICD, "cannot start 'daemon': Invalid argument"));
        assert_int_equal(supervised_pid(b), 0);
        run_for(f, 50);
        assert_int_equal(supervised_state(b), SERVICE_BACKOFF);

        /* A user that does not exist: the child gives up before exec. */
        struct daemon sleeper = {.argv = {"/bin/sleep", "30", NULL}};
        struct supervised_spec spec = spec_for("nouser", &sleeper, 0);
        spec.user = "pic-no-such-user";
        struct supervised *c = add_spec(f, &spec);
        supervised_event(c, EVENT_START);
        wait_for(f, supervised_state(c) == SERVICE_BACKOFF);
        assert_last_exit(c, 126, NULL);
        wait_for(f, log_has(c, LOG_STREAM_STDERR, "picd: cannot switch to the service's user"));

        supervisor_stop_all(f->sup, on_stopped, f);
        assert_true(f->stopped_calls > 0);
        assert_true(supervisor_all_down(f->sup));
}

/* "cb runs once everything is down": once, also when nothing needs a
 * signal (a service in backoff or failed goes down on the spot), and also
 * when everything is down already. */
static void test_stop_all_callback_once(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/false", NULL}};
        struct supervised *svc = add(f, "false", &d, 0, false);

        supervisor_stop_all(f->sup, on_stopped, f); /* nothing running */
        assert_int_equal(f->stopped_calls, 1);

        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        f->stopped_calls = 0;
        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        run_for(f, 50);
        if (f->stopped_calls != 1)
                fail_msg("stop_all from backoff: the stopped callback ran %u times, want once", f->stopped_calls);
}

/* --- oneshots ---------------------------------------------------------- */

/* A oneshot's commands as small shell scripts that append a word to a
 * journal file, so a test reads back which of them ran, in which order. */
struct journal {
        char *dir, *path;
        char up[256], down[256];
};

static void journal_init(struct journal *j, const char *up_extra, const char *down_extra) {
        j->dir = test_tmpdir();
        j->path = test_path(j->dir, "journal");
        snprintf(j->up, sizeof j->up, "echo up >> %s%s", j->path, up_extra);
        snprintf(j->down, sizeof j->down, "echo down >> %s%s", j->path, down_extra);
}

static void journal_release(struct journal *j) {
        free(j->path);
        test_rmdir(j->dir);
}

/* What the journal holds, words separated by spaces ("" when none). */
static const char *journal_read(struct journal *j) {
        static char text[256];
        text[0] = 0;
        FILE *fp = fopen(j->path, "re");
        if (!fp)
                return text;
        char word[32];
        while (fscanf(fp, "%31s", word) == 1)
                snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", text[0] ? " " : "", word);
        fclose(fp);
        return text;
}

static struct daemon oneshot_daemon(struct journal *j) {
        return (struct daemon){.argv = {"/bin/sh", "-c", j->up, NULL}, .stop_argv = {"/bin/sh", "-c", j->down, NULL}};
}

/* Up: the start command runs and exits 0, then the probe decides; ready
 * with no process. Down: the stop command, then down; last_exit stays the
 * start command's. */
static void test_oneshot_up_and_down(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "; /bin/sleep 0.3", "");
        struct daemon d = oneshot_daemon(&j);
        d.probe_failures = 2;
        struct supervised *svc = add(f, "link", &d, 3, true); /* notify_fd is a longrun's only: ignored */
        supervisor_start_all(f->sup);
        assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        assert_true(supervised_oneshot(svc));
        pid_t up = supervised_pid(svc);
        assert_true(up > 0);
        assert_true(log_find(svc, LOG_STREAM_PICD, "start command: /bin/sh -c echo up >> ", true) != NULL);

        /* Not probed while its start command runs. */
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_STARTING);
        assert_int_equal(supervised_pid(svc), up);
        assert_int_equal(d.probe_calls, 0);

        wait_for(f, supervised_state(svc) == SERVICE_READY);
        assert_int_equal(d.probe_calls, 3);
        assert_string_equal(journal_read(&j), "up");
        assert_true(process_gone(up));
        assert_int_equal(supervised_pid(svc), 0);
        assert_true(status_is_null(svc, "pid"));
        assert_true(status_int(svc, "uptime_s") >= 0);
        assert_last_exit(svc, 0, NULL);
        {
                _cleanup_json_ json_t *o = supervised_to_json(svc);
                assert_string_equal(json_string_value(json_object_get(o, "kind")), "oneshot");
                assert_string_equal(json_string_value(json_object_get(o, "state")), "ready");
        }
        assert_true(log_has(svc, LOG_STREAM_PICD, "start command exited with status 0"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "ready"));
        /* Ready, nothing runs, nothing happens. */
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_READY);
        assert_int_equal(d.probe_calls, 3);

        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        pid_t down = supervised_pid(svc);
        assert_true(down > 0);
        assert_true(log_find(svc, LOG_STREAM_PICD, "stop command: /bin/sh -c echo down >> ", true) != NULL);
        wait_for(f, f->stopped_calls > 0);
        run_for(f, 50);
        assert_int_equal(f->stopped_calls, 1);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_string_equal(journal_read(&j), "up down");
        assert_true(log_has(svc, LOG_STREAM_PICD, "stop command exited with status 0"));
        assert_last_exit(svc, 0, NULL);
        assert_int_equal(restarts(svc), 0);
        /* A stop is not an exit: it stays down. */
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_string_equal(journal_read(&j), "up down");
        journal_release(&j);
}

/* Without a probe, exit 0 is ready. A oneshot's stop comes in dependency
 * order like a daemon's: the longrun after it goes first. */
static void test_oneshot_without_probe(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "", "");
        struct daemon d = oneshot_daemon(&j);
        struct daemon after = {.argv = {"/bin/sleep", "30", NULL}};
        struct supervised *svc = add(f, "link", &d, 0, false);
        struct supervised *next = add(f, "after", &after, 0, true);
        supervisor_start_all(f->sup);
        assert_int_equal(supervised_state(next), SERVICE_DOWN);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        assert_int_equal(supervised_state(next), SERVICE_STARTING);
        wait_for(f, supervised_state(next) == SERVICE_READY);
        assert_false(supervised_oneshot(next));

        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(next), SERVICE_STOPPING);
        assert_int_equal(supervised_state(svc), SERVICE_READY);
        assert_string_equal(journal_read(&j), "up");
        wait_for(f, f->stopped_calls == 1);
        assert_string_equal(journal_read(&j), "up down");
        assert_true(supervisor_all_down(f->sup));
        journal_release(&j);
}

/* A start command that fails made nothing: no stop command, and its exit
 * counts like a daemon's, into backoff and at last failed, with its own
 * words in the log. A restart with a longrun's command (what the adapter
 * decides at each start) brings a daemon up. */
static void test_oneshot_start_fails(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "", "");
        struct daemon d = {.argv = {"/bin/sh", "-c", "echo 'Error: Unknown device type.' >&2; exit 2", NULL},
                           .stop_argv = {"/bin/sh", "-c", j.down, NULL}};
        struct supervised *svc = add(f, "link", &d, 0, true);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        assert_true(supervised_oneshot(svc));
        assert_last_exit(svc, 2, NULL);
        assert_true(log_has(svc, LOG_STREAM_PICD, "start command exited with status 2"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "restarting in 1 s"));
        wait_for(f, log_has(svc, LOG_STREAM_STDERR, "Error: Unknown device type."));
        assert_int_equal(d.probe_calls, 0);
        for (unsigned i = 0; i < 4; i++) {
                wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
                supervised_event(svc, EVENT_TIMEOUT);
        }
        wait_for(f, supervised_state(svc) == SERVICE_FAILED);
        assert_int_equal(log_count_prefix(svc, LOG_STREAM_PICD, "start command: "), 5);
        assert_string_equal(journal_read(&j), "");
        assert_int_equal(d.probe_calls, 0);

        /* The next start is a longrun. */
        d = (struct daemon){.argv = {"/bin/sleep", "30", NULL}};
        supervised_event(svc, EVENT_RESTART);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        assert_false(supervised_oneshot(svc));
        assert_true(supervised_pid(svc) > 0);
        /* And back: stopping the daemon is a SIGTERM, not a stop command. */
        pid_t pid = supervised_pid(svc);
        supervisor_stop_all(f->sup, on_stopped, f);
        wait_for(f, f->stopped_calls == 1);
        assert_true(process_gone(pid));
        assert_last_exit(svc, -1, "SIGTERM");
        assert_string_equal(journal_read(&j), "");
        journal_release(&j);
}

/* Restart: the stop command, then the start command again. */
static void test_oneshot_restart(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "", "");
        struct daemon d = oneshot_daemon(&j);
        struct supervised *svc = add(f, "link", &d, 0, true);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        supervised_event(svc, EVENT_RESTART);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        wait_for(f, supervised_state(svc) == SERVICE_READY && restarts(svc) == 1);
        assert_string_equal(journal_read(&j), "up down up");
        assert_int_equal(d.probe_calls, 2);

        /* A start while its stop command runs: down, then up again. */
        supervised_event(svc, EVENT_STOP);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        supervised_event(svc, EVENT_START);
        wait_for(f, supervised_state(svc) == SERVICE_READY && restarts(svc) == 2);
        assert_string_equal(journal_read(&j), "up down up down up");

        /* A restart asked for, then a stop, while stopping: the stop wins. */
        supervised_event(svc, EVENT_RESTART);
        supervised_event(svc, EVENT_STOP);
        wait_for(f, supervised_state(svc) == SERVICE_DOWN);
        run_for(f, 200);
        assert_int_equal(supervised_state(svc), SERVICE_DOWN);
        assert_string_equal(journal_read(&j), "up down up down up down");
        journal_release(&j);
}

/* Made but never ready: unmade by its stop command, then backoff. */
static void test_oneshot_not_ready_is_undone(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "", "");
        struct daemon d = oneshot_daemon(&j);
        d.hold = true;
        struct supervised_spec spec = spec_for("link", &d, 0);
        spec.probe = probe;
        spec.start_timeout_usec = 300 * MSEC;
        struct supervised *svc = add_spec(f, &spec);
        uint64_t start = now_monotonic_usec();
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_BACKOFF);
        uint64_t took = ms_since(start);
        assert_true(took >= 250);
        assert_true(took < 2000);
        assert_true(d.probe_calls >= 2);
        assert_string_equal(journal_read(&j), "up down");
        assert_true(log_has(svc, LOG_STREAM_PICD, "not ready after 300 ms: undoing it"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "restarting in 1 s"));
        assert_last_exit(svc, 0, NULL);
        /* The backoff's start runs it again. */
        d.hold = false;
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        assert_int_equal(restarts(svc), 1);
        assert_string_equal(journal_read(&j), "up down up");
        journal_release(&j);
}

/* A start command stopped or killed half way may have made its thing:
 * the stop command runs after it, before down (a stop) or backoff (the
 * start timeout). */
static void test_oneshot_interrupted_start(void **state) {
        struct fixture *f = *state;
        struct journal j;
        journal_init(&j, "; exec /bin/sleep 30", "");
        struct daemon d = oneshot_daemon(&j);
        struct supervised *svc = add(f, "link", &d, 0, true);
        supervisor_start_all(f->sup);
        wait_for(f, streq(journal_read(&j), "up"));
        pid_t up = supervised_pid(svc);
        supervised_event(svc, EVENT_STOP);
        assert_int_equal(supervised_state(svc), SERVICE_STOPPING);
        wait_for(f, supervised_state(svc) == SERVICE_DOWN);
        assert_true(process_gone(up));
        assert_string_equal(journal_read(&j), "up down");
        assert_true(log_has(svc, LOG_STREAM_PICD, "start command exited on signal TERM"));
        assert_true(log_has(svc, LOG_STREAM_PICD, "stop command exited with status 0"));
        assert_last_exit(svc, -1, "SIGTERM");

        struct journal k;
        journal_init(&k, "; exec /bin/sleep 30", "");
        struct daemon slow = oneshot_daemon(&k);
        struct supervised_spec spec = spec_for("slow", &slow, 0);
        spec.start_timeout_usec = 300 * MSEC;
        struct supervised *s2 = add_spec(f, &spec);
        supervised_event(s2, EVENT_START);
        wait_for(f, supervised_state(s2) == SERVICE_BACKOFF);
        assert_string_equal(journal_read(&k), "up down");
        assert_true(log_has(s2, LOG_STREAM_PICD, "not ready after 300 ms: killing it"));
        assert_last_exit(s2, -1, "SIGKILL");
        supervisor_stop_all(f->sup, on_stopped, f);
        wait_for(f, f->stopped_calls == 1);
        assert_string_equal(journal_read(&k), "up down");
        journal_release(&j);
        journal_release(&k);
}

/* A stop command that hangs is killed after the stop timeout; one that
 * fails or cannot run at all still ends in down. */
static void test_oneshot_stop_command_trouble(void **state) {
        struct fixture *f = *state;
        struct daemon hangs = {.argv = {"/bin/true", NULL}, .stop_argv = {"/bin/sleep", "30", NULL}};
        struct supervised_spec spec = spec_for("hangs", &hangs, 0);
        spec.stop_timeout_usec = 300 * MSEC;
        struct supervised *a = add_spec(f, &spec);
        struct daemon fails = {.argv = {"/bin/true", NULL}, .stop_argv = {"/bin/false", NULL}};
        struct supervised *b = add(f, "fails", &fails, 0, false);
        struct daemon missing = {.argv = {"/bin/true", NULL}, .stop_argv = {"/nonexistent/stop", NULL}};
        struct supervised *c = add(f, "missing", &missing, 0, false);
        struct daemon relative = {.argv = {"/bin/true", NULL}, .stop_argv = {"stop", NULL}};
        struct supervised *e = add(f, "relative", &relative, 0, false);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(e) == SERVICE_READY);

        uint64_t start = now_monotonic_usec();
        supervised_event(a, EVENT_STOP);
        wait_for(f, supervised_state(a) == SERVICE_DOWN);
        assert_true(ms_since(start) >= 250);
        assert_true(log_has(a, LOG_STREAM_PICD, "did not stop within 300 ms: SIGKILL"));
        assert_true(log_has(a, LOG_STREAM_PICD, "stop command exited on signal KILL"));
        assert_last_exit(a, 0, NULL);

        supervised_event(b, EVENT_STOP);
        wait_for(f, supervised_state(b) == SERVICE_DOWN);
        assert_true(log_has(b, LOG_STREAM_PICD, "stop command exited with status 1"));

        supervised_event(c, EVENT_STOP);
        wait_for(f, supervised_state(c) == SERVICE_DOWN);
        assert_true(log_has(c, LOG_STREAM_PICD, "stop command exited with status 127"));
        wait_for(f, log_has(c, LOG_STREAM_STDERR, "picd: cannot execute the service's binary"));

        supervised_event(e, EVENT_STOP);
        assert_int_equal(supervised_state(e), SERVICE_DOWN);
        assert_true(log_has(e, LOG_STREAM_PICD, "cannot run its stop command 'stop': Invalid argument"));
        run_for(f, 100);
        assert_true(supervisor_all_down(f->sup));
        assert_int_equal(restarts(a) + restarts(b) + restarts(c) + restarts(e), 0);
}

/* --- what the child inherits ----------------------------------------- */

/* The numbers `ls /proc/self/fd` printed, one a line before "END". */
static unsigned logged_fds(struct supervised *svc, bool seen[static 1024]) {
        memset(seen, 0, 1024 * sizeof *seen);
        const struct logring *r = supervised_log(svc);
        unsigned n = 0;
        for (uint64_t seq = logring_tail_start(r, LOGRING_LINES); seq < r->next_seq; seq++) {
                const struct logring_line *l = logring_get(r, seq);
                if (!l || l->stream != LOG_STREAM_STDOUT)
                        continue;
                if (streq(l->text, "END"))
                        break;
                char *end;
                long fd = strtol(l->text, &end, 10);
                if (*end || fd < 0 || fd >= 1024)
                        fail_msg("unexpected line from ls: '%s'", l->text);
                seen[fd] = true;
                n++;
        }
        return n;
}

/* Exactly `want` (ascending, -1 ended) plus the descriptor ls opens itself. */
static void assert_fds(struct supervised *svc, const int *want, const int *leaked) {
        bool seen[1024];
        unsigned n = logged_fds(svc, seen), n_want = 0;
        for (; want[n_want] >= 0; n_want++)
                if (!seen[want[n_want]])
                        fail_msg("%s: fd %d missing in the child", supervised_name(svc), want[n_want]);
        for (; *leaked >= 0; leaked++)
                if (seen[*leaked])
                        fail_msg("%s: fd %d leaked into the child", supervised_name(svc), *leaked);
        if (n != n_want + 1)
                fail_msg("%s: the child has %u descriptors, want %u", supervised_name(svc), n, n_want + 1);
}

static void test_fd_hygiene(void **state) {
        struct fixture *f = *state;
        /* Descriptors of ours without O_CLOEXEC, a low one and a high one. */
        _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(null >= 0);
        /* Above 4, which ls itself gets when 3 is the notification fd. */
        _cleanup_close_ int low = fcntl(null, F_DUPFD, 5);
        assert_true(low >= 5);
        _cleanup_close_ int high = fcntl(null, F_DUPFD, 40);
        assert_true(high >= 40);

        struct daemon d3 = {.argv = {"/bin/sh", "-c", "ls /proc/self/fd; echo END; echo > /dev/fd/3; exec sleep 30", NULL}};
        struct daemon d0 = {.argv = {"/bin/sh", "-c", "ls /proc/self/fd; echo END; exec sleep 30", NULL}};
        struct daemon d7 = {.argv = {"/bin/sh", "-c", "ls /proc/self/fd; echo END; echo > /dev/fd/7; exec sleep 30", NULL}};
        struct supervised *s3 = add(f, "notify3", &d3, 3, false);
        struct supervised *s0 = add(f, "nonotify", &d0, 0, false);
        struct supervised *s7 = add(f, "notify7", &d7, 7, false);
        for (unsigned i = 0; i < supervisor_count(f->sup); i++)
                supervised_event(supervisor_get(f->sup, i), EVENT_START);
        wait_for(f, supervised_state(s3) == SERVICE_READY && supervised_state(s7) == SERVICE_READY);
        wait_for(f, log_has(s3, LOG_STREAM_STDOUT, "END") && log_has(s0, LOG_STREAM_STDOUT, "END") &&
                            log_has(s7, LOG_STREAM_STDOUT, "END"));

        int leaked[] = {low, high, -1};
        assert_fds(s3, (const int[]){0, 1, 2, 3, -1}, leaked);
        assert_fds(s0, (const int[]){0, 1, 2, -1}, leaked);
        assert_fds(s7, (const int[]){0, 1, 2, 7, -1}, leaked);
}

/* The notification descriptor must reach the child whatever number the
 * pipe's write end happens to have in picd, including the target itself. */
static void test_notify_fd_same_number(void **state) {
        struct fixture *f = *state;
        /* The loop's timer descriptor comes with the first service. */
        struct daemon idle = {.argv = {"/bin/true", NULL}};
        (void)add(f, "idle", &idle, 0, false);
        /* do_spawn opens three pipes, stdout, stderr, then notification, each
         * taking the lowest free numbers: find the notification write end's. */
        int p[6];
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(pipe2(p + 2 * i, O_CLOEXEC), 0);
        int target = p[5];
        for (unsigned i = 0; i < 6; i++)
                close(p[i]);

        char script[128];
        snprintf(script, sizeof script, "echo > /dev/fd/%d; exec /bin/sleep 30", target);
        struct daemon t = {.argv = {"/bin/sh", "-c", script, NULL}};
        struct supervised_spec spec = spec_for("collide", &t, target);
        spec.start_timeout_usec = 2 * SEC;
        struct supervised *svc = add_spec(f, &spec);
        supervised_event(svc, EVENT_START);
        if (!run_until_ms(f, 1000, supervised_state(svc) == SERVICE_READY)) {
                const struct logring_line *l = log_find(svc, LOG_STREAM_STDERR, "", true);
                fail_msg("notify_fd %d equal to the pipe's write end: not ready (stderr: '%s')", target,
                         l ? l->text : "");
        }
}

static void assert_caps_line(struct supervised *svc, const char *field, const char *want) {
        char line[64];
        snprintf(line, sizeof line, "%s:\t%s", field, want);
        if (!log_has(svc, LOG_STREAM_STDOUT, line)) {
                const struct logring_line *got = log_find(svc, LOG_STREAM_STDOUT, field, true);
                const struct logring_line *err = log_find(svc, LOG_STREAM_STDERR, "", true);
                fail_msg("%s: want '%s', got '%s' (%s, stderr: '%s')", supervised_name(svc), line,
                         got ? got->text : "(nothing)", service_state_to_string(supervised_state(svc)),
                         err ? err->text : "");
        }
}

static void test_capabilities(void **state) {
        struct fixture *f = *state;
        if (geteuid() != 0) {
                /* Not a cmocka skip: meson 1.0 counts that as a failure. */
                printf("# capabilities: not running as root, nothing checked\n");
                return;
        }
        struct daemon d = {.argv = {"/bin/sh", "-c", "grep ^Cap /proc/self/status; echo END; exec sleep 30", NULL}};
        struct supervised_spec none = spec_for("nocaps", &d, 0);
        none.capabilities = 0;
        struct supervised_spec bind = spec_for("bindcap", &d, 0);
        bind.capabilities = (uint64_t)1 << CAP_NET_BIND_SERVICE;
        struct supervised *s_none = add_spec(f, &none);
        struct supervised *s_bind = add_spec(f, &bind);
        supervised_event(s_none, EVENT_START);
        supervised_event(s_bind, EVENT_START);
        wait_for(f, log_has(s_none, LOG_STREAM_STDOUT, "END") && log_has(s_bind, LOG_STREAM_STDOUT, "END"));

        assert_caps_line(s_none, "CapEff", "0000000000000000");
        assert_caps_line(s_none, "CapPrm", "0000000000000000");
        assert_caps_line(s_none, "CapBnd", "0000000000000000");
        assert_caps_line(s_bind, "CapEff", "0000000000000400");
        assert_caps_line(s_bind, "CapPrm", "0000000000000400");
        assert_caps_line(s_bind, "CapBnd", "0000000000000400");
}

/* As another user (Caddy as `caddy` in the system profile), the one
 * capability stays through exec, as an ambient one. */
static void test_capabilities_as_user(void **state) {
        struct fixture *f = *state;
        if (geteuid() != 0) {
                printf("# capabilities as another user: not running as root, nothing checked\n");
                return;
        }
        struct daemon d = {.argv = {"/bin/sh", "-c",
                                    "grep -E '^(Cap|Uid|Gid|Groups)' /proc/self/status; echo END; exec sleep 30", NULL}};
        struct supervised_spec user = spec_for("usercap", &d, 0);
        user.user = "nobody";
        user.capabilities = (uint64_t)1 << CAP_NET_BIND_SERVICE;
        struct supervised *s_user = add_spec(f, &user);
        supervised_event(s_user, EVENT_START);
        wait_for(f, log_has(s_user, LOG_STREAM_STDOUT, "END") || supervised_state(s_user) == SERVICE_BACKOFF);
        assert_caps_line(s_user, "Uid", "65534\t65534\t65534\t65534");
        assert_caps_line(s_user, "Gid", "65534\t65534\t65534\t65534");
        assert_caps_line(s_user, "CapEff", "0000000000000400");
        assert_caps_line(s_user, "CapAmb", "0000000000000400");
        assert_caps_line(s_user, "CapBnd", "0000000000000400");
        /* No supplementary group of picd's. */
        const struct logring_line *groups = log_find(s_user, LOG_STREAM_STDOUT, "Groups:", true);
        assert_non_null(groups);
        assert_null(strpbrk(groups->text, "0123456789"));
}

/* picd as an ordinary user (the dev profile): its daemons stay that user,
 * with no capabilities to drop, and must start all the same. The helper
 * process plays that picd; as root it first becomes nobody. */
static void test_unprivileged_picd(void **state) {
        (void)state;
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t helper = fork();
        assert_true(helper >= 0);
        if (helper == 0) {
                close(p[0]);
                if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(1);
                sd_event *e = NULL;
                struct supervisor *sup = NULL;
                struct daemon d = {.argv = {"/bin/sh", "-c", "echo > /dev/fd/3; exec /bin/sleep 30", NULL}};
                struct supervised_spec spec = spec_for("plain", &d, 3);
                struct supervised *svc = NULL;
                if (sd_event_new(&e) < 0 || supervisor_new(e, &sup) < 0 || supervisor_add(sup, &spec, &svc) < 0)
                        _exit(2);
                supervisor_start_all(sup);
                uint64_t deadline = now_monotonic_usec() + 2000 * MSEC;
                while (supervised_state(svc) == SERVICE_STARTING && now_monotonic_usec() < deadline)
                        sd_event_run(e, 20 * MSEC);
                /* Report the state and what the daemon said on stderr. */
                char report[256];
                const struct logring_line *err = log_find(svc, LOG_STREAM_STDERR, "", true);
                int n = snprintf(report, sizeof report, "%s (stderr: '%s')", service_state_to_string(supervised_state(svc)),
                                 err ? err->text : "");
                (void)!write(p[1], report, (size_t)n);
                supervisor_stop_all(sup, NULL, NULL);
                deadline = now_monotonic_usec() + 2000 * MSEC;
                while (!supervisor_all_down(sup) && now_monotonic_usec() < deadline)
                        sd_event_run(e, 20 * MSEC);
                _exit(0);
        }
        close(p[1]);
        char report[257] = "";
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        if (poll(&pfd, 1, 2 * WAIT_MS) == 1) {
                ssize_t n = read(p[0], report, sizeof report - 1);
                report[n > 0 ? n : 0] = 0;
        }
        close(p[0]);
        int status;
        uint64_t deadline = now_monotonic_usec() + WAIT_MS * MSEC;
        while (waitpid(helper, &status, WNOHANG) == 0) {
                if (now_monotonic_usec() >= deadline) {
                        kill(helper, SIGKILL);
                        waitpid(helper, &status, 0);
                        break;
                }
                usleep(10 * 1000);
        }
        if (strncmp(report, "ready", 5) != 0)
                fail_msg("a daemon of an unprivileged picd: %s", report[0] ? report : "(no report)");
}

/* The daemon goes when picd goes, even when picd is SIGKILLed. */
static void test_dies_with_picd(void **state) {
        (void)state;
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t helper = fork();
        assert_true(helper >= 0);
        if (helper == 0) {
                /* A picd of its own: no cmocka here, only an exit code. */
                close(p[0]);
                sd_event *e = NULL;
                struct supervisor *sup = NULL;
                struct daemon d = {.argv = {"/bin/sh", "-c", "echo > /dev/fd/3; exec /bin/sleep 30", NULL}};
                struct supervised_spec spec = spec_for("orphan", &d, 3);
                struct supervised *svc = NULL;
                if (sd_event_new(&e) < 0 || supervisor_new(e, &sup) < 0 || supervisor_add(sup, &spec, &svc) < 0)
                        _exit(1);
                supervisor_start_all(sup);
                uint64_t deadline = now_monotonic_usec() + WAIT_MS * MSEC;
                while (supervised_state(svc) != SERVICE_READY && now_monotonic_usec() < deadline)
                        sd_event_run(e, 20 * MSEC);
                pid_t pid = supervised_pid(svc);
                if (supervised_state(svc) != SERVICE_READY || write(p[1], &pid, sizeof pid) != sizeof pid)
                        _exit(2);
                sleep(30);
                _exit(3);
        }
        close(p[1]);
        pid_t pid = 0;
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        bool got = poll(&pfd, 1, WAIT_MS) == 1 && read(p[0], &pid, sizeof pid) == sizeof pid;
        close(p[0]);
        kill(helper, SIGKILL);
        int status;
        assert_int_equal(waitpid(helper, &status, 0), helper);
        if (!got)
                fail_msg("the helper picd did not get its daemon ready (status %d)", status);
        assert_true(WIFSIGNALED(status));

        /* Gone, or a zombie of whoever adopted it. */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        uint64_t deadline = now_monotonic_usec() + WAIT_MS * MSEC;
        for (;;) {
                _cleanup_free_ char *stat = NULL;
                FILE *fp = fopen(path, "re");
                size_t n = 0;
                bool alive = fp && getline(&stat, &n, fp) > 0 && !strstr(stat, ") Z ");
                if (fp)
                        fclose(fp);
                if (!alive)
                        break;
                if (now_monotonic_usec() >= deadline) {
                        kill(pid, SIGKILL);
                        fail_msg("daemon %d outlived its picd", (int)pid);
                }
                usleep(10 * 1000);
        }
}

/* --- dependency order ------------------------------------------------- */

static void test_dependency_order(void **state) {
        struct fixture *f = *state;
        struct daemon a = {.argv = {"/bin/sleep", "30", NULL}, .hold = true};
        struct daemon b = {.argv = {"/bin/sleep", "30", NULL}};
        struct supervised *sa = add(f, "A", &a, 0, true);
        struct supervised *sb = add(f, "B", &b, 0, true);

        supervisor_start_all(f->sup);
        assert_int_equal(supervised_state(sa), SERVICE_STARTING);
        assert_int_equal(supervised_state(sb), SERVICE_DOWN);
        run_for(f, 300);
        assert_true(a.probe_calls >= 2);
        assert_int_equal(supervised_state(sa), SERVICE_STARTING);
        assert_int_equal(supervised_state(sb), SERVICE_DOWN);
        assert_int_equal(b.probe_calls, 0);

        a.hold = false;
        wait_for(f, supervised_state(sa) == SERVICE_READY);
        /* B starts in the same turn as A becomes ready. */
        assert_int_equal(supervised_state(sb), SERVICE_STARTING);
        wait_for(f, supervised_state(sb) == SERVICE_READY);

        /* Reverse order: A keeps running until B is down. */
        supervisor_stop_all(f->sup, on_stopped, f);
        assert_int_equal(supervised_state(sb), SERVICE_STOPPING);
        assert_int_equal(supervised_state(sa), SERVICE_READY);
        wait_for(f, f->stopped_calls == 1);
        assert_string_equal(f->exit_order, "B,A");
        assert_true(supervisor_all_down(f->sup));
        /* A stop is not an exit: nothing comes back up. */
        run_for(f, 200);
        assert_true(supervisor_all_down(f->sup));
        assert_int_equal(f->stopped_calls, 1);
}

/* --- output lines ----------------------------------------------------- */

static void test_output_lines(void **state) {
        struct fixture *f = *state;
        struct daemon d = {.argv = {"/bin/sh", "-c",
                                    "head -c 5000 /dev/zero | tr '\\0' x; echo; printf '\\377bad\\n'; "
                                    "printf 'no newline'; echo > /dev/fd/3; exec sleep 30",
                                    NULL}};
        struct supervised *svc = add(f, "chatty", &d, 3, false);
        supervisor_start_all(f->sup);
        wait_for(f, supervised_state(svc) == SERVICE_READY);
        wait_for(f, log_has(svc, LOG_STREAM_STDOUT, "?bad"));

        /* A line longer than LOGRING_LINE_MAX arrives in pieces. */
        const struct logring *r = supervised_log(svc);
        size_t lens[8];
        unsigned n = 0;
        for (uint64_t seq = logring_tail_start(r, LOGRING_LINES); seq < r->next_seq && n < 8; seq++) {
                const struct logring_line *l = logring_get(r, seq);
                if (l && l->stream == LOG_STREAM_STDOUT && l->text[0] == 'x')
                        lens[n++] = strlen(l->text);
        }
        assert_int_equal(n, 3);
        assert_int_equal(lens[0], LOGRING_LINE_MAX);
        assert_int_equal(lens[1], LOGRING_LINE_MAX);
        assert_int_equal(lens[2], 5000 - 2 * LOGRING_LINE_MAX);

        /* A last line without a newline is kept until the pipe closes. */
        assert_false(log_has(svc, LOG_STREAM_STDOUT, "no newline"));
        supervisor_stop_all(f->sup, on_stopped, f);
        wait_for(f, supervised_state(svc) == SERVICE_DOWN && log_has(svc, LOG_STREAM_STDOUT, "no newline"));
}

/* --- the log ring ------------------------------------------------------ */

static void test_logring(void **state) {
        (void)state;
        static struct logring r; /* large: not on the stack */
        logring_init(&r);
        assert_int_equal(r.next_seq, 1);
        assert_int_equal(logring_tail_start(&r, 10), 1);
        assert_null(logring_get(&r, 0));
        assert_null(logring_get(&r, 1));

        char text[32];
        unsigned total = LOGRING_LINES + 5;
        for (unsigned i = 1; i <= total; i++) {
                int len = snprintf(text, sizeof text, "line %u", i);
                logring_push(&r, i % 2 ? LOG_STREAM_STDOUT : LOG_STREAM_STDERR, 1700000000 + i, text, (size_t)len);
        }
        assert_int_equal(r.next_seq, total + 1);
        assert_int_equal(logring_tail_start(&r, 10), total + 1 - 10);
        assert_int_equal(logring_tail_start(&r, 0), total + 1);
        /* More than the ring holds: the oldest line still there. */
        assert_int_equal(logring_tail_start(&r, 5000), total + 1 - LOGRING_LINES);
        assert_int_equal(logring_tail_start(&r, LOGRING_LINES), total + 1 - LOGRING_LINES);

        assert_null(logring_get(&r, 0));
        assert_null(logring_get(&r, 5)); /* evicted */
        assert_null(logring_get(&r, total + 1)); /* not there yet */
        const struct logring_line *l = logring_get(&r, 6);
        assert_non_null(l);
        assert_int_equal(l->seq, 6);
        assert_string_equal(l->text, "line 6");
        assert_int_equal(l->stream, LOG_STREAM_STDERR);
        assert_int_equal(l->time, 1700000006);
        l = logring_get(&r, total);
        assert_non_null(l);
        assert_string_equal(l->text, "line 1005");
        assert_int_equal(l->stream, LOG_STREAM_STDOUT);
        for (uint64_t seq = logring_tail_start(&r, 5000); seq <= total; seq++) {
                l = logring_get(&r, seq);
                assert_non_null(l);
                assert_int_equal(l->seq, seq);
        }

        {
                _cleanup_json_ json_t *o = logring_line_to_json(logring_get(&r, 6));
                assert_non_null(o);
                assert_string_equal(json_string_value(json_object_get(o, "stream")), "stderr");
                assert_string_equal(json_string_value(json_object_get(o, "text")), "line 6");
                assert_string_equal(json_string_value(json_object_get(o, "time")), "2023-11-14T22:13:26Z");
        }

        /* Invalid UTF-8 becomes '?', valid stays. */
        const char bad[] = "ok \xff\xfe \xc3\xa9 \xc3 \xe2\x82";
        logring_push(&r, LOG_STREAM_STDOUT, 0, bad, sizeof bad - 1);
        l = logring_get(&r, r.next_seq - 1);
        assert_string_equal(l->text, "ok ?? \xc3\xa9 ? ??");
        {
                _cleanup_json_ json_t *o = logring_line_to_json(l);
                assert_non_null(o); /* jansson refuses invalid UTF-8 */
        }

        /* Over-long lines are cut; a cut through a character is repaired. */
        char long_line[3000];
        memset(long_line, 'x', sizeof long_line);
        logring_push(&r, LOG_STREAM_STDOUT, 0, long_line, sizeof long_line);
        assert_int_equal(strlen(logring_get(&r, r.next_seq - 1)->text), LOGRING_LINE_MAX);
        memset(long_line, 'a', LOGRING_LINE_MAX - 1);
        memcpy(long_line + LOGRING_LINE_MAX - 1, "\xc3\xa9", 2);
        logring_push(&r, LOG_STREAM_STDOUT, 0, long_line, LOGRING_LINE_MAX + 1);
        l = logring_get(&r, r.next_seq - 1);
        assert_int_equal(strlen(l->text), LOGRING_LINE_MAX);
        assert_int_equal(l->text[LOGRING_LINE_MAX - 1], '?');

        /* An empty line is a line; text after a NUL is not kept. */
        logring_push(&r, LOG_STREAM_PICD, 0, "", 0);
        assert_string_equal(logring_get(&r, r.next_seq - 1)->text, "");
        logring_push(&r, LOG_STREAM_PICD, 0, "a\0b", 3);
        assert_string_equal(logring_get(&r, r.next_seq - 1)->text, "a");

        logring_release(&r);
        assert_int_equal(r.next_seq, 1);
        assert_null(logring_get(&r, 1));
}

int main(void) {
        /* sd-event's child sources need SIGCHLD blocked, as picd does. */
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_notify_ready_and_stop),
                T(test_probe_ready),
                T(test_stop_timeout_kills),
                T(test_exit_backoff_restart),
                T(test_crash_loop),
                T(test_restart_ready),
                T(test_start_timeout),
                T(test_exit_when_ready),
                T(test_start_failure),
                T(test_stop_all_callback_once),
                T(test_stop_all_no_respawn),
                T(test_fd_hygiene),
                T(test_notify_fd_same_number),
                T(test_capabilities),
                T(test_capabilities_as_user),
                T(test_unprivileged_picd),
                T(test_dies_with_picd),
                T(test_dependency_order),
                T(test_output_lines),
                T(test_oneshot_up_and_down),
                T(test_oneshot_without_probe),
                T(test_oneshot_start_fails),
                T(test_oneshot_restart),
                T(test_oneshot_not_ready_is_undone),
                T(test_oneshot_interrupted_start),
                T(test_oneshot_stop_command_trouble),
                cmocka_unit_test(test_logring),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
