/* Unbound: the cell's DNS. Two managed files: unbound.conf (listeners,
 * access, forwarding, remote control, the views of the VPN's addresses)
 * and local-data.conf (the zone). A change to the zone alone goes in live
 * through the control socket (local_datas_remove / local_datas), and so
 * does a change to unbound.conf in the views' local zones alone (a peer's
 * services: view_local_zone): no reload, the cache stays warm. Any other
 * change to unbound.conf is a full reload. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "services/service.h"
#include "services/unbound_control.h"
#include "services/unbound_views.h"
#include "services/zone_diff.h"

#define UNBOUND_CONF "unbound.conf"
#define LOCAL_DATA_CONF "local-data.conf"
#define UNBOUND_BINARY "/usr/sbin/unbound"
#define UNBOUND_CHECKCONF "/usr/sbin/unbound-checkconf"
#define CHECK_TIMEOUT_MS 20000
/* Past this many view commands (about 0.2 ms each, one connection each)
 * a reload is cheaper: with a /16 of views it is about 0.4 s of
 * unbound-checkconf and 0.2 s of reload, but it empties the cache. */
#define VIEW_COMMANDS_LIVE_MAX 2000u

static const char *unbound_user(const struct cell_state *st) {
        if (strcmp(st->profile, "system") == 0 && getpwnam("unbound"))
                return "unbound";
        return NULL;
}

/* The port below 1024 wants the capability in any profile: a dev cell
 * in a network namespace of its own may serve its VPN on port 53. */
static uint64_t unbound_capabilities(const struct cell_state *st) {
        bool low_port = st->port_dns > 0 && st->port_dns < 1024;
        return strcmp(st->profile, "system") == 0 || low_port ? (uint64_t)1 << CAP_NET_BIND_SERVICE : 0;
}

static int unbound_prepare(const struct service_env *env) {
        const char *user = unbound_user(env->state);
        int r;
        if ((r = service_make_dir(env->config_dir, 0750, NULL)) < 0 || (r = service_make_dir(env->run_dir, 0750, user)) < 0)
                return r;
        return user ? service_share_config_dir(env, user, NULL) : 0;
}

static int unbound_build_command(const struct service_env *env, char ***ret_argv, char ***ret_envp) {
        _cleanup_free_ char *config = NULL;
        if (asprintf(&config, "%s/" UNBOUND_CONF, env->config_dir) < 0)
                return -ENOMEM;
        char **argv = strv_new(UNBOUND_BINARY, "-d", "-c", config, NULL);
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

static int run_checkconf(const char *config, char **ret_message) {
        char *argv[] = {UNBOUND_CHECKCONF, (char *)config, NULL};
        return service_run_checker(argv, NULL, CHECK_TIMEOUT_MS, false, ret_message);
}

/* Writes a config of only `body` (server options) and checks it. */
static int check_server_options(const struct service_env *env, const char *body, char **ret_message) {
        _cleanup_free_ char *wrapper = NULL;
        if (asprintf(&wrapper, "%s/.check-XXXXXX", env->config_dir) < 0)
                return -ENOMEM;
        int fd = mkostemp(wrapper, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                unlink(wrapper);
                return -ENOMEM;
        }
        fprintf(f, "server:\n\tusername: \"\"\n\tchroot: \"\"\n%s", body);
        int r = fclose(f) == 0 ? run_checkconf(wrapper, ret_message) : -EIO;
        unlink(wrapper);
        return r;
}

/* unbound.conf is checked as it is (it includes the current zone file).
 * For the zone, what Unbound has not accepted before is checked: the
 * local-data lines that are not in the file it runs on now (the whole
 * file when there is none). unbound-checkconf costs about 13 us a
 * record, so checking every record again would make one change to a
 * 10,000-record zone wait 150 ms for it. */
static int unbound_check(const struct service_env *env, const struct changed_file *candidate, char **ret_message) {
        if (strcmp(candidate->name, UNBOUND_CONF) == 0)
                return run_checkconf(candidate->path, ret_message);
        if (!candidate->old_text) {
                _cleanup_free_ char *include = NULL;
                if (asprintf(&include, "\tinclude: \"%s\"\n", candidate->path) < 0)
                        return -ENOMEM;
                return check_server_options(env, include, ret_message);
        }
        _cleanup_buf_ struct buf lines = BUF_INIT;
        buf_init(&lines, (size_t)256 << 20);
        int r = zone_new_lines(candidate->old_text, candidate->new_text, &lines);
        if (r < 0)
                return r;
        if (lines.len == 0)
                return 0; /* only removals: nothing new to parse */
        return check_server_options(env, buf_str(&lines), ret_message);
}

static int control_socket(const struct service_env *env, char **ret) {
        return asprintf(ret, "%s/control.sock", env->run_dir) < 0 ? -ENOMEM : 0;
}

/* Sends one zone change: the touched names removed, their records added. */
static int send_zone_commands(const char *sock, const struct buf *names, const struct buf *rrs, char **ret_message) {
        _cleanup_free_ char *answer = NULL;
        int r = unbound_control(sock, "local_datas_remove", buf_str(names), &answer);
        if (r >= 0 && rrs->len) {
                free(answer);
                answer = NULL;
                r = unbound_control(sock, "local_datas", buf_str(rrs), &answer);
        }
        if (r < 0 && ret_message)
                *ret_message = answer ? strdup(answer) : strdup(strerror(-r));
        return r;
}

/* unbound.conf changed in the views' local zones alone (a peer's
 * services): those go in with view_local_zone, and Unbound's own parser of
 * each command is the check (the rest of the file is the one it checked
 * and runs). Anything else, too many commands, or a command Unbound does
 * not take (its views are not the old file's, say) leaves it to the
 * checked reload, which sets every view from the file. */
static int views_apply_live(const struct service_env *env, const struct changed_file *c) {
        _cleanup_(unbound_view_delta_release) struct unbound_view_delta d = {0};
        if (unbound_view_delta_compute(c->old_text, c->new_text, &d) < 0 || d.rest_differs ||
            d.n_remove + d.n_add > VIEW_COMMANDS_LIVE_MAX)
                return 1;
        if (d.n_remove + d.n_add == 0)
                return 0;
        _cleanup_free_ char *sock = NULL, *refusal = NULL;
        if (control_socket(env, &sock) < 0)
                return 1;
        return unbound_view_delta_apply(sock, &d, &refusal) < 0 ? 1 : 0;
}

/* A zone change goes to the running Unbound before the file is written:
 * it parses every record it is sent, so a record it refuses is the
 * checker's refusal, and costs no unbound-checkconf run (10 ms, more than
 * the rest of a change). On refusal the touched names get their old
 * records back. */
static int unbound_apply_live(const struct service_env *env, const struct changed_file *c, char **ret_message) {
        if (!c->old_text)
                return 1;
        if (strcmp(c->name, UNBOUND_CONF) == 0)
                return views_apply_live(env, c);
        if (strcmp(c->name, LOCAL_DATA_CONF) != 0)
                return 1;
        _cleanup_buf_ struct buf names = BUF_INIT, rrs = BUF_INIT;
        buf_init(&names, (size_t)256 << 20);
        buf_init(&rrs, (size_t)256 << 20);
        int r = zone_commands(c->old_text, c->new_text, &names, &rrs);
        if (r < 0)
                return r;
        if (names.len == 0)
                return 0; /* the same records, laid out otherwise */
        _cleanup_free_ char *sock = NULL;
        if ((r = control_socket(env, &sock)) < 0)
                return r;
        _cleanup_free_ char *refusal = NULL;
        if ((r = send_zone_commands(sock, &names, &rrs, &refusal)) >= 0)
                return 0;
        if (r != -EPROTO) {
                /* Not a refusal: Unbound did not answer (restarting, say).
                 * The file goes the checked way; it starts on it. */
                return 1;
        }
        *ret_message = TAKE_PTR(refusal);
        /* Back to the records Unbound had: the old file's, for the same names. */
        _cleanup_buf_ struct buf old_names = BUF_INIT, old_rrs = BUF_INIT;
        buf_init(&old_names, (size_t)256 << 20);
        buf_init(&old_rrs, (size_t)256 << 20);
        if (zone_commands(c->new_text, c->old_text, &old_names, &old_rrs) == 0)
                (void)send_zone_commands(sock, &old_names, &old_rrs, NULL);
        return -EINVAL;
}

static int unbound_reload(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                          char **ret_message) {
        (void)changed;
        (void)n_changed;
        /* What is left for a reload: listeners, forwarders or access
         * changed (a zone change went in live, see unbound_apply_live), or
         * the zone changed while Unbound could not take it live. Only a
         * reload re-reads them; it also empties the cache. */
        _cleanup_free_ char *sock = NULL, *answer = NULL;
        int r = control_socket(env, &sock);
        if (r < 0)
                return r;
        r = unbound_control(sock, "reload", NULL, &answer);
        if (r < 0)
                *ret_message = answer ? strdup(answer) : strdup(strerror(-r));
        return r;
}

static int unbound_probe(const struct service_env *env) {
        _cleanup_free_ char *sock = NULL, *answer = NULL;
        int r = control_socket(env, &sock);
        if (r < 0)
                return r;
        /* Unbound opens its control socket once its listeners are up. */
        r = probe_unix_socket(sock);
        if (r < 0)
                return r;
        return unbound_control(sock, "status", NULL, &answer);
}

/* The zone first: unbound.conf includes it, and its checker reads it. */
static const struct managed_file unbound_files[] = {
        {LOCAL_DATA_CONF, render_unbound_local_data},
        {UNBOUND_CONF, render_unbound_conf},
};

const struct service_adapter unbound_adapter = {
        .name = "unbound",
        .description = "DNS resolver and the cell's zone",
        .files = unbound_files,
        .n_files = 2,
        .user = unbound_user,
        .capabilities = unbound_capabilities,
        .prepare = unbound_prepare,
        .build_command = unbound_build_command,
        .check = unbound_check,
        .apply_live = unbound_apply_live,
        .reload = unbound_reload,
        .probe = unbound_probe,
        .start_timeout_usec = 15ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
