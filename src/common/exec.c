/* Running helper programs; see exec.h. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/timeutil.h"

static char *const default_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL};

/* posix_spawn, which glibc runs with CLONE_VM | CLONE_VFORK: no copy of
 * picd's page tables and no copy-on-write faults afterwards, which a
 * fork() of a picd holding a large zone would cost on every check. The
 * child gets /dev/null as stdin, the pipe as stdout and stderr, no other
 * descriptor, an empty signal mask and SIGPIPE at its default. */
static int spawn(int out_fd, char *const argv[], char *const envp[], pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        int r = posix_spawn_file_actions_init(&fa);
        if (r)
                return -r;
        if ((r = posix_spawnattr_init(&attr))) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        sigset_t none, pipe_only;
        sigemptyset(&none);
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        if (!(r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
            !(r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1)) &&
            !(r = posix_spawn_file_actions_adddup2(&fa, out_fd, 2)) &&
            !(r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) &&
            !(r = posix_spawnattr_setsigmask(&attr, &none)) &&
            !(r = posix_spawnattr_setsigdefault(&attr, &pipe_only)) &&
            !(r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
                r = posix_spawn(ret_pid, argv[0], &fa, &attr, argv, envp ? envp : default_env);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

/* Waits for pid until the deadline (then kills it and waits). A pidfd
 * wakes us the moment it exits. */
static int wait_exit(pid_t pid, uint64_t deadline, bool *timed_out, int *ret_status) {
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        for (;;) {
                pid_t w = waitpid(pid, ret_status, *timed_out ? 0 : WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        int r = -errno;
                        if (pidfd >= 0)
                                close(pidfd);
                        return r;
                }
                uint64_t now = now_monotonic_usec();
                if (w == 0 && now >= deadline) {
                        *timed_out = true;
                        kill(pid, SIGKILL);
                        continue;
                }
                if (w == 0 && pidfd >= 0) {
                        struct pollfd p = {.fd = pidfd, .events = POLLIN};
                        poll(&p, 1, (int)((deadline - now + 999) / 1000));
                } else if (w == 0) {
                        struct timespec pause = {.tv_nsec = 1000 * 1000};
                        nanosleep(&pause, NULL);
                }
        }
        if (pidfd >= 0)
                close(pidfd);
        return 0;
}

int exec_run_limit(char *const argv[], char *const envp[], unsigned timeout_ms, size_t max_output,
                   struct exec_result *ret) {
        if (!argv || !argv[0] || argv[0][0] != '/')
                return -EINVAL;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid;
        int r = spawn(pipefd[1], argv, envp, &pid);
        if (r < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        close(pipefd[1]);

        struct buf out = BUF_INIT;
        buf_init(&out, max_output + 1);
        bool timed_out = false;
        uint64_t deadline = now_monotonic_usec() + (uint64_t)timeout_ms * 1000;
        for (;;) {
                uint64_t now = now_monotonic_usec();
                if (now >= deadline) {
                        timed_out = true;
                        kill(pid, SIGKILL);
                        break;
                }
                struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
                int n = poll(&p, 1, (int)((deadline - now + 999) / 1000));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        continue;
                char chunk[4096];
                ssize_t got = read(pipefd[0], chunk, sizeof chunk);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        break; /* EOF: the child closed its output */
                if (out.len < max_output)
                        buf_append(&out, chunk, (size_t)got < max_output - out.len ? (size_t)got : max_output - out.len);
        }
        close(pipefd[0]);

        /* The child may close its output and go on: the deadline holds for
         * the exit too. */
        int status;
        r = wait_exit(pid, deadline, &timed_out, &status);
        if (r < 0) {
                buf_release(&out);
                return r;
        }
        *ret = (struct exec_result){
                .exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                .signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                .timed_out = timed_out,
                .output = buf_steal(&out),
        };
        return 0;
}

void exec_result_release(struct exec_result *r) {
        free(r->output);
        r->output = NULL;
}

int exec_run(char *const argv[], char *const envp[], unsigned timeout_ms, struct exec_result *ret) {
        return exec_run_limit(argv, envp, timeout_ms, EXEC_OUTPUT_MAX, ret);
}
