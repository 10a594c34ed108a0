/* A service adapter: everything picd knows about one daemon, in one file
 * per daemon, listed in the registry (registry.c). The supervisor runs
 * what build_command says; the reconciler writes `files` into the
 * service's config directory, checks them with `check`, and applies them
 * with `reload` (or a restart when there is none). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "render/render.h"

/* The directories of one service inside the cell. config_dir is managed:
 * it holds only rendered files, anything else there is removed. */
struct service_env {
        const char *cell_dir;
        const struct cell_state *state; /* the state last rendered */
        char *config_dir; /* DIR/config/<name> */
        char *data_dir;   /* DIR/data/<name>: the daemon's own storage */
        char *run_dir;    /* DIR/run/<name>: its sockets */
        pid_t pid;        /* the running daemon, 0 when none (set before each reconcile) */
        bool oneshot;     /* the current start is a oneshot (build_oneshot said so); set at each start */
};

/* A start that makes something outliving its command, rather than
 * running a daemon: a oneshot of the supervisor (supervisor.h). Argument
 * vectors with absolute argv[0], never a shell. */
struct service_oneshot {
        char **start_argv; /* exit 0 once made; any other exit must have made nothing */
        char **stop_argv;  /* unmakes it */
        char **envp;       /* for both */
};

struct managed_file {
        const char *name; /* inside config_dir */
        int (*render)(const struct cell_state *st, struct buf *out);
        bool secret; /* holds keys: written 0600, its text wiped from memory after */
};

/* A file a reconcile rewrote, for the adapter's reload to look at: what
 * was there (NULL when there was no file) and what is there now. */
struct changed_file {
        const char *name;
        const char *path;
        const char *old_text;
        const char *new_text;
};

struct service_adapter {
        const char *name;
        const char *description;
        const struct managed_file *files;
        unsigned n_files;
        /* The user it runs as (NULL: picd's own) and the capabilities it
         * keeps; both may depend on the profile. */
        const char *(*user)(const struct cell_state *st);
        uint64_t (*capabilities)(const struct cell_state *st);
        /* Creates its directories with the right owners. */
        int (*prepare)(const struct service_env *env);
        int (*build_command)(const struct service_env *env, char ***ret_argv, char ***ret_envp);
        /* Decides at each start between the daemon of build_command (0)
         * and a oneshot (1, *ret filled), or fails (a negative errno).
         * Either way *ret_note may say what it chose and why, for the
         * service's log. NULL: always the daemon. */
        int (*build_oneshot)(const struct service_env *env, struct service_oneshot *ret, char **ret_note);
        /* The daemon's own checker on a candidate for a managed file:
         * candidate->path is where it is written (not yet in place),
         * old_text what the file holds now (NULL: none), new_text the
         * candidate. NULL: no checker. On rejection returns -EINVAL and
         * the checker's words. */
        int (*check)(const struct service_env *env, const struct changed_file *candidate, char **ret_message);
        /* Applies one changed file to the running daemon before it is
         * written, the daemon's own parser being its checker (a zone's
         * records through unbound-control): 0 applied (no check, no
         * reload for it); -EINVAL refused, with the daemon left as it was
         * and the daemon's words; 1 not this way (check, write, reload).
         * NULL: never. */
        int (*apply_live)(const struct service_env *env, const struct changed_file *c, char **ret_message);
        /* The cheapest live application of the changed files; NULL:
         * restart. Returns 1 when only a restart will do. */
        int (*reload)(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                      char **ret_message);
        /* 0 when ready; must return quickly. */
        int (*probe)(const struct service_env *env);
        /* Whether the config wants it running at all; NULL: always. */
        bool (*enabled)(const struct cell_state *st);
        /* Runs once the probe passes, before the service counts as ready
         * (an interface's address, its peers); a failure is retried until
         * the start times out. NULL: none. */
        int (*post_start)(const struct service_env *env, char **ret_message);
        uint64_t start_timeout_usec;
        uint64_t stop_timeout_usec;
};

extern const struct service_adapter *const service_registry[];
extern const unsigned service_registry_count;

/* Shared helpers for adapters. */
char **strv_new(const char *first, ...) __attribute__((sentinel));
void strv_free(char **v);
/* 0 when something accepts connections on the unix socket / on
 * 127.0.0.1:port. */
int probe_unix_socket(const char *path);
int probe_tcp_loopback(uint16_t port);
/* 0 when some socket in picd's network namespace is bound to UDP port
 * (from /proc/net/udp): a DHCP server that has opened its socket. */
int probe_udp_bound(uint16_t port);
/* The name of the user picd runs as, for daemons that must be told one. */
const char *service_own_user(void);
/* 0 when the command (absolute argv[0]) exits 0 within timeout_ms, as
 * `unbound-control status` or `chronyc tracking` would. */
int probe_command(char *const argv[], unsigned timeout_ms);
/* Runs a daemon's checker (absolute argv[0]; envp NULL: a minimal one):
 * 0 when it exits 0 within timeout_ms, else -EINVAL with its words in
 * *ret_message (the last line only with last_line_only, for checkers that
 * log first; ret_message may be NULL), or a negative errno when it could
 * not be run. */
int service_run_checker(char *const argv[], char *const envp[], unsigned timeout_ms, bool last_line_only,
                        char **ret_message);
/* mkdir -p of one level with mode, then chown to user (NULL: leave). */
int service_make_dir(const char *path, mode_t mode, const char *user);
/* When a daemon runs as its own user, its config directory becomes
 * readable by that user's group, setgid so every file picd writes there
 * gets the group too. Returns the user's gid in *ret_gid. */
int service_share_config_dir(const struct service_env *env, const char *user, gid_t *ret_gid);
