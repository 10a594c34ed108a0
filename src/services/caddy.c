/* Caddy: the cell's front door. picd renders its JSON config, checks it
 * with `caddy validate`, and loads changes through Caddy's admin API on a
 * unix socket (POST /load): no restart, no TCP admin port. */
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/unixhttp.h"
#include "services/service.h"

#define CADDY_CONFIG "caddy.json"
#define CADDY_VALIDATE_TIMEOUT_MS 20000
#define CADDY_LOAD_TIMEOUT_MS 10000

/* The binary. PIC_CADDY_BINARY replaces it for tests that need a daemon
 * which fails (a test hook, not a setting: the supervisor's crash-loop
 * handling is tested against a real exiting process this way). */
static const char *caddy_binary(void) {
        const char *b = getenv("PIC_CADDY_BINARY");
        return b && b[0] == '/' ? b : "/usr/bin/caddy";
}

static const char *caddy_user(const struct cell_state *st) {
        /* In the system profile Caddy runs as Debian's `caddy` user with
         * CAP_NET_BIND_SERVICE alone; in dev it stays the developer's user
         * with no capabilities at all (high ports, files in the checkout). */
        if (strcmp(st->profile, "system") == 0 && getpwnam("caddy"))
                return "caddy";
        return NULL;
}

static uint64_t caddy_capabilities(const struct cell_state *st) {
        return strcmp(st->profile, "system") == 0 ? (uint64_t)1 << CAP_NET_BIND_SERVICE : 0;
}

static int caddy_prepare(const struct service_env *env) {
        const char *user = caddy_user(env->state);
        int r;
        if ((r = service_make_dir(env->config_dir, 0750, NULL)) < 0 || (r = service_make_dir(env->data_dir, 0700, user)) < 0 ||
            (r = service_make_dir(env->run_dir, 0750, user)) < 0)
                return r;
        if (user) {
                gid_t gid;
                if ((r = service_share_config_dir(env, user, &gid)) < 0)
                        return r;
                /* The proxy must reach picd's api.sock: group access. */
                if (chown(env->state->api_socket, (uid_t)-1, gid) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}

static char **caddy_env(const struct service_env *env) {
        _cleanup_free_ char *home = NULL, *data = NULL, *config = NULL;
        if (asprintf(&home, "HOME=%s", env->data_dir) < 0 || asprintf(&data, "XDG_DATA_HOME=%s", env->data_dir) < 0 ||
            asprintf(&config, "XDG_CONFIG_HOME=%s", env->data_dir) < 0)
                return NULL;
        return strv_new("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", home, data, config, NULL);
}

static int caddy_build_command(const struct service_env *env, char ***ret_argv, char ***ret_envp) {
        _cleanup_free_ char *config = NULL;
        if (asprintf(&config, "%s/" CADDY_CONFIG, env->config_dir) < 0)
                return -ENOMEM;
        char **argv = strv_new(caddy_binary(), "run", "--config", config, "--adapter", "", NULL);
        char **envp = caddy_env(env);
        if (!argv || !envp) {
                strv_free(argv);
                strv_free(envp);
                return -ENOMEM;
        }
        *ret_argv = argv;
        *ret_envp = envp;
        return 0;
}

static int caddy_check(const struct service_env *env, const struct changed_file *candidate, char **ret_message) {
        const char *path = candidate->path;
        char *argv[] = {(char *)caddy_binary(), "validate", "--config", (char *)path, "--adapter", "", NULL};
        char **envp = caddy_env(env);
        if (!envp)
                return -ENOMEM;
        /* Caddy prints JSON log lines first; the verdict is the last line. */
        int r = service_run_checker(argv, envp, CADDY_VALIDATE_TIMEOUT_MS, true, ret_message);
        strv_free(envp);
        return r;
}

/* Caddy has one managed file: the whole new config goes to POST /load. */
static int caddy_reload(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                        char **ret_message) {
        if (n_changed == 0)
                return 0;
        _cleanup_free_ char *socket_path = NULL;
        if (asprintf(&socket_path, "%s/admin.sock", env->run_dir) < 0)
                return -ENOMEM;
        const char *text = changed[0].new_text;

        struct unixhttp_request req = {
                .socket_path = socket_path,
                .method = "POST",
                .path = "/load",
                .host = "pic", /* matches admin.origins in the rendered config */
                .content_type = "application/json",
                .body = text,
                .body_len = strlen(text),
                .timeout_ms = CADDY_LOAD_TIMEOUT_MS,
        };
        int status;
        _cleanup_free_ char *answer = NULL;
        int r = unixhttp_request(&req, &status, &answer);
        if (r < 0) {
                if (asprintf(ret_message, "caddy's admin API did not answer: %s", strerror(-r)) < 0)
                        *ret_message = NULL;
                return r;
        }
        if (status != 200) {
                *ret_message = strdup(answer && *answer ? answer : "caddy refused the config");
                return -EINVAL;
        }
        return 0;
}

static int caddy_probe(const struct service_env *env) {
        _cleanup_free_ char *socket_path = NULL;
        if (asprintf(&socket_path, "%s/admin.sock", env->run_dir) < 0)
                return -ENOMEM;
        int r = probe_unix_socket(socket_path);
        if (r < 0)
                return r;
        /* The admin API comes up first; ready means the UI port answers. */
        return probe_tcp_loopback(env->state->port_ui);
}

static const struct managed_file caddy_files[] = {
        {CADDY_CONFIG, render_caddy},
};

const struct service_adapter caddy_adapter = {
        .name = "caddy",
        .description = "Reverse proxy and web UI",
        .files = caddy_files,
        .n_files = 1,
        .user = caddy_user,
        .capabilities = caddy_capabilities,
        .prepare = caddy_prepare,
        .build_command = caddy_build_command,
        .check = caddy_check,
        .reload = caddy_reload,
        .probe = caddy_probe,
        .start_timeout_usec = 15ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
