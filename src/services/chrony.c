/* chrony: the cell's time, from upstream servers (or its own clock, as a
 * local reference), served to the VPN and the LAN. chronyd has no way to
 * re-read its config, so a change restarts it (it is back within a
 * second, and clients keep polling). chronyc talks to it over a unix
 * socket in the cell's run directory. In the dev profile chronyd leaves
 * the machine's clock alone (-x). */
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "services/service.h"

#define CHRONY_CONF "chrony.conf"
#define CHRONYD_BINARY "/usr/sbin/chronyd"
#define CHECK_TIMEOUT_MS 20000

static bool is_system(const struct cell_state *st) {
        return streq(st->profile, "system");
}

/* The user chronyd drops to once its sockets are open. */
static const char *chrony_user(const struct cell_state *st) {
        if (is_system(st) && getpwnam("_chrony"))
                return "_chrony";
        return service_own_user();
}

static uint64_t chrony_capabilities(const struct cell_state *st) {
        uint64_t caps = (uint64_t)1 << CAP_NET_BIND_SERVICE | (uint64_t)1 << CAP_SETUID | (uint64_t)1 << CAP_SETGID |
                        (uint64_t)1 << CAP_CHOWN | (uint64_t)1 << CAP_DAC_OVERRIDE;
        if (is_system(st))
                caps |= (uint64_t)1 << CAP_SYS_TIME;
        return caps;
}

static int chrony_prepare(const struct service_env *env) {
        const char *user = chrony_user(env->state);
        int r;
        /* chronyd wants its command socket's directory private to it. */
        if ((r = service_make_dir(env->config_dir, 0750, NULL)) < 0 || (r = service_make_dir(env->run_dir, 0750, user)) < 0 ||
            (r = service_make_dir(env->data_dir, 0750, user)) < 0)
                return r;
        /* A socket left by a chronyd that was killed would look ready. */
        if (env->state->chrony_socket && unlink(env->state->chrony_socket) < 0 && errno != ENOENT)
                return -errno;
        return streq(user, service_own_user()) ? 0 : service_share_config_dir(env, user, NULL);
}

static int chrony_build_command(const struct service_env *env, char ***ret_argv, char ***ret_envp) {
        _cleanup_free_ char *config = NULL;
        if (asprintf(&config, "%s/" CHRONY_CONF, env->config_dir) < 0)
                return -ENOMEM;
        const char *user = chrony_user(env->state);
        /* -d: the foreground, log on stderr. A dev cell leaves the clock
         * alone (-x), and may run without root (-U: chronyd otherwise
         * refuses to start as another user, whatever its capabilities). */
        char **argv = is_system(env->state) ? strv_new(CHRONYD_BINARY, "-d", "-u", user, "-f", config, NULL)
                      : geteuid() == 0      ? strv_new(CHRONYD_BINARY, "-d", "-x", "-u", user, "-f", config, NULL)
                                            : strv_new(CHRONYD_BINARY, "-d", "-x", "-U", "-u", user, "-f", config, NULL);
        char **envp = strv_new("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL);
        if (!argv || !envp) {
                strv_free(argv);
                strv_free(envp);
                return -ENOMEM;
        }
        *ret_argv = argv;
        *ret_envp = envp;
        return 0;
}

/* chronyd -p parses the config, prints it and exits; a bad directive
 * fails it. */
static int chrony_check(const struct service_env *env, const struct changed_file *candidate, char **ret_message) {
        const char *path = candidate->path;
        (void)env;
        char *argv[] = {CHRONYD_BINARY, "-p", "-f", (char *)path, NULL};
        return service_run_checker(argv, NULL, CHECK_TIMEOUT_MS, false, ret_message);
}

/* Ready once its command socket exists (chronyd opens it after reading
 * its config; prepare removed any stale one). */
static int chrony_probe(const struct service_env *env) {
        struct stat st;
        if (stat(env->state->chrony_socket, &st) < 0)
                return -errno;
        return S_ISSOCK(st.st_mode) ? 0 : -ENOTSOCK;
}

static const struct managed_file chrony_files[] = {
        {CHRONY_CONF, render_chrony_conf},
};

const struct service_adapter chrony_adapter = {
        .name = "chrony",
        .description = "Time (NTP) for the cell, the VPN and the LAN",
        .files = chrony_files,
        .n_files = ELEMENTSOF(chrony_files),
        .capabilities = chrony_capabilities,
        .prepare = chrony_prepare,
        .build_command = chrony_build_command,
        .check = chrony_check,
        .probe = chrony_probe,
        .start_timeout_usec = 10ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
