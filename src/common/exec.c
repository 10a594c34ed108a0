/* Running helper programs; see exec.h. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/timeutil.h"

static char *const default_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL};

static void child(int out_fd, char *const argv[], char *const envp[]) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
                _exit(126);
        close_range(3, ~0U, 0);
        execve(argv[0], argv, envp ? envp : default_env);
        _exit(127);
}

int exec_run(char *const argv[], char *const envp[], unsigned timeout_ms, struct exec_result *ret) {
        if (!argv || !argv[0] || argv[0][0] != '/')
                return -EINVAL;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0)
                child(pipefd[1], argv, envp);
        close(pipefd[1]);

        struct buf out = BUF_INIT;
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
                if (out.len < EXEC_OUTPUT_MAX)
                        buf_append(&out, chunk, (size_t)got < EXEC_OUTPUT_MAX - out.len ? (size_t)got
                                                                                          : EXEC_OUTPUT_MAX - out.len);
        }
        close(pipefd[0]);

        /* The child may close its output and go on: the deadline holds for
         * the exit too. */
        int status;
        for (;;) {
                pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        buf_release(&out);
                        return -errno;
                }
                if (w == 0 && now_monotonic_usec() >= deadline) {
                        timed_out = true;
                        kill(pid, SIGKILL);
                        continue;
                }
                if (w == 0) {
                        struct timespec pause = {.tv_nsec = 5 * 1000 * 1000};
                        nanosleep(&pause, NULL);
                }
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
