/* A real daemon run by a unit test: in the foreground, its output in a
 * log file, waited for until it answers, stopped at teardown. Shared by
 * the tests that talk to a live Unbound or chronyd; include after
 * testutil.h and golden.h. */
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_DAEMON_POLL_MS 50u

/* A port free for both UDP and TCP on 127.0.0.1 just now. */
static inline uint16_t test_free_port(void) {
        for (int attempt = 0; attempt < 20; attempt++) {
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
                socklen_t len = sizeof a;
                int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                assert_true(u >= 0);
                assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof a), 0);
                assert_int_equal(getsockname(u, (struct sockaddr *)&a, &len), 0);
                int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                assert_true(t >= 0);
                int ok = bind(t, (struct sockaddr *)&a, sizeof a) == 0;
                close(t);
                close(u);
                if (ok)
                        return ntohs(a.sin_port);
        }
        fail_msg("no free port on 127.0.0.1");
        return 0;
}

/* argv[0] (absolute) started with stdin from /dev/null and its output
 * in log_path, a minimal PATH its only environment. */
static inline pid_t test_daemon_start(char *const argv[], const char *log_path) {
        int out = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(out >= 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(126);
                execve(argv[0], argv, envp);
                _exit(127);
        }
        close(out);
        return pid;
}

static inline void test_daemon_print_log(const char *log_path, const char *who) {
        size_t len = 0;
        _cleanup_free_ char *text = read_file_or_null(log_path, &len);
        if (text) {
                fprintf(stderr, "# %s's output:\n", who);
                print_lines(' ', text, len, 0, 100);
        }
}

/* Polls ready(userdata) until it returns true; fails the test, with the
 * daemon's log, when the daemon exits first (*pid then 0: nothing to
 * stop) or timeout_ms pass. */
static inline void test_daemon_wait_ready(pid_t *pid, const char *log_path, const char *who, unsigned timeout_ms,
                                          bool (*ready)(void *userdata), void *userdata) {
        for (unsigned waited = 0;; waited += TEST_DAEMON_POLL_MS) {
                int status;
                if (waitpid(*pid, &status, WNOHANG) == *pid) {
                        *pid = 0;
                        test_daemon_print_log(log_path, who);
                        fail_msg("%s exited at start (status 0x%x)", who, status);
                }
                if (ready(userdata))
                        return;
                if (waited >= timeout_ms) {
                        test_daemon_print_log(log_path, who);
                        fail_msg("%s did not answer within %u ms", who, timeout_ms);
                }
                struct timespec pause = {.tv_nsec = TEST_DAEMON_POLL_MS * 1000 * 1000};
                nanosleep(&pause, NULL);
        }
}

/* SIGTERM, up to 5 s, then SIGKILL; reaped either way. 0: nothing. */
static inline void test_daemon_stop(pid_t pid) {
        if (pid <= 0)
                return;
        kill(pid, SIGTERM);
        int status;
        for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++) {
                struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
                nanosleep(&pause, NULL);
                if (i == 499) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                }
        }
}
