/* WireGuard's live path (wg_apply) and its adapter (wireguard.c), for
 * real. Unprivileged: every refusal comes before anything runs, and the
 * setconf reader takes what render_wg_setconf writes and refuses each way
 * of breaking it. As root: wireguard-go started as the supervisor starts
 * it (spawn_daemon with the adapter's argv, environment and capabilities)
 * inside a scratch network namespace, brought up by the adapter, then
 * peers added, changed and removed one `wg set` at a time and read back
 * with `wg show IF dump`; 200 upserts and removes timed; the live path
 * checked against a syncconf of the rendered file; and a real handshake
 * from a second namespace over a veth pair, before and after the peer is
 * removed. Interface names carry the pid: wireguard-go's socket directory
 * is shared by every namespace. Everything is torn down on every path. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/buf.h"
#include "common/exec.h"
#include "common/secret.h"
#include "common/timeutil.h"
#include "common/wgkey.h"
#include "render/render.h"
#include "services/service.h"
#include "services/wg_apply.h"
#include "supervise/spawn.h"

extern const struct service_adapter wireguard_adapter;

#define IP_BIN "/usr/sbin/ip"
#define PING_BIN "/usr/bin/ping"
#define RUN_TIMEOUT_MS 30000u
#define UAPI_DIR "/var/run/wireguard"
#define TIMED_PEERS 200
#define CELL_PORT 51820
#define CELL_UNDERLAY "192.0.2.1" /* the veth pair, inside the test's namespaces */
#define CLIENT_UNDERLAY "192.0.2.2"

/* ---- programs ---- */

/* Runs argv; its exit code (-1 when killed or timed out), its output in
 * *ret_output when asked for. */
static int run(char *const argv[], char **ret_output) {
        struct exec_result res = {0};
        int r = exec_run(argv, NULL, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.timed_out || res.signal ? -1 : res.exit_code;
        if (ret_output) {
                *ret_output = res.output;
                res.output = NULL;
        } else if (code != 0) {
                fprintf(stderr, "# %s %s %s: exit code %d: %s\n", argv[0], argv[1], argv[2] ? argv[2] : "", code,
                        res.output);
        }
        exec_result_release(&res);
        return code;
}

#define MUST(...)                                                                                  \
        do {                                                                                       \
                const char *const _argv[] = {__VA_ARGS__, NULL};                                   \
                if (run((char *const *)_argv, NULL) != 0)                                          \
                        fail_msg("%s %s %s %s failed", _argv[0], _argv[1], _argv[2], _argv[3]);    \
        } while (0)

static void write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                fail_msg("cannot write '%s': %s", path, strerror(errno));
        size_t len = strlen(text);
        assert_int_equal(write(fd, text, len), (ssize_t)len);
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(close(fd), 0);
}

static double ms_since(uint64_t start) {
        return (double)(now_monotonic_usec() - start) / 1000.0;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof *v, compare_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- `wg show IF dump`, read for the test ---- */

#define DUMP_MAX 16

struct dump_peer {
        char public_key[WGKEY_B64_SIZE];
        char preshared_key[WGKEY_B64_SIZE + 8]; /* "(none)" or the key */
        char allowed_ips[64];
        long long latest_handshake;
        char keepalive[8]; /* "off" or seconds */
};

struct dump {
        unsigned listen_port;
        char public_key[WGKEY_B64_SIZE];
        struct dump_peer peers[DUMP_MAX];
        size_t n;
};

static void dump(const char *iface, struct dump *d) {
        char *out = NULL;
        char *const argv[] = {WG_BINARY, "show", (char *)iface, "dump", NULL};
        if (run(argv, &out) != 0)
                fail_msg("wg show %s dump: %s", iface, out);
        *d = (struct dump){0};
        char *save = NULL, *line = strtok_r(out, "\n", &save);
        assert_non_null(line);
        char priv[64], fwmark[16];
        /* The interface: private key, public key, port, fwmark. */
        assert_int_equal(sscanf(line, "%63[^\t]\t%44[^\t]\t%u\t%15s", priv, d->public_key, &d->listen_port, fwmark), 4);
        while ((line = strtok_r(NULL, "\n", &save))) {
                assert_true(d->n < DUMP_MAX);
                struct dump_peer *p = &d->peers[d->n++];
                char endpoint[80];
                unsigned long long rx, tx;
                if (sscanf(line, "%44[^\t]\t%51[^\t]\t%79[^\t]\t%63[^\t]\t%lld\t%llu\t%llu\t%7s", p->public_key,
                           p->preshared_key, endpoint, p->allowed_ips, &p->latest_handshake, &rx, &tx,
                           p->keepalive) != 8)
                        fail_msg("a dump line that does not read: %s", line);
        }
        explicit_bzero(out, strlen(out));
        free(out);
}

static const struct dump_peer *dump_find(const struct dump *d, const char *public_key) {
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->peers[i].public_key, public_key))
                        return &d->peers[i];
        return NULL;
}

/* The peer is on the device as the view says. */
static void assert_peer(const struct dump *d, const struct wg_peer_view *v) {
        const struct dump_peer *p = dump_find(d, v->public_key);
        if (!p)
                fail_msg("peer %s (%s) not on the device", v->name, v->ip);
        char allowed[32], keepalive[12];
        snprintf(allowed, sizeof allowed, "%s/32", v->ip);
        if (v->keepalive)
                snprintf(keepalive, sizeof keepalive, "%u", v->keepalive);
        else
                snprintf(keepalive, sizeof keepalive, "off");
        assert_string_equal(p->allowed_ips, allowed);
        assert_string_equal(p->keepalive, keepalive);
        assert_string_equal(p->preshared_key, v->preshared_key[0] ? v->preshared_key : "(none)");
}

/* What a syncconf must leave alone: every peer's key, psk, routes and
 * keepalive (not the counters, nor the handshakes). */
static void assert_same_peers(const struct dump *a, const struct dump *b) {
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                const struct dump_peer *p = &a->peers[i], *q = dump_find(b, p->public_key);
                if (!q)
                        fail_msg("peer %s gone", p->public_key);
                assert_string_equal(p->preshared_key, q->preshared_key);
                assert_string_equal(p->allowed_ips, q->allowed_ips);
                assert_string_equal(p->keepalive, q->keepalive);
        }
}

/* ---- peers for the tests ---- */

struct test_peer {
        char name[16], ip[16];
        char priv[WGKEY_B64_SIZE], pub[WGKEY_B64_SIZE], psk[WGKEY_B64_SIZE];
        struct wg_peer_view v;
};

static void make_peer(struct test_peer *p, const char *name, const char *ip, bool psk, unsigned keepalive) {
        *p = (struct test_peer){0};
        snprintf(p->name, sizeof p->name, "%s", name);
        snprintf(p->ip, sizeof p->ip, "%s", ip);
        wgkey_generate(p->priv);
        assert_int_equal(wgkey_public(p->priv, p->pub), 0);
        if (psk)
                wgkey_generate_psk(p->psk);
        p->v = (struct wg_peer_view){.name = p->name,
                                     .ip = p->ip,
                                     .public_key = p->pub,
                                     .preshared_key = p->psk,
                                     .enabled = true,
                                     .keepalive = keepalive};
}

/* ---- unprivileged: refusals ---- */

static const char *good_key(void) {
        static char key[WGKEY_B64_SIZE];
        if (!key[0]) {
                char priv[WGKEY_B64_SIZE];
                wgkey_generate(priv);
                assert_int_equal(wgkey_public(priv, key), 0);
        }
        return key;
}

static void expect_refusal(int r, char *message, const char *secret) {
        assert_int_equal(r, -EINVAL);
        assert_non_null(message);
        if (message && secret && secret[0] && strstr(message, secret))
                fail_msg("the message repeats a key: %s", message);
        free(message);
}

/* fn(args..., &message) refused with a message that does not repeat
 * secret (NULL: nothing to look for). */
#define REFUSED(secret, fn, ...)                                                                   \
        do {                                                                                       \
                char *_m = NULL;                                                                   \
                int _r = fn(__VA_ARGS__, &_m);                                                     \
                expect_refusal(_r, _m, secret);                                                    \
        } while (0)

static void test_refusals(void **state) {
        (void)state;
        char psk[WGKEY_B64_SIZE];
        wgkey_generate_psk(psk);
        struct wg_peer_view good = {.name = "a", .ip = "10.0.0.2", .public_key = good_key(), .preshared_key = psk,
                                    .enabled = true};
        static const char *const bad_ifaces[] = {"", "-wg0", "a b", "wg0\n", "wg/0", "0123456789abcdef", ".", "..",
                                                 "wg0;ls", "wg$0"};
        for (size_t i = 0; i < ELEMENTSOF(bad_ifaces); i++) {
                REFUSED(psk, wg_peer_upsert, bad_ifaces[i], &good, "/tmp");
                REFUSED(NULL, wg_peer_remove, bad_ifaces[i], good_key());
                REFUSED(NULL, wg_syncconf, bad_ifaces[i], "/tmp/x");
                REFUSED(NULL, wg_set_interface, bad_ifaces[i], NULL, 51820);
        }
        assert_int_equal(wg_peer_remove(NULL, good_key(), NULL), -EINVAL);

        char shorter[WGKEY_B64_SIZE], unpadded[WGKEY_B64_SIZE + 1], option[WGKEY_B64_SIZE];
        snprintf(shorter, sizeof shorter, "%.43s", good_key());
        snprintf(unpadded, sizeof unpadded, "%.43sA", good_key());
        snprintf(option, sizeof option, "-%.43s", good_key() + 1);
        const char *bad_keys[] = {NULL, "", shorter, unpadded, option, "remove", "/dev/null",
                                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA B="};
        for (size_t i = 0; i < ELEMENTSOF(bad_keys); i++) {
                struct wg_peer_view v = good;
                v.public_key = bad_keys[i];
                REFUSED(psk, wg_peer_upsert, "wg0", &v, "/tmp");
                REFUSED(NULL, wg_peer_remove, "wg0", bad_keys[i]);
                if (!bad_keys[i] || !bad_keys[i][0])
                        continue; /* NULL and "" are no preshared key */
                v = good;
                v.preshared_key = bad_keys[i];
                REFUSED(bad_keys[i], wg_peer_upsert, "wg0", &v, "/tmp");
        }
        static const char *const bad_ips[] = {"", "10.0.0.256", "10.0.0.2/32", "010.0.0.2", "10.0.0", "::1",
                                              "10.0.0.2 ", "10.0.0.2,10.0.0.3"};
        for (size_t i = 0; i < ELEMENTSOF(bad_ips); i++) {
                struct wg_peer_view v = good;
                v.ip = bad_ips[i];
                REFUSED(psk, wg_peer_upsert, "wg0", &v, "/tmp");
        }
        struct wg_peer_view v = good;
        v.ip = NULL;
        assert_int_equal(wg_peer_upsert("wg0", &v, "/tmp", NULL), -EINVAL);
        v = good;
        v.keepalive = 65536;
        REFUSED(psk, wg_peer_upsert, "wg0", &v, "/tmp");
        /* A preshared key needs a private directory, named absolutely. */
        REFUSED(psk, wg_peer_upsert, "wg0", &good, NULL);
        REFUSED(psk, wg_peer_upsert, "wg0", &good, "tmp");
        assert_int_equal(wg_peer_upsert("wg0", NULL, "/tmp", NULL), -EINVAL);
        REFUSED(NULL, wg_syncconf, "wg0", "wg.conf");
        REFUSED(NULL, wg_syncconf, "wg0", NULL);
        REFUSED(NULL, wg_set_interface, "wg0", "key", 0);
}

/* ---- unprivileged: the setconf text ---- */

struct conf_case {
        char cell_priv[WGKEY_B64_SIZE], cell_pub[WGKEY_B64_SIZE];
        struct test_peer peers[3];
        struct wg_peer_view views[3];
        struct cell_state st;
        struct buf text;
};

static void conf_case_make(struct conf_case *c) {
        *c = (struct conf_case){0};
        wgkey_generate(c->cell_priv);
        assert_int_equal(wgkey_public(c->cell_priv, c->cell_pub), 0);
        make_peer(&c->peers[0], "alpha", "10.0.0.2", true, 0);
        make_peer(&c->peers[1], "beta", "10.0.0.3", false, 25);
        make_peer(&c->peers[2], "gamma", "10.0.0.4", true, 0);
        c->peers[2].v.enabled = false;
        for (size_t i = 0; i < 3; i++)
                c->views[i] = c->peers[i].v;
        c->st = (struct cell_state){
                .wg_interface = "pic0",
                .port_wireguard = CELL_PORT,
                .wg_private_key = c->cell_priv,
                .wg_public_key = c->cell_pub,
                .vpn_address = "10.0.0.1/24",
                .ip_range = "172.20.0.0/24",
                .wg_peers = c->views,
                .n_wg_peers = 3,
        };
        buf_init(&c->text, 0);
        assert_int_equal(render_wg_setconf(&c->st, &c->text), 0);
}

static void test_conf_reads_render(void **state) {
        (void)state;
        struct conf_case c;
        conf_case_make(&c);
        struct wg_conf conf = WG_CONF_INIT;
        char *m = NULL;
        if (wg_conf_parse(buf_str(&c.text), &conf, &m) < 0)
                fail_msg("the rendered file is refused: %s\n%s", m, buf_str(&c.text));
        assert_string_equal(conf.public_key, c.cell_pub);
        assert_string_equal(conf.private_key, c.cell_priv);
        assert_int_equal(conf.listen_port, CELL_PORT);
        assert_int_equal(conf.n_peers, 2); /* gamma is disabled */
        assert_true(strcmp(conf.peers[0].public_key, conf.peers[1].public_key) < 0);
        for (size_t i = 0; i < 2; i++) {
                const struct wg_conf_peer *p = wg_conf_find(&conf, c.peers[i].pub);
                assert_non_null(p);
                assert_string_equal(p->ip, c.peers[i].ip);
                assert_string_equal(p->preshared_key, c.peers[i].psk);
                /* The cell's side has none, whatever the peer's own. */
                assert_int_equal(p->keepalive, 0);
        }
        assert_null(wg_conf_find(&conf, c.peers[2].pub));
        assert_null(wg_conf_find(&conf, good_key()));
        wg_conf_release(&conf);
        assert_null(conf.peers);
        assert_int_equal(conf.private_key[0], 0);

        /* No peer at all, and the other spellings render_wg_setconf may use. */
        c.st.n_wg_peers = 0;
        buf_clear(&c.text);
        assert_int_equal(render_wg_setconf(&c.st, &c.text), 0);
        assert_int_equal(wg_conf_parse(buf_str(&c.text), &conf, NULL), 0);
        assert_int_equal(conf.n_peers, 0);
        assert_null(conf.peers);
        wg_conf_release(&conf);
        char *text = NULL;
        assert_true(asprintf(&text,
                             "[Interface]\nPrivateKey = %s\nListenPort = 1\n\n[Peer]\nPublicKey = %s\n"
                             "AllowedIPs = 10.0.0.9/32\nPersistentKeepalive = off\n[Peer]\nPublicKey = %s\n"
                             "PersistentKeepalive = 65535\nAllowedIPs = 10.0.0.8/32\n",
                             c.cell_priv, c.peers[0].pub, c.peers[1].pub) > 0);
        assert_int_equal(wg_conf_parse(text, &conf, NULL), 0);
        assert_int_equal(wg_conf_find(&conf, c.peers[1].pub)->keepalive, 65535);
        assert_int_equal(wg_conf_find(&conf, c.peers[0].pub)->keepalive, 0);
        wg_conf_release(&conf);
        free(text);
        buf_release(&c.text);
}

/* Replaces the first `from` in text by `to`. */
static char *replace(const char *text, const char *from, const char *to) {
        const char *at = strstr(text, from);
        if (!at)
                fail_msg("'%s' not in the rendered text", from);
        char *out = NULL;
        assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
        return out;
}

static void test_conf_refusals(void **state) {
        (void)state;
        struct conf_case c;
        conf_case_make(&c);
        const char *good = buf_str(&c.text);
        char line_a[128], line_b[128], cell_key[128], dup_key[256], dup_ip[256];
        snprintf(line_a, sizeof line_a, "PublicKey = %s\n", c.peers[0].pub);
        snprintf(line_b, sizeof line_b, "PublicKey = %s\n", c.peers[1].pub);
        snprintf(cell_key, sizeof cell_key, "PublicKey = %s\n", c.cell_pub);
        snprintf(dup_key, sizeof dup_key, "PublicKey = %s\n", c.peers[0].pub);
        snprintf(dup_ip, sizeof dup_ip, "AllowedIPs = %s/32\n", c.peers[0].ip);
        char ip_b[64];
        snprintf(ip_b, sizeof ip_b, "AllowedIPs = %s/32\n", c.peers[1].ip);
        char unpadded[128];
        snprintf(unpadded, sizeof unpadded, "PublicKey = %.43sB\n", c.peers[0].pub);
        char long_comment[400];
        memset(long_comment, 'x', sizeof long_comment);
        long_comment[0] = '#';
        long_comment[sizeof long_comment - 2] = '\n';
        long_comment[sizeof long_comment - 1] = 0;
        struct {
                const char *from, *to;
        } edits[] = {
                {"[Interface]\n", ""},
                {"[Interface]\n", "[Interface]\n[Interface]\n"},
                {"[Interface]\n", "[Peer]\n[Interface]\n"},
                {"[Interface]\n", "[interface]\n"},
                {"[Interface]\n", " [Interface]\n"},
                {"ListenPort = 51820\n", ""},
                {"ListenPort = 51820\n", "ListenPort = 0\n"},
                {"ListenPort = 51820\n", "ListenPort = 65536\n"},
                {"ListenPort = 51820\n", "ListenPort = 051820\n"},
                {"ListenPort = 51820\n", "ListenPort = 51820\nListenPort = 51820\n"},
                {"ListenPort = 51820\n", "ListenPort = 51820\nFwMark = 1\n"},
                {"ListenPort = 51820\n", "ListenPort=51820\n"},
                {"ListenPort = 51820\n", "ListenPort = 51820 \n"},
                {"ListenPort = 51820\n", "ListenPort = 51820\r\n"},
                {"ListenPort = 51820\n", "ListenPort = 51820 # a comment\n"},
                {"ListenPort = 51820\n", "ListenPort =\t51820\n"},
                {"ListenPort = 51820\n", long_comment},
                {"ListenPort = 51820\n", "ListenPort = 51820\nPrivateKey = x\n"},
                {"PrivateKey = ", "PrivateKey = A"},
                {line_a, unpadded},
                {line_a, ""},
                {line_a, cell_key},
                {line_b, dup_key},
                {ip_b, dup_ip},
                {dup_ip, "AllowedIPs = 10.0.0.2/24\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32, 10.0.0.5/32\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32,10.0.0.5/32\n"},
                {dup_ip, "AllowedIPs = 0.0.0.0/0\n"},
                {dup_ip, "AllowedIPs = fd00::2/128\n"},
                {dup_ip, ""},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nAllowedIPs = 10.0.0.2/32\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.9:51820\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nPersistentKeepalive = 65536\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nPersistentKeepalive = -1\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nPersistentKeepalive = on\n"},
                {dup_ip, "AllowedIPs = 10.0.0.2/32\nPresharedKey = x\n"},
                {"PresharedKey = ", "PresharedKey = A"},
                {"\n[Peer]\n", "\n[Peer]\n[Peer]\n"},
                {"\n[Peer]\n", "\n[Peer]\nPublicKey\n"},
                {"\n[Peer]\n", "\n[Peer]\n = x\n"},
                {"\n[Peer]\n", "\n[Peer]\nPublic Key = x\n"},
        };
        for (size_t i = 0; i < ELEMENTSOF(edits); i++) {
                char *bad = replace(good, edits[i].from, edits[i].to);
                struct wg_conf conf = WG_CONF_INIT;
                char *m = NULL;
                int r = wg_conf_parse(bad, &conf, &m);
                if (r != -EINVAL)
                        fail_msg("edit %zu accepted (%d): '%s' -> '%s'", i, r, edits[i].from, edits[i].to);
                assert_non_null(m);
                assert_null(conf.peers); /* untouched */
                if (strstr(m, c.cell_priv) || strstr(m, c.peers[0].psk))
                        fail_msg("the message repeats a key: %s", m);
                free(m);
                free(bad);
        }
        /* Cut short: the last line without its newline. */
        char *cut = strndup(good, c.text.len - 1);
        assert_int_equal(wg_conf_parse(cut, &(struct wg_conf){0}, NULL), -EINVAL);
        free(cut);
        assert_int_equal(wg_conf_parse("", &(struct wg_conf){0}, NULL), -EINVAL);
        assert_int_equal(wg_conf_parse("# nothing\n", &(struct wg_conf){0}, NULL), -EINVAL);
        assert_int_equal(wg_conf_parse(NULL, &(struct wg_conf){0}, NULL), -EINVAL);
        buf_release(&c.text);
}

/* The adapter's check: the same reader for wg.conf, one address for the
 * address file. */
static void test_adapter_check(void **state) {
        (void)state;
        struct conf_case c;
        conf_case_make(&c);
        struct service_env env = {.state = &c.st};
        struct changed_file f = {.name = "wg.conf", .path = "/nonexistent", .new_text = buf_str(&c.text)};
        char *m = NULL;
        assert_int_equal(wireguard_adapter.check(&env, &f, &m), 0);
        assert_null(m);
        char *bad = replace(buf_str(&c.text), "[Interface]\n", "");
        f.new_text = bad;
        assert_int_equal(wireguard_adapter.check(&env, &f, &m), -EINVAL);
        assert_non_null(m);
        assert_non_null(strstr(m, "wg.conf: "));
        free(m);
        free(bad);
        f.name = "address";
        static const char *const good_addresses[] = {"10.0.0.1/24\n", "192.168.7.1/30\n"};
        static const char *const bad_addresses[] = {"10.0.0.1/24", "10.0.0.1\n", "10.0.0.1/24\n\n", "",
                                                    "10.0.0.1/33\n", "10.0.0.1/24 \n"};
        for (size_t i = 0; i < ELEMENTSOF(good_addresses); i++) {
                f.new_text = good_addresses[i];
                assert_int_equal(wireguard_adapter.check(&env, &f, NULL), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_addresses); i++) {
                f.new_text = bad_addresses[i];
                m = NULL;
                assert_int_equal(wireguard_adapter.check(&env, &f, &m), -EINVAL);
                free(m);
        }
        /* The address file as rendered. */
        struct buf out = BUF_INIT;
        assert_int_equal(wireguard_adapter.files[0].render(&c.st, &out), 0);
        assert_string_equal(buf_str(&out), "10.0.0.1/24\n");
        buf_release(&out);
        c.st.vpn_address = "10.0.0.0/24";
        assert_int_equal(wireguard_adapter.files[0].render(&c.st, &out), -EINVAL);
        buf_release(&out);
        buf_release(&c.text);
}

/* ---- as root: a cell in a scratch namespace ---- */

struct fixture {
        char *dir;
        char iface[16], client_iface[16], veth_cell[16], veth_client[16];
        char ns_cell[48], ns_client[48];
        bool made_cell_ns, made_client_ns;
        int home_ns; /* the test's own namespace, to come back to */
        pid_t wg_pid, client_pid;
        int wg_pidfd, client_pidfd;
        char *config_dir, *run_dir, *data_dir, *log_path, *client_log_path;
        char cell_priv[WGKEY_B64_SIZE], cell_pub[WGKEY_B64_SIZE];
        struct wg_peer_view views[8];
        struct cell_state st;
        struct service_env env;
};

static void netns_add(const char *name) {
        MUST(IP_BIN, "netns", "add", name);
        MUST(IP_BIN, "-n", name, "link", "set", "lo", "up");
}

static void enter_netns(const char *name) {
        char path[128];
        snprintf(path, sizeof path, "/run/netns/%s", name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                fail_msg("cannot open %s: %s", path, strerror(errno));
        if (setns(fd, CLONE_NEWNET) < 0)
                fail_msg("cannot enter %s: %s", name, strerror(errno));
        close(fd);
}

static void print_log(const char *what, const char *path) {
        struct buf b = BUF_INIT;
        if (path && buf_read_file(&b, path) == 0 && b.len)
                fprintf(stderr, "# %s's output:\n# %s\n", what, buf_str(&b));
        buf_release(&b);
}

/* wireguard-go as the supervisor starts it: the adapter's argv and env,
 * its capabilities, spawn_daemon. In the calling thread's namespace. */
static int spawn_wireguard_go(const struct service_env *env, uint64_t caps, const char *log_path, pid_t *ret_pid,
                              int *ret_pidfd) {
        char **argv = NULL, **envp = NULL;
        int r = wireguard_adapter.build_command(env, &argv, &envp);
        if (r < 0)
                return r;
        int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (log < 0) {
                strv_free(argv);
                strv_free(envp);
                return -errno;
        }
        struct spawn_options o = {.argv = argv, .envp = envp, .capabilities = caps, .stdout_fd = log, .stderr_fd = log};
        r = spawn_daemon(&o, ret_pid, ret_pidfd);
        close(log);
        strv_free(argv);
        strv_free(envp);
        return r;
}

/* 0 once the probe passes, -ECHILD when the process exited first,
 * -ETIMEDOUT after 5 s. */
static int wait_ready(int (*probe)(const struct service_env *), const struct service_env *env, int pidfd) {
        uint64_t deadline = now_monotonic_usec() + 5000000;
        while (now_monotonic_usec() < deadline) {
                if (probe(env) == 0)
                        return 0;
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                if (poll(&p, 1, 10) > 0)
                        return -ECHILD;
        }
        return -ETIMEDOUT;
}

static void stop(pid_t *pid, int *pidfd) {
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        struct pollfd p = {.fd = *pidfd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0)
                kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        close(*pidfd);
        *pid = 0;
        *pidfd = -1;
}

static const struct service_ip_view service_ips[] = {
        {"webui", "172.20.0.1"}, {"dns", "172.20.0.2"},      {"ntp", "172.20.0.3"},
        {"mail", "172.20.0.4"},  {"calendar", "172.20.0.5"}, {"files", "172.20.0.6"},
};

static int fixture_setup(void **state) {
        if (geteuid() != 0) {
                *state = NULL;
                return 0;
        }
        struct fixture *f = calloc(1, sizeof *f);
        assert_non_null(f);
        *state = f;
        f->home_ns = -1;
        f->wg_pidfd = f->client_pidfd = -1;
        int pid = (int)getpid();
        snprintf(f->iface, sizeof f->iface, "wgt%d", pid);
        snprintf(f->client_iface, sizeof f->client_iface, "wgc%d", pid);
        snprintf(f->veth_cell, sizeof f->veth_cell, "vwa%d", pid);
        snprintf(f->veth_client, sizeof f->veth_client, "vwb%d", pid);
        snprintf(f->ns_cell, sizeof f->ns_cell, "pic-wga-%d-cell", pid);
        snprintf(f->ns_client, sizeof f->ns_client, "pic-wga-%d-client", pid);
        f->dir = test_tmpdir();
        f->config_dir = test_path(f->dir, "config");
        f->run_dir = test_path(f->dir, "run");
        f->data_dir = test_path(f->dir, "data");
        f->log_path = test_path(f->dir, "wireguard-go.log");
        f->client_log_path = test_path(f->dir, "client.log");

        wgkey_generate(f->cell_priv);
        assert_int_equal(wgkey_public(f->cell_priv, f->cell_pub), 0);
        f->st = (struct cell_state){
                .profile = "system",
                .wg_interface = f->iface,
                .wg_implementation = "userspace", /* wireguard-go, started by this test */
                .port_wireguard = CELL_PORT,
                .wg_private_key = f->cell_priv,
                .wg_public_key = f->cell_pub,
                .vpn_address = "10.0.0.1/24",
                .ip_range = "172.20.0.0/24",
                .wg_peers = f->views,
                /* What the firewall's table needs (loaded before any peer). */
                .port_dns = 53,
                .port_ntp = 123,
                .uplink = "",
                .service_ips = service_ips,
                .n_service_ips = ELEMENTSOF(service_ips),
        };
        f->env = (struct service_env){.cell_dir = f->dir,
                                      .state = &f->st,
                                      .config_dir = f->config_dir,
                                      .data_dir = f->data_dir,
                                      .run_dir = f->run_dir};

        f->home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        assert_true(f->home_ns >= 0);
        netns_add(f->ns_cell);
        f->made_cell_ns = true;
        enter_netns(f->ns_cell);
        return 0;
}

static int fixture_teardown(void **state) {
        struct fixture *f = *state;
        if (!f)
                return 0;
        stop(&f->client_pid, &f->client_pidfd);
        stop(&f->wg_pid, &f->wg_pidfd);
        if (f->home_ns >= 0) {
                if (setns(f->home_ns, CLONE_NEWNET) < 0)
                        fprintf(stderr, "# cannot return to the test's namespace: %s\n", strerror(errno));
                close(f->home_ns);
        }
        if (f->made_client_ns) {
                char *const argv[] = {IP_BIN, "netns", "delete", f->ns_client, NULL};
                run(argv, NULL);
        }
        if (f->made_cell_ns) {
                char *const argv[] = {IP_BIN, "netns", "delete", f->ns_cell, NULL};
                run(argv, NULL);
        }
        /* Gone with a SIGTERM; a SIGKILL would leave them. */
        char sock[64];
        snprintf(sock, sizeof sock, UAPI_DIR "/%s.sock", f->iface);
        unlink(sock);
        snprintf(sock, sizeof sock, UAPI_DIR "/%s.sock", f->client_iface);
        unlink(sock);
        free(f->config_dir);
        free(f->run_dir);
        free(f->data_dir);
        free(f->log_path);
        free(f->client_log_path);
        test_rmdir(f->dir);
        explicit_bzero(f, sizeof *f);
        free(f);
        return 0;
}

/* What a reconcile would have written: each managed file, 0600 as the
 * secret one must be. */
static void write_managed(struct fixture *f) {
        for (unsigned i = 0; i < wireguard_adapter.n_files; i++) {
                struct buf b = BUF_INIT;
                assert_int_equal(wireguard_adapter.files[i].render(&f->st, &b), 0);
                char *path = test_path(f->config_dir, wireguard_adapter.files[i].name);
                write_file(path, buf_str(&b), 0600);
                free(path);
                explicit_bzero(b.data, b.len);
                buf_release(&b);
        }
}

/* The cell up as picd would have it: prepare, files, wireguard-go under
 * the adapter's capabilities, probe, bring-up. */
static void start_cell(struct fixture *f) {
        assert_int_equal(wireguard_adapter.prepare(&f->env), 0);
        write_managed(f);
        uint64_t t0 = now_monotonic_usec();
        int r = spawn_wireguard_go(&f->env, wireguard_adapter.capabilities(&f->st), f->log_path, &f->wg_pid,
                                   &f->wg_pidfd);
        assert_int_equal(r, 0);
        if ((r = wait_ready(wireguard_adapter.probe, &f->env, f->wg_pidfd)) < 0) {
                print_log("wireguard-go", f->log_path);
                fail_msg("wireguard-go not ready: %s", strerror(-r));
        }
        double ready_ms = ms_since(t0);
        char *m = NULL;
        t0 = now_monotonic_usec();
        if ((r = wireguard_bring_up(&f->env, &m)) < 0)
                fail_msg("bring-up: %s", m ? m : strerror(-r));
        printf("# wireguard-go ready in %.1f ms, brought up in %.1f ms\n", ready_ms, ms_since(t0));
        struct dump d;
        dump(f->iface, &d);
        assert_string_equal(d.public_key, f->cell_pub);
        assert_int_equal(d.listen_port, f->st.port_wireguard);
        char *out = NULL;
        char *const show[] = {IP_BIN, "-4", "-o", "address", "show", "dev", f->iface, NULL};
        assert_int_equal(run(show, &out), 0);
        if (!strstr(out, "inet 10.0.0.1/24"))
                fail_msg("no address on %s: %s", f->iface, out);
        free(out);
        char *const link[] = {IP_BIN, "-o", "link", "show", "dev", f->iface, NULL};
        assert_int_equal(run(link, &out), 0);
        if (!strstr(out, ",UP"))
                fail_msg("%s not up: %s", f->iface, out);
        free(out);
        /* Forwarding on, in the scratch namespace (this thread's). */
        struct buf fwd = BUF_INIT;
        assert_int_equal(buf_read_file(&fwd, "/proc/sys/net/ipv4/ip_forward"), 0);
        assert_string_equal(buf_str(&fwd), "1\n");
        buf_release(&fwd);
}

static void upsert_ok(struct fixture *f, const struct wg_peer_view *v) {
        char *m = NULL;
        int r = wg_peer_upsert(f->iface, v, f->run_dir, &m);
        if (r < 0)
                fail_msg("upsert of %s: %s", v->name, m ? m : strerror(-r));
}

static void remove_ok(struct fixture *f, const char *public_key) {
        char *m = NULL;
        int r = wg_peer_remove(f->iface, public_key, &m);
        if (r < 0)
                fail_msg("remove: %s", m ? m : strerror(-r));
}

/* No preshared key left behind in the private directory. */
static void assert_run_dir_empty(struct fixture *f) {
        DIR *d = opendir(f->run_dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        fail_msg("left in %s: %s", f->run_dir, de->d_name);
        closedir(d);
}

/* The capabilities wireguard-go needs under spawn_daemon: CAP_NET_ADMIN,
 * and nothing else (without it, no TUN); CAP_NET_BIND_SERVICE too for a
 * port below 1024. */
static void test_capabilities(void **state) {
        struct fixture *f = *state;
        if (!f) {
                printf("# capabilities: not running as root, nothing checked\n");
                return;
        }
        assert_int_equal(wireguard_adapter.prepare(&f->env), 0);
        assert_int_equal(wireguard_adapter.capabilities(&f->st), (uint64_t)1 << CAP_NET_ADMIN);

        /* None: it cannot make its interface, and says so. */
        assert_int_equal(spawn_wireguard_go(&f->env, 0, f->log_path, &f->wg_pid, &f->wg_pidfd), 0);
        int r = wait_ready(wireguard_adapter.probe, &f->env, f->wg_pidfd);
        assert_int_equal(r, -ECHILD);
        int status;
        assert_int_equal(waitpid(f->wg_pid, &status, 0), f->wg_pid);
        close(f->wg_pidfd);
        f->wg_pid = 0;
        f->wg_pidfd = -1;
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        struct buf b = BUF_INIT;
        assert_int_equal(buf_read_file(&b, f->log_path), 0);
        if (!strstr(buf_str(&b), "TUN"))
                fail_msg("without CAP_NET_ADMIN: %s", buf_str(&b));
        printf("# without capabilities: %s", strstr(buf_str(&b), "Failed") ? strstr(buf_str(&b), "Failed") : "exit\n");
        buf_release(&b);

        /* CAP_NET_ADMIN: up, and that is all it holds. */
        assert_int_equal(spawn_wireguard_go(&f->env, wireguard_adapter.capabilities(&f->st), f->log_path, &f->wg_pid,
                                            &f->wg_pidfd),
                         0);
        if ((r = wait_ready(wireguard_adapter.probe, &f->env, f->wg_pidfd)) < 0) {
                print_log("wireguard-go", f->log_path);
                fail_msg("wireguard-go with CAP_NET_ADMIN: %s", strerror(-r));
        }
        char status_path[64];
        snprintf(status_path, sizeof status_path, "/proc/%d/status", (int)f->wg_pid);
        assert_int_equal(buf_read_file(&b, status_path), 0);
        assert_non_null(strstr(buf_str(&b), "CapEff:\t0000000000001000"));
        assert_non_null(strstr(buf_str(&b), "CapBnd:\t0000000000001000"));
        buf_release(&b);
        /* A port below 1024 is refused with it alone... */
        char *m = NULL;
        assert_int_equal(wg_set_interface(f->iface, NULL, 518, &m), -EIO);
        printf("# port 518 with CAP_NET_ADMIN alone: %s\n", m);
        free(m);
        m = NULL;
        stop(&f->wg_pid, &f->wg_pidfd);

        /* ...and taken with what the adapter asks for such a port. */
        f->st.port_wireguard = 518;
        uint64_t caps = wireguard_adapter.capabilities(&f->st);
        assert_int_equal(caps, (uint64_t)1 << CAP_NET_ADMIN | (uint64_t)1 << CAP_NET_BIND_SERVICE);
        assert_int_equal(spawn_wireguard_go(&f->env, caps, f->log_path, &f->wg_pid, &f->wg_pidfd), 0);
        assert_int_equal(wait_ready(wireguard_adapter.probe, &f->env, f->wg_pidfd), 0);
        if (wg_set_interface(f->iface, NULL, 518, &m) < 0)
                fail_msg("port 518 with CAP_NET_BIND_SERVICE: %s", m);
        struct dump d;
        dump(f->iface, &d);
        assert_int_equal(d.listen_port, 518);
        printf("# kernel WireGuard here: %s\n", wireguard_kernel_supported() ? "yes" : "no");
}

static void test_peers(void **state) {
        struct fixture *f = *state;
        if (!f) {
                printf("# peers: not running as root, nothing checked\n");
                return;
        }
        /* A key file a dead picd left behind goes at the next start. */
        assert_int_equal(mkdir(f->run_dir, 0700), 0);
        char *stale = test_path(f->run_dir, WG_KEY_FILE_PREFIX "a1b2c3");
        write_file(stale, "stale\n", 0600);
        free(stale);
        start_cell(f);
        assert_run_dir_empty(f);
        char *m = NULL;

        /* wg_set_interface: another key file and port, then back. */
        char *key_path = test_path(f->dir, "cell.key");
        char other_priv[WGKEY_B64_SIZE], other_pub[WGKEY_B64_SIZE], line[WGKEY_B64_SIZE + 1];
        wgkey_generate(other_priv);
        assert_int_equal(wgkey_public(other_priv, other_pub), 0);
        snprintf(line, sizeof line, "%s\n", other_priv);
        write_file(key_path, line, 0600);
        assert_int_equal(wg_set_interface(f->iface, key_path, 51821, &m), 0);
        struct dump d;
        dump(f->iface, &d);
        assert_string_equal(d.public_key, other_pub);
        assert_int_equal(d.listen_port, 51821);
        snprintf(line, sizeof line, "%s\n", f->cell_priv);
        write_file(key_path, line, 0600);
        assert_int_equal(wg_set_interface(f->iface, key_path, CELL_PORT, &m), 0);
        dump(f->iface, &d);
        assert_string_equal(d.public_key, f->cell_pub);
        free(key_path);

        /* Three peers. */
        struct test_peer p[3];
        make_peer(&p[0], "alpha", "10.0.0.2", true, 25);
        make_peer(&p[1], "beta", "10.0.0.3", false, 0);
        make_peer(&p[2], "gamma", "10.0.0.4", true, 0);
        for (size_t i = 0; i < 3; i++)
                upsert_ok(f, &p[i].v);
        dump(f->iface, &d);
        assert_int_equal(d.n, 3);
        for (size_t i = 0; i < 3; i++)
                assert_peer(&d, &p[i].v);
        assert_run_dir_empty(f);

        /* Changed: beta gets a key, another address and a keepalive; alpha
         * loses its key and its keepalive. */
        wgkey_generate_psk(p[1].psk);
        p[1].v.ip = "10.0.0.5";
        p[1].v.keepalive = 10;
        upsert_ok(f, &p[1].v);
        p[0].psk[0] = 0;
        p[0].v.keepalive = 0;
        upsert_ok(f, &p[0].v);
        dump(f->iface, &d);
        assert_int_equal(d.n, 3);
        for (size_t i = 0; i < 3; i++)
                assert_peer(&d, &p[i].v);
        /* The same again is no change. */
        upsert_ok(f, &p[1].v);

        /* Removed: gamma by key, alpha by being disabled; twice is fine. */
        remove_ok(f, p[2].pub);
        remove_ok(f, p[2].pub);
        p[0].v.enabled = false;
        upsert_ok(f, &p[0].v);
        dump(f->iface, &d);
        assert_int_equal(d.n, 1);
        assert_peer(&d, &p[1].v);
        assert_run_dir_empty(f);

        /* A device that is not there: wg's words, no key in them. */
        char missing[16];
        snprintf(missing, sizeof missing, "wgx%d", (int)getpid());
        m = NULL;
        assert_int_equal(wg_peer_upsert(missing, &p[1].v, f->run_dir, &m), -EIO);
        assert_non_null(m);
        assert_null(strstr(m, p[1].psk));
        printf("# upsert on a missing interface: %s\n", m);
        free(m);
        assert_run_dir_empty(f);
        remove_ok(f, p[1].pub);

        /* 200 upserts (each with a preshared key, through its file), then
         * 200 removes: the median of each, not asserted. */
        static struct test_peer many[TIMED_PEERS];
        static double upsert_ms[TIMED_PEERS], remove_ms[TIMED_PEERS];
        for (size_t i = 0; i < TIMED_PEERS; i++) {
                char ip[16];
                snprintf(ip, sizeof ip, "10.0.%zu.%zu", 1 + i / 250, 2 + i % 250);
                make_peer(&many[i], "timed", ip, true, 0);
        }
        for (size_t i = 0; i < TIMED_PEERS; i++) {
                uint64_t t0 = now_monotonic_usec();
                upsert_ok(f, &many[i].v);
                upsert_ms[i] = ms_since(t0);
        }
        char *out = NULL;
        char *const peers[] = {WG_BINARY, "show", f->iface, "peers", NULL};
        assert_int_equal(run(peers, &out), 0);
        size_t lines = 0;
        for (const char *c = out; *c; c++)
                lines += *c == '\n';
        assert_int_equal(lines, TIMED_PEERS);
        free(out);
        for (size_t i = 0; i < TIMED_PEERS; i++) {
                uint64_t t0 = now_monotonic_usec();
                remove_ok(f, many[i].pub);
                remove_ms[i] = ms_since(t0);
        }
        dump(f->iface, &d);
        assert_int_equal(d.n, 0);
        assert_run_dir_empty(f);
        double up_med = median(upsert_ms, TIMED_PEERS), rm_med = median(remove_ms, TIMED_PEERS);
        printf("# wg_peer_upsert: median %.2f ms, max %.2f ms over %d (each with a preshared key)\n", up_med,
               upsert_ms[TIMED_PEERS - 1], TIMED_PEERS);
        printf("# wg_peer_remove: median %.2f ms, max %.2f ms over %d\n", rm_med, remove_ms[TIMED_PEERS - 1],
               TIMED_PEERS);
}

static void render_views(struct fixture *f, const struct test_peer *p, size_t n, struct buf *out) {
        assert_true(n <= ELEMENTSOF(f->views));
        for (size_t i = 0; i < n; i++)
                f->views[i] = p[i].v;
        f->st.wg_peers = f->views;
        f->st.n_wg_peers = (unsigned)n;
        buf_release(out);
        assert_int_equal(render_wg_setconf(&f->st, out), 0);
}

/* The device holds exactly the enabled peers, as the cell's side of the
 * file has them: no keepalive. */
static void assert_device_is(struct fixture *f, const struct test_peer *p, size_t n) {
        struct dump d;
        dump(f->iface, &d);
        size_t enabled = 0;
        for (size_t i = 0; i < n; i++) {
                struct wg_peer_view v = p[i].v;
                v.keepalive = 0;
                if (v.enabled) {
                        assert_peer(&d, &v);
                        enabled++;
                } else {
                        assert_null(dump_find(&d, v.public_key));
                }
        }
        assert_int_equal(d.n, enabled);
}

/* The adapter's two ways of changing the device, its live path (a few
 * peers, one `wg set` each) and its reload (syncconf), leave what a
 * syncconf of the rendered file leaves. */
static void test_live_matches_syncconf(void **state) {
        struct fixture *f = *state;
        if (!f) {
                printf("# live path against syncconf: not running as root, nothing checked\n");
                return;
        }
        start_cell(f);
        char *conf = test_path(f->config_dir, "wg.conf");
        struct test_peer p[5];
        make_peer(&p[0], "alpha", "10.0.0.2", true, 25);
        make_peer(&p[1], "beta", "10.0.0.3", false, 0);
        make_peer(&p[2], "gamma", "10.0.0.4", true, 0);
        make_peer(&p[3], "delta", "10.0.0.6", false, 0);
        p[3].v.enabled = false;
        struct buf t1 = BUF_INIT, t2 = BUF_INIT, t3 = BUF_INIT, t4 = BUF_INIT;
        render_views(f, p, 4, &t1);
        write_file(conf, buf_str(&t1), 0600);
        char *m = NULL;
        uint64_t t0 = now_monotonic_usec();
        assert_int_equal(wg_syncconf(f->iface, conf, &m), 0);
        printf("# wg_syncconf of 3 peers onto none: %.2f ms\n", ms_since(t0));
        assert_device_is(f, p, 4);
        struct dump before, after;
        dump(f->iface, &before);
        t0 = now_monotonic_usec();
        assert_int_equal(wg_syncconf(f->iface, conf, &m), 0);
        printf("# wg_syncconf with nothing changed: %.2f ms\n", ms_since(t0));
        dump(f->iface, &after);
        assert_same_peers(&before, &after);

        /* Dropped fields: alpha had a keepalive (an older file) and a
         * preshared key; the new file has neither. Debian 12's wg
         * (1.0.20210914) syncconf keeps both, so the adapter's reload
         * clears them after it. */
        char *alpha_ka = replace(buf_str(&t1), "AllowedIPs = 10.0.0.2/32\n",
                                 "AllowedIPs = 10.0.0.2/32\nPersistentKeepalive = 25\n");
        write_file(conf, alpha_ka, 0600);
        assert_int_equal(wg_syncconf(f->iface, conf, &m), 0);
        dump(f->iface, &after);
        assert_string_equal(dump_find(&after, p[0].pub)->keepalive, "25");
        p[0].psk[0] = 0;
        render_views(f, p, 4, &t2);
        write_file(conf, buf_str(&t2), 0600);
        assert_int_equal(wg_syncconf(f->iface, conf, &m), 0);
        dump(f->iface, &after);
        const struct dump_peer *alpha = dump_find(&after, p[0].pub);
        printf("# wg syncconf alone %s a dropped preshared key and %s a dropped keepalive\n",
               streq(alpha->preshared_key, "(none)") ? "clears" : "keeps",
               streq(alpha->keepalive, "off") ? "clears" : "keeps");
        struct changed_file dropped = {.name = "wg.conf", .path = conf, .old_text = alpha_ka, .new_text = buf_str(&t2)};
        int r = wireguard_adapter.reload(&f->env, &dropped, 1, &m);
        if (r != 0)
                fail_msg("reload: %s", m ? m : strerror(-r));
        assert_device_is(f, p, 4);
        free(alpha_ka);

        /* Live: alpha gets a key again, beta moves, gamma goes, delta
         * comes, a new peer takes gamma's address. */
        wgkey_generate_psk(p[0].psk);
        p[1].v.ip = "10.0.0.7";
        p[2].v.enabled = false;
        p[3].v.enabled = true;
        make_peer(&p[4], "epsilon", "10.0.0.4", true, 0);
        render_views(f, p, 5, &t3);
        struct changed_file c = {.name = "wg.conf", .path = conf, .old_text = buf_str(&t2), .new_text = buf_str(&t3)};
        t0 = now_monotonic_usec();
        r = wireguard_adapter.apply_live(&f->env, &c, &m);
        if (r != 0)
                fail_msg("apply_live: %d %s", r, m ? m : "");
        printf("# apply_live of 5 changed peers: %.2f ms\n", ms_since(t0));
        assert_device_is(f, p, 5);
        assert_run_dir_empty(f);
        dump(f->iface, &before);
        write_file(conf, buf_str(&t3), 0600);
        assert_int_equal(wg_syncconf(f->iface, conf, &m), 0);
        dump(f->iface, &after);
        assert_same_peers(&before, &after);

        /* Refused: a broken new file touches nothing. */
        char *broken = replace(buf_str(&t3), "[Interface]\n", "");
        struct changed_file bad = {.name = "wg.conf", .path = conf, .old_text = buf_str(&t3), .new_text = broken};
        m = NULL;
        assert_int_equal(wireguard_adapter.apply_live(&f->env, &bad, &m), -EINVAL);
        assert_non_null(m);
        free(m);
        m = NULL;
        free(broken);
        assert_device_is(f, p, 5);

        /* Not this way: another port (or key), or no file before. */
        f->st.port_wireguard = 51999;
        render_views(f, p, 5, &t4);
        struct changed_file port = {
                .name = "wg.conf", .path = conf, .old_text = buf_str(&t3), .new_text = buf_str(&t4)};
        assert_int_equal(wireguard_adapter.apply_live(&f->env, &port, NULL), 1);
        struct changed_file first = {.name = "wg.conf", .path = conf, .new_text = buf_str(&t3)};
        assert_int_equal(wireguard_adapter.apply_live(&f->env, &first, NULL), 1);

        /* The reload: syncconf of the written file, and the new address in
         * place of the old. */
        write_file(conf, buf_str(&t4), 0600);
        struct changed_file reload[2] = {
                port,
                {.name = "address", .path = "-", .old_text = "10.0.0.1/24\n", .new_text = "10.0.9.1/24\n"},
        };
        if ((r = wireguard_adapter.reload(&f->env, reload, 2, &m)) != 0)
                fail_msg("reload: %s", m ? m : strerror(-r));
        dump(f->iface, &after);
        assert_int_equal(after.listen_port, 51999);
        assert_device_is(f, p, 5);
        char *out = NULL;
        char *const show[] = {IP_BIN, "-4", "-o", "address", "show", "dev", f->iface, NULL};
        assert_int_equal(run(show, &out), 0);
        if (!strstr(out, "inet 10.0.9.1/24") || strstr(out, "10.0.0.1"))
                fail_msg("addresses after the reload: %s", out);
        free(out);

        buf_release(&t1);
        buf_release(&t2);
        buf_release(&t3);
        buf_release(&t4);
        free(conf);
}

/* A real handshake: a client in a second namespace, over a veth pair. */
static void test_handshake(void **state) {
        struct fixture *f = *state;
        if (!f) {
                printf("# handshake: not running as root, nothing checked\n");
                return;
        }
        start_cell(f);
        netns_add(f->ns_client);
        f->made_client_ns = true;
        MUST(IP_BIN, "link", "add", f->veth_cell, "type", "veth", "peer", "name", f->veth_client, "netns",
             f->ns_client);
        MUST(IP_BIN, "address", "add", CELL_UNDERLAY "/24", "dev", f->veth_cell);
        MUST(IP_BIN, "link", "set", f->veth_cell, "up");
        MUST(IP_BIN, "-n", f->ns_client, "address", "add", CLIENT_UNDERLAY "/24", "dev", f->veth_client);
        MUST(IP_BIN, "-n", f->ns_client, "link", "set", f->veth_client, "up");

        /* The client's wireguard-go, spawned from inside its namespace. */
        struct cell_state client_st = {.wg_interface = f->client_iface};
        struct service_env client_env = {.state = &client_st};
        enter_netns(f->ns_client);
        int r = spawn_wireguard_go(&client_env, (uint64_t)1 << CAP_NET_ADMIN, f->client_log_path, &f->client_pid,
                                   &f->client_pidfd);
        enter_netns(f->ns_cell);
        assert_int_equal(r, 0);
        char sock[64];
        snprintf(sock, sizeof sock, UAPI_DIR "/%s.sock", f->client_iface);
        uint64_t deadline = now_monotonic_usec() + 5000000;
        while (probe_unix_socket(sock) < 0 && now_monotonic_usec() < deadline)
                usleep(10000);
        if (probe_unix_socket(sock) < 0) {
                print_log("the client's wireguard-go", f->client_log_path);
                fail_msg("the client's wireguard-go is not up");
        }

        struct test_peer client;
        make_peer(&client, "client", "10.0.0.2", true, 0);
        char *key_path = test_path(f->dir, "client.key"), *psk_path = test_path(f->dir, "client.psk");
        char line[WGKEY_B64_SIZE + 1];
        snprintf(line, sizeof line, "%s\n", client.priv);
        write_file(key_path, line, 0600);
        snprintf(line, sizeof line, "%s\n", client.psk);
        write_file(psk_path, line, 0600);
        explicit_bzero(line, sizeof line);
        /* wg reaches the client's socket from here: one directory for all. */
        MUST(WG_BINARY, "set", f->client_iface, "private-key", key_path, "peer", f->cell_pub, "preshared-key", psk_path,
             "endpoint", CELL_UNDERLAY ":51820", "allowed-ips", "10.0.0.0/24");
        MUST(IP_BIN, "-n", f->ns_client, "address", "add", "10.0.0.2/24", "dev", f->client_iface);
        MUST(IP_BIN, "-n", f->ns_client, "link", "set", f->client_iface, "up");

        /* The cell learns the client: one upsert, and the tunnel works. */
        upsert_ok(f, &client.v);
        char *const ping3[] = {IP_BIN, "netns", "exec", f->ns_client, PING_BIN, "-n", "-q", "-c", "3", "-W", "1",
                               "10.0.0.1", NULL};
        uint64_t t0 = now_monotonic_usec();
        if (run(ping3, NULL) != 0) {
                print_log("wireguard-go", f->log_path);
                fail_msg("no ping through the tunnel");
        }
        printf("# ping -c 3 through the tunnel: %.0f ms\n", ms_since(t0));
        struct dump d;
        dump(f->iface, &d);
        const struct dump_peer *seen = dump_find(&d, client.pub);
        assert_non_null(seen);
        assert_true(seen->latest_handshake > 0);
        assert_string_equal(seen->preshared_key, client.psk);

        /* Removed: its session goes with it, and the tunnel stops. */
        remove_ok(f, client.pub);
        dump(f->iface, &d);
        assert_null(dump_find(&d, client.pub));
        char *const ping2[] = {IP_BIN, "netns", "exec", f->ns_client, PING_BIN, "-n", "-q", "-c", "2", "-W", "1",
                               "10.0.0.1", NULL};
        char *out = NULL;
        if (run(ping2, &out) == 0)
                fail_msg("ping through the tunnel after the peer was removed: %s", out);
        free(out);
        /* A fresh peer entry on the client: its handshake never completes. */
        MUST(WG_BINARY, "set", f->client_iface, "peer", f->cell_pub, "remove");
        MUST(WG_BINARY, "set", f->client_iface, "peer", f->cell_pub, "preshared-key", psk_path, "endpoint",
             CELL_UNDERLAY ":51820", "allowed-ips", "10.0.0.0/24");
        out = NULL;
        if (run(ping2, &out) == 0)
                fail_msg("ping through the tunnel with a fresh peer entry: %s", out);
        free(out);
        struct dump cd;
        dump(f->client_iface, &cd);
        assert_int_equal(cd.n, 1);
        assert_int_equal(cd.peers[0].latest_handshake, 0);

        /* Back again, the same one upsert: it was the removal. */
        upsert_ok(f, &client.v);
        char *const ping_again[] = {IP_BIN, "netns", "exec", f->ns_client, PING_BIN, "-n", "-q", "-c", "1", "-w", "10",
                                    "10.0.0.1", NULL};
        t0 = now_monotonic_usec();
        if (run(ping_again, NULL) != 0)
                fail_msg("no ping once the peer is back");
        printf("# the tunnel back after a re-upsert in %.0f ms (the client retries its handshake every 5 s)\n",
               ms_since(t0));
        free(key_path);
        free(psk_path);
}

int main(void) {
        if (secret_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_conf_reads_render),
                cmocka_unit_test(test_conf_refusals),
                cmocka_unit_test(test_adapter_check),
                cmocka_unit_test_setup_teardown(test_capabilities, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_peers, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_live_matches_syncconf, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_handshake, fixture_setup, fixture_teardown),
        };
        return cmocka_run_group_tests_name("wg_apply", tests, NULL, NULL);
}
