/* wireguard: the VPN's interface, the kernel's where it has WireGuard,
 * else run by wireguard-go (userspace); wireguard.implementation decides
 * at each start (wg_mode.h). A kernel interface is a oneshot of the
 * supervisor (`ip link add`, `ip link del`), wireguard-go a daemon. The
 * managed files: wg.conf, the cell's side in `wg setconf` form (keys
 * inside: mode 0600), address, the cell's VPN address, implementation,
 * the setting, and the firewall's table. The interface starts empty; once
 * it exists (and wireguard-go answers), the bring-up loads wg.conf, gives
 * the interface its address and sets it up; wg does the same to either.
 * A change of a few peers goes in live, one `wg set` each (about 2 ms at
 * any size); anything more is one `wg syncconf`, which keeps the sessions
 * of the peers that did not change. */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/exec.h"
#include "common/log.h"
#include "common/validate.h"
#include "services/service.h"
#include "services/ip_forward.h"
#include "services/nft_apply.h"
#include "services/service_addresses.h"
#include "services/wg_apply.h"
#include "services/wg_uapi.h"
#include "services/wg_mode.h"

#define WG_CONF "wg.conf"
#define ADDRESS_FILE "address"
#define NFT_FILE "nftables.nft"
#define WIREGUARD_GO_BINARY "/usr/bin/wireguard-go"
#define IP_BINARY "/usr/sbin/ip"
#define IP_TIMEOUT_MS 10000u
/* Past this many peers changed at once, one syncconf beats N `wg set`s
 * (47 ms for one peer at 10,000 peers, against 2 ms per `wg set`). */
#define LIVE_PEERS_MAX 16

static bool iface_ok(const char *iface) {
        return valid_ifname(iface) && iface[0] != '-';
}

static bool wireguard_enabled(const struct cell_state *st) {
        return st->wg_interface && st->wg_interface[0] && st->wg_private_key && st->wg_private_key[0];
}

/* wireguard-go opens /dev/net/tun (0666) and creates the interface
 * (TUNSETIFF: CAP_NET_ADMIN), and binds its UDP port (a port below 1024
 * wants CAP_NET_BIND_SERVICE). It stays root, with nothing else: its
 * UAPI socket lives in root's /var/run/wireguard (0755). Without
 * CAP_NET_ADMIN it exits at once ("Failed to create TUN device"). */
static uint64_t wireguard_capabilities(const struct cell_state *st) {
        uint64_t caps = (uint64_t)1 << CAP_NET_ADMIN;
        if (st->port_wireguard && st->port_wireguard < 1024)
                caps |= (uint64_t)1 << CAP_NET_BIND_SERVICE;
        return caps;
}

/* Both private to picd: the keys' file, and the preshared keys in flight
 * to `wg set` (run_dir). A key file left there by a picd that died
 * between writing and unlinking it goes now. */
static int wireguard_prepare(const struct service_env *env) {
        int r = service_make_dir(env->config_dir, 0700, NULL);
        if (r < 0 || (r = service_make_dir(env->run_dir, 0700, NULL)) < 0)
                return r;
        _cleanup_(closedirp) DIR *d = opendir(env->run_dir);
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, WG_KEY_FILE_PREFIX, strlen(WG_KEY_FILE_PREFIX)) == 0)
                        (void)unlinkat(dirfd(d), de->d_name, 0);
        return 0;
}

static int wireguard_build_command(const struct service_env *env, char ***ret_argv, char ***ret_envp) {
        const char *iface = env->state->wg_interface;
        if (!iface_ok(iface))
                return -EINVAL;
        /* -f: the foreground. Without the variable it refuses to run on a
         * kernel it believes has the module. */
        char **argv = strv_new(WIREGUARD_GO_BINARY, "-f", iface, NULL);
        char **envp = strv_new("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                               "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1", "LOG_LEVEL=error", NULL);
        if (!argv || !envp) {
                strv_free(argv);
                strv_free(envp);
                return -ENOMEM;
        }
        *ret_argv = argv;
        *ret_envp = envp;
        return 0;
}

/* Kernel or userspace, chosen once per start from the implementation
 * file as the last reconcile wrote it (the setting that passed its check). */
static int wireguard_build_oneshot(const struct service_env *env, struct service_oneshot *ret, char **ret_note) {
        const char *iface = env->state->wg_interface;
        if (!iface_ok(iface))
                return -EINVAL;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/" WG_IMPLEMENTATION_FILE, env->config_dir) < 0)
                return -ENOMEM;
        _cleanup_buf_ struct buf text = BUF_INIT;
        buf_init(&text, 64);
        enum wg_implementation setting;
        int r = buf_read_file(&text, path);
        if (r < 0 || wg_implementation_parse(buf_str(&text), &setting) < 0) {
                if (asprintf(ret_note, "no valid %s: %s", path, r < 0 ? strerror(-r) : "not one of auto, kernel, userspace") < 0)
                        *ret_note = NULL;
                return r < 0 ? r : -EINVAL;
        }
        bool kernel = wg_implementation_choose(setting, wireguard_kernel_supported) == WG_IMPLEMENTATION_KERNEL;
        const char *why = setting != WG_IMPLEMENTATION_AUTO ? "as configured"
                          : kernel                          ? "auto: the kernel has WireGuard"
                                                            : "auto: this kernel has no WireGuard";
        /* A kernel link of that name (a picd that died in kernel mode)
         * would stop either one from making the interface. */
        _cleanup_free_ char *message = NULL;
        int removed = wg_kernel_remove_leftover(iface, &message);
        if (removed >= 0 && kernel)
                r = wg_kernel_commands(iface, &ret->start_argv, &ret->stop_argv, &ret->envp);
        if (asprintf(ret_note, "implementation: %s (%s)%s%s%s", kernel ? "kernel" : "userspace, wireguard-go", why,
                     removed > 0 ? "; deleted a WireGuard link of that name left by an earlier picd" : "",
                     removed < 0 ? "; cannot look for a leftover link: " : "",
                     removed < 0 ? (message ? message : strerror(-removed)) : "") < 0)
                *ret_note = NULL;
        if (removed < 0)
                return removed;
        if (r < 0)
                return r;
        return kernel ? 1 : 0;
}

/* The address file: the cell's address with its prefix, one line. Pure,
 * like every renderer (render.h has no such function yet: this one line
 * is the adapter's own). */
static int render_wg_address(const struct cell_state *st, struct buf *out) {
        struct cidr4 c;
        if (!st->vpn_address || cidr4_parse(st->vpn_address, &c) < 0 || cidr4_is_network(&c) || c.prefix > 30)
                return -EINVAL;
        char text[CIDR4_STRLEN];
        cidr4_format(&c, text);
        return buf_printf(out, "%s\n", text);
}

/* "a.b.c.d/n\n" as render_wg_address writes it. */
static int parse_address(const char *text, char ret[CIDR4_STRLEN]) {
        struct cidr4 c;
        char line[CIDR4_STRLEN + 1];
        size_t len = text ? strcspn(text, "\n") : 0;
        if (!text || len == 0 || len >= sizeof line || !streq(text + len, "\n"))
                return -EINVAL;
        memcpy(line, text, len);
        line[len] = 0;
        if (cidr4_parse(line, &c) < 0)
                return -EINVAL;
        cidr4_format(&c, ret);
        return 0;
}

static int wireguard_check(const struct service_env *env, const struct changed_file *candidate, char **ret_message) {
        /* With the VPN off, wg.conf and the table only say so, and
         * nothing loads them. */
        if ((streq(candidate->name, WG_CONF) || streq(candidate->name, NFT_FILE)) && !wireguard_enabled(env->state))
                return 0;
        if (streq(candidate->name, NFT_FILE))
                return nft_check(candidate->path, ret_message);
        if (streq(candidate->name, WG_IMPLEMENTATION_FILE)) {
                enum wg_implementation i;
                if (wg_implementation_parse(candidate->new_text, &i) < 0) {
                        *ret_message = strdup(WG_IMPLEMENTATION_FILE ": not one of auto, kernel, userspace");
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(candidate->name, SERVICE_ADDRESSES_FILE)) {
                uint32_t v[SERVICE_ADDRESSES_MAX];
                size_t n;
                if (service_addresses_parse(candidate->new_text, v, &n) < 0) {
                        *ret_message = strdup(SERVICE_ADDRESSES_FILE ": not one IPv4 address a line");
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(candidate->name, ADDRESS_FILE)) {
                char addr[CIDR4_STRLEN];
                if (parse_address(candidate->new_text, addr) < 0) {
                        *ret_message = strdup("address: not one IPv4 address with its prefix");
                        return -EINVAL;
                }
                return 0;
        }
        _cleanup_(wg_conf_release) struct wg_conf conf = WG_CONF_INIT;
        _cleanup_free_ char *why = NULL;
        int r = wg_conf_parse(candidate->new_text, &conf, &why);
        if (r < 0 && asprintf(ret_message, WG_CONF ": %s", why ? why : strerror(-r)) < 0)
                *ret_message = NULL;
        return r;
}

static bool peer_same(const struct wg_conf_peer *a, const struct wg_conf_peer *b) {
        return streq(a->preshared_key, b->preshared_key) && streq(a->ip, b->ip) && a->keepalive == b->keepalive;
}

/* How many peers differ between the two files (sorted by key): a merge. */
static size_t count_changes(const struct wg_conf *old, const struct wg_conf *new) {
        size_t i = 0, j = 0, n = 0;
        while (i < old->n_peers || j < new->n_peers) {
                int c = i == old->n_peers   ? 1
                        : j == new->n_peers ? -1
                                            : strcmp(old->peers[i].public_key, new->peers[j].public_key);
                if (c < 0)
                        i++, n++;
                else if (c > 0)
                        j++, n++;
                else
                        n += !peer_same(&old->peers[i++], &new->peers[j++]);
        }
        return n;
}

/* wg.conf changed in a few peers: one `wg set` each, removals first (an
 * address may pass from a removed peer to a new one). The new file is
 * read as strictly as by the check, so a file this refuses never reaches
 * the daemon. Any failure half-way leaves the rest to the checked path:
 * write, then syncconf, which makes the device what the file says. */
/* The table changed in its sets only (a peer's access): those elements,
 * in one nft transaction; the rules and every other element stay, so no
 * packet passes unfiltered. Anything else is a whole load. */
static int nft_apply_live(const struct service_env *env, const struct changed_file *c) {
        _cleanup_buf_ struct buf delta = BUF_INIT;
        buf_init(&delta, (size_t)64 << 20);
        bool rules_differ;
        if (nft_element_delta(c->old_text, c->new_text, &delta, &rules_differ) < 0 || rules_differ)
                return 1;
        if (delta.len == 0)
                return 0;
        return nft_apply_text(env->run_dir, &delta, NULL) < 0 ? 1 : 0;
}

static int change_service_addresses(const char *old_text, const char *new_text, char **ret_message);
static int service_addresses_apply_live(const struct changed_file *c, char **ret_message);

static int wireguard_apply_live(const struct service_env *env, const struct changed_file *c, char **ret_message) {
        if (streq(c->name, NFT_FILE) && c->old_text)
                return nft_apply_live(env, c);
        if (streq(c->name, SERVICE_ADDRESSES_FILE))
                return service_addresses_apply_live(c, ret_message);
        if (!streq(c->name, WG_CONF) || !c->old_text)
                return 1;
        const char *iface = env->state->wg_interface;
        _cleanup_(wg_conf_release) struct wg_conf old = WG_CONF_INIT, new = WG_CONF_INIT;
        _cleanup_free_ char *why = NULL;
        int r = wg_conf_parse(c->new_text, &new, &why);
        if (r < 0) {
                if (asprintf(ret_message, WG_CONF ": %s", why ? why : strerror(-r)) < 0)
                        *ret_message = NULL;
                return r;
        }
        if (wg_conf_parse(c->old_text, &old, NULL) < 0 || !streq(old.private_key, new.private_key) ||
            old.listen_port != new.listen_port || count_changes(&old, &new) > LIVE_PEERS_MAX)
                return 1;
        for (size_t i = 0; i < old.n_peers; i++)
                if (!wg_conf_find(&new, old.peers[i].public_key) &&
                    wg_peer_remove(iface, old.peers[i].public_key, NULL) < 0)
                        return 1;
        for (size_t j = 0; j < new.n_peers; j++) {
                const struct wg_conf_peer *p = &new.peers[j], *was = wg_conf_find(&old, p->public_key);
                if (was && peer_same(was, p))
                        continue;
                struct wg_peer_view v = {
                        .public_key = p->public_key,
                        .preshared_key = p->preshared_key,
                        .ip = p->ip,
                        .keepalive = p->keepalive,
                        .enabled = true,
                };
                if (wg_peer_upsert(iface, &v, env->run_dir, NULL) < 0)
                        return 1;
        }
        return 0;
}

static int run_ip(char *const argv[], char **ret_message) {
        struct exec_result res;
        int r = exec_run(argv, NULL, IP_TIMEOUT_MS, &res);
        if (r < 0) {
                if (asprintf(ret_message, "cannot run ip: %s", strerror(-r)) < 0)
                        *ret_message = NULL;
                return r;
        }
        if (res.exit_code == 0 && !res.timed_out) {
                exec_result_release(&res);
                return 0;
        }
        size_t len = strlen(res.output);
        while (len && res.output[len - 1] == '\n')
                res.output[--len] = 0;
        utf8_repair(res.output);
        if (asprintf(ret_message, "ip %s %s: %s", argv[1], argv[2], res.timed_out ? "timed out" : res.output) < 0)
                *ret_message = NULL;
        exec_result_release(&res);
        return -EIO;
}

/* The new address first, then the old one goes: no moment without one. */
static int change_address(const char *iface, const char *old_text, const char *new_text, char **ret_message) {
        char old[CIDR4_STRLEN], new[CIDR4_STRLEN];
        if (parse_address(new_text, new) < 0)
                return -EINVAL;
        char *replace[] = {IP_BINARY, "address", "replace", new, "dev", (char *)iface, NULL};
        int r = run_ip(replace, ret_message);
        if (r < 0 || parse_address(old_text, old) < 0 || streq(old, new))
                return r;
        _cleanup_free_ char *ignored = NULL;
        char *del[] = {IP_BINARY, "address", "del", old, "dev", (char *)iface, NULL};
        (void)run_ip(del, &ignored); /* already gone: as good */
        return 0;
}

/* `wg syncconf` of the written file. Debian 12's wg (1.0.20210914)
 * keeps a preshared key or a keepalive that the file no longer gives a
 * peer (later versions reset them): such peers, found by comparing the
 * old file with the new, get one `wg set` each after it. A peer left
 * with the old preshared key could no longer complete a handshake. */
static int syncconf(const struct service_env *env, const struct changed_file *c, char **ret_message) {
        const char *iface = env->state->wg_interface;
        int r = wg_syncconf(iface, c->path, ret_message);
        if (r < 0 || !c->old_text)
                return r;
        _cleanup_(wg_conf_release) struct wg_conf old = WG_CONF_INIT, new = WG_CONF_INIT;
        if (wg_conf_parse(c->old_text, &old, NULL) < 0 || wg_conf_parse(c->new_text, &new, NULL) < 0)
                return 0; /* the new one passed the check; an old one that does not parse had nothing to keep */
        for (size_t j = 0; j < new.n_peers; j++) {
                const struct wg_conf_peer *p = &new.peers[j], *was = wg_conf_find(&old, p->public_key);
                if (!was || !((was->preshared_key[0] && !p->preshared_key[0]) || (was->keepalive && !p->keepalive)))
                        continue;
                struct wg_peer_view v = {
                        .public_key = p->public_key,
                        .preshared_key = p->preshared_key,
                        .ip = p->ip,
                        .keepalive = p->keepalive,
                        .enabled = true,
                };
                if ((r = wg_peer_upsert(iface, &v, env->run_dir, ret_message)) < 0)
                        return r;
        }
        return 0;
}

/* A new setting restarts the interface only when it changes what runs
 * (auto where the kernel has WireGuard is the kernel's, as before). */
static bool implementation_changes(const struct service_env *env, const char *new_text) {
        enum wg_implementation setting;
        if (wg_implementation_parse(new_text, &setting) < 0)
                return true; /* passed the check: cannot be */
        return (wg_implementation_choose(setting, wireguard_kernel_supported) == WG_IMPLEMENTATION_KERNEL) !=
               env->oneshot;
}

static int wireguard_reload(const struct service_env *env, const struct changed_file *changed, unsigned n_changed,
                            char **ret_message) {
        const char *iface = env->state->wg_interface;
        int r;
        for (unsigned i = 0; i < n_changed; i++)
                if (streq(changed[i].name, WG_IMPLEMENTATION_FILE) && implementation_changes(env, changed[i].new_text))
                        return 1;
        for (unsigned i = 0; i < n_changed; i++) {
                if (streq(changed[i].name, WG_IMPLEMENTATION_FILE))
                        continue;
                if (streq(changed[i].name, WG_CONF))
                        r = syncconf(env, &changed[i], ret_message);
                else if (streq(changed[i].name, NFT_FILE))
                        r = nft_load(changed[i].path, ret_message);
                else if (streq(changed[i].name, SERVICE_ADDRESSES_FILE))
                        r = change_service_addresses(changed[i].old_text, changed[i].new_text, ret_message);
                else
                        r = change_address(iface, changed[i].old_text, changed[i].new_text, ret_message);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Ready when its UAPI socket answers (wireguard-go opens it once the
 * interface exists) and the interface is in picd's namespace: the socket
 * directory is shared by every namespace, so the socket alone could be
 * another namespace's interface of the same name. The kernel's interface
 * answers wg over netlink as soon as it exists. */
static int wireguard_probe(const struct service_env *env) {
        const char *iface = env->state->wg_interface;
        if (!iface_ok(iface))
                return -EINVAL;
        if (if_nametoindex(iface) == 0)
                return -ENODEV;
        if (env->oneshot)
                return 0;
        /* One socket directory for every network namespace: an interface
         * name is unique on the machine. */
        char sock[sizeof WG_UAPI_DIR + IFNAMSIZ + 8];
        snprintf(sock, sizeof sock, WG_UAPI_DIR "/%s.sock", iface);
        return probe_unix_socket(sock);
}

/* The services' addresses on lo (service_addresses.h): those of new_text
 * that old_text lacks are added first, then those it no longer has go. A
 * NULL old_text adds them all (the bring-up). An address already gone
 * from lo is no error. */
static int change_service_addresses(const char *old_text, const char *new_text, char **ret_message) {
        uint32_t old[SERVICE_ADDRESSES_MAX], new[SERVICE_ADDRESSES_MAX], diff[SERVICE_ADDRESSES_MAX];
        size_t n_old = 0, n_new = 0;
        if (service_addresses_parse(new_text, new, &n_new) < 0 ||
            (old_text && service_addresses_parse(old_text, old, &n_old) < 0)) {
                *ret_message = strdup(SERVICE_ADDRESSES_FILE ": not one IPv4 address a line");
                return -EINVAL;
        }
        size_t n = service_addresses_missing(new, n_new, old, n_old, diff);
        for (size_t i = 0; i < n; i++) {
                char ip[16], cidr[CIDR4_STRLEN];
                ipv4_format(diff[i], ip);
                snprintf(cidr, sizeof cidr, "%s/32", ip);
                char *argv[] = {IP_BINARY, "address", "replace", cidr, "dev", "lo", NULL};
                int r = run_ip(argv, ret_message);
                if (r < 0)
                        return r;
        }
        n = service_addresses_missing(old, n_old, new, n_new, diff);
        for (size_t i = 0; i < n; i++) {
                char ip[16], cidr[CIDR4_STRLEN];
                ipv4_format(diff[i], ip);
                snprintf(cidr, sizeof cidr, "%s/32", ip);
                char *argv[] = {IP_BINARY, "address", "del", cidr, "dev", "lo", NULL};
                _cleanup_free_ char *why = NULL;
                if (run_ip(argv, &why) < 0)
                        log_debug("Service address %s was not on lo: %s", cidr, why ? why : "?");
        }
        return 0;
}

static int service_addresses_apply_live(const struct changed_file *c, char **ret_message) {
        return change_service_addresses(c->old_text, c->new_text, ret_message) < 0 ? 1 : 0;
}

/* The VPN routes full-tunnel peers out of the uplink, and peers to each
 * other when the cell allows it: IPv4 forwarding on, which is the setting
 * of picd's network namespace (the host's, unless picd runs in one of its
 * own), and stays on after. What may pass is the forward chain's to say,
 * so this comes after the table is loaded. Not fatal: the services'
 * addresses are local and need no forwarding. */
static void enable_forwarding(void) {
        bool was_on;
        int r = ip_forward_enable(&was_on);
        if (r < 0)
                log_warning("Cannot turn IPv4 forwarding on (" IP_FORWARD_PATH ": %s): full-tunnel and "
                            "peer-to-peer traffic will not pass, ignoring",
                            strerror(-r));
        else if (!was_on)
                log_info("IPv4 forwarding turned on for the VPN (net.ipv4.ip_forward=1 in picd's network namespace)");
        else
                log_debug("IPv4 forwarding already on (net.ipv4.ip_forward=1 in picd's network namespace)");
}

int wireguard_bring_up(const struct service_env *env, char **ret_message) {
        const char *iface = env->state->wg_interface;
        if (!iface_ok(iface))
                return -EINVAL;
        _cleanup_free_ char *conf = NULL, *address_path = NULL;
        if (asprintf(&conf, "%s/" WG_CONF, env->config_dir) < 0 ||
            asprintf(&address_path, "%s/" ADDRESS_FILE, env->config_dir) < 0)
                return -ENOMEM;
        /* The address as checked and written, not the state's: the files
         * are what passed. */
        _cleanup_buf_ struct buf text = BUF_INIT;
        buf_init(&text, 64);
        char address[CIDR4_STRLEN];
        int r = buf_read_file(&text, address_path);
        if (r < 0 || parse_address(buf_str(&text), address) < 0) {
                if (asprintf(ret_message, "no valid %s: %s", address_path, r < 0 ? strerror(-r) : "unreadable") < 0)
                        *ret_message = NULL;
                return r < 0 ? r : -EINVAL;
        }
        /* The firewall before any peer: no moment when a peer's traffic
         * passes unfiltered. */
        _cleanup_free_ char *table = NULL;
        if (asprintf(&table, "%s/" NFT_FILE, env->config_dir) < 0)
                return -ENOMEM;
        if ((r = nft_load(table, ret_message)) < 0)
                return r;
        enable_forwarding();
        if ((r = wg_syncconf(iface, conf, ret_message)) < 0)
                return r;
        char *addr[] = {IP_BINARY, "address", "replace", address, "dev", (char *)iface, NULL};
        if ((r = run_ip(addr, ret_message)) < 0)
                return r;
        char *up[] = {IP_BINARY, "link", "set", "dev", (char *)iface, "up", NULL};
        if ((r = run_ip(up, ret_message)) < 0)
                return r;
        _cleanup_free_ char *services_path = NULL;
        if (asprintf(&services_path, "%s/" SERVICE_ADDRESSES_FILE, env->config_dir) < 0)
                return -ENOMEM;
        buf_release(&text);
        buf_init(&text, 4096);
        if ((r = buf_read_file(&text, services_path)) < 0) {
                if (asprintf(ret_message, "no %s: %s", services_path, strerror(-r)) < 0)
                        *ret_message = NULL;
                return r;
        }
        return change_service_addresses(NULL, buf_str(&text), ret_message);
}

int wireguard_kernel_supported(void) {
        char *add[] = {IP_BINARY, "link", "add", "picwgprobe0", "type", "wireguard", NULL};
        char *del[] = {IP_BINARY, "link", "del", "picwgprobe0", NULL};
        struct exec_result res;
        if (exec_run(add, NULL, IP_TIMEOUT_MS, &res) < 0)
                return 0;
        bool made = res.exit_code == 0 && !res.timed_out;
        exec_result_release(&res);
        if (made && exec_run(del, NULL, IP_TIMEOUT_MS, &res) == 0)
                exec_result_release(&res);
        return made;
}

/* The address first: the bring-up reads it, and it is the smaller.
 * wg.conf holds the keys: a secret file (0600, wiped from memory) in a
 * 0700 config_dir (prepare). */
static const struct managed_file wireguard_files[] = {
        {ADDRESS_FILE, render_wg_address},
        {WG_IMPLEMENTATION_FILE, render_wg_implementation},
        {WG_CONF, render_wg_setconf, .secret = true},
        /* After the peers: a new peer is denied until its elements come,
         * a removed one loses its entry before its elements go. */
        {NFT_FILE, render_nftables},
        /* After the table: a new service address is filtered at once. */
        {SERVICE_ADDRESSES_FILE, render_service_addresses},
};

const struct service_adapter wireguard_adapter = {
        .name = "wireguard",
        .description = "The VPN (WireGuard: the kernel's, or wireguard-go where the kernel has none)",
        .files = wireguard_files,
        .n_files = ELEMENTSOF(wireguard_files),
        .capabilities = wireguard_capabilities,
        .prepare = wireguard_prepare,
        .build_command = wireguard_build_command,
        .build_oneshot = wireguard_build_oneshot,
        .check = wireguard_check,
        .apply_live = wireguard_apply_live,
        .reload = wireguard_reload,
        .probe = wireguard_probe,
        .enabled = wireguard_enabled,
        .post_start = wireguard_bring_up,
        .start_timeout_usec = 10ULL * 1000000,
        .stop_timeout_usec = 5ULL * 1000000,
};
