/* dnsmasq: the LAN's DHCP server, DHCP only (port=0: Unbound answers DNS).
 * Off until the config turns DHCP on. Two managed files: dnsmasq.conf,
 * which dnsmasq reads only at start (a change restarts it), and the
 * reservations, its dhcp-hostsfile, which it re-reads on SIGHUP: a
 * reservation goes in live and no lease is forgotten. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "services/service.h"

#define DNSMASQ_CONF "dnsmasq.conf"
#define RESERVATIONS "reservations"
#define DNSMASQ_BINARY "/usr/sbin/dnsmasq"
#define CHECK_TIMEOUT_MS 20000

static bool dnsmasq_enabled(const struct cell_state *st) {
        return st->dhcp_enabled;
}

/* dnsmasq starts as picd's user (root, for port 67) and drops to the user
 * its config names by itself, keeping what DHCP needs: the port, raw
 * sockets, and ARP entries for clients that have no address yet. */
static uint64_t dnsmasq_capabilities(const struct cell_state *st) {
        (void)st;
        return (uint64_t)1 << CAP_NET_BIND_SERVICE | (uint64_t)1 << CAP_NET_RAW | (uint64_t)1 << CAP_NET_ADMIN |
               (uint64_t)1 << CAP_SETUID | (uint64_t)1 << CAP_SETGID;
}

static int dnsmasq_prepare(const struct service_env *env) {
        const char *user = env->state->dnsmasq_user;
        int r;
        if ((r = service_make_dir(env->config_dir, 0750, NULL)) < 0 ||
            (r = service_make_dir(env->data_dir, 0750, user)) < 0)
                return r;
        return user && !streq(user, service_own_user()) ? service_share_config_dir(env, user, NULL) : 0;
}

static int dnsmasq_build_command(const struct service_env *env, char ***ret_argv, char ***ret_envp) {
        _cleanup_free_ char *conf = NULL;
        if (asprintf(&conf, "--conf-file=%s/" DNSMASQ_CONF, env->config_dir) < 0)
                return -ENOMEM;
        /* -k: the foreground, --keep-in-foreground; picd supervises it. */
        char **argv = strv_new(DNSMASQ_BINARY, "-k", conf, NULL);
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

/* dnsmasq --test checks the options of a config, but never opens the
 * dhcp-hostsfile it names: the reservations are checked as dhcp-host
 * options, one per line, in a config of their own. */
static int wrap_hosts(const char *path, FILE *out) {
        _cleanup_fclose_ FILE *in = fopen(path, "re");
        if (!in)
                return -errno;
        fputs("port=0\n", out);
        char line[512];
        while (fgets(line, sizeof line, in)) {
                if (!strchr(line, '\n') && !feof(in))
                        return -E2BIG; /* no reservation line is that long */
                if (line[0] == '#' || line[0] == '\n')
                        continue;
                fprintf(out, "dhcp-host=%s", line);
        }
        return ferror(in) ? -EIO : 0;
}

static int dnsmasq_check(const struct service_env *env, const struct changed_file *candidate, char **ret_message) {
        const char *name = candidate->name, *path = candidate->path;
        _cleanup_free_ char *arg = NULL, *wrapper = NULL;
        int r;
        if (streq(name, DNSMASQ_CONF)) {
                if (asprintf(&arg, "--conf-file=%s", path) < 0)
                        return -ENOMEM;
        } else {
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
                r = wrap_hosts(path, f);
                if (fclose(f) != 0 || r < 0 || asprintf(&arg, "--conf-file=%s", wrapper) < 0) {
                        unlink(wrapper);
                        return -EIO;
                }
        }
        char *argv[] = {DNSMASQ_BINARY, "--test", arg, NULL};
        r = service_run_checker(argv, NULL, CHECK_TIMEOUT_MS, false, ret_message);
        if (wrapper)
                unlink(wrapper);
        return r;
}

static int dnsmasq_reload(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                          char **ret_message) {
        for (unsigned i = 0; i < n_changed; i++)
                if (streq(changed[i].name, DNSMASQ_CONF))
                        return 1; /* read only at start */
        if (env->pid <= 0)
                return 0;
        if (kill(env->pid, SIGHUP) < 0) {
                int r = -errno;
                *ret_message = strdup("cannot signal dnsmasq to re-read its reservations");
                return r;
        }
        return 0;
}

/* Ready once its DHCP socket is bound (it parses its config first). */
static int dnsmasq_probe(const struct service_env *env) {
        uint16_t port = env->state->port_dhcp ? env->state->port_dhcp : 67;
        return probe_udp_bound(port);
}

/* The reservations first: dnsmasq.conf names them, and its check reads them. */
static const struct managed_file dnsmasq_files[] = {
        {RESERVATIONS, render_dnsmasq_reservations},
        {DNSMASQ_CONF, render_dnsmasq_conf},
};

const struct service_adapter dnsmasq_adapter = {
        .name = "dnsmasq",
        .description = "DHCP for the LAN",
        .files = dnsmasq_files,
        .n_files = ELEMENTSOF(dnsmasq_files),
        .capabilities = dnsmasq_capabilities,
        .prepare = dnsmasq_prepare,
        .build_command = dnsmasq_build_command,
        .check = dnsmasq_check,
        .reload = dnsmasq_reload,
        .probe = dnsmasq_probe,
        .enabled = dnsmasq_enabled,
        .start_timeout_usec = 10ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
