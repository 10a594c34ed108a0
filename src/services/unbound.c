/* Unbound: the cell's DNS. Two managed files: unbound.conf (listeners,
 * access, forwarding, remote control) and local-data.conf (the zone). A
 * change to the zone alone goes in live through the control socket
 * (local_datas_remove / local_datas): no reload, the cache stays warm. A
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
#include "common/exec.h"
#include "services/service.h"
#include "services/unbound_control.h"

#define UNBOUND_CONF "unbound.conf"
#define LOCAL_DATA_CONF "local-data.conf"
#define UNBOUND_BINARY "/usr/sbin/unbound"
#define UNBOUND_CHECKCONF "/usr/sbin/unbound-checkconf"
#define CHECK_TIMEOUT_MS 20000

static const char *unbound_user(const struct cell_state *st) {
        if (strcmp(st->profile, "system") == 0 && getpwnam("unbound"))
                return "unbound";
        return NULL;
}

static uint64_t unbound_capabilities(const struct cell_state *st) {
        return strcmp(st->profile, "system") == 0 ? (uint64_t)1 << CAP_NET_BIND_SERVICE : 0;
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
        struct exec_result res;
        int r = exec_run(argv, NULL, CHECK_TIMEOUT_MS, &res);
        if (r < 0)
                return r;
        if (res.exit_code == 0 && !res.timed_out) {
                exec_result_release(&res);
                return 0;
        }
        size_t len = strlen(res.output);
        while (len && res.output[len - 1] == '\n')
                res.output[--len] = 0;
        *ret_message = strdup(res.timed_out ? "unbound-checkconf timed out" : res.output);
        exec_result_release(&res);
        return -EINVAL;
}

/* unbound.conf is checked as it is (it includes the current zone file); the
 * zone file is checked inside a minimal config that includes only it. */
static int unbound_check(const struct service_env *env, const char *name, const char *path, char **ret_message) {
        if (strcmp(name, UNBOUND_CONF) == 0)
                return run_checkconf(path, ret_message);

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
        fprintf(f, "server:\n\tusername: \"\"\n\tchroot: \"\"\n\tinclude: \"%s\"\n", path);
        int r = fclose(f) == 0 ? run_checkconf(wrapper, ret_message) : -EIO;
        unlink(wrapper);
        return r;
}

/* The resource record inside a `local-data: "..."` (or '...') line, or
 * NULL for any other line. Returns a pointer into line; *ret_len its length. */
static const char *local_data_rr(const char *line, size_t len, size_t *ret_len) {
        static const char key[] = "local-data:";
        const char *p = line, *end = line + len;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if ((size_t)(end - p) < sizeof key - 1 || strncmp(p, key, sizeof key - 1) != 0)
                return NULL;
        p += sizeof key - 1;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if (p >= end || (*p != '"' && *p != '\''))
                return NULL;
        char quote = *p++;
        const char *close = end;
        while (close > p && close[-1] != quote)
                close--;
        if (close <= p)
                return NULL;
        *ret_len = (size_t)(close - 1 - p);
        return p;
}

/* A span of text: a record, or its owner name. */
struct span {
        const char *p;
        size_t len;
};

static int span_cmp(const void *a, const void *b) {
        const struct span *x = a, *y = b;
        int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
        return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The records of a local-data file, sorted. *ret is malloc'd (NULL when
 * there are none). */
static int collect_rrs(const char *text, struct span **ret, size_t *ret_n) {
        size_t n = 0, cap = 0;
        struct span *v = NULL;
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                size_t rr_len;
                const char *rr = local_data_rr(line, len, &rr_len);
                if (rr) {
                        if (n == cap) {
                                cap = cap ? cap * 2 : 64;
                                struct span *grown = realloc(v, cap * sizeof *v);
                                if (!grown) {
                                        free(v);
                                        return -ENOMEM;
                                }
                                v = grown;
                        }
                        v[n++] = (struct span){rr, rr_len};
                }
                if (!nl)
                        break;
                line = nl + 1;
        }
        if (n)
                qsort(v, n, sizeof *v, span_cmp);
        *ret = v;
        *ret_n = n;
        return 0;
}

static struct span owner_of(struct span rr) {
        size_t owner = strcspn(rr.p, " \t");
        return (struct span){rr.p, owner < rr.len ? owner : rr.len};
}

static bool span_in(const struct span *sorted, size_t n, struct span key) {
        return n && bsearch(&key, sorted, n, sizeof *sorted, span_cmp);
}

/* Zone changes go in live: local_data_remove drops every RR of a name, so
 * each touched name (one whose records differ between the old and the new
 * file) is removed and then given all its new records at once. */
static int zone_commands(const char *old_text, const char *new_text, struct buf *ret_names, struct buf *ret_rrs) {
        _cleanup_free_ struct span *old_rrs = NULL, *new_rrs = NULL, *touched = NULL;
        size_t n_old, n_new, n_touched = 0;
        int r;
        if ((r = collect_rrs(old_text, &old_rrs, &n_old)) < 0 || (r = collect_rrs(new_text, &new_rrs, &n_new)) < 0)
                return r;
        touched = calloc(n_old + n_new + 1, sizeof *touched);
        if (!touched)
                return -ENOMEM;
        for (size_t i = 0; i < n_old; i++)
                if (!span_in(new_rrs, n_new, old_rrs[i]))
                        touched[n_touched++] = owner_of(old_rrs[i]);
        for (size_t i = 0; i < n_new; i++)
                if (!span_in(old_rrs, n_old, new_rrs[i]))
                        touched[n_touched++] = owner_of(new_rrs[i]);
        if (n_touched == 0)
                return 0;
        qsort(touched, n_touched, sizeof *touched, span_cmp);
        for (size_t i = 0; i < n_touched; i++)
                if (i == 0 || span_cmp(&touched[i - 1], &touched[i]) != 0) {
                        buf_append(ret_names, touched[i].p, touched[i].len);
                        buf_puts(ret_names, "\n");
                }
        for (size_t i = 0; i < n_new; i++)
                if (span_in(touched, n_touched, owner_of(new_rrs[i]))) {
                        buf_append(ret_rrs, new_rrs[i].p, new_rrs[i].len);
                        r = buf_puts(ret_rrs, "\n");
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int control_socket(const struct service_env *env, char **ret) {
        return asprintf(ret, "%s/control.sock", env->run_dir) < 0 ? -ENOMEM : 0;
}

static int apply_zone_change(const struct service_env *env, const struct changed_file *c, char **ret_message) {
        _cleanup_buf_ struct buf names = BUF_INIT, rrs = BUF_INIT;
        buf_init(&names, (size_t)256 << 20);
        buf_init(&rrs, (size_t)256 << 20);
        int r = zone_commands(c->old_text, c->new_text, &names, &rrs);
        if (r < 0 || names.len == 0)
                return r;
        _cleanup_free_ char *sock = NULL;
        if ((r = control_socket(env, &sock)) < 0)
                return r;
        _cleanup_free_ char *answer = NULL;
        if ((r = unbound_control(sock, "local_datas_remove", buf_str(&names), &answer)) < 0)
                goto fail;
        free(answer);
        answer = NULL;
        if (rrs.len && (r = unbound_control(sock, "local_datas", buf_str(&rrs), &answer)) < 0)
                goto fail;
        return 0;
fail:
        *ret_message = answer ? strdup(answer) : strdup(strerror(-r));
        return r;
}

static int unbound_reload(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                          char **ret_message) {
        bool main_changed = false;
        for (unsigned i = 0; i < n_changed; i++)
                if (strcmp(changed[i].name, UNBOUND_CONF) == 0)
                        main_changed = true;
        if (main_changed) {
                /* Listeners, forwarders or access changed: only a reload
                 * re-reads them (it also empties the cache). */
                _cleanup_free_ char *sock = NULL, *answer = NULL;
                int r = control_socket(env, &sock);
                if (r < 0)
                        return r;
                r = unbound_control(sock, "reload", NULL, &answer);
                if (r < 0)
                        *ret_message = answer ? strdup(answer) : strdup(strerror(-r));
                return r;
        }
        for (unsigned i = 0; i < n_changed; i++) {
                int r = apply_zone_change(env, &changed[i], ret_message);
                if (r < 0)
                        return r;
        }
        return 0;
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
        .reload = unbound_reload,
        .probe = unbound_probe,
        .start_timeout_usec = 15ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
