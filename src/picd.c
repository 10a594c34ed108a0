/* picd: the cell's control plane. Wires the parts together and runs the
 * event loop; everything else lives in its own module. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "api/api.h"
#include "apply/runtime.h"
#include "apply/config_change.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/timeutil.h"
#include "store/cell.h"
#include "store/store.h"

#define LOGIN_PER_SOURCE_MAX 10
#define LOGIN_PER_SOURCE_WINDOW 60
#define LOGIN_PER_USER_FAILURES 5
#define LOGIN_PER_USER_WINDOW 300
#define RATELIMIT_CAPACITY 4096

struct picd {
        struct api_context ctx;
        sd_event *event;
        sd_event_source *confirm_timer;
        struct runtime *runtime;
        bool shutting_down;
};

static void usage(FILE *f) {
        fprintf(f, "Usage: picd [--dir DIR] [--log-level error|warning|info|debug]\n"
                   "       picd --list-routes\n\n"
                   "Runs a PIC cell in the foreground. DIR defaults to $PIC_DIR.\n"
                   "SIGTERM or SIGINT shuts it down cleanly.\n");
}

static void expire_confirm_window(struct picd *p) {
        int64_t revision;
        int r = config_expire_confirm_window(p->ctx.store, now_unix(), &revision);
        if (r < 0)
                log_error_errno(r, "Failed to roll back an unconfirmed apply, will retry");
        else if (r > 0) {
                log_warning("Apply was not confirmed in time: configuration restored as revision %lld",
                            (long long)revision);
                if (p->runtime)
                        runtime_schedule_reconcile(p->runtime);
        }
}

static void on_commit(struct api_context *ctx) {
        struct picd *p = ctx->userdata;
        if (p->runtime && !p->shutting_down)
                runtime_committed(p->runtime);
}

static void on_all_stopped(void *userdata) {
        struct picd *p = userdata;
        /* Live log streams end after the services, so that followers see
         * the daemons' last words. */
        if (p->ctx.logstreams)
                logstream_close_all(p->ctx.logstreams);
        sd_event_exit(p->event, 0);
}

/* SIGTERM/SIGINT: stop the daemons in reverse order, then leave the loop.
 * A second signal does not hurry it: the stop timeouts bound the wait. */
static int on_shutdown_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void)s;
        struct picd *p = userdata;
        if (p->shutting_down)
                return 0;
        p->shutting_down = true;
        log_info("Signal %s: stopping services", sigabbrev_np((int)si->ssi_signo));
        if (p->runtime)
                runtime_stop(p->runtime, on_all_stopped, p);
        else
                on_all_stopped(p);
        return 0;
}

static int on_confirm_deadline(sd_event_source *s, uint64_t usec, void *userdata);

/* The confirm window lives in the store, so a restart re-arms it here. */
static void arm_confirm_timer(struct api_context *ctx) {
        struct picd *p = ctx->userdata;
        struct confirm_window w;
        if (confirm_window_get(ctx->store, &w) < 0) {
                sd_event_source_set_enabled(p->confirm_timer, SD_EVENT_OFF);
                return;
        }
        sd_event_source_set_time(p->confirm_timer, (uint64_t)w.deadline * 1000000u);
        sd_event_source_set_enabled(p->confirm_timer, SD_EVENT_ONESHOT);
}

static int on_confirm_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        struct picd *p = userdata;
        expire_confirm_window(p);
        arm_confirm_timer(&p->ctx);
        return 0;
}

/* The log is written in blocks: under load one write carries many
 * access-log lines, and after every turn of the loop it is flushed, so an
 * idle picd never holds a line back. */
static int on_loop_iteration_done(sd_event_source *s, void *userdata) {
        (void)s;
        (void)userdata;
        fflush(stderr);
        return 0;
}

static int open_store(const char *dir, struct store **ret) {
        _cleanup_free_ char *db = cell_db_path(dir);
        if (!db)
                return -ENOMEM;
        int r = store_open(db, ret);
        if (r == -ENOENT)
                fprintf(stderr, "picd: '%s' is not a cell (no cell.db); create one with 'pic init --dir %s --name NAME'\n",
                        dir, dir);
        else if (r == -EPROTONOSUPPORT)
                fprintf(stderr, "picd: '%s' has a schema newer than this picd knows (version %u); upgrade picd\n", db,
                        store_schema_version());
        else if (r == -EBADMSG)
                fprintf(stderr, "picd: '%s' is not a PIC store\n", db);
        else if (r < 0)
                fprintf(stderr, "picd: cannot open '%s': %s\n", db, strerror(-r));
        return r;
}

static int write_pid_file(const char *dir) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/run/picd.pid", dir) < 0)
                return -ENOMEM;
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f, "%d\n", (int)getpid());
        return fclose(f) == 0 ? 0 : -errno;
}

static int run(const char *dir) {
        struct picd p = {0};
        _cleanup_store_ struct store *store = NULL;
        int r = open_store(dir, &store);
        if (r < 0)
                return r;

        p.ctx = (struct api_context){
                .store = store,
                .started_usec = now_monotonic_usec(),
                .login_by_source = ratelimit_new(LOGIN_PER_SOURCE_MAX, LOGIN_PER_SOURCE_WINDOW, RATELIMIT_CAPACITY),
                .login_by_user = ratelimit_new(LOGIN_PER_USER_FAILURES, LOGIN_PER_USER_WINDOW, RATELIMIT_CAPACITY),
                .confirm_window_changed = arm_confirm_timer,
                .on_commit = on_commit,
                .userdata = &p,
        };
        struct api_server *server = NULL;
        _cleanup_free_ char *run_dir = NULL;
        if (!p.ctx.login_by_source || !p.ctx.login_by_user || asprintf(&run_dir, "%s/run", dir) < 0) {
                r = -ENOMEM;
                goto out;
        }

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD); /* sd-event watches children through pidfds */
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        if ((r = sd_event_new(&p.event)) < 0 ||
            (r = sd_event_add_signal(p.event, NULL, SIGTERM, on_shutdown_signal, &p)) < 0 ||
            (r = sd_event_add_post(p.event, NULL, on_loop_iteration_done, NULL)) < 0 ||
            (r = sd_event_add_signal(p.event, NULL, SIGINT, on_shutdown_signal, &p)) < 0 ||
            (r = logstream_hub_new(p.event, &p.ctx.logstreams)) < 0 ||
            (r = sd_event_add_time(p.event, &p.confirm_timer, CLOCK_REALTIME, 0, 0, on_confirm_deadline, &p)) < 0) {
                fprintf(stderr, "picd: cannot set up the event loop: %s\n", strerror(-r));
                goto out;
        }

        /* A window whose deadline passed while picd was down rolls back now. */
        expire_confirm_window(&p);
        arm_confirm_timer(&p.ctx);

        r = api_server_start(&p.ctx, p.event, run_dir, &server);
        if (r == -EADDRINUSE) {
                fprintf(stderr, "picd: another picd is already serving '%s'\n", run_dir);
                goto out;
        }
        if (r < 0) {
                fprintf(stderr, "picd: cannot listen on '%s': %s\n", run_dir, strerror(-r));
                goto out;
        }
        r = write_pid_file(dir);
        if (r < 0)
                log_warning_errno(r, "Failed to write the pid file, ignoring");

        r = runtime_new(p.event, store, dir, &p.runtime);
        if (r < 0) {
                fprintf(stderr, "picd: cannot prepare the services: %s\n", strerror(-r));
                goto out;
        }
        p.ctx.runtime = p.runtime;
        supervisor_on_line(runtime_supervisor(p.runtime), logstream_on_line, p.ctx.logstreams);
        r = runtime_start(p.runtime);
        if (r < 0)
                log_error_errno(r, "First reconcile failed; services start with the files on disk");

        log_info("picd %s serving cell '%s' (schema %u)", PIC_VERSION, dir, store_schema_version());
        fflush(stderr);
        r = sd_event_loop(p.event);
        if (r < 0)
                log_error_errno(r, "Event loop failed");
        else
                log_info("picd stopped");

out:
        /* The server first: its last live streams still read the services'
         * logs while they drain. */
        if (server) {
                if (p.ctx.logstreams)
                        logstream_close_all(p.ctx.logstreams);
                server = api_server_stop(server);
                _cleanup_free_ char *pid = NULL;
                if (asprintf(&pid, "%s/run/picd.pid", dir) >= 0)
                        unlink(pid);
        }
        /* Normally every service is down already; this kills what is not. */
        p.ctx.runtime = NULL;
        p.runtime = runtime_free(p.runtime);
        sd_event_source_unref(p.confirm_timer);
        p.ctx.logstreams = logstream_hub_free(p.ctx.logstreams);
        sd_event_unref(p.event);
        ratelimit_free(p.ctx.login_by_source);
        ratelimit_free(p.ctx.login_by_user);
        free(p.ctx.config_text);
        return r < 0 ? r : 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"dir", required_argument, NULL, 'd'},       {"log-level", required_argument, NULL, 'l'},
                {"list-routes", no_argument, NULL, 'R'},     {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},         {0},
        };
        const char *dir = getenv("PIC_DIR");
        int c;
        while ((c = getopt_long(argc, argv, "d:h", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'l':
                        if (streq(optarg, "error"))
                                log_set_level(LOG_LEVEL_ERROR);
                        else if (streq(optarg, "warning"))
                                log_set_level(LOG_LEVEL_WARNING);
                        else if (streq(optarg, "info"))
                                log_set_level(LOG_LEVEL_INFO);
                        else if (streq(optarg, "debug"))
                                log_set_level(LOG_LEVEL_DEBUG);
                        else {
                                fprintf(stderr, "picd: --log-level must be error, warning, info or debug\n");
                                return 2;
                        }
                        break;
                case 'R':
                        api_print_routes();
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("picd %s\n", PIC_VERSION);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "picd: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        if (!dir || !*dir) {
                fprintf(stderr, "picd: no cell directory: pass --dir DIR or set PIC_DIR\n");
                return 2;
        }
        /* Password hashing borrows 19 MiB for a moment; a fixed mmap
         * threshold hands such blocks back to the kernel on free instead of
         * letting glibc's adaptive threshold keep them in the heap. */
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
        static char log_buffer[64 * 1024];
        setvbuf(stderr, log_buffer, _IOFBF, sizeof log_buffer);
        if (secret_init() < 0) {
                fprintf(stderr, "picd: libsodium failed to initialise\n");
                return 1;
        }
        return run(dir) < 0 ? 1 : 0;
}
