/* WireGuard changed live with `wg`, and the setconf text read strictly;
 * see wg_apply.h. Buffers that held a key are wiped before they are
 * freed or go out of scope. */
#include "services/wg_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/exec.h"
#include "common/validate.h"

#define MESSAGE_MAX 512
#define KEEPALIVE_MAX 65535u
#define LINE_MAX_LEN 256 /* the longest rendered line is a comment of ~80 */

static void set_message(char **ret_message, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(char **ret_message, const char *fmt, ...) {
        if (!ret_message)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(ret_message, fmt, ap) < 0)
                *ret_message = NULL;
        va_end(ap);
}

/* The kernel's grammar narrowed (valid_ifname), and no leading '-': the
 * name is an argument of wg and ip, which must never read it as an
 * option. */
static bool iface_ok(const char *iface) {
        return valid_ifname(iface) && iface[0] != '-';
}

static bool path_ok(const char *path) {
        return path && path[0] == '/' && strlen(path) < PATH_MAX && !strchr(path, '\n');
}

/* wg's words on a failure: the last MESSAGE_MAX bytes, trimmed, valid
 * UTF-8 (it may reach the API's JSON). No key is ever on its command line
 * or in what it prints about one. */
static int run_wg(char *const argv[], char **ret_message) {
        struct exec_result res;
        int r = exec_run(argv, NULL, WG_RUN_TIMEOUT_MS, &res);
        if (r < 0) {
                set_message(ret_message, "cannot run %s: %s", argv[0], strerror(-r));
                return r;
        }
        if (!res.timed_out && res.exit_code == 0) {
                exec_result_release(&res);
                return 0;
        }
        if (res.timed_out) {
                set_message(ret_message, "wg %s timed out after %u ms", argv[1], WG_RUN_TIMEOUT_MS);
                r = -ETIMEDOUT;
        } else {
                char *out = res.output;
                size_t len = strlen(out);
                while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
                        out[--len] = 0;
                if (len > MESSAGE_MAX)
                        out += len - MESSAGE_MAX;
                utf8_repair(out);
                if (*out)
                        set_message(ret_message, "wg %s: %s", argv[1], out);
                else if (res.signal)
                        set_message(ret_message, "wg %s killed by signal %d", argv[1], res.signal);
                else
                        set_message(ret_message, "wg %s exited with %d", argv[1], res.exit_code);
                r = -EIO;
        }
        exec_result_release(&res);
        return r;
}

static int write_all(int fd, const char *data, size_t len) {
        while (len) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* A key in a new file of mode 0600 in dir (mkostemp creates it so: no
 * moment where another user could open it), as wg reads a key file: the
 * 44 characters and a newline. */
static int write_key_file(const char *dir, const char *key, char **ret_path) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/" WG_KEY_FILE_PREFIX "XXXXXX", dir) < 0)
                return -ENOMEM;
        int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char line[WGKEY_B64_LEN + 1];
        memcpy(line, key, WGKEY_B64_LEN);
        line[WGKEY_B64_LEN] = '\n';
        int r = fchmod(fd, 0600) < 0 ? -errno : write_all(fd, line, sizeof line);
        explicit_bzero(line, sizeof line);
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0) {
                unlink(path);
                return r;
        }
        *ret_path = TAKE_PTR(path);
        return 0;
}

static bool optional_key_ok(const char *key) {
        return !key || !key[0] || wgkey_valid(key);
}

int wg_peer_upsert(const char *iface, const struct wg_peer_view *p, const char *tmpdir, char **ret_message) {
        if (!iface_ok(iface)) {
                set_message(ret_message, "invalid interface name");
                return -EINVAL;
        }
        if (!p || !wgkey_valid(p->public_key)) {
                set_message(ret_message, "invalid public key");
                return -EINVAL;
        }
        if (!p->enabled)
                return wg_peer_remove(iface, p->public_key, ret_message);
        uint32_t addr;
        if (!p->ip || ipv4_parse(p->ip, &addr) < 0) {
                set_message(ret_message, "invalid peer address");
                return -EINVAL;
        }
        if (!optional_key_ok(p->preshared_key)) {
                set_message(ret_message, "invalid preshared key");
                return -EINVAL;
        }
        if (p->keepalive > KEEPALIVE_MAX) {
                set_message(ret_message, "keepalive past %u seconds", KEEPALIVE_MAX);
                return -EINVAL;
        }
        bool psk = p->preshared_key && p->preshared_key[0];
        if (psk && !path_ok(tmpdir)) {
                set_message(ret_message, "no private directory for the preshared key");
                return -EINVAL;
        }

        char ip[16], allowed[CIDR4_STRLEN], keepalive[12];
        ipv4_format(addr, ip);
        snprintf(allowed, sizeof allowed, "%s/32", ip);
        if (p->keepalive)
                snprintf(keepalive, sizeof keepalive, "%u", p->keepalive);
        else
                snprintf(keepalive, sizeof keepalive, "off");
        _cleanup_free_ char *psk_file = NULL;
        if (psk) {
                int r = write_key_file(tmpdir, p->preshared_key, &psk_file);
                if (r < 0) {
                        set_message(ret_message, "cannot write the preshared key in '%s': %s", tmpdir, strerror(-r));
                        return r;
                }
        }
        /* /dev/null reads as no key: a preshared key dropped from the
         * peer goes from the device too. */
        char *argv[] = {WG_BINARY, "set", (char *)iface, "peer", (char *)p->public_key, "preshared-key",
                        psk ? psk_file : "/dev/null", "allowed-ips", allowed, "persistent-keepalive", keepalive, NULL};
        int r = run_wg(argv, ret_message);
        if (psk_file)
                unlink(psk_file);
        return r;
}

int wg_peer_remove(const char *iface, const char *public_key, char **ret_message) {
        if (!iface_ok(iface)) {
                set_message(ret_message, "invalid interface name");
                return -EINVAL;
        }
        if (!wgkey_valid(public_key)) {
                set_message(ret_message, "invalid public key");
                return -EINVAL;
        }
        char *argv[] = {WG_BINARY, "set", (char *)iface, "peer", (char *)public_key, "remove", NULL};
        return run_wg(argv, ret_message);
}

int wg_set_interface(const char *iface, const char *private_key_file, uint16_t port, char **ret_message) {
        if (!iface_ok(iface)) {
                set_message(ret_message, "invalid interface name");
                return -EINVAL;
        }
        if (private_key_file && !path_ok(private_key_file)) {
                set_message(ret_message, "the private key file must be an absolute path");
                return -EINVAL;
        }
        char port_text[8];
        snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
        char *argv[8] = {WG_BINARY, "set", (char *)iface};
        size_t n = 3;
        if (port) {
                argv[n++] = "listen-port";
                argv[n++] = port_text;
        }
        if (private_key_file) {
                argv[n++] = "private-key";
                argv[n++] = (char *)private_key_file;
        }
        argv[n] = NULL;
        return run_wg(argv, ret_message);
}

int wg_syncconf(const char *iface, const char *conf_path, char **ret_message) {
        if (!iface_ok(iface)) {
                set_message(ret_message, "invalid interface name");
                return -EINVAL;
        }
        if (!path_ok(conf_path)) {
                set_message(ret_message, "the config file must be an absolute path");
                return -EINVAL;
        }
        char *argv[] = {WG_BINARY, "syncconf", (char *)iface, (char *)conf_path, NULL};
        return run_wg(argv, ret_message);
}

/* ---- the setconf text ---- */

/* A decimal number without sign or leading zero, at most max. */
static bool parse_uint(const char *s, unsigned max, unsigned *ret) {
        if (!s[0] || (s[0] == '0' && s[1]) || strlen(s) > 5)
                return false;
        unsigned v = 0;
        for (const char *c = s; *c; c++) {
                if (*c < '0' || *c > '9')
                        return false;
                v = v * 10 + (unsigned)(*c - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

/* "a.b.c.d/32", strictly: the one route a peer has. */
static bool parse_host32(const char *s, char ret[16]) {
        const char *slash = strchr(s, '/');
        if (!slash || strcmp(slash, "/32") != 0 || slash - s >= 16)
                return false;
        char ip[16];
        memcpy(ip, s, (size_t)(slash - s));
        ip[slash - s] = 0;
        uint32_t a;
        if (ipv4_parse(ip, &a) < 0)
                return false;
        memcpy(ret, ip, sizeof ip);
        return true;
}

/* Keys, numbers, "off", an address: [A-Za-z0-9+/=.]+. */
static bool value_ok(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '+' ||
                      *s == '/' || *s == '=' || *s == '.'))
                        return false;
        return true;
}

struct peer_seen {
        bool public_key, preshared_key, allowed_ips, keepalive;
};

struct parser {
        struct wg_conf conf;
        size_t cap;
        enum { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER } section;
        bool have_interface, private_key, listen_port;
        struct peer_seen seen;
        size_t line;
        char **ret_message;
};

static void parser_release(struct parser *p) {
        wg_conf_release(&p->conf);
        p->cap = 0;
}

/* Grows the peers by hand: realloc would leave the old block, keys and
 * all, unwiped in the heap. */
static int add_peer(struct parser *p) {
        if (p->conf.n_peers >= WG_CONF_PEERS_MAX) {
                set_message(p->ret_message, "line %zu: more than %u peers", p->line, WG_CONF_PEERS_MAX);
                return -E2BIG;
        }
        if (p->conf.n_peers == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 16;
                struct wg_conf_peer *peers = calloc(cap, sizeof *peers);
                if (!peers)
                        return -ENOMEM;
                if (p->conf.peers) {
                        memcpy(peers, p->conf.peers, p->conf.n_peers * sizeof *peers);
                        explicit_bzero(p->conf.peers, p->cap * sizeof *peers);
                        free(p->conf.peers);
                }
                p->conf.peers = peers;
                p->cap = cap;
        }
        p->conf.peers[p->conf.n_peers++] = (struct wg_conf_peer){0};
        p->seen = (struct peer_seen){0};
        return 0;
}

/* The section just ended has what it must. */
static int end_section(struct parser *p) {
        if (p->section == SECTION_INTERFACE && (!p->private_key || !p->listen_port)) {
                set_message(p->ret_message, "line %zu: [Interface] without %s", p->line,
                            !p->private_key ? "PrivateKey" : "ListenPort");
                return -EINVAL;
        }
        if (p->section == SECTION_PEER && (!p->seen.public_key || !p->seen.allowed_ips)) {
                set_message(p->ret_message, "line %zu: [Peer] without %s", p->line,
                            !p->seen.public_key ? "PublicKey" : "AllowedIPs");
                return -EINVAL;
        }
        return 0;
}

static bool once(struct parser *p, bool *seen, const char *key) {
        if (*seen) {
                set_message(p->ret_message, "line %zu: %s given twice", p->line, key);
                return false;
        }
        *seen = true;
        return true;
}

static int bad_value(struct parser *p, const char *key) {
        set_message(p->ret_message, "line %zu: invalid %s", p->line, key);
        return -EINVAL;
}

static int interface_line(struct parser *p, const char *key, const char *value) {
        if (streq(key, "PrivateKey")) {
                if (!once(p, &p->private_key, key))
                        return -EINVAL;
                if (!wgkey_valid(value))
                        return bad_value(p, key);
                memcpy(p->conf.private_key, value, WGKEY_B64_SIZE);
                return 0;
        }
        if (streq(key, "ListenPort")) {
                unsigned port;
                if (!once(p, &p->listen_port, key))
                        return -EINVAL;
                if (!parse_uint(value, 65535, &port) || port == 0)
                        return bad_value(p, key);
                p->conf.listen_port = (uint16_t)port;
                return 0;
        }
        set_message(p->ret_message, "line %zu: unknown key in [Interface]", p->line);
        return -EINVAL;
}

static int peer_line(struct parser *p, const char *key, const char *value) {
        struct wg_conf_peer *peer = &p->conf.peers[p->conf.n_peers - 1];
        if (streq(key, "PublicKey")) {
                if (!once(p, &p->seen.public_key, key))
                        return -EINVAL;
                if (!wgkey_valid(value))
                        return bad_value(p, key);
                memcpy(peer->public_key, value, WGKEY_B64_SIZE);
                return 0;
        }
        if (streq(key, "PresharedKey")) {
                if (!once(p, &p->seen.preshared_key, key))
                        return -EINVAL;
                if (!wgkey_valid(value))
                        return bad_value(p, key);
                memcpy(peer->preshared_key, value, WGKEY_B64_SIZE);
                return 0;
        }
        if (streq(key, "AllowedIPs")) {
                if (!once(p, &p->seen.allowed_ips, key))
                        return -EINVAL;
                return parse_host32(value, peer->ip) ? 0 : bad_value(p, key);
        }
        if (streq(key, "PersistentKeepalive")) {
                if (!once(p, &p->seen.keepalive, key))
                        return -EINVAL;
                if (streq(value, "off"))
                        peer->keepalive = 0;
                else if (!parse_uint(value, KEEPALIVE_MAX, &peer->keepalive))
                        return bad_value(p, key);
                return 0;
        }
        set_message(p->ret_message, "line %zu: unknown key in [Peer]", p->line);
        return -EINVAL;
}

/* One line, without its newline, NUL-terminated. */
static int parse_line(struct parser *p, char *line) {
        int r;
        if (!line[0] || line[0] == '#')
                return 0;
        if (streq(line, "[Interface]")) {
                if (p->have_interface) {
                        set_message(p->ret_message, "line %zu: a second [Interface]", p->line);
                        return -EINVAL;
                }
                p->have_interface = true;
                p->section = SECTION_INTERFACE;
                return 0;
        }
        if (streq(line, "[Peer]")) {
                if (!p->have_interface) {
                        set_message(p->ret_message, "line %zu: [Peer] before [Interface]", p->line);
                        return -EINVAL;
                }
                if ((r = end_section(p)) < 0 || (r = add_peer(p)) < 0)
                        return r;
                p->section = SECTION_PEER;
                return 0;
        }
        if (p->section == SECTION_NONE) {
                set_message(p->ret_message, "line %zu: outside any section", p->line);
                return -EINVAL;
        }
        /* "Key = value": one space each side, the value one word. */
        char *eq = strstr(line, " = ");
        if (!eq || eq == line) {
                set_message(p->ret_message, "line %zu: not \"Key = value\"", p->line);
                return -EINVAL;
        }
        *eq = 0;
        const char *key = line, *value = eq + 3;
        for (const char *c = key; *c; c++)
                if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))) {
                        set_message(p->ret_message, "line %zu: not \"Key = value\"", p->line);
                        return -EINVAL;
                }
        /* Keys, numbers, "off", an address: nothing wg would read as a
         * comment, a list or a second word. */
        if (!value_ok(value)) {
                set_message(p->ret_message, "line %zu: invalid value", p->line);
                return -EINVAL;
        }
        return p->section == SECTION_INTERFACE ? interface_line(p, key, value) : peer_line(p, key, value);
}

static int compare_peer(const void *a, const void *b) {
        return strcmp(((const struct wg_conf_peer *)a)->public_key, ((const struct wg_conf_peer *)b)->public_key);
}

static int compare_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return (x > y) - (x < y);
}

/* Distinct keys, none the interface's; distinct addresses. */
static int check_peers(struct parser *p) {
        struct wg_conf *c = &p->conf;
        if (c->n_peers == 0)
                return 0;
        qsort(c->peers, c->n_peers, sizeof *c->peers, compare_peer);
        for (size_t i = 0; i < c->n_peers; i++) {
                if (streq(c->peers[i].public_key, c->public_key)) {
                        set_message(p->ret_message, "a [Peer] has the interface's own key");
                        return -EINVAL;
                }
                if (i > 0 && streq(c->peers[i].public_key, c->peers[i - 1].public_key)) {
                        set_message(p->ret_message, "two [Peer] sections have the same PublicKey");
                        return -EINVAL;
                }
        }
        _cleanup_free_ uint32_t *ips = calloc(c->n_peers, sizeof *ips);
        if (!ips)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_peers; i++)
                (void)ipv4_parse(c->peers[i].ip, &ips[i]); /* parsed once already */
        qsort(ips, c->n_peers, sizeof *ips, compare_u32);
        for (size_t i = 1; i < c->n_peers; i++)
                if (ips[i] == ips[i - 1]) {
                        set_message(p->ret_message, "two [Peer] sections have the same AllowedIPs");
                        return -EINVAL;
                }
        return 0;
}

int wg_conf_parse(const char *text, struct wg_conf *ret, char **ret_message) {
        if (!text || !ret)
                return -EINVAL;
        struct parser p = {.ret_message = ret_message};
        char line[LINE_MAX_LEN + 1];
        int r = 0;
        for (const char *s = text; *s && r == 0;) {
                p.line++;
                const char *nl = strchr(s, '\n');
                if (!nl) {
                        set_message(ret_message, "line %zu: not ended by a newline", p.line);
                        r = -EINVAL;
                        break;
                }
                size_t len = (size_t)(nl - s);
                if (len > LINE_MAX_LEN) {
                        set_message(ret_message, "line %zu: longer than %d bytes", p.line, LINE_MAX_LEN);
                        r = -EINVAL;
                        break;
                }
                memcpy(line, s, len);
                line[len] = 0;
                r = parse_line(&p, line);
                s = nl + 1;
        }
        explicit_bzero(line, sizeof line);
        if (r == 0 && !p.have_interface) {
                set_message(ret_message, "no [Interface]");
                r = -EINVAL;
        }
        if (r == 0)
                r = end_section(&p);
        if (r == 0 && wgkey_public(p.conf.private_key, p.conf.public_key) < 0) {
                set_message(ret_message, "invalid PrivateKey");
                r = -EINVAL;
        }
        if (r == 0)
                r = check_peers(&p);
        if (r < 0) {
                if (r == -ENOMEM && ret_message && !*ret_message)
                        set_message(ret_message, "out of memory");
                parser_release(&p);
                return r == -ENOMEM ? r : -EINVAL;
        }
        *ret = p.conf;
        return 0;
}

void wg_conf_release(struct wg_conf *c) {
        if (!c)
                return;
        if (c->peers) {
                explicit_bzero(c->peers, c->n_peers * sizeof *c->peers);
                free(c->peers);
        }
        explicit_bzero(c, sizeof *c);
}

const struct wg_conf_peer *wg_conf_find(const struct wg_conf *c, const char *public_key) {
        if (!c->peers || !public_key)
                return NULL;
        struct wg_conf_peer key = {0};
        snprintf(key.public_key, sizeof key.public_key, "%s", public_key);
        return bsearch(&key, c->peers, c->n_peers, sizeof *c->peers, compare_peer);
}
