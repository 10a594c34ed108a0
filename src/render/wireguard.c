/* WireGuard: the cell's side in `wg setconf` form, and each peer's own
 * wg-quick file. wg reads "Key = value" lines, drops every blank inside a
 * line and takes a '#' anywhere as the start of a comment, so every value
 * is held to its grammar (keys to wgkey_valid, names to DNS labels,
 * addresses to strict dotted quads) before a byte is written; on refusal
 * the output buffer is left as it was. */
#include "render/render.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/validate.h"
#include "common/wgkey.h"
#include "render/text.h"

#define KEEPALIVE_MAX 65535u /* wg's field is 16 bits */
#define VPN_PREFIX_MAX 30    /* room for the cell and one peer */

/* "" (none) or a key. */
static bool optional_key_ok(const char *s) {
        return s && (!s[0] || wgkey_valid(s));
}

/* The cell's address with its prefix: a host of its subnet. */
static int vpn_parse(const char *s, struct cidr4 *ret) {
        struct cidr4 c;
        if (!s || cidr4_parse(s, &c) < 0 || c.prefix > VPN_PREFIX_MAX || cidr4_is_network(&c) ||
            c.addr == cidr4_broadcast(&c))
                return -EINVAL;
        *ret = c;
        return 0;
}

/* A peer's address: a host of the VPN subnet other than the cell. Its
 * AllowedIPs is the cell's route to it, so an address outside would let a
 * peer take traffic meant for a service or the cell. */
static bool peer_ip_ok(const char *s, const struct cidr4 *vpn, uint32_t *ret) {
        uint32_t a;
        if (!s || ipv4_parse(s, &a) < 0 || !cidr4_contains(vpn, a) || a == vpn->addr || a == cidr4_network(vpn) ||
            a == cidr4_broadcast(vpn))
                return false;
        *ret = a;
        return true;
}

static bool peer_ok(const struct wg_peer_view *p, const struct cidr4 *vpn, uint32_t *ret_ip) {
        return valid_name(p->name) && peer_ip_ok(p->ip, vpn, ret_ip) && wgkey_valid(p->public_key) &&
               optional_key_ok(p->preshared_key) && p->keepalive <= KEEPALIVE_MAX;
}

static int compare_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return (x > y) - (x < y);
}

static int compare_str(const void *a, const void *b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every peer passes its grammar; the enabled ones (those written) have
 * distinct addresses and keys, none the cell's own: wg would otherwise
 * merge two peers into one, move an address silently from one to the
 * other, or drop the peer. */
static int check_peers(const struct cell_state *st, const struct cidr4 *vpn, const char *cell_public_key) {
        if (st->n_wg_peers == 0)
                return 0;
        if (!st->wg_peers)
                return -EINVAL;
        _cleanup_free_ uint32_t *ips = calloc(st->n_wg_peers, sizeof *ips);
        _cleanup_free_ const char **keys = calloc(st->n_wg_peers, sizeof *keys);
        if (!ips || !keys)
                return -ENOMEM;
        size_t n = 0;
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                const struct wg_peer_view *p = &st->wg_peers[i];
                uint32_t ip;
                if (!peer_ok(p, vpn, &ip) || streq(p->public_key, cell_public_key))
                        return -EINVAL;
                if (!p->enabled)
                        continue;
                ips[n] = ip;
                keys[n] = p->public_key;
                n++;
        }
        qsort(ips, n, sizeof *ips, compare_u32);
        qsort(keys, n, sizeof *keys, compare_str);
        for (size_t i = 1; i < n; i++)
                if (ips[i] == ips[i - 1] || streq(keys[i], keys[i - 1]))
                        return -EINVAL;
        return 0;
}

static int check_setconf_state(const struct cell_state *st, char cell_public_key[WGKEY_B64_SIZE]) {
        struct cidr4 vpn;
        if (!st || !valid_ifname(st->wg_interface) || st->port_wireguard == 0 || vpn_parse(st->vpn_address, &vpn) < 0)
                return -EINVAL;
        /* The public key is derived; one given beside it must agree, or
         * every peer's config would name a key the cell does not hold. */
        if (wgkey_public(st->wg_private_key, cell_public_key) < 0 ||
            (st->wg_public_key && !streq(st->wg_public_key, cell_public_key)))
                return -EINVAL;
        return check_peers(st, &vpn, cell_public_key);
}

int render_wg_setconf(const struct cell_state *st, struct buf *out) {
        /* The VPN turned off, or no key yet: a file that says so, which
         * nothing loads (the daemon does not run). */
        if (st && st->wg_interface && st->wg_private_key && (!st->wg_interface[0] || !st->wg_private_key[0]))
                return buf_puts(out, RENDER_HEADER "# The VPN is off: no interface name, or no key for the cell.\n");
        char cell_public_key[WGKEY_B64_SIZE];
        int r = check_setconf_state(st, cell_public_key);
        if (r < 0)
                return r;

        struct text t = TEXT_INIT;
        text_emit(&t,
                  RENDER_HEADER
                  "# SECRET: the cell's private key and the peers' preshared keys are\n"
                  "# below. The file lives under secrets/ with mode 0600 and is never served.\n"
                  "# Loaded with `wg setconf %s FILE` (`wg syncconf` on a change).\n"
                  "# No PersistentKeepalive on this side: the cell is the reachable end;\n"
                  "# a peer behind NAT keeps its own mapping open (its config says how\n"
                  "# often), and the cell learns a peer's address from its handshakes.\n"
                  "\n"
                  "[Interface]\n"
                  "PrivateKey = %s\n"
                  "ListenPort = %u\n",
                  st->wg_interface, st->wg_private_key, (unsigned)st->port_wireguard);
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                const struct wg_peer_view *p = &st->wg_peers[i];
                if (!p->enabled)
                        continue;
                text_emit(&t, "\n[Peer]\n# %s\nPublicKey = %s\n", p->name, p->public_key);
                if (p->preshared_key[0])
                        text_emit(&t, "PresharedKey = %s\n", p->preshared_key);
                text_emit(&t, "AllowedIPs = %s/32\n", p->ip);
        }
        return text_finish(&t, out);
}

/* ---- a peer's own config ---- */

static int check_client_state(const struct cell_state *st, const struct wg_client_view *c, struct cidr4 *ret_vpn,
                              struct cidr4 *ret_services) {
        struct cidr4 vpn, services;
        uint32_t ip;
        if (!st || !c || vpn_parse(st->vpn_address, &vpn) < 0 || !wgkey_valid(st->wg_public_key) || st->port_wireguard == 0)
                return -EINVAL;
        if (!st->ip_range || cidr4_parse(st->ip_range, &services) < 0)
                return -EINVAL;
        /* "" means not known yet; see render_wg_client_config. */
        if (!st->public_endpoint || (st->public_endpoint[0] && !valid_host(st->public_endpoint)))
                return -EINVAL;
        /* NULL or "" for none (the store's peers carry "", the API NULL). */
        if (!valid_name(c->name) || !peer_ip_ok(c->ip, &vpn, &ip) ||
            (c->private_key && !optional_key_ok(c->private_key)) ||
            (c->preshared_key && !optional_key_ok(c->preshared_key)) || c->keepalive > KEEPALIVE_MAX)
                return -EINVAL;
        *ret_vpn = vpn;
        *ret_services = services;
        return 0;
}

static bool given(const char *key) {
        return key && key[0];
}

int render_wg_client_config(const struct cell_state *st, const struct wg_client_view *c, struct buf *out) {
        struct cidr4 vpn, services;
        int r = check_client_state(st, c, &vpn, &services);
        if (r < 0)
                return r;

        struct text t = TEXT_INIT;
        /* Comments stay short: the QR code carries every byte, and a
         * config of about 450 bytes still fits a version 14 code, the
         * largest an 80-column terminal shows (see qr_encode). */
        text_emit(&t,
                  "# PIC peer '%s'%s\n"
                  "\n"
                  "[Interface]\n",
                  c->name, given(c->private_key) || given(c->preshared_key) ? ". Secret: keep it private." : "");
        if (given(c->private_key))
                text_emit(&t, "PrivateKey = %s\n", c->private_key);
        else
                /* The client gave the cell only its public key; a file
                 * without a private key is refused by every WireGuard
                 * client until the user puts theirs in. */
                text_emit(&t, "# PrivateKey = <this device's own: the cell has only its public key>\n");
        char vpn_ip[16];
        ipv4_format(vpn.addr, vpn_ip);
        text_emit(&t,
                  "Address = %s/32\n"
                  "DNS = %s\n"
                  "\n"
                  "[Peer]\n"
                  "PublicKey = %s\n",
                  c->ip, vpn_ip, st->wg_public_key);
        if (given(c->preshared_key))
                text_emit(&t, "PresharedKey = %s\n", c->preshared_key);
        if (c->full_tunnel) {
                text_emit(&t, "# Full tunnel: all IPv4\n"
                              "AllowedIPs = 0.0.0.0/0\n");
        } else {
                struct cidr4 net = {cidr4_network(&vpn), vpn.prefix}, svc = {cidr4_network(&services), services.prefix};
                char a[CIDR4_STRLEN], b[CIDR4_STRLEN];
                cidr4_format(&net, a);
                cidr4_format(&svc, b);
                text_emit(&t, "# Split tunnel: the VPN and services\n");
                if (streq(a, b))
                        text_emit(&t, "AllowedIPs = %s\n", a);
                else
                        text_emit(&t, "AllowedIPs = %s, %s\n", a, b);
        }
        if (st->public_endpoint[0])
                text_emit(&t, "Endpoint = %s:%u\n", st->public_endpoint, (unsigned)st->port_wireguard);
        else
                /* Still rendered: it parses, it shows what is missing, and
                 * a user on the cell's LAN can put its address in. */
                text_emit(&t, "# Endpoint = <public_endpoint, unset>:%u\n", (unsigned)st->port_wireguard);
        if (c->keepalive > 0)
                text_emit(&t, "PersistentKeepalive = %u\n", c->keepalive);
        return text_finish(&t, out);
}
