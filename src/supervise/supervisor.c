/* The supervisor: a state x event table per service, driven by pidfds,
 * timers and the daemons' output pipes on picd's sd-event loop. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "supervise/spawn.h"

#define MAX_SERVICES 32

enum action {
        ACT_IGNORE,
        ACT_SPAWN,          /* start the process, go to starting */
        ACT_SPAWN_FRESH,    /* leave failed: forget the crash history, then spawn */
        ACT_READY,          /* the probe passed */
        ACT_EXITED,         /* unexpected exit: backoff or failed */
        ACT_START_TIMEOUT,  /* not ready in time: kill it; its exit counts as a failure */
        ACT_TERM,           /* SIGTERM, go to stopping */
        ACT_TERM_RESTART,   /* SIGTERM, go to stopping, start again when down */
        ACT_KILL,           /* stop timeout: SIGKILL */
        ACT_STOPPED,        /* the process ended while stopping */
        ACT_DOWN,           /* nothing running: straight to down */
        ACT_RESTART_LATER,  /* stopping already: start again when down */
        ACT_STAY_DOWN,      /* stopping already: down is where it ends, whatever was asked before */
        ACT_MADE,           /* a oneshot's start command exited 0: now its probe */
};

/* The whole behaviour of a service. An event that a state does not list is
 * ignored (for example a stray timer). */
static const enum action longrun_table[_SERVICE_STATE_MAX][_SERVICE_EVENT_MAX] = {
        [SERVICE_DOWN] = {
                [EVENT_START] = ACT_SPAWN,
                [EVENT_RESTART] = ACT_SPAWN,
        },
        [SERVICE_STARTING] = {
                [EVENT_READY] = ACT_READY,
                [EVENT_EXIT] = ACT_EXITED,
                [EVENT_TIMEOUT] = ACT_START_TIMEOUT,
                [EVENT_STOP] = ACT_TERM,
                [EVENT_RESTART] = ACT_TERM_RESTART,
        },
        [SERVICE_READY] = {
                [EVENT_EXIT] = ACT_EXITED,
                [EVENT_STOP] = ACT_TERM,
                [EVENT_RESTART] = ACT_TERM_RESTART,
        },
        [SERVICE_BACKOFF] = {
                [EVENT_TIMEOUT] = ACT_SPAWN,
                [EVENT_STOP] = ACT_DOWN,
                [EVENT_RESTART] = ACT_SPAWN_FRESH,
        },
        [SERVICE_FAILED] = {
                [EVENT_START] = ACT_IGNORE, /* failed stays failed until a restart */
                [EVENT_STOP] = ACT_DOWN,
                [EVENT_RESTART] = ACT_SPAWN_FRESH,
        },
        [SERVICE_STOPPING] = {
                [EVENT_EXIT] = ACT_STOPPED,
                [EVENT_TIMEOUT] = ACT_KILL,
                [EVENT_START] = ACT_RESTART_LATER,
                [EVENT_RESTART] = ACT_RESTART_LATER,
                [EVENT_STOP] = ACT_STAY_DOWN,
        },
};

/* A oneshot: the same states, but what runs is a command that ends. While
 * starting, its start command runs, then (exit 0: ACT_MADE) its probe;
 * while ready nothing runs, so nothing can exit; stopping runs its stop
 * command, after SIGTERM to a start command still running (ACT_TERM and
 * ACT_STOPPED know the difference). */
static const enum action oneshot_table[_SERVICE_STATE_MAX][_SERVICE_EVENT_MAX] = {
        [SERVICE_DOWN] = {
                [EVENT_START] = ACT_SPAWN,
                [EVENT_RESTART] = ACT_SPAWN,
        },
        [SERVICE_STARTING] = {
                [EVENT_DONE] = ACT_MADE,
                [EVENT_READY] = ACT_READY,
                [EVENT_EXIT] = ACT_EXITED,
                [EVENT_TIMEOUT] = ACT_START_TIMEOUT,
                [EVENT_STOP] = ACT_TERM,
                [EVENT_RESTART] = ACT_TERM_RESTART,
        },
        [SERVICE_READY] = {
                [EVENT_STOP] = ACT_TERM,
                [EVENT_RESTART] = ACT_TERM_RESTART,
        },
        [SERVICE_BACKOFF] = {
                [EVENT_TIMEOUT] = ACT_SPAWN,
                [EVENT_STOP] = ACT_DOWN,
                [EVENT_RESTART] = ACT_SPAWN_FRESH,
        },
        [SERVICE_FAILED] = {
                [EVENT_START] = ACT_IGNORE,
                [EVENT_STOP] = ACT_DOWN,
                [EVENT_RESTART] = ACT_SPAWN_FRESH,
        },
        [SERVICE_STOPPING] = {
                [EVENT_EXIT] = ACT_STOPPED,
                [EVENT_DONE] = ACT_STOPPED,
                [EVENT_TIMEOUT] = ACT_KILL,
                [EVENT_START] = ACT_RESTART_LATER,
                [EVENT_RESTART] = ACT_RESTART_LATER,
                [EVENT_STOP] = ACT_STAY_DOWN,
        },
};

struct output {
        struct supervised *svc;
        enum log_stream stream;
        int fd;
        sd_event_source *source;
        char partial[LOGRING_LINE_MAX];
        size_t len;
};

struct exit_record {
        bool valid;
        int64_t time;
        int code;
        int signal;
};

struct supervised {
        struct supervisor *sup;
        struct supervised_spec spec;
        enum service_state state;
        int64_t since;         /* wall clock, when the state was entered */
        uint64_t since_usec;   /* monotonic */
        uint64_t deadline_usec;
        pid_t pid;
        sd_event_source *child;
        sd_event_source *timer;
        struct output out[2];
        int notify_read;              /* our end of the readiness pipe, or -1 */
        sd_event_source *notify_source;
        struct logring log;
        unsigned restarts;
        unsigned consecutive_failures;
        uint64_t exits[CRASH_LOOP_EXITS]; /* monotonic times of the last exits, a ring */
        unsigned n_exits;
        struct exit_record last_exit;
        bool restart_when_down;
        /* The kind of the last start, and for a oneshot what it needs: */
        bool oneshot;
        char **stop_argv, **envp; /* a oneshot's stop command and environment, from its start */
        bool made;             /* its start command ran and did not fail: its stop command must run */
        bool running_stop;     /* the process that runs is its stop command */
        bool undo_failed_start; /* that stop ends a start that failed: backoff after it, not down */
        bool wanted;           /* supervisor_start_all wants it up */
        bool disabled;         /* turned off in the config: kept down, shown as "disabled" */
};

struct supervisor {
        sd_event *event;
        struct supervised *services[MAX_SERVICES];
        unsigned n;
        supervisor_line_cb line_cb;
        void *line_userdata;
        supervisor_stopped_cb stopped_cb;
        void *stopped_userdata;
        bool stopping_all;
};

static const char *const state_names[] = {"down", "starting", "ready", "backoff", "failed", "stopping"};

const char *service_state_to_string(enum service_state s) {
        return state_names[s];
}

static uint64_t mono_now(struct supervisor *sup) {
        uint64_t now;
        sd_event_now(sup->event, CLOCK_MONOTONIC, &now);
        return now;
}

static void set_state(struct supervised *svc, enum service_state state) {
        if (svc->state != state)
                log_info("service '%s': %s -> %s", svc->spec.name, state_names[svc->state], state_names[state]);
        svc->state = state;
        svc->since = now_unix();
        svc->since_usec = mono_now(svc->sup);
}

static void arm_timer(struct supervised *svc, uint64_t usec) {
        sd_event_source_set_time(svc->timer, usec);
        sd_event_source_set_enabled(svc->timer, SD_EVENT_ONESHOT);
}

void supervised_note(struct supervised *svc, const char *fmt, ...) {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        logring_push(&svc->log, LOG_STREAM_PICD, now_unix(), text, strlen(text));
        log_info("service '%s': %s", svc->spec.name, text);
        if (svc->sup->line_cb)
                svc->sup->line_cb(svc, logring_get(&svc->log, svc->log.next_seq - 1), svc->sup->line_userdata);
}

/* --- output ----------------------------------------------------------- */

static void emit_line(struct output *o, const char *text, size_t len) {
        struct supervised *svc = o->svc;
        logring_push(&svc->log, o->stream, now_unix(), text, len);
        const struct logring_line *line = logring_get(&svc->log, svc->log.next_seq - 1);
        if (line)
                log_info("%s: %s", svc->spec.name, line->text);
        if (line && svc->sup->line_cb)
                svc->sup->line_cb(svc, line, svc->sup->line_userdata);
}

static void output_close(struct output *o) {
        if (o->len)
                emit_line(o, o->partial, o->len);
        o->len = 0;
        o->source = sd_event_source_disable_unref(o->source);
        if (o->fd >= 0)
                close(o->fd);
        o->fd = -1;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s;
        (void)revents;
        struct output *o = userdata;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                output_close(o);
                return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
                if (chunk[i] == '\n' || o->len == sizeof o->partial) {
                        emit_line(o, o->partial, o->len);
                        o->len = 0;
                        if (chunk[i] == '\n')
                                continue;
                }
                o->partial[o->len++] = chunk[i];
        }
        return 0;
}

static int output_open(struct supervised *svc, struct output *o, enum log_stream stream, int *ret_write_end) {
        output_close(o);
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        *o = (struct output){.svc = svc, .stream = stream, .fd = p[0]};
        int r = sd_event_add_io(svc->sup->event, &o->source, p[0], EPOLLIN, on_output, o);
        if (r < 0) {
                close(p[0]);
                close(p[1]);
                o->fd = -1;
                return r;
        }
        /* The child's end must block like a normal stdout would. */
        fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) & ~O_NONBLOCK);
        *ret_write_end = p[1];
        return 0;
}

/* --- readiness notification ------------------------------------------ */

static void notify_close(struct supervised *svc) {
        svc->notify_source = sd_event_source_disable_unref(svc->notify_source);
        if (svc->notify_read >= 0)
                close(svc->notify_read);
        svc->notify_read = -1;
}

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s;
        (void)revents;
        struct supervised *svc = userdata;
        char chunk[64];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        bool ready = n > 0 && memchr(chunk, '\n', (size_t)n);
        if (n <= 0 || ready)
                notify_close(svc); /* one notification per start */
        if (ready)
                supervised_event(svc, EVENT_READY);
        return 0;
}

static int notify_open(struct supervised *svc, int *ret_write_end) {
        notify_close(svc);
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        int r = sd_event_add_io(svc->sup->event, &svc->notify_source, p[0], EPOLLIN, on_notify, svc);
        if (r < 0) {
                close(p[0]);
                close(p[1]);
                return r;
        }
        svc->notify_read = p[0];
        *ret_write_end = p[1];
        return 0;
}

/* --- actions ---------------------------------------------------------- */

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata);

static void free_strv(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static void record_exit_now(struct supervised *svc, int code, int signal) {
        svc->last_exit = (struct exit_record){true, now_unix(), code, signal};
}

/* "ip link add x type wireguard": a oneshot's command for its log. */
static void argv_text(char *const *argv, char *out, size_t size) {
        size_t len = 0;
        out[0] = 0;
        for (char *const *p = argv; *p && len < size; p++)
                len += (size_t)snprintf(out + len, size - len, "%s%s", p == argv ? "" : " ", *p);
}

/* Runs argv as the service's process: its output into the service's log,
 * its end to on_child. Takes nothing: the caller frees argv and envp. */
static int spawn_process(struct supervised *svc, char *const *argv, char *const *envp, bool notify, pid_t *ret_pid) {
        int out_w = -1, err_w = -1, notify_w = -1;
        int r = output_open(svc, &svc->out[0], LOG_STREAM_STDOUT, &out_w);
        if (r == 0)
                r = output_open(svc, &svc->out[1], LOG_STREAM_STDERR, &err_w);
        if (r == 0 && notify)
                r = notify_open(svc, &notify_w);
        pid_t pid = 0;
        int pidfd = -1;
        if (r == 0) {
                struct spawn_options o = {
                        .argv = argv, .envp = envp, .user = svc->spec.user,
                        .capabilities = svc->spec.capabilities, .stdout_fd = out_w, .stderr_fd = err_w,
                        .notify_fd = notify_w, .notify_target_fd = notify ? svc->spec.notify_fd : 0,
                };
                r = spawn_daemon(&o, &pid, &pidfd);
        }
        if (out_w >= 0)
                close(out_w);
        if (err_w >= 0)
                close(err_w);
        if (notify_w >= 0)
                close(notify_w);
        if (r == 0) {
                r = sd_event_add_child_pidfd(svc->sup->event, &svc->child, pidfd, WEXITED, on_child, svc);
                if (r < 0) {
                        kill(pid, SIGKILL);
                        close(pidfd);
                } else {
                        sd_event_source_set_child_pidfd_own(svc->child, true);
                }
        }
        if (r == 0)
                *ret_pid = pid;
        return r;
}

static void do_spawn(struct supervised *svc) {
        if (svc->sup->stopping_all) {
                /* A backoff timer that fires while the cell shuts down. */
                sd_event_source_set_enabled(svc->timer, SD_EVENT_OFF);
                set_state(svc, SERVICE_DOWN);
                return;
        }
        struct supervised_command cmd = {0};
        pid_t pid = 0;
        int r = svc->spec.build_command(svc->spec.userdata, &cmd);
        if (r == 0) {
                /* This start's kind, and what its stop will need. */
                free_strv(svc->stop_argv);
                free_strv(svc->envp);
                svc->stop_argv = NULL;
                svc->envp = NULL;
                svc->oneshot = cmd.stop_argv != NULL;
                svc->made = false;
                r = spawn_process(svc, cmd.argv, cmd.envp, !svc->oneshot && svc->spec.notify_fd > 2, &pid);
        }
        if (r < 0) {
                supervised_note(svc, "cannot start '%s': %s", cmd.argv && cmd.argv[0] ? cmd.argv[0] : svc->spec.name,
                                strerror(-r));
                free_strv(cmd.argv);
                free_strv(cmd.envp);
                free_strv(cmd.stop_argv);
                svc->made = false; /* nothing ran */
                /* Counts as an exit, so a binary that cannot start ends in
                 * failed like one that crashes. */
                record_exit_now(svc, -1, 0);
                set_state(svc, SERVICE_STARTING);
                supervised_event(svc, EVENT_EXIT);
                return;
        }
        svc->pid = pid;
        if (svc->oneshot) {
                /* It may make its thing from now on, even if killed. */
                svc->made = true;
                svc->stop_argv = cmd.stop_argv;
                svc->envp = TAKE_PTR(cmd.envp);
                char text[400];
                argv_text(cmd.argv, text, sizeof text);
                supervised_note(svc, "start command: %s (pid %d)", text, (int)pid);
        } else {
                supervised_note(svc, "started %s (pid %d)", cmd.argv[0], (int)pid);
        }
        free_strv(cmd.argv);
        free_strv(cmd.envp);
        set_state(svc, SERVICE_STARTING);
        svc->deadline_usec = svc->since_usec + svc->spec.start_timeout_usec;
        arm_timer(svc, svc->since_usec + PROBE_INTERVAL_USEC);
}

static void stopped(struct supervised *svc);

/* A oneshot's stop command, the only way it goes down once it may have
 * made something. Bounded by the stop timeout; if it cannot even be
 * started, there is nothing more to try: the service is down anyway. */
static void run_stop_command(struct supervised *svc) {
        set_state(svc, SERVICE_STOPPING);
        svc->made = false;
        svc->running_stop = true;
        pid_t pid = 0;
        int r = spawn_process(svc, svc->stop_argv, svc->envp, false, &pid);
        if (r < 0) {
                supervised_note(svc, "cannot run its stop command '%s': %s", svc->stop_argv[0], strerror(-r));
                stopped(svc);
                return;
        }
        svc->pid = pid;
        char text[400];
        argv_text(svc->stop_argv, text, sizeof text);
        supervised_note(svc, "stop command: %s (pid %d)", text, (int)pid);
        arm_timer(svc, svc->since_usec + svc->spec.stop_timeout_usec);
}

static unsigned exits_in_window(struct supervised *svc, uint64_t now) {
        unsigned n = 0;
        unsigned have = svc->n_exits < CRASH_LOOP_EXITS ? svc->n_exits : CRASH_LOOP_EXITS;
        for (unsigned i = 0; i < have; i++)
                if (now - svc->exits[i] <= CRASH_LOOP_WINDOW_USEC)
                        n++;
        return n;
}

static void start_next_wanted(struct supervisor *sup);

static void handle_exit(struct supervised *svc) {
        uint64_t now = mono_now(svc->sup);
        /* A run that stayed ready for a whole window starts the backoff
         * over: the service was healthy, this is a new problem. */
        if (svc->state == SERVICE_READY && now - svc->since_usec >= CRASH_LOOP_WINDOW_USEC)
                svc->consecutive_failures = 0;
        svc->exits[svc->n_exits++ % CRASH_LOOP_EXITS] = now;
        svc->consecutive_failures++;

        if (exits_in_window(svc, now) >= CRASH_LOOP_EXITS) {
                set_state(svc, SERVICE_FAILED);
                supervised_note(svc, "%d exits within %llu s: failed; restart it to try again", CRASH_LOOP_EXITS,
                                CRASH_LOOP_WINDOW_USEC / 1000000);
                sd_event_source_set_enabled(svc->timer, SD_EVENT_OFF);
                start_next_wanted(svc->sup);
                return;
        }
        uint64_t delay = BACKOFF_FIRST_USEC;
        for (unsigned i = 1; i < svc->consecutive_failures && delay < BACKOFF_MAX_USEC; i++)
                delay *= 2;
        if (delay > BACKOFF_MAX_USEC)
                delay = BACKOFF_MAX_USEC;
        set_state(svc, SERVICE_BACKOFF);
        svc->deadline_usec = now + delay;
        supervised_note(svc, "restarting in %llu s", (unsigned long long)(delay / 1000000));
        arm_timer(svc, svc->deadline_usec);
}

static void send_signal(struct supervised *svc, int sig) {
        if (svc->child)
                sd_event_source_send_child_signal(svc->child, sig, NULL, 0);
}

/* The end of a stop: down, or started again when that was asked for
 * meanwhile, or (a oneshot undone after a start that failed) backoff. */
static void stopped(struct supervised *svc) {
        svc->running_stop = false;
        sd_event_source_set_enabled(svc->timer, SD_EVENT_OFF);
        bool failed_start = svc->undo_failed_start;
        svc->undo_failed_start = false;
        if (failed_start && !svc->restart_when_down && !svc->sup->stopping_all) {
                handle_exit(svc);
                return;
        }
        set_state(svc, SERVICE_DOWN);
        if (svc->restart_when_down && !svc->sup->stopping_all) {
                svc->restart_when_down = false;
                svc->restarts++;
                do_spawn(svc);
        } else {
                svc->restart_when_down = false;
        }
}

static void run_action(struct supervised *svc, enum action a) {
        switch (a) {
        case ACT_IGNORE:
                break;
        case ACT_SPAWN_FRESH:
                svc->n_exits = 0;
                svc->consecutive_failures = 0;
                _fallthrough_;
        case ACT_SPAWN:
                if (svc->state == SERVICE_BACKOFF || a == ACT_SPAWN_FRESH)
                        svc->restarts++;
                do_spawn(svc);
                break;
        case ACT_MADE:
                /* Made, and it stays: ready when the probe says so, which
                 * the timer asks at once; without a probe, ready now. */
                if (!svc->spec.probe)
                        run_action(svc, ACT_READY);
                else
                        arm_timer(svc, mono_now(svc->sup));
                break;
        case ACT_READY:
                set_state(svc, SERVICE_READY);
                supervised_note(svc, "ready");
                start_next_wanted(svc->sup);
                break;
        case ACT_EXITED:
                if (svc->oneshot && svc->made) {
                        /* A start command killed half way may have made
                         * its thing: unmade first, then the failure counts. */
                        svc->undo_failed_start = true;
                        run_stop_command(svc);
                        break;
                }
                handle_exit(svc);
                break;
        case ACT_START_TIMEOUT:
                if (svc->pid) {
                        supervised_note(svc, "not ready after %llu ms: killing it",
                                        (unsigned long long)(svc->spec.start_timeout_usec / 1000));
                        send_signal(svc, SIGKILL);
                        break;
                }
                /* A oneshot made its thing, but it never became ready. */
                supervised_note(svc, "not ready after %llu ms: undoing it",
                                (unsigned long long)(svc->spec.start_timeout_usec / 1000));
                svc->undo_failed_start = true;
                run_stop_command(svc);
                break;
        case ACT_TERM_RESTART:
                svc->restart_when_down = true;
                _fallthrough_;
        case ACT_TERM:
                if (!svc->pid) {
                        /* A oneshot with nothing running: its stop command. */
                        run_stop_command(svc);
                        break;
                }
                set_state(svc, SERVICE_STOPPING);
                send_signal(svc, SIGTERM);
                arm_timer(svc, svc->since_usec + svc->spec.stop_timeout_usec);
                break;
        case ACT_KILL:
                supervised_note(svc, "did not stop within %llu ms: SIGKILL",
                                (unsigned long long)(svc->spec.stop_timeout_usec / 1000));
                send_signal(svc, SIGKILL);
                break;
        case ACT_RESTART_LATER:
                svc->restart_when_down = true;
                break;
        case ACT_STAY_DOWN:
                svc->restart_when_down = false;
                svc->undo_failed_start = false;
                break;
        case ACT_STOPPED:
                if (svc->oneshot && svc->made) {
                        /* What ended was its start command, stopped half
                         * way: now the stop command. */
                        run_stop_command(svc);
                        break;
                }
                stopped(svc);
                break;
        case ACT_DOWN:
                stopped(svc);
                break;
        }
}

void supervised_event(struct supervised *svc, enum service_event ev) {
        run_action(svc, (svc->oneshot ? oneshot_table : longrun_table)[svc->state][ev]);
        struct supervisor *sup = svc->sup;
        if (sup->stopping_all && svc->state == SERVICE_DOWN) {
                /* Reverse order: stop the one before this, or report done. */
                for (unsigned i = sup->n; i-- > 0;)
                        if (sup->services[i]->state != SERVICE_DOWN) {
                                if (sup->services[i]->state != SERVICE_STOPPING)
                                        supervised_event(sup->services[i], EVENT_STOP);
                                return;
                        }
                sup->stopping_all = false;
                if (sup->stopped_cb)
                        sup->stopped_cb(sup->stopped_userdata);
        }
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        struct supervised *svc = userdata;
        int code = si->si_code == CLD_EXITED ? si->si_status : -1;
        int sig = si->si_code == CLD_EXITED ? 0 : si->si_status;
        /* last_exit is the service's run: the daemon, or a oneshot's start
         * command, never its stop command. */
        if (!svc->running_stop)
                record_exit_now(svc, code, sig);
        const char *what = !svc->oneshot ? "" : svc->running_stop ? "stop command " : "start command ";
        if (sig)
                supervised_note(svc, "%sexited on signal %s", what, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
        else
                supervised_note(svc, "%sexited with status %d", what, code);
        /* A start command that failed made nothing (the oneshot's contract). */
        if (svc->oneshot && !svc->running_stop && !sig && code != 0)
                svc->made = false;
        svc->pid = 0;
        svc->child = sd_event_source_disable_unref(s);
        supervised_event(svc, svc->oneshot && !sig && code == 0 ? EVENT_DONE : EVENT_EXIT);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        struct supervised *svc = userdata;
        if (svc->state == SERVICE_STARTING) {
                /* A oneshot is probed once its start command is done. */
                bool probe_now = svc->spec.probe && !(svc->oneshot && svc->pid);
                if (probe_now && svc->spec.probe(svc->spec.userdata) == 0) {
                        supervised_event(svc, EVENT_READY);
                        return 0;
                }
                if (usec >= svc->deadline_usec) {
                        supervised_event(svc, EVENT_TIMEOUT);
                        return 0;
                }
                arm_timer(svc, usec + PROBE_INTERVAL_USEC);
                return 0;
        }
        supervised_event(svc, EVENT_TIMEOUT);
        return 0;
}

/* --- the supervisor --------------------------------------------------- */

int supervisor_new(sd_event *event, struct supervisor **ret) {
        struct supervisor *sup = calloc(1, sizeof *sup);
        if (!sup)
                return -ENOMEM;
        sup->event = sd_event_ref(event);
        *ret = sup;
        return 0;
}

struct supervisor *supervisor_free(struct supervisor *sup) {
        if (!sup)
                return NULL;
        for (unsigned i = 0; i < sup->n; i++) {
                struct supervised *svc = sup->services[i];
                if (svc->child) {
                        /* Last resort: picd is going away with children up. */
                        sd_event_source_send_child_signal(svc->child, SIGKILL, NULL, 0);
                        sd_event_source_disable_unref(svc->child);
                }
                output_close(&svc->out[0]);
                output_close(&svc->out[1]);
                notify_close(svc);
                sd_event_source_disable_unref(svc->timer);
                /* A oneshot that is up stays made: as when picd is killed. */
                free_strv(svc->stop_argv);
                free_strv(svc->envp);
                logring_release(&svc->log);
                free(svc);
        }
        sd_event_unref(sup->event);
        free(sup);
        return NULL;
}

void supervisor_on_line(struct supervisor *sup, supervisor_line_cb cb, void *userdata) {
        sup->line_cb = cb;
        sup->line_userdata = userdata;
}

int supervisor_add(struct supervisor *sup, const struct supervised_spec *spec, struct supervised **ret) {
        if (sup->n >= MAX_SERVICES)
                return -E2BIG;
        struct supervised *svc = calloc(1, sizeof *svc);
        if (!svc)
                return -ENOMEM;
        svc->sup = sup;
        svc->spec = *spec;
        svc->state = SERVICE_DOWN;
        svc->since = now_unix();
        svc->out[0].fd = svc->out[1].fd = -1;
        svc->notify_read = -1;
        logring_init(&svc->log);
        int r = sd_event_add_time(sup->event, &svc->timer, CLOCK_MONOTONIC, 0, 1000, on_timer, svc);
        if (r < 0) {
                free(svc);
                return r;
        }
        sd_event_source_set_enabled(svc->timer, SD_EVENT_OFF);
        sup->services[sup->n++] = svc;
        if (ret)
                *ret = svc;
        return 0;
}

struct supervised *supervisor_find(struct supervisor *sup, const char *name) {
        for (unsigned i = 0; i < sup->n; i++)
                if (streq(sup->services[i]->spec.name, name))
                        return sup->services[i];
        return NULL;
}

unsigned supervisor_count(struct supervisor *sup) {
        return sup->n;
}

struct supervised *supervisor_get(struct supervisor *sup, unsigned i) {
        return i < sup->n ? sup->services[i] : NULL;
}

/* Dependency order: a wanted service starts once every one before it is
 * ready (or has failed, which must not hold the rest of the cell down). */
static void start_next_wanted(struct supervisor *sup) {
        if (sup->stopping_all)
                return;
        for (unsigned i = 0; i < sup->n; i++) {
                struct supervised *svc = sup->services[i];
                if (!svc->wanted)
                        continue;
                if (svc->state == SERVICE_DOWN) {
                        supervised_event(svc, EVENT_START);
                        return;
                }
                if (svc->state != SERVICE_READY && svc->state != SERVICE_FAILED)
                        return; /* wait for this one first */
        }
}

void supervisor_start_all(struct supervisor *sup) {
        for (unsigned i = 0; i < sup->n; i++)
                sup->services[i]->wanted = !sup->services[i]->disabled;
        start_next_wanted(sup);
}

void supervised_set_enabled(struct supervised *svc, bool enabled) {
        if (svc->disabled == !enabled)
                return;
        svc->disabled = !enabled;
        if (enabled) {
                supervised_note(svc, "enabled");
                if (!svc->sup->stopping_all) {
                        svc->wanted = true;
                        start_next_wanted(svc->sup);
                }
                return;
        }
        supervised_note(svc, "disabled: stopping it");
        svc->wanted = false;
        svc->restart_when_down = false;
        supervised_event(svc, EVENT_STOP);
}

bool supervised_disabled(const struct supervised *svc) {
        return svc->disabled;
}

const char *supervised_state_name(const struct supervised *svc) {
        return svc->disabled && svc->state == SERVICE_DOWN ? "disabled" : state_names[svc->state];
}

bool supervisor_all_down(struct supervisor *sup) {
        for (unsigned i = 0; i < sup->n; i++)
                if (sup->services[i]->state != SERVICE_DOWN)
                        return false;
        return true;
}

void supervisor_stop_all(struct supervisor *sup, supervisor_stopped_cb cb, void *userdata) {
        sup->stopped_cb = cb;
        sup->stopped_userdata = userdata;
        sup->stopping_all = true;
        for (unsigned i = 0; i < sup->n; i++)
                sup->services[i]->wanted = false;
        for (unsigned i = sup->n; i-- > 0;) {
                struct supervised *svc = sup->services[i];
                if (svc->state == SERVICE_DOWN)
                        continue;
                /* Backoff and failed go down at once; a running one is
                 * stopped and the rest wait for it. */
                supervised_event(svc, EVENT_STOP);
                if (svc->state != SERVICE_DOWN)
                        return;
        }
        /* Everything went down at once (backoff, failed): report here,
         * unless the last supervised_event above already did. */
        if (sup->stopping_all && supervisor_all_down(sup)) {
                sup->stopping_all = false;
                if (cb)
                        cb(userdata);
        }
}

enum service_state supervised_state(const struct supervised *svc) {
        return svc->state;
}

const char *supervised_name(const struct supervised *svc) {
        return svc->spec.name;
}

pid_t supervised_pid(const struct supervised *svc) {
        return svc->pid;
}

bool supervised_oneshot(const struct supervised *svc) {
        return svc->oneshot;
}

struct logring *supervised_log(struct supervised *svc) {
        return &svc->log;
}

json_t *supervised_to_json(const struct supervised *svc) {
        char since[ISO8601_LEN];
        format_iso8601(svc->since, since);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "name", svc->spec.name, "description",
                              svc->spec.description, "kind", svc->oneshot ? "oneshot" : "longrun", "state",
                              supervised_state_name(svc), "since", since, "restarts", (json_int_t)svc->restarts);
        if (!o)
                return NULL;
        json_object_set_new(o, "pid", svc->pid ? json_integer(svc->pid) : json_null());
        bool running = svc->state == SERVICE_STARTING || svc->state == SERVICE_READY;
        uint64_t now = mono_now(svc->sup);
        json_object_set_new(o, "uptime_s", running ? json_integer((json_int_t)((now - svc->since_usec) / 1000000)) : json_null());
        if (svc->last_exit.valid) {
                char when[ISO8601_LEN];
                format_iso8601(svc->last_exit.time, when);
                const char *signame = svc->last_exit.signal ? sigabbrev_np(svc->last_exit.signal) : NULL;
                char sigtext[16] = "";
                if (signame)
                        snprintf(sigtext, sizeof sigtext, "SIG%s", signame);
                json_object_set_new(o, "last_exit",
                                    json_pack("{s:s, s:o, s:o}", "time", when, "code",
                                              svc->last_exit.code >= 0 ? json_integer(svc->last_exit.code) : json_null(),
                                              "signal", signame ? json_string(sigtext) : json_null()));
        } else {
                json_object_set_new(o, "last_exit", json_null());
        }
        json_object_set_new(o, "next_start_in_s",
                            svc->state == SERVICE_BACKOFF
                                    ? json_integer((json_int_t)((svc->deadline_usec > now ? svc->deadline_usec - now : 0) / 1000000))
                                    : json_null());
        return o;
}
