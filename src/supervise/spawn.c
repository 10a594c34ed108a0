/* Starting a supervised daemon; see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_LAST_CAP_KNOWN
#define CAP_LAST_CAP_KNOWN 63
#endif

/* Shrinks the bounding set to `caps`, so nothing the daemon executes can
 * gain more. Needs CAP_SETPCAP: runs before the uid change. A picd that
 * is not root has no capabilities to hand down, and no CAP_SETPCAP to
 * drop them with; that is fine. */
static int limit_bounding_set(uint64_t caps) {
        for (int c = 0; c <= CAP_LAST_CAP_KNOWN; c++)
                if (!(caps & ((uint64_t)1 << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                break; /* past the kernel's last capability */
                        if (errno == EPERM && geteuid() != 0)
                                return 0;
                        return -errno;
                }
        return 0;
}

/* Keeps exactly `caps` in the permitted, effective, inheritable and ambient
 * sets. Runs after the uid change. */
static int limit_capabilities(uint64_t caps) {
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {
                {.effective = (uint32_t)caps, .permitted = (uint32_t)caps, .inheritable = (uint32_t)caps},
                {.effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32),
                 .inheritable = (uint32_t)(caps >> 32)},
        };
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        /* Ambient capabilities survive execve of a non-setuid binary as a
         * non-root user: how a daemon keeps CAP_NET_BIND_SERVICE alone. */
        for (int c = 0; c <= CAP_LAST_CAP_KNOWN; c++)
                if ((caps & ((uint64_t)1 << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return -errno;
        return 0;
}

static int become_user(const char *user) {
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return -ESRCH;
        if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0)
                return -errno;
        /* Keep the permitted set across setuid so limit_capabilities can
         * pick what stays. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setuid(pw->pw_uid) < 0)
                return -errno;
        return 0;
}

static _Noreturn void child(const struct spawn_options *o, pid_t parent) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);
        /* picd gone (even by SIGKILL) means the daemon goes too: a new picd
         * must find the ports free. */
        prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
        if (getppid() != parent)
                _exit(125);
        setsid();

        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(o->stdout_fd, 1) < 0 || dup2(o->stderr_fd, 2) < 0)
                _exit(126);
        if (o->notify_target_fd > 2) {
                int target = o->notify_target_fd;
                /* dup2 onto itself keeps O_CLOEXEC: clear it by hand then. */
                if (o->notify_fd == target ? fcntl(target, F_SETFD, 0) < 0 : dup2(o->notify_fd, target) < 0)
                        _exit(126);
                if (target > 3)
                        close_range(3, (unsigned)target - 1, 0);
                close_range((unsigned)target + 1, ~0U, 0);
        } else {
                close_range(3, ~0U, 0);
        }

        if (limit_bounding_set(o->capabilities) < 0) {
                static const char msg[] = "picd: cannot limit the service's capability bounding set\n";
                (void)!write(2, msg, sizeof msg - 1);
                _exit(126);
        }
        if (o->user && become_user(o->user) < 0) {
                static const char msg[] = "picd: cannot switch to the service's user\n";
                (void)!write(2, msg, sizeof msg - 1);
                _exit(126);
        }
        if (limit_capabilities(o->capabilities) < 0) {
                static const char msg[] = "picd: cannot limit the service's capabilities\n";
                (void)!write(2, msg, sizeof msg - 1);
                _exit(126);
        }
        execve(o->argv[0], o->argv, o->envp);
        static const char msg[] = "picd: cannot execute the service's binary\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
}

int spawn_daemon(const struct spawn_options *o, pid_t *ret_pid, int *ret_pidfd) {
        if (!o->argv || !o->argv[0] || o->argv[0][0] != '/')
                return -EINVAL;
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                child(o, parent);
        int pidfd = pidfd_open(pid, 0);
        if (pidfd < 0) {
                int r = -errno;
                kill(pid, SIGKILL);
                return r;
        }
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        return 0;
}
