/* IPv4 forwarding turned on through /proc/sys, for real, in a network
 * namespace of the test's own (a forked child that unshares one): the
 * namespace the test runs in is never touched. As root only. */
#include "testutil.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include "services/ip_forward.h"

/* '0' or '1' as /proc/sys says, or '?' */
static char forwarding(void) {
        char c = '?';
        int fd = open(IP_FORWARD_PATH, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                if (read(fd, &c, 1) != 1)
                        c = '?';
                close(fd);
        }
        return c;
}

static bool set_forwarding(const char *v) {
        int fd = open(IP_FORWARD_PATH, O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && write(fd, v, 1) == 1;
        if (fd >= 0)
                close(fd);
        return ok;
}

/* In the child: the steps, each with its own exit code. */
static int in_new_namespace(void) {
        bool was_on = true;
        if (unshare(CLONE_NEWNET) < 0)
                return 10;
        if (!set_forwarding("0") || forwarding() != '0')
                return 11;
        if (ip_forward_enable(&was_on) < 0 || was_on)
                return 12;
        if (forwarding() != '1')
                return 13;
        was_on = false;
        if (ip_forward_enable(&was_on) < 0 || !was_on)
                return 14;
        return forwarding() == '1' ? 0 : 15;
}

static void test_turns_it_on_in_its_namespace_only(void **state) {
        (void)state;
        char home = forwarding();
        assert_true(home == '0' || home == '1');
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(in_new_namespace());
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        static const char *const steps[] = {"unshare", "set it to 0", "turn it on (was off)", "read it back",
                                            "turn it on again (was on)", "read it back again"};
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("in a new namespace: %s failed (status %#x)",
                         WIFEXITED(status) && WEXITSTATUS(status) >= 10 && WEXITSTATUS(status) <= 15
                                 ? steps[WEXITSTATUS(status) - 10]
                                 : "?",
                         status);
        /* The namespace the test runs in kept its own setting. */
        assert_int_equal(forwarding(), home);
}

int main(void) {
        /* Not registered without root: cmocka 1.1.5's skip() is a TAP
         * failure to meson. */
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root (a network namespace of its own)\n");
                return 0;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_turns_it_on_in_its_namespace_only),
        };
        return cmocka_run_group_tests_name("ip_forward", tests, NULL, NULL);
}
