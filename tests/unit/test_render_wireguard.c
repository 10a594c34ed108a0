/* WireGuard's renderers. tests/golden/wireguard/<case>/ holds state.json
 * and the expected wg-setconf.conf and client-<name>.conf files;
 * UPDATE_GOLDEN=1 rewrites them. As root, with wireguard-go, wg, wg-quick
 * and ip installed, every rendering is loaded for real, each in a network
 * namespace made for the test (nothing leaves it: no namespace has a way
 * out), on an interface named wgt<pid>n<k> (wireguard-go's sockets in
 * /var/run/wireguard are shared by all namespaces):
 *   setconf   wg setconf IF FILE, then `wg show IF dump` (read with
 *             wg_dump), allowed-ips and preshared-keys list what was meant;
 *   client    wg-quick strip FILE (the file named <iface>.conf, mode
 *             0600), its output through wg setconf on a client interface;
 *             a host name endpoint resolves from /etc/netns/NS/hosts;
 *   tunnel    the cell and alice in two namespaces joined by a veth pair:
 *             a ping through the tunnel, then a handshake in both dumps;
 *   keys      wireguard-go's own public key for keys set with wg set is
 *             wgkey_public's.
 * The refusals run everywhere. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/buf.h"
#include "common/cidr.h"
#include "common/exec.h"
#include "common/secret.h"
#include "common/wgkey.h"
#include "render/render.h"
#include "services/wg_dump.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/golden"
#endif

#define IP_BIN "/usr/sbin/ip"
#define WG_BIN "/usr/bin/wg"
#define WG_QUICK_BIN "/usr/bin/wg-quick"
#define WG_GO_BIN "/usr/bin/wireguard-go"
#define PING_BIN "/usr/bin/ping"
#define WG_SOCKET_DIR "/var/run/wireguard"
#define RUN_TIMEOUT_MS 20000u
#define START_TIMEOUT_MS 5000u
#define MAX_CLIENTS 8
#define MAX_FILES (1 + MAX_CLIENTS)
#define SETCONF_FILE "wg-setconf.conf"

/* ---- files ---- */

static char *read_file_or_null(const char *path, size_t *ret_len) {
        struct buf b = BUF_INIT;
        if (buf_read_file(&b, path) < 0) {
                buf_release(&b);
                return NULL;
        }
        *ret_len = b.len;
        return buf_steal(&b);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        assert_true(asprintf(&tmp, "%s.tmp", path) > 0);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                fail_msg("cannot write '%s': %s", tmp, strerror(errno));
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(close(fd), 0);
        assert_int_equal(rename(tmp, path), 0);
}

/* ---- state.json ---- */

struct loaded {
        json_t *json;
        struct wg_peer_view *peers;
        struct wg_client_view clients[MAX_CLIENTS];
        size_t n_clients;
        struct cell_state st;
};

static void loaded_release(struct loaded *l) {
        json_decref(l->json);
        free(l->peers);
        *l = (struct loaded){0};
}

static void only_keys(json_t *obj, const char *const *known, size_t n, const char *where) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool found = false;
                for (size_t i = 0; i < n; i++)
                        found = found || streq(key, known[i]);
                if (!found)
                        fail_msg("%s: unknown key '%s'", where, key);
        }
}

/* A string, or NULL for null or absent. */
static const char *str_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (v && !json_is_string(v) && !json_is_null(v))
                fail_msg("state.json: '%s' must be a string or null", key);
        return v ? json_string_value(v) : NULL;
}

static long long int_field(json_t *obj, const char *key, long long max) {
        json_t *v = json_object_get(obj, key);
        if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max))
                fail_msg("state.json: '%s' must be an integer from 0 to %lld", key, max);
        return v ? json_integer_value(v) : 0;
}

static bool bool_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (v && !json_is_boolean(v))
                fail_msg("state.json: '%s' must be a boolean", key);
        return json_is_true(v);
}

static json_t *array_field(json_t *obj, const char *key) {
        json_t *a = json_object_get(obj, key);
        if (a && !json_is_array(a))
                fail_msg("state.json: '%s' must be an array", key);
        return a;
}

static void load_state(const char *dir, struct loaded *ret) {
        static const char *const known[] = {"wg_interface", "port_wireguard", "wg_private_key", "wg_public_key",
                                            "vpn_address",  "ip_range",       "public_endpoint", "peers",
                                            "clients"};
        static const char *const peer_keys[] = {"name",        "ip",      "public_key", "preshared_key",
                                                "full_tunnel", "enabled", "keepalive"};
        static const char *const client_keys[] = {"name", "ip", "private_key", "preshared_key", "full_tunnel",
                                                  "keepalive"};
        _cleanup_free_ char *path = test_path(dir, "state.json");
        json_error_t err;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        assert_true(json_is_object(j));
        only_keys(j, known, ELEMENTSOF(known), path);

        struct loaded l = {.json = j};
        json_t *peers = array_field(j, "peers"), *clients = array_field(j, "clients"), *v;
        size_t i;
        l.peers = calloc(json_array_size(peers) + 1, sizeof *l.peers);
        assert_non_null(l.peers);
        json_array_foreach(peers, i, v) {
                only_keys(v, peer_keys, ELEMENTSOF(peer_keys), path);
                l.peers[i] = (struct wg_peer_view){
                        .name = str_field(v, "name"),
                        .ip = str_field(v, "ip"),
                        .public_key = str_field(v, "public_key"),
                        .preshared_key = str_field(v, "preshared_key"),
                        .full_tunnel = bool_field(v, "full_tunnel"),
                        .enabled = bool_field(v, "enabled"),
                        .keepalive = (unsigned)int_field(v, "keepalive", 1 << 20),
                };
        }
        if (json_array_size(clients) > MAX_CLIENTS)
                fail_msg("%s: more than %d clients", path, MAX_CLIENTS);
        json_array_foreach(clients, i, v) {
                only_keys(v, client_keys, ELEMENTSOF(client_keys), path);
                l.clients[i] = (struct wg_client_view){
                        .name = str_field(v, "name"),
                        .ip = str_field(v, "ip"),
                        .private_key = str_field(v, "private_key"),
                        .preshared_key = str_field(v, "preshared_key"),
                        .full_tunnel = bool_field(v, "full_tunnel"),
                        .keepalive = (unsigned)int_field(v, "keepalive", 1 << 20),
                };
        }
        l.n_clients = json_array_size(clients);
        l.st = (struct cell_state){
                .wg_interface = str_field(j, "wg_interface"),
                .port_wireguard = (uint16_t)int_field(j, "port_wireguard", 65535),
                .wg_private_key = str_field(j, "wg_private_key"),
                .wg_public_key = str_field(j, "wg_public_key"),
                .vpn_address = str_field(j, "vpn_address"),
                .ip_range = str_field(j, "ip_range"),
                .public_endpoint = str_field(j, "public_endpoint"),
                .wg_peers = l.peers,
                .n_wg_peers = (unsigned)json_array_size(peers),
        };
        *ret = l;
}

/* ---- rendering a case ---- */

struct golden_case {
        char *name;
        char *dir;
};

struct rendering {
        size_t n;
        char *file[MAX_FILES];
        struct buf out[MAX_FILES];
};

static void rendering_release(struct rendering *r) {
        for (size_t i = 0; i < r->n; i++) {
                free(r->file[i]);
                buf_release(&r->out[i]);
        }
        r->n = 0;
}

static void render_all(const struct loaded *l, const char *name, struct rendering *ret) {
        *ret = (struct rendering){0};
        ret->file[0] = strdup(SETCONF_FILE);
        ret->n = 1;
        int r = render_wg_setconf(&l->st, &ret->out[0]);
        if (r < 0)
                fail_msg("%s: render_wg_setconf: %s", name, strerror(-r));
        for (size_t i = 0; i < l->n_clients; i++) {
                assert_true(asprintf(&ret->file[1 + i], "client-%s.conf", l->clients[i].name) > 0);
                ret->n++;
                r = render_wg_client_config(&l->st, &l->clients[i], &ret->out[1 + i]);
                if (r < 0)
                        fail_msg("%s: render_wg_client_config(%s): %s", name, l->clients[i].name, strerror(-r));
        }
}

static void test_golden(void **state) {
        const struct golden_case *c = *state;
        struct loaded l;
        load_state(c->dir, &l);
        struct rendering out;
        render_all(&l, c->name, &out);
        loaded_release(&l);
        const char *update = getenv("UPDATE_GOLDEN");
        const char *bad = NULL;
        for (size_t i = 0; i < out.n; i++) {
                _cleanup_free_ char *path = test_path(c->dir, out.file[i]);
                if (update && streq(update, "1")) {
                        write_file(path, buf_str(&out.out[i]), out.out[i].len, 0644);
                        fprintf(stderr, "# UPDATE_GOLDEN=1: wrote %s\n", path);
                        continue;
                }
                size_t len = 0;
                _cleanup_free_ char *want = read_file_or_null(path, &len);
                if (!want || len != out.out[i].len || memcmp(want, buf_str(&out.out[i]), len) != 0) {
                        fprintf(stderr, "# %s: expected\n%s# rendered\n%s", path, want ? want : "(missing)\n",
                                buf_str(&out.out[i]));
                        bad = bad ? bad : c->name;
                }
        }
        rendering_release(&out);
        if (bad)
                fail_msg("wireguard/%s differs (UPDATE_GOLDEN=1 rewrites it)", bad);
}

static void test_twice(void **state) {
        const struct golden_case *c = *state;
        struct loaded l;
        load_state(c->dir, &l);
        struct rendering a, b;
        render_all(&l, c->name, &a);
        render_all(&l, c->name, &b);
        loaded_release(&l);
        for (size_t i = 0; i < a.n; i++)
                assert_string_equal(buf_str(&a.out[i]), buf_str(&b.out[i]));
        rendering_release(&a);
        rendering_release(&b);
}

/* ---- running programs ---- */

static int run(char *const argv[], char **ret_output) {
        char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
        struct exec_result res = {0};
        int r = exec_run(argv, envp, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.timed_out || res.signal ? -1 : res.exit_code;
        if (ret_output) {
                *ret_output = res.output ? res.output : strdup("");
                res.output = NULL;
        } else if (code != 0) {
                fprintf(stderr, "# %s %s: exit code %d: %s\n", argv[0], argv[1] ? argv[1] : "", code,
                        res.output ? res.output : "");
        }
        exec_result_release(&res);
        return code;
}

#define ARGS_MAX 24

/* Runs a NULL-terminated list of arguments, inside namespace ns when it is
 * not NULL (through `ip netns exec`). */
static int nsrun(const char *ns, char **ret_output, ...) {
        char *argv[ARGS_MAX];
        size_t n = 0;
        if (ns) {
                argv[n++] = IP_BIN;
                argv[n++] = "netns";
                argv[n++] = "exec";
                argv[n++] = (char *)ns;
        }
        va_list ap;
        va_start(ap, ret_output);
        for (char *a; (a = va_arg(ap, char *));) {
                assert_true(n < ARGS_MAX - 1);
                argv[n++] = a;
        }
        va_end(ap);
        argv[n] = NULL;
        return run(argv, ret_output);
}

#define RUN_OK(...)                                                                                                    \
        do {                                                                                                           \
                if (nsrun(__VA_ARGS__, NULL) != 0)                                                                     \
                        fail_msg("failed: %s", #__VA_ARGS__);                                                          \
        } while (0)

static void sleep_ms(long ms) {
        struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
        nanosleep(&t, NULL);
}

/* ---- a scratch namespace with wireguard-go in it ---- */

struct wgns {
        char ns[48];
        char ifname[16];
        char etc_dir[80]; /* /etc/netns/<ns>, when made */
        bool ns_made;
        pid_t pid;
};

static unsigned wgns_seq;
static bool made_etc_netns; /* by us: removed again when empty */

static void wgns_stop(struct wgns *w) {
        if (w->pid > 0) {
                kill(w->pid, SIGTERM);
                int status;
                for (int i = 0; waitpid(w->pid, &status, WNOHANG) == 0; i++) {
                        if (i == 200) {
                                kill(w->pid, SIGKILL);
                                waitpid(w->pid, &status, 0);
                                break;
                        }
                        sleep_ms(10);
                }
                w->pid = 0;
        }
        if (w->ifname[0]) {
                char sock[64];
                snprintf(sock, sizeof sock, WG_SOCKET_DIR "/%s.sock", w->ifname);
                unlink(sock); /* wireguard-go removes it; a kill -9 would not */
        }
        if (w->ns_made) {
                char *const argv[] = {IP_BIN, "netns", "del", w->ns, NULL};
                run(argv, NULL);
                w->ns_made = false;
        }
        if (w->etc_dir[0]) {
                char path[128];
                snprintf(path, sizeof path, "%s/hosts", w->etc_dir);
                unlink(path);
                snprintf(path, sizeof path, "%s/resolv.conf", w->etc_dir);
                unlink(path);
                rmdir(w->etc_dir);
                w->etc_dir[0] = 0;
                if (made_etc_netns && rmdir("/etc/netns") == 0)
                        made_etc_netns = false;
        }
}

/* A namespace with lo up and wireguard-go serving w->ifname in it; ready
 * once `wg show` answers through its socket. */
static void wgns_start(struct wgns *w, const char *log_dir) {
        *w = (struct wgns){0};
        unsigned k = wgns_seq++;
        snprintf(w->ns, sizeof w->ns, "pic-wgtest-%d-%u", (int)getpid(), k);
        snprintf(w->ifname, sizeof w->ifname, "wgt%dn%u", (int)getpid(), k);
        RUN_OK(NULL, NULL, IP_BIN, "netns", "add", w->ns);
        w->ns_made = true;
        RUN_OK(NULL, NULL, IP_BIN, "-n", w->ns, "link", "set", "lo", "up");

        _cleanup_free_ char *log = NULL;
        assert_true(asprintf(&log, "%s/%s.log", log_dir, w->ifname) > 0);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(out >= 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* ip netns exec execs wireguard-go in place: pid is its. */
                char *const argv[] = {IP_BIN, "netns", "exec", w->ns, WG_GO_BIN, "-f", w->ifname, NULL};
                char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                      "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1", NULL};
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(126);
                execve(argv[0], argv, envp);
                _exit(127);
        }
        close(out);
        w->pid = pid;
        for (unsigned waited = 0;; waited += 20) {
                int status;
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        w->pid = 0;
                        size_t len;
                        _cleanup_free_ char *text = read_file_or_null(log, &len);
                        fail_msg("wireguard-go exited at start (0x%x): %s", status, text ? text : "");
                }
                _cleanup_free_ char *output = NULL;
                if (nsrun(w->ns, &output, WG_BIN, "show", w->ifname, "listen-port", NULL) == 0)
                        break;
                if (waited >= START_TIMEOUT_MS)
                        fail_msg("wireguard-go on %s never answered: %s", w->ifname, output);
                sleep_ms(20);
        }
}

/* `ip netns exec` bind-mounts /etc/netns/<ns>/FILE over /etc/FILE: the
 * endpoint's name resolves from there, and DNS, if asked at all, is asked
 * on the namespace's own loopback. */
static void wgns_hosts(struct wgns *w, const char *addr, const char *name) {
        snprintf(w->etc_dir, sizeof w->etc_dir, "/etc/netns/%s", w->ns);
        if (mkdir("/etc/netns", 0755) == 0)
                made_etc_netns = true;
        assert_int_equal(mkdir(w->etc_dir, 0755), 0);
        char path[128], text[300];
        snprintf(path, sizeof path, "%s/hosts", w->etc_dir);
        int n = snprintf(text, sizeof text, "127.0.0.1 localhost\n%s %s\n", addr, name);
        write_file(path, text, (size_t)n, 0644);
        snprintf(path, sizeof path, "%s/resolv.conf", w->etc_dir);
        static const char resolv[] = "nameserver 127.0.0.1\n";
        write_file(path, resolv, sizeof resolv - 1, 0644);
}

/* `wg show IF dump` inside w's namespace, read. */
static void wgns_dump(const struct wgns *w, struct wg_dump *ret) {
        _cleanup_free_ char *text = NULL;
        if (nsrun(w->ns, &text, WG_BIN, "show", w->ifname, "dump", NULL) != 0)
                fail_msg("wg show %s dump: %s", w->ifname, text);
        if (wg_dump_parse(text, strlen(text), ret) < 0)
                fail_msg("wg show %s dump did not parse: %s", w->ifname, text);
        assert_int_equal(ret->skipped, 0);
}

static char *wgns_show(const struct wgns *w, const char *what) {
        char *text = NULL;
        if (nsrun(w->ns, &text, WG_BIN, "show", w->ifname, what, NULL) != 0)
                fail_msg("wg show %s %s: %s", w->ifname, what, text);
        return text;
}

static void expect_line(const char *text, const char *line, const char *what) {
        if (!strstr(text, line))
                fail_msg("%s: no line '%s' in:\n%s", what, line, text);
}

/* The live tests' resources, released by the teardown even when a test
 * fails half way. */
struct live {
        char *dir;
        struct wgns a, b;
        char veth[16];
        const struct golden_case *c;
};

static int live_setup(void **state) {
        struct live *l = calloc(1, sizeof *l);
        assert_non_null(l);
        l->c = *state;
        l->dir = test_tmpdir();
        *state = l;
        return 0;
}

static int live_teardown(void **state) {
        struct live *l = *state;
        /* The veth pair lives in the two namespaces: it goes with them. */
        wgns_stop(&l->a);
        wgns_stop(&l->b);
        test_rmdir(l->dir);
        free(l);
        return 0;
}

static char *write_in(const char *dir, const char *name, const struct buf *b) {
        char *path = test_path(dir, name);
        write_file(path, buf_str(b), b->len, 0600);
        return path;
}

static unsigned count_enabled(const struct cell_state *st) {
        unsigned n = 0;
        for (unsigned i = 0; i < st->n_wg_peers; i++)
                n += st->wg_peers[i].enabled;
        return n;
}

/* ---- the cell's side, loaded ---- */

static void load_setconf(const struct cell_state *st, const struct wgns *w, const char *dir) {
        struct buf b = BUF_INIT;
        assert_int_equal(render_wg_setconf(st, &b), 0);
        _cleanup_free_ char *path = write_in(dir, SETCONF_FILE, &b);
        buf_release(&b);
        RUN_OK(w->ns, NULL, WG_BIN, "setconf", (char *)w->ifname, path);
}

static void test_setconf_live(void **state) {
        struct live *l = *state;
        struct loaded ld;
        load_state(l->c->dir, &ld);
        const struct cell_state *st = &ld.st;
        wgns_start(&l->a, l->dir);
        load_setconf(st, &l->a, l->dir);

        struct wg_dump d;
        wgns_dump(&l->a, &d);
        assert_string_equal(d.public_key, st->wg_public_key);
        assert_int_equal(d.listen_port, st->port_wireguard);
        assert_int_equal(d.n_peers, count_enabled(st));
        _cleanup_free_ char *allowed = wgns_show(&l->a, "allowed-ips");
        _cleanup_free_ char *psks = wgns_show(&l->a, "preshared-keys");
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                const struct wg_peer_view *p = &st->wg_peers[i];
                const struct wg_dump_peer *got = wg_dump_find(&d, p->public_key);
                if (!p->enabled) {
                        assert_null(got);
                        continue;
                }
                assert_non_null(got);
                assert_string_equal(got->endpoint, "");
                assert_int_equal(got->keepalive, 0);
                char line[160];
                snprintf(line, sizeof line, "%s\t%s/32\n", p->public_key, p->ip);
                expect_line(allowed, line, "allowed-ips");
                snprintf(line, sizeof line, "%s\t%s\n", p->public_key,
                         p->preshared_key[0] ? p->preshared_key : "(none)");
                expect_line(psks, line, "preshared-keys");
        }
        wg_dump_release(&d);
        loaded_release(&ld);
}

/* ---- a peer's side, loaded ---- */

/* The AllowedIPs wg show prints for a client: space-separated. */
static void client_allowed(const struct cell_state *st, const struct wg_client_view *c, char out[64]) {
        if (c->full_tunnel) {
                strcpy(out, "0.0.0.0/0");
                return;
        }
        struct cidr4 v, s;
        assert_int_equal(cidr4_parse(st->vpn_address, &v), 0);
        assert_int_equal(cidr4_parse(st->ip_range, &s), 0);
        v.addr = cidr4_network(&v);
        s.addr = cidr4_network(&s);
        char a[CIDR4_STRLEN], b[CIDR4_STRLEN];
        cidr4_format(&v, a);
        cidr4_format(&s, b);
        snprintf(out, 64, "%s %s", a, b);
}

/* wg-quick strip of the client's file, then wg setconf of what it gives. */
static void load_client(const struct cell_state *st, const struct wg_client_view *c, const struct wgns *w,
                        const char *dir) {
        struct buf b = BUF_INIT;
        assert_int_equal(render_wg_client_config(st, c, &b), 0);
        _cleanup_free_ char *conf = write_in(dir, "wgq0.conf", &b);
        buf_release(&b);
        _cleanup_free_ char *stripped = NULL;
        if (nsrun(NULL, &stripped, WG_QUICK_BIN, "strip", conf, NULL) != 0)
                fail_msg("wg-quick strip %s: %s", c->name, stripped);
        /* Address and DNS are wg-quick's, gone; the rest is wg's. */
        if (strstr(stripped, "Address") || strstr(stripped, "DNS") || !strstr(stripped, "PublicKey"))
                fail_msg("wg-quick strip gave: %s", stripped);
        assert_int_equal(buf_puts(&b, stripped), 0);
        _cleanup_free_ char *path = write_in(dir, "stripped.conf", &b);
        buf_release(&b);
        RUN_OK(w->ns, NULL, WG_BIN, "setconf", (char *)w->ifname, path);
}

static void test_client_live(void **state) {
        struct live *l = *state;
        struct loaded ld;
        load_state(l->c->dir, &ld);
        const struct cell_state *st = &ld.st;
        for (size_t i = 0; i < ld.n_clients; i++) {
                const struct wg_client_view *c = &ld.clients[i];
                wgns_start(&l->b, l->dir); /* a fresh one: setconf keeps a key it is not given */
                uint32_t addr;
                bool by_name = st->public_endpoint[0] && ipv4_parse(st->public_endpoint, &addr) < 0;
                if (by_name)
                        wgns_hosts(&l->b, "10.99.0.1", st->public_endpoint);
                load_client(st, c, &l->b, l->dir);

                struct wg_dump d;
                wgns_dump(&l->b, &d);
                char want[WGKEY_B64_SIZE] = "";
                if (c->private_key && c->private_key[0])
                        assert_int_equal(wgkey_public(c->private_key, want), 0);
                assert_string_equal(d.public_key, want);
                assert_int_equal(d.n_peers, 1);
                assert_string_equal(d.peers[0].public_key, st->wg_public_key);
                assert_int_equal(d.peers[0].keepalive, c->keepalive);
                char endpoint[96] = "";
                if (st->public_endpoint[0])
                        snprintf(endpoint, sizeof endpoint, "%s:%u", by_name ? "10.99.0.1" : st->public_endpoint,
                                 (unsigned)st->port_wireguard);
                assert_string_equal(d.peers[0].endpoint, endpoint);
                wg_dump_release(&d);

                char allowed[64], line[160];
                client_allowed(st, c, allowed);
                _cleanup_free_ char *ips = wgns_show(&l->b, "allowed-ips");
                snprintf(line, sizeof line, "%s\t%s\n", st->wg_public_key, allowed);
                expect_line(ips, line, "allowed-ips");
                _cleanup_free_ char *psks = wgns_show(&l->b, "preshared-keys");
                snprintf(line, sizeof line, "%s\t%s\n", st->wg_public_key,
                         c->preshared_key && c->preshared_key[0] ? c->preshared_key : "(none)");
                expect_line(psks, line, "preshared-keys");
                wgns_stop(&l->b);
        }
        loaded_release(&ld);
}

/* ---- a tunnel ---- */

/* The two-peers case: the cell in namespace a, alice in b, a veth pair
 * between them (10.99.0.1 and .2); alice's file as she downloads it, its
 * endpoint the cell's veth address. */
static void test_tunnel_live(void **state) {
        struct live *l = *state;
        _cleanup_free_ char *case_dir = test_path(GOLDEN_DIR "/wireguard", "two-peers");
        struct loaded ld;
        load_state(case_dir, &ld);
        struct cell_state st = ld.st;
        st.public_endpoint = "10.99.0.1";
        const struct wg_client_view *alice = &ld.clients[0];
        assert_string_equal(alice->name, "alice");
        assert_false(alice->full_tunnel);

        wgns_start(&l->a, l->dir);
        wgns_start(&l->b, l->dir);
        char peer_end[16];
        snprintf(l->veth, sizeof l->veth, "wva%d", (int)getpid());
        snprintf(peer_end, sizeof peer_end, "wvb%d", (int)getpid());
        RUN_OK(NULL, NULL, IP_BIN, "link", "add", l->veth, "netns", l->a.ns, "type", "veth", "peer", "name", peer_end,
               "netns", l->b.ns);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->a.ns, "addr", "add", "10.99.0.1/30", "dev", l->veth);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->a.ns, "link", "set", l->veth, "up");
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->b.ns, "addr", "add", "10.99.0.2/30", "dev", peer_end);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->b.ns, "link", "set", peer_end, "up");

        load_setconf(&st, &l->a, l->dir);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->a.ns, "addr", "add", (char *)st.vpn_address, "dev", l->a.ifname);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->a.ns, "link", "set", l->a.ifname, "up");

        /* What wg-quick up would do with Address and AllowedIPs. */
        load_client(&st, alice, &l->b, l->dir);
        char host[24], allowed[64];
        snprintf(host, sizeof host, "%s/32", alice->ip);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->b.ns, "addr", "add", host, "dev", l->b.ifname);
        RUN_OK(NULL, NULL, IP_BIN, "-n", l->b.ns, "link", "set", l->b.ifname, "up");
        client_allowed(&st, alice, allowed);
        for (char *save = NULL, *net = strtok_r(allowed, " ", &save); net; net = strtok_r(NULL, " ", &save))
                RUN_OK(NULL, NULL, IP_BIN, "-n", l->b.ns, "route", "add", net, "dev", l->b.ifname);

        int code = -1;
        for (int i = 0; i < 10 && code != 0; i++) {
                _cleanup_free_ char *out = NULL;
                code = nsrun(l->b.ns, &out, PING_BIN, "-c", "1", "-W", "1", "10.0.0.1", NULL);
                if (code != 0 && i == 9)
                        fail_msg("no ping through the tunnel: %s", out);
        }

        struct wg_dump d;
        wgns_dump(&l->a, &d);
        const struct wg_dump_peer *p = wg_dump_find(&d, ld.peers[0].public_key);
        assert_non_null(p);
        assert_true(p->latest_handshake > 0);
        assert_true(p->rx_bytes > 0 && p->tx_bytes > 0);
        assert_true(strncmp(p->endpoint, "10.99.0.2:", 10) == 0);
        const struct wg_dump_peer *bob = wg_dump_find(&d, ld.peers[1].public_key);
        assert_non_null(bob);
        assert_int_equal(bob->latest_handshake, 0);
        assert_string_equal(bob->endpoint, "");
        wg_dump_release(&d);

        wgns_dump(&l->b, &d);
        assert_int_equal(d.n_peers, 1);
        assert_true(d.peers[0].latest_handshake > 0);
        assert_string_equal(d.peers[0].endpoint, "10.99.0.1:51820");
        assert_int_equal(d.peers[0].keepalive, 25);
        wg_dump_release(&d);
        loaded_release(&ld);
}

/* ---- wgkey against WireGuard's own code ---- */

static void test_keys_match_wireguard_go(void **state) {
        struct live *l = *state;
        wgns_start(&l->a, l->dir);
        _cleanup_free_ char *path = test_path(l->dir, "key");
        for (int i = 0; i < 16; i++) {
                char priv[WGKEY_B64_SIZE], pub[WGKEY_B64_SIZE];
                if (i % 2)
                        wgkey_generate(priv);
                else
                        wgkey_generate_psk(priv); /* unclamped: wg clamps it */
                assert_int_equal(wgkey_public(priv, pub), 0);
                write_file(path, priv, strlen(priv), 0600);
                RUN_OK(l->a.ns, NULL, WG_BIN, "set", l->a.ifname, "private-key", path);
                _cleanup_free_ char *shown = wgns_show(&l->a, "public-key");
                char want[WGKEY_B64_SIZE + 1];
                snprintf(want, sizeof want, "%s\n", pub);
                assert_string_equal(shown, want);
        }
}

/* The checks are not vacuous: wg setconf refuses a bad key, a bad
 * address and wg-quick's own keys; wg-quick strip passes an unknown key
 * on, for setconf to refuse. */
static void test_checks_fail(void **state) {
        struct live *l = *state;
        wgns_start(&l->a, l->dir);
        static const char *const bad[] = {
                "[Interface]\nPrivateKey = AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB=\n",
                "[Peer]\nPublicKey = K4WxA/GEX6xgb4CF3cjBZ68Iesn1Hy0ElhH3wYqxGHE=\nAllowedIPs = 10.0.0.2/33\n",
                "[Interface]\nAddress = 10.0.0.1/24\n",
                "[Interface]\nListenPort = 51820\n[Peer]\n# x\n"
                "PublicKey = K4WxA/GEX6xgb4CF3cjBZ68Iesn1Hy0ElhH3wYqxGHE=\nAllowedIPs = 10.0.0.2/32\nFoo = bar\n",
        };
        _cleanup_free_ char *path = test_path(l->dir, "bad.conf");
        fprintf(stderr, "# wg's complaints below are expected.\n");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_file(path, bad[i], strlen(bad[i]), 0600);
                if (nsrun(l->a.ns, NULL, WG_BIN, "setconf", l->a.ifname, path, NULL) == 0)
                        fail_msg("wg setconf took: %s", bad[i]);
        }
        _cleanup_free_ char *conf = test_path(l->dir, "wgq1.conf");
        static const char unknown[] = "[Interface]\nAddress = 10.0.0.2/32\nFoo = bar\n";
        write_file(conf, unknown, sizeof unknown - 1, 0600);
        _cleanup_free_ char *stripped = NULL;
        assert_int_equal(nsrun(NULL, &stripped, WG_QUICK_BIN, "strip", conf, NULL), 0);
        write_file(path, stripped, strlen(stripped), 0600);
        assert_int_not_equal(nsrun(l->a.ns, NULL, WG_BIN, "setconf", l->a.ifname, path, NULL), 0);
}

/* ---- refusals ---- */

static const struct wg_peer_view good_peers[] = {
        {.name = "alice", .ip = "10.0.0.2", .public_key = "K4WxA/GEX6xgb4CF3cjBZ68Iesn1Hy0ElhH3wYqxGHE=",
         .preshared_key = "sjBIrjCldT05tTsljQt6npRJ9Rn/8C84xHSdiGryGsc=", .enabled = true, .keepalive = 25},
        {.name = "bob", .ip = "10.0.0.3", .public_key = "IM2UW2rCxQt0bz7sn8/ECjPjEA9cJHhcN1a8mgOTamk=",
         .preshared_key = "", .enabled = true},
        {.name = "carol", .ip = "10.0.0.4", .public_key = "hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=",
         .preshared_key = "", .enabled = false},
};
static struct wg_peer_view peers_copy[ELEMENTSOF(good_peers)];

static struct cell_state good_state(void) {
        memcpy(peers_copy, good_peers, sizeof peers_copy);
        return (struct cell_state){
                .wg_interface = "pic0",
                .port_wireguard = 51820,
                .wg_private_key = "8M1tHXXdayspLZu7QwObL8y6iayD52/Xdz1FZ2fFiGs=",
                .wg_public_key = "WJTXpBOVpZ5bWzLapUuGvQHPdYVt+VlB/h8oPON0z1M=",
                .vpn_address = "10.0.0.1/24",
                .ip_range = "172.20.0.0/24",
                .public_endpoint = "vpn.example.org",
                .wg_peers = peers_copy,
                .n_wg_peers = ELEMENTSOF(peers_copy),
        };
}

static struct wg_client_view good_client(void) {
        return (struct wg_client_view){.name = "alice",
                                       .ip = "10.0.0.2",
                                       .private_key = "sDbOZ8OdadY27ngpoJPZ3sAIfH2w6+vbqToa2FK9t3s=",
                                       .preshared_key = "sjBIrjCldT05tTsljQt6npRJ9Rn/8C84xHSdiGryGsc=",
                                       .keepalive = 25};
}

/* The renderer of a field refuses st/c with -EINVAL, out untouched. */
static void expect_refused(bool client, const struct cell_state *st, const struct wg_client_view *c, const char *what) {
        struct buf out = BUF_INIT;
        assert_int_equal(buf_puts(&out, "before"), 0);
        int r = client ? render_wg_client_config(st, c, &out) : render_wg_setconf(st, &out);
        bool same = streq(buf_str(&out), "before");
        buf_release(&out);
        if (r != -EINVAL)
                fail_msg("%s: %s gave %d, not -EINVAL", what, client ? "render_wg_client_config" : "render_wg_setconf",
                         r);
        if (!same)
                fail_msg("%s: the output buffer changed", what);
}

static void expect_rendered(bool client, const struct cell_state *st, const struct wg_client_view *c,
                            const char *what, struct buf *out) {
        int r = client ? render_wg_client_config(st, c, out) : render_wg_setconf(st, out);
        if (r != 0)
                fail_msg("%s: refused (%d)", what, r);
}

enum target { SETCONF, CLIENT };

/* Where a string field lives: in the state, a peer of it, or the client. */
struct field {
        const char *name;
        enum target target;
        size_t offset;
        int peer;        /* -1: not a peer's; else its index */
        bool in_client;  /* a field of the wg_client_view */
        bool nullable;
};

#define ST(t, f, n) {#f, t, offsetof(struct cell_state, f), -1, false, n}
#define PEER(i, f) {"peers[" #i "]." #f, SETCONF, offsetof(struct wg_peer_view, f), i, false, false}
#define CLI(f, n) {"client." #f, CLIENT, offsetof(struct wg_client_view, f), -1, true, n}

static const struct field fields[] = {
        ST(SETCONF, wg_interface, false),    ST(SETCONF, wg_private_key, false), ST(SETCONF, wg_public_key, true),
        ST(SETCONF, vpn_address, false),     PEER(0, name),                      PEER(0, ip),
        PEER(0, public_key),                 PEER(0, preshared_key),             PEER(2, name),
        PEER(2, ip),                         PEER(2, public_key),                PEER(2, preshared_key),
        ST(CLIENT, wg_public_key, false),    ST(CLIENT, vpn_address, false),     ST(CLIENT, ip_range, false),
        ST(CLIENT, public_endpoint, false),  CLI(name, false),                   CLI(ip, false),
        CLI(private_key, true),              CLI(preshared_key, true),
};

static void set_field(const struct field *f, struct cell_state *st, struct wg_client_view *c, const char *v) {
        char *base = f->in_client ? (char *)c : f->peer >= 0 ? (char *)&peers_copy[f->peer] : (char *)st;
        memcpy(base + f->offset, &v, sizeof v);
}

static const char *get_field(const struct field *f, const struct cell_state *st, const struct wg_client_view *c) {
        const char *base = f->in_client ? (const char *)c
                           : f->peer >= 0 ? (const char *)&peers_copy[f->peer]
                                          : (const char *)st;
        const char *v;
        memcpy(&v, base + f->offset, sizeof v);
        return v;
}

/* What no line of a WireGuard file may carry, and what breaks a grammar. */
static const char *const injections[] = {"\n", "\r", "\t", "\"", "'", "{", "}", " ",  "../", "#",
                                         "=",  ",",  "\\", "[",  "%", ";", "\xc3\xa9", "\x7f", "$("};

static void test_refuses_injections(void **state) {
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                const struct field *f = &fields[i];
                struct cell_state st0 = good_state();
                struct wg_client_view c0 = good_client();
                _cleanup_free_ char *good = strdup(get_field(f, &st0, &c0));
                size_t len = strlen(good);
                for (size_t j = 0; j < ELEMENTSOF(injections); j++) {
                        for (int how = 0; how < 3; how++) {
                                _cleanup_free_ char *bad = NULL;
                                if (how == 0) /* at the end */
                                        assert_true(asprintf(&bad, "%s%s", good, injections[j]) > 0);
                                else if (how == 1 && len == 0)
                                        continue;
                                else if (how == 1) /* after the first character */
                                        assert_true(asprintf(&bad, "%.1s%s%s", good, injections[j], good + 1) > 0);
                                else { /* in place of characters: the same length */
                                        bad = strdup(good);
                                        size_t n = strlen(injections[j]);
                                        if (len < 2 + n)
                                                continue;
                                        memcpy(bad + 1, injections[j], n);
                                }
                                struct cell_state st = good_state();
                                struct wg_client_view c = good_client();
                                set_field(f, &st, &c, bad);
                                char what[96];
                                snprintf(what, sizeof what, "%s with %#x (%s)", f->name,
                                         (unsigned)(unsigned char)injections[j][0],
                                         how == 0   ? "at the end"
                                         : how == 1 ? "after the first"
                                                    : "replacing");
                                expect_refused(f->target == CLIENT, &st, &c, what);
                        }
                }
                struct cell_state st = good_state();
                struct wg_client_view c = good_client();
                set_field(f, &st, &c, NULL);
                if (!f->nullable)
                        expect_refused(f->target == CLIENT, &st, &c, f->name);
        }
}

/* Values of good characters that break the grammar or the VPN. */
static void test_refuses_semantics(void **state) {
        (void)state;
        struct cell_state st;
        struct wg_client_view c;
#define REFUSE(target, change)                                                                                         \
        do {                                                                                                           \
                st = good_state();                                                                                     \
                c = good_client();                                                                                     \
                change;                                                                                                \
                expect_refused(target == CLIENT, &st, &c, #change);                                                    \
        } while (0)
        REFUSE(SETCONF, st.port_wireguard = 0);
        REFUSE(CLIENT, st.port_wireguard = 0);
        REFUSE(SETCONF, st.vpn_address = "10.0.0.1/31");
        REFUSE(SETCONF, st.vpn_address = "10.0.0.0/24");   /* the network, not a host */
        REFUSE(SETCONF, st.vpn_address = "10.0.0.255/24"); /* the broadcast */
        REFUSE(SETCONF, st.vpn_address = "10.0.0.1");
        REFUSE(CLIENT, st.vpn_address = "10.0.0.1");
        REFUSE(SETCONF, st.wg_public_key = "K4WxA/GEX6xgb4CF3cjBZ68Iesn1Hy0ElhH3wYqxGHE="); /* not the private key's */
        REFUSE(SETCONF, st.wg_private_key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB="); /* padding bits */
        REFUSE(SETCONF, st.wg_interface = "a-name-too-long-x");
        REFUSE(SETCONF, st.wg_interface = "..");
        REFUSE(SETCONF, st.wg_peers = NULL);
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.1.2");   /* outside the VPN */
        REFUSE(SETCONF, peers_copy[0].ip = "172.20.0.5"); /* a service's address */
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.0.1");   /* the cell's */
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.0.0");
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.0.255");
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.0.02");
        REFUSE(SETCONF, peers_copy[0].ip = "10.0.0.2/32");
        REFUSE(SETCONF, peers_copy[1].ip = "10.0.0.2");   /* two enabled peers, one address */
        REFUSE(SETCONF, peers_copy[1].public_key = peers_copy[0].public_key);
        REFUSE(SETCONF, peers_copy[2].public_key = st.wg_public_key); /* the cell's own, even disabled */
        REFUSE(SETCONF, peers_copy[0].name = "Alice");
        REFUSE(SETCONF, peers_copy[0].name = "");
        REFUSE(SETCONF, peers_copy[0].name = "-alice");
        REFUSE(SETCONF, peers_copy[0].name = "a.b");
        REFUSE(SETCONF, peers_copy[0].keepalive = 65536);
        REFUSE(SETCONF, peers_copy[0].preshared_key = NULL);
        REFUSE(CLIENT, c.ip = "10.0.1.2");
        REFUSE(CLIENT, c.ip = "10.0.0.1");
        REFUSE(CLIENT, c.ip = "");
        REFUSE(CLIENT, c.name = "");
        REFUSE(CLIENT, c.keepalive = 65536);
        REFUSE(CLIENT, c.private_key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyB=");
        REFUSE(CLIENT, st.public_endpoint = "vpn.example.org:51820");
        REFUSE(CLIENT, st.public_endpoint = "2001:db8::1");
        REFUSE(CLIENT, st.public_endpoint = "vpn..example.org");
        REFUSE(CLIENT, st.public_endpoint = "-vpn.example.org");
        REFUSE(CLIENT, st.public_endpoint = "1.2.3.4.5");
        REFUSE(CLIENT, st.ip_range = "172.20.0.0/33");
        REFUSE(CLIENT, st = (struct cell_state){0});
#undef REFUSE
        struct buf out = BUF_INIT;
        assert_int_equal(render_wg_setconf(NULL, &out), -EINVAL);
        c = good_client();
        assert_int_equal(render_wg_client_config(NULL, &c, &out), -EINVAL);
        st = good_state();
        assert_int_equal(render_wg_client_config(&st, NULL, &out), -EINVAL);
        assert_int_equal(out.len, 0);
}

/* What is allowed, and how it shows. */
static void test_accepted_variants(void **state) {
        (void)state;
        struct buf out = BUF_INIT;
        struct cell_state st = good_state();
        struct wg_client_view c = good_client();

        /* The public key may be left out of the cell's side. */
        st.wg_public_key = NULL;
        expect_rendered(false, &st, &c, "no wg_public_key", &out);
        assert_non_null(strstr(buf_str(&out), "# alice\nPublicKey = K4WxA"));
        assert_null(strstr(buf_str(&out), "carol"));          /* disabled: not written */
        assert_null(strstr(buf_str(&out), "Keepalive = "));    /* never on the cell's side */
        const char *psk = strstr(buf_str(&out), "PresharedKey = ");
        assert_non_null(psk); /* alice's, and only hers: bob has none */
        assert_null(strstr(psk + 1, "PresharedKey"));
        buf_clear(&out);

        /* A disabled peer may share an address with an enabled one (it
         * is not written), and there may be no peers. */
        st = good_state();
        peers_copy[2].ip = "10.0.0.2";
        expect_rendered(false, &st, &c, "disabled peer's address", &out);
        buf_clear(&out);
        st.n_wg_peers = 0;
        st.wg_peers = NULL;
        expect_rendered(false, &st, &c, "no peers", &out);
        assert_null(strstr(buf_str(&out), "[Peer]"));
        buf_clear(&out);

        /* No keys given to the client: NULL and "" alike. */
        st = good_state();
        c.private_key = "";
        c.preshared_key = NULL;
        expect_rendered(true, &st, &c, "no private key", &out);
        assert_non_null(strstr(buf_str(&out), "# PrivateKey = <"));
        assert_null(strstr(buf_str(&out), "\nPrivateKey"));
        assert_null(strstr(buf_str(&out), "PresharedKey"));
        assert_null(strstr(buf_str(&out), "secret keys"));
        buf_clear(&out);
        c.private_key = NULL;
        c.preshared_key = "";
        struct buf again = BUF_INIT;
        expect_rendered(true, &st, &c, "NULL private key", &again);
        expect_rendered(true, &st, &(struct wg_client_view){.name = "alice", .ip = "10.0.0.2", .keepalive = 25},
                        "all NULL", &out);
        assert_string_equal(buf_str(&out), buf_str(&again));
        buf_release(&again);
        buf_clear(&out);

        /* Full tunnel; no endpoint yet; services inside the VPN subnet. */
        c = good_client();
        c.full_tunnel = true;
        c.keepalive = 0;
        st.public_endpoint = "";
        st.ip_range = "10.0.0.0/24";
        expect_rendered(true, &st, &c, "full tunnel, no endpoint", &out);
        assert_non_null(strstr(buf_str(&out), "AllowedIPs = 0.0.0.0/0\n"));
        assert_non_null(strstr(buf_str(&out), "# Endpoint = <public_endpoint, unset>:51820"));
        assert_null(strstr(buf_str(&out), "\nEndpoint"));
        assert_null(strstr(buf_str(&out), "PersistentKeepalive"));
        buf_clear(&out);
        c.full_tunnel = false;
        st.public_endpoint = "192.0.2.10";
        expect_rendered(true, &st, &c, "services in the VPN subnet", &out);
        assert_non_null(strstr(buf_str(&out), "AllowedIPs = 10.0.0.0/24\n"));
        assert_non_null(strstr(buf_str(&out), "Endpoint = 192.0.2.10:51820\n"));
        buf_clear(&out);
        /* The subnets written as networks, whatever address they came as. */
        st.vpn_address = "10.0.0.77/25";
        st.ip_range = "172.20.0.9/24";
        c.ip = "10.0.0.2";
        expect_rendered(true, &st, &c, "networks", &out);
        assert_non_null(strstr(buf_str(&out), "AllowedIPs = 10.0.0.0/25, 172.20.0.0/24\n"));
        assert_non_null(strstr(buf_str(&out), "DNS = 10.0.0.77\n"));
        buf_release(&out);
}

/* ---- main ---- */

static int is_case_dir(const struct dirent *d) {
        return d->d_name[0] != '.';
}

#define MAX_CASES 16
#define MAX_TESTS (4 * MAX_CASES + 8)

int main(void) {
        if (secret_init() < 0)
                return 1;
        static struct golden_case cases[MAX_CASES];
        static struct CMUnitTest tests[MAX_TESTS];
        static char *names[MAX_TESTS];
        size_t nc = 0, nt = 0;

        bool live = geteuid() == 0 && access(WG_GO_BIN, X_OK) == 0 && access(WG_BIN, X_OK) == 0 &&
                    access(WG_QUICK_BIN, X_OK) == 0 && access(IP_BIN, X_OK) == 0 && access(PING_BIN, X_OK) == 0;
        /* Without them the live tests are not registered at all: cmocka
         * 1.1.5 reports skip() as "not ok # SKIP", a failure to meson. */
        if (!live)
                printf("# not root, or wireguard-go, wg, wg-quick, ip or ping missing: no live tests\n");

        _cleanup_free_ char *root = test_path(GOLDEN_DIR, "wireguard");
        struct dirent **entries = NULL;
        int n = scandir(root, &entries, is_case_dir, alphasort);
        if (n <= 0 || n > MAX_CASES) {
                fprintf(stderr, "no golden cases under %s, or more than %d\n", root, MAX_CASES);
                return 1;
        }
        static const struct {
                const char *kind;
                CMUnitTestFunction fn;
                bool live;
        } kinds[] = {{"golden", test_golden, false},
                     {"twice", test_twice, false},
                     {"setconf", test_setconf_live, true},
                     {"client", test_client_live, true}};
        for (int i = 0; i < n; i++) {
                struct golden_case *c = &cases[nc++];
                c->dir = test_path(root, entries[i]->d_name);
                c->name = strdup(entries[i]->d_name);
                free(entries[i]);
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if (kinds[k].live && !live)
                                continue;
                        if (asprintf(&names[nt], "wireguard_%s_%s", kinds[k].kind, c->name) < 0)
                                return 1;
                        tests[nt++] = (struct CMUnitTest){.name = names[nt - 1],
                                                          .test_func = kinds[k].fn,
                                                          .setup_func = kinds[k].live ? live_setup : NULL,
                                                          .teardown_func = kinds[k].live ? live_teardown : NULL,
                                                          .initial_state = c};
                }
        }
        free(entries);
        size_t named = nt;
        tests[nt++] = (struct CMUnitTest){.name = "refuses_injections", .test_func = test_refuses_injections};
        tests[nt++] = (struct CMUnitTest){.name = "refuses_semantics", .test_func = test_refuses_semantics};
        tests[nt++] = (struct CMUnitTest){.name = "accepted_variants", .test_func = test_accepted_variants};
        if (live) {
                tests[nt++] = (struct CMUnitTest){.name = "tunnel_live", .test_func = test_tunnel_live,
                                                  .setup_func = live_setup, .teardown_func = live_teardown};
                tests[nt++] = (struct CMUnitTest){.name = "keys_match_wireguard_go",
                                                  .test_func = test_keys_match_wireguard_go,
                                                  .setup_func = live_setup, .teardown_func = live_teardown};
                tests[nt++] = (struct CMUnitTest){.name = "checks_fail_on_bad_files", .test_func = test_checks_fail,
                                                  .setup_func = live_setup, .teardown_func = live_teardown};
        }

        int failed = _cmocka_run_group_tests("render_wireguard", tests, nt, NULL, NULL);

        for (size_t i = 0; i < named; i++)
                free(names[i]);
        for (size_t i = 0; i < nc; i++) {
                free(cases[i].dir);
                free(cases[i].name);
        }
        return failed;
}
