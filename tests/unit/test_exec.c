/* exec_run, the one way picd runs a helper program: output captured and
 * capped, exit codes and signals reported, the timeout enforced, argv[0]
 * checked, nothing of ours inherited; and the readiness probes built on it
 * (probe_command, probe_unix_socket). */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/exec.h"
#include "common/timeutil.h"
#include "services/service.h"

#define MSEC 1000ULL

static void release(struct exec_result *r) {
        exec_result_release(r);
}
#define _cleanup_result_ __attribute__((cleanup(release)))

static void test_output_and_exit_code(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; echo out2; exit 3", NULL};
        assert_int_equal(exec_run(argv, NULL, 2000, &r), 0);
        assert_int_equal(r.exit_code, 3);
        assert_int_equal(r.signal, 0);
        assert_false(r.timed_out);
        /* One pipe for both, so the order is the order of writes. */
        assert_string_equal(r.output, "out\nerr\nout2\n");
}

static void test_true_false(void **state) {
        (void)state;
        struct exec_result r = {0};
        char *const t[] = {"/bin/true", NULL};
        assert_int_equal(exec_run(t, NULL, 2000, &r), 0);
        assert_int_equal(r.exit_code, 0);
        assert_int_equal(r.signal, 0);
        assert_false(r.timed_out);
        assert_non_null(r.output);
        assert_string_equal(r.output, "");
        exec_result_release(&r);
        assert_null(r.output);
        exec_result_release(&r); /* twice is fine */

        char *const f[] = {"/bin/false", NULL};
        assert_int_equal(exec_run(f, NULL, 2000, &r), 0);
        assert_int_equal(r.exit_code, 1);
        exec_result_release(&r);
}

static void test_signal(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/sh", "-c", "echo before; kill -9 $$", NULL};
        assert_int_equal(exec_run(argv, NULL, 2000, &r), 0);
        assert_int_equal(r.exit_code, -1);
        assert_int_equal(r.signal, SIGKILL);
        assert_false(r.timed_out);
        assert_string_equal(r.output, "before\n");
}

static void test_timeout(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/sleep", "5", NULL};
        uint64_t start = now_monotonic_usec();
        assert_int_equal(exec_run(argv, NULL, 200, &r), 0);
        uint64_t took_ms = (now_monotonic_usec() - start) / MSEC;
        assert_true(r.timed_out);
        assert_int_equal(r.signal, SIGKILL);
        assert_int_equal(r.exit_code, -1);
        assert_true(took_ms >= 190);
        assert_true(took_ms < 1000);
}

/* The timeout holds also for a program that closes its output first
 * (a helper that daemonizes, or just closes stdout and hangs). */
static void test_timeout_after_output_closed(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/sh", "-c", "echo bye; exec >/dev/null 2>&1; exec /bin/sleep 2", NULL};
        uint64_t start = now_monotonic_usec();
        assert_int_equal(exec_run(argv, NULL, 200, &r), 0);
        uint64_t took_ms = (now_monotonic_usec() - start) / MSEC;
        bool said_bye = streq(r.output, "bye\n");
        exec_result_release(&r); /* a failure below jumps past the cleanup */
        assert_true(said_bye);
        if (took_ms >= 1000 || !r.timed_out)
                fail_msg("timeout 200 ms: returned after %llu ms, timed_out %d, exit %d, signal %d",
                         (unsigned long long)took_ms, r.timed_out, r.exit_code, r.signal);
        assert_int_equal(r.signal, SIGKILL);
}

/* Output before the timeout is kept. */
static void test_timeout_keeps_output(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/sh", "-c", "echo partial; exec /bin/sleep 5", NULL};
        assert_int_equal(exec_run(argv, NULL, 300, &r), 0);
        assert_true(r.timed_out);
        assert_string_equal(r.output, "partial\n");
}

static void test_bad_argv(void **state) {
        (void)state;
        struct exec_result r = {.output = (char *)"untouched"};
        char *const relative[] = {"true", NULL};
        assert_int_equal(exec_run(relative, NULL, 1000, &r), -EINVAL);
        char *const dotted[] = {"./true", NULL};
        assert_int_equal(exec_run(dotted, NULL, 1000, &r), -EINVAL);
        char *const empty[] = {"", NULL};
        assert_int_equal(exec_run(empty, NULL, 1000, &r), -EINVAL);
        char *const none[] = {NULL};
        assert_int_equal(exec_run(none, NULL, 1000, &r), -EINVAL);
        assert_int_equal(exec_run(NULL, NULL, 1000, &r), -EINVAL);
        assert_string_equal(r.output, "untouched");
}

static void test_missing_binary(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/nonexistent/helper", "--flag", NULL};
        /* It could not be started: the errno, not an exit code. */
        assert_int_equal(exec_run(argv, NULL, 2000, &r), -ENOENT);
        assert_null(r.output);
}

static void test_output_cap(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        /* Far more than the cap: the rest is drained, so the child is not
         * stuck on a full pipe and exits on its own. */
        char *const argv[] = {"/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' y; echo done >&2", NULL};
        assert_int_equal(exec_run(argv, NULL, 5000, &r), 0);
        assert_false(r.timed_out);
        assert_int_equal(r.exit_code, 0);
        assert_int_equal(strlen(r.output), EXEC_OUTPUT_MAX);
        for (size_t i = 0; i < EXEC_OUTPUT_MAX; i++)
                if (r.output[i] != 'y')
                        fail_msg("output[%zu] is '%c'", i, r.output[i]);
}

static void test_environment(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/usr/bin/env", NULL};
        /* NULL: a fixed, minimal environment, nothing of ours. */
        setenv("PIC_TEST_SECRET", "leak", 1);
        assert_int_equal(exec_run(argv, NULL, 2000, &r), 0);
        unsetenv("PIC_TEST_SECRET");
        assert_int_equal(r.exit_code, 0);
        assert_null(strstr(r.output, "PIC_TEST_SECRET"));
        assert_non_null(strstr(r.output, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
        exec_result_release(&r);

        char *const envp[] = {"ONLY=this", NULL};
        assert_int_equal(exec_run(argv, envp, 2000, &r), 0);
        assert_string_equal(r.output, "ONLY=this\n");
}

/* stdin is /dev/null, not ours: cat ends at once. */
static void test_stdin_null(void **state) {
        (void)state;
        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/cat", NULL};
        assert_int_equal(exec_run(argv, NULL, 2000, &r), 0);
        assert_false(r.timed_out);
        assert_int_equal(r.exit_code, 0);
        assert_string_equal(r.output, "");
}

static void test_no_fd_leak(void **state) {
        (void)state;
        _cleanup_close_ int low = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, on purpose */
        assert_true(low > 2);
        _cleanup_close_ int high = fcntl(low, F_DUPFD, 40);
        assert_true(high >= 40);

        _cleanup_result_ struct exec_result r = {0};
        char *const argv[] = {"/bin/ls", "/proc/self/fd", NULL};
        assert_int_equal(exec_run(argv, NULL, 2000, &r), 0);
        assert_int_equal(r.exit_code, 0);
        /* 0, 1, 2, and the directory ls itself has open. */
        assert_string_equal(r.output, "0\n1\n2\n3\n");
}

static void test_probe_command(void **state) {
        (void)state;
        char *const ok[] = {"/bin/true", NULL};
        assert_int_equal(probe_command(ok, 1000), 0);
        char *const fail[] = {"/bin/false", NULL};
        assert_int_equal(probe_command(fail, 1000), -EAGAIN);
        char *const missing[] = {"/nonexistent/ctl", "status", NULL};
        assert_int_equal(probe_command(missing, 1000), -ENOENT);
        char *const relative[] = {"true", NULL};
        assert_int_equal(probe_command(relative, 1000), -EINVAL);

        /* A probe that hangs is cut off and counts as "not ready". */
        char *const hang[] = {"/bin/sleep", "5", NULL};
        uint64_t start = now_monotonic_usec();
        assert_int_equal(probe_command(hang, 100), -EAGAIN);
        assert_true((now_monotonic_usec() - start) / MSEC < 1000);

        /* Exit 0 but killed at the deadline is not ready either. */
        char *const slow_ok[] = {"/bin/sh", "-c", "/bin/sleep 5; exit 0", NULL};
        assert_int_equal(probe_command(slow_ok, 100), -EAGAIN);
}

static void test_probe_unix_socket(void **state) {
        (void)state;
        char *dir = test_tmpdir();
        char *path = test_path(dir, "ctl.sock");

        assert_int_equal(probe_unix_socket(path), -ENOENT);

        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        /* Bound but not listening: refused. */
        assert_int_equal(probe_unix_socket(path), -ECONNREFUSED);
        assert_int_equal(listen(fd, 4), 0);
        assert_int_equal(probe_unix_socket(path), 0);
        close(fd);
        /* The socket file stays behind its listener. */
        assert_int_equal(probe_unix_socket(path), -ECONNREFUSED);

        char long_path[200];
        memset(long_path, 'a', sizeof long_path - 1);
        long_path[0] = '/';
        long_path[sizeof long_path - 1] = 0;
        assert_int_equal(probe_unix_socket(long_path), -ENAMETOOLONG);

        free(path);
        test_rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_output_and_exit_code), cmocka_unit_test(test_true_false),
                cmocka_unit_test(test_signal),               cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_timeout_keeps_output), cmocka_unit_test(test_timeout_after_output_closed),
                cmocka_unit_test(test_bad_argv),
                cmocka_unit_test(test_missing_binary),       cmocka_unit_test(test_output_cap),
                cmocka_unit_test(test_environment),          cmocka_unit_test(test_stdin_null),
                cmocka_unit_test(test_no_fd_leak),           cmocka_unit_test(test_probe_command),
                cmocka_unit_test(test_probe_unix_socket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
