/* Helpers shared by the service adapters. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/exec.h"
#include "services/service.h"

char **strv_new(const char *first, ...) {
        size_t n = 0;
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                n++;
        va_end(ap);
        char **v = calloc(n + 1, sizeof *v);
        if (!v)
                return NULL;
        size_t i = 0;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                if (!(v[i++] = strdup(s))) {
                        va_end(ap);
                        strv_free(v);
                        return NULL;
                }
        va_end(ap);
        return v;
}

void strv_free(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

int probe_unix_socket(const char *path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        return connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? -errno : 0;
}

int probe_tcp_loopback(uint16_t port) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* Loopback connects complete at once or are refused at once. */
        return connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? -errno : 0;
}

int probe_udp_bound(uint16_t port) {
        _cleanup_fclose_ FILE *f = fopen("/proc/net/udp", "re");
        if (!f)
                return -errno;
        char line[512];
        while (fgets(line, sizeof line, f)) {
                unsigned local_port;
                /* "  sl  local_address rem_address ...": "  12: 00000000:0043 ..." */
                if (sscanf(line, " %*u: %*x:%x", &local_port) == 1 && local_port == port)
                        return 0;
        }
        return -EAGAIN;
}

const char *service_own_user(void) {
        struct passwd *pw = getpwuid(geteuid());
        return pw ? pw->pw_name : "root";
}

int service_run_checker(char *const argv[], char *const envp[], unsigned timeout_ms, bool last_line_only,
                        char **ret_message) {
        struct exec_result res;
        int r = exec_run(argv, envp, timeout_ms, &res);
        if (r < 0)
                return r;
        if (res.exit_code == 0 && !res.timed_out) {
                exec_result_release(&res);
                return 0;
        }
        char *out = res.output;
        size_t len = strlen(out);
        while (len && out[len - 1] == '\n')
                out[--len] = 0;
        char *last = last_line_only ? strrchr(out, '\n') : NULL;
        const char *base = strrchr(argv[0], '/') + 1;
        /* A caller that wants the verdict only passes no ret_message. */
        if (ret_message && res.timed_out)
                r = asprintf(ret_message, "%s timed out", base) < 0 ? -ENOMEM : 0;
        else if (ret_message)
                *ret_message = strdup(last ? last + 1 : out);
        exec_result_release(&res);
        return r < 0 ? r : -EINVAL;
}

int probe_command(char *const argv[], unsigned timeout_ms) {
        struct exec_result res;
        int r = exec_run(argv, NULL, timeout_ms, &res);
        if (r < 0)
                return r;
        bool ok = res.exit_code == 0 && !res.timed_out;
        exec_result_release(&res);
        return ok ? 0 : -EAGAIN;
}

int service_share_config_dir(const struct service_env *env, const char *user, gid_t *ret_gid) {
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return -ESRCH;
        if (chown(env->config_dir, (uid_t)-1, pw->pw_gid) < 0 || chmod(env->config_dir, 02750) < 0)
                return -errno;
        if (ret_gid)
                *ret_gid = pw->pw_gid;
        return 0;
}

int service_make_dir(const char *path, mode_t mode, const char *user) {
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        if (chmod(path, mode) < 0)
                return -errno;
        if (user) {
                struct passwd *pw = getpwnam(user);
                if (!pw)
                        return -ESRCH;
                if (chown(path, pw->pw_uid, pw->pw_gid) < 0)
                        return -errno;
        }
        return 0;
}
