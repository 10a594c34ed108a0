/* Supervision of daemons as children of picd, on its sd-event loop, as an
 * explicit state x event table (after s6-supervise):
 *
 *   down -> starting -> ready          (probe says ready)
 *   starting|ready --exit--> backoff    (restart after 1 s, 2 s ... 60 s)
 *                       \--> failed     (5 exits within 60 s: a crash loop)
 *   * --stop--> stopping -> down        (SIGTERM, SIGKILL after a timeout)
 *
 * That is a longrun: the service is its process. A start may instead be a
 * oneshot (s6-rc's word), for something that outlives the command that
 * makes it, such as a kernel network interface: its start command runs,
 * exit 0 means made (the service stays, with no process, and the probe
 * decides when it is ready), any other end is an exit as above; a stop
 * runs its stop command, bounded by the same stop timeout. A oneshot that
 * may have made something (start command done, or killed half way) is
 * always unmade by its stop command before it counts as down; a start
 * command that exits non-zero must have made nothing.
 *
 * A failed service stays failed, with its last exit and log lines, until
 * someone restarts it. Nothing here knows which daemon it runs: that is
 * services/. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "supervise/logring.h"

#define CRASH_LOOP_EXITS 5
#define CRASH_LOOP_WINDOW_USEC (60ULL * 1000000)
#define BACKOFF_FIRST_USEC (1ULL * 1000000)
#define BACKOFF_MAX_USEC (60ULL * 1000000)
#define PROBE_INTERVAL_USEC (100ULL * 1000)

enum service_state {
        SERVICE_DOWN,
        SERVICE_STARTING,
        SERVICE_READY,
        SERVICE_BACKOFF,
        SERVICE_FAILED,
        SERVICE_STOPPING,
        _SERVICE_STATE_MAX,
};

enum service_event {
        EVENT_START,    /* someone wants it running */
        EVENT_READY,    /* the probe passed */
        EVENT_EXIT,     /* the process ended (a oneshot's command: other than by exit 0) */
        EVENT_DONE,     /* a oneshot's command exited 0 */
        EVENT_STOP,     /* someone wants it down */
        EVENT_TIMEOUT,  /* the state's timer fired */
        EVENT_RESTART,  /* stop if running, then start; also leaves failed */
        _SERVICE_EVENT_MAX,
};

const char *service_state_to_string(enum service_state s);

struct supervised;

/* What one start runs, as build_command gives it: malloc'd strings in
 * malloc'd NULL-ended arrays, which the supervisor owns from then on. */
struct supervised_command {
        char **argv;      /* argv[0] absolute: the daemon, or a oneshot's start command */
        char **envp;
        /* NULL: a longrun. Else a oneshot, and the command that undoes
         * what argv made; kept from this start to its stop, so a stop
         * unmakes what this start made whatever the config says by then. */
        char **stop_argv;
};

/* What the supervisor needs to know about one daemon. The callbacks get
 * `userdata`. argv/envp are built at each start, so they follow the
 * current config. */
struct supervised_spec {
        const char *name;
        const char *description;
        const char *user; /* NULL: picd's user */
        uint64_t capabilities;
        uint64_t start_timeout_usec;
        uint64_t stop_timeout_usec;
        /* 0 and the command, or a negative errno (counted as an exit). */
        int (*build_command)(void *userdata, struct supervised_command *ret);
        /* Readiness, one of two ways: a probe polled while starting (a
         * connect, a command: 0 when ready, must not block for long), or a
         * notification descriptor (notify_fd > 2: the daemon writes a
         * newline to that fd once ready, as with s6's notification-fd).
         * A oneshot's probe is polled once its start command exited 0
         * (without a probe it is ready then); notify_fd is a longrun's
         * only. */
        int (*probe)(void *userdata);
        int notify_fd;
        void *userdata;
};

struct supervisor;

/* Called for every log line a service prints (after it is in the ring). */
typedef void (*supervisor_line_cb)(struct supervised *svc, const struct logring_line *line, void *userdata);
/* Called when the last service has stopped after supervisor_stop_all. */
typedef void (*supervisor_stopped_cb)(void *userdata);

int supervisor_new(sd_event *event, struct supervisor **ret);
struct supervisor *supervisor_free(struct supervisor *sup);
void supervisor_on_line(struct supervisor *sup, supervisor_line_cb cb, void *userdata);

/* The spec is copied (its strings are borrowed and must outlive it). */
int supervisor_add(struct supervisor *sup, const struct supervised_spec *spec, struct supervised **ret);
struct supervised *supervisor_find(struct supervisor *sup, const char *name);
unsigned supervisor_count(struct supervisor *sup);
struct supervised *supervisor_get(struct supervisor *sup, unsigned i);

/* In the order they were added (dependency order). */
void supervisor_start_all(struct supervisor *sup);
/* In reverse order; cb runs once everything is down. */
void supervisor_stop_all(struct supervisor *sup, supervisor_stopped_cb cb, void *userdata);
bool supervisor_all_down(struct supervisor *sup);

void supervised_event(struct supervised *svc, enum service_event ev);
/* A disabled service is stopped and kept down (a restart is refused by
 * the API, start_all skips it); enabling it starts it when its turn in
 * the dependency order comes. */
void supervised_set_enabled(struct supervised *svc, bool enabled);
bool supervised_disabled(const struct supervised *svc);
/* The state as the API names it: "disabled" for a disabled service that
 * is down, else service_state_to_string. */
const char *supervised_state_name(const struct supervised *svc);
enum service_state supervised_state(const struct supervised *svc);
const char *supervised_name(const struct supervised *svc);
/* 0 when nothing runs: always so for a oneshot that is up. */
pid_t supervised_pid(const struct supervised *svc);
/* Whether the last start (the current one while it is up) was a oneshot. */
bool supervised_oneshot(const struct supervised *svc);
struct logring *supervised_log(struct supervised *svc);
/* The service's status as the API shows it. */
json_t *supervised_to_json(const struct supervised *svc);
/* Adds a line from picd itself about this service to its log. */
void supervised_note(struct supervised *svc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
