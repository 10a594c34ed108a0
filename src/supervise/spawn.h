/* Starting one supervised daemon: fork, then in the child a clean signal
 * state, its own session, stdin from /dev/null, stdout and stderr into
 * picd's pipes, no other descriptor, its user, only its capabilities, and
 * death with picd. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct spawn_options {
        char *const *argv;  /* argv[0]: absolute path */
        char *const *envp;
        const char *user;   /* NULL: stay picd's user */
        uint64_t capabilities; /* bit n = capability n; everything else is dropped */
        int stdout_fd;
        int stderr_fd;
        /* Readiness notification (s6 style): when notify_target_fd > 2, the
         * pipe end notify_fd becomes that descriptor in the child, which
         * writes a newline to it once ready. */
        int notify_fd;
        int notify_target_fd;
};

/* Returns 0 with the child's pid and a pidfd for it. */
int spawn_daemon(const struct spawn_options *o, pid_t *ret_pid, int *ret_pidfd);
