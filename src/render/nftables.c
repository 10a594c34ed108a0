/* nftables for the cell: the table `inet pic`, which decides what a VPN
 * peer may reach (the service IPs it is allowed, the cell's DNS and NTP,
 * other peers when the cell says so, the internet for full-tunnel peers)
 * and NATs full-tunnel peers out of the uplink. render_nftables writes the
 * whole table for `nft -f`; render_nft_peer_elements one peer's change, by
 * set element only. Of a peer only its address reaches the file, and
 * every value is held to its grammar before a byte is written: on refusal
 * the output buffer is left as it was. */
#include "render/render.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/validate.h"
#include "render/text.h"

#define TABLE "inet pic"
#define SET_ACCESS "peer_service"
#define SET_TUNNEL "full_tunnel"
/* A set's type cannot change under a reload that keeps the table (nft
 * refuses to declare it anew with another): a new type needs the table
 * deleted once. */
#define TYPE_ACCESS "ipv4_addr . ipv4_addr"
#define TYPE_TUNNEL "ipv4_addr"

/* The checked addresses the rules are made of. */
struct plan {
        struct cidr4 vpn;   /* the cell's address in the VPN, with the VPN's prefix */
        struct cidr4 range; /* ip_range, its network address */
};

static bool ipv4_ok(const char *s, uint32_t *ret) {
        return s && ipv4_parse(s, ret) == 0;
}

/* An address of the subnet that a host can have: not its network or
 * broadcast address. */
static bool host_of(const struct cidr4 *net, uint32_t a) {
        return cidr4_contains(net, a) && a != cidr4_network(net) && a != cidr4_broadcast(net);
}

/* vpn_address is a host address of its subnet; ip_range a network apart
 * from it; each service a name once and an address of ip_range once (a
 * shared address would let access to one service open the other). */
static int check_addresses(const struct cell_state *st, struct plan *ret) {
        struct plan p;
        if (!st || !st->vpn_address || cidr4_parse(st->vpn_address, &p.vpn) < 0 || p.vpn.prefix > 30 ||
            !host_of(&p.vpn, p.vpn.addr))
                return -EINVAL;
        if (!st->ip_range || cidr4_parse(st->ip_range, &p.range) < 0 || !cidr4_is_network(&p.range) ||
            p.range.prefix > 30 || p.range.prefix == 0 || cidr4_overlaps(&p.vpn, &p.range))
                return -EINVAL;
        if (st->n_service_ips > 0 && !st->service_ips)
                return -EINVAL;
        for (unsigned i = 0; i < st->n_service_ips; i++) {
                const struct service_ip_view *s = &st->service_ips[i];
                uint32_t a;
                if (!valid_name(s->service) || !ipv4_ok(s->ip, &a) || !host_of(&p.range, a))
                        return -EINVAL;
                for (unsigned j = 0; j < i; j++) {
                        uint32_t b;
                        (void)ipv4_parse(st->service_ips[j].ip, &b); /* checked in an earlier round */
                        if (streq(s->service, st->service_ips[j].service) || a == b)
                                return -EINVAL;
                }
        }
        *ret = p;
        return 0;
}

/* The address of a service the state knows, by name. */
static bool service_address(const struct cell_state *st, const char *name, uint32_t *ret) {
        for (unsigned i = 0; name && i < st->n_service_ips; i++)
                if (streq(st->service_ips[i].service, name))
                        return ipv4_ok(st->service_ips[i].ip, ret);
        return false;
}

/* Enabled or not, a peer's name is a DNS label (it is never written), its
 * address a host of the VPN other than the cell's, and each of its
 * services one the state gives an address. */
static int check_peer(const struct cell_state *st, const struct plan *p, const struct wg_peer_view *peer) {
        uint32_t a, s;
        if (!valid_name(peer->name) || !ipv4_ok(peer->ip, &a) || !host_of(&p->vpn, a) || a == p->vpn.addr)
                return -EINVAL;
        if (peer->n_services > 0 && !peer->services)
                return -EINVAL;
        for (unsigned i = 0; i < peer->n_services; i++)
                if (!service_address(st, peer->services[i], &s))
                        return -EINVAL;
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

/* Sorts v and drops repeats; returns the new count. */
static size_t sort_unique(uint64_t *v, size_t n) {
        size_t k = 0;
        qsort(v, n, sizeof *v, cmp_u64);
        for (size_t i = 0; i < n; i++)
                if (k == 0 || v[k - 1] != v[i])
                        v[k++] = v[i];
        return k;
}

/* A set element of peer_service: the peer's address in the high half,
 * the service's in the low, so that numeric order is the order of peers
 * and then of services. */
static uint64_t pair_of(uint32_t peer, uint32_t service) {
        return (uint64_t)peer << 32 | service;
}

/* Appends the elements of a checked peer: none when it is absent or
 * disabled. */
static void peer_pairs(const struct cell_state *st, const struct wg_peer_view *peer, uint64_t *out, size_t *n) {
        uint32_t a, s;
        if (!peer || !peer->enabled || !ipv4_ok(peer->ip, &a))
                return;
        for (unsigned i = 0; i < peer->n_services; i++)
                if (service_address(st, peer->services[i], &s))
                        out[(*n)++] = pair_of(a, s);
}

/* The peer's full_tunnel element (high half 0, low half its address), if
 * it has one. */
static void peer_tunnel(const struct wg_peer_view *peer, uint64_t *out, size_t *n) {
        uint32_t a;
        if (peer && peer->enabled && peer->full_tunnel && ipv4_ok(peer->ip, &a))
                out[(*n)++] = a;
}

/* "PEER . SERVICE" for a pair (the peer in the high half), else "ADDR". */
static void emit_element(struct text *t, uint64_t e, bool pair) {
        char peer[16], addr[16];
        ipv4_format((uint32_t)e, addr);
        if (pair) {
                ipv4_format((uint32_t)(e >> 32), peer);
                text_emit(t, "%s . %s", peer, addr);
        } else
                text_emit(t, "%s", addr);
}

/* ---- the whole table ---- */

static int check_table(const struct cell_state *st, struct plan *ret) {
        int r = check_addresses(st, ret);
        if (r < 0)
                return r;
        if (!valid_ifname(st->wg_interface) || !st->uplink ||
            (st->uplink[0] && (!valid_ifname(st->uplink) || streq(st->uplink, st->wg_interface))))
                return -EINVAL;
        if (st->port_dns == 0 || st->port_ntp == 0 || (st->n_wg_peers > 0 && !st->wg_peers))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                r = check_peer(st, ret, &st->wg_peers[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Two enabled peers on one address would share their elements, and
 * removing one would take the other's access away. */
static int check_unique_addresses(const uint64_t *sorted, size_t n) {
        for (size_t i = 1; i < n; i++)
                if (sorted[i] == sorted[i - 1])
                        return -EINVAL;
        return 0;
}

static void emit_set(struct text *t, const char *name, const char *type, const uint64_t *v, size_t n, bool pair) {
        text_emit(t,
                  "\tset %s {\n"
                  "\t\ttype %s\n",
                  name, type);
        if (n > 0) {
                text_emit(t, "\t\telements = {\n");
                for (size_t i = 0; i < n; i++) {
                        text_emit(t, "\t\t\t");
                        emit_element(t, v[i], pair);
                        text_emit(t, ",\n");
                }
                text_emit(t, "\t\t}\n");
        }
        text_emit(t, "\t}\n");
}

static void emit_input(const struct cell_state *st, const struct plan *p, struct text *t) {
        char range[CIDR4_STRLEN], cell[16];
        cidr4_format(&p->range, range);
        ipv4_format(p->vpn.addr, cell);
        const char *wg = st->wg_interface;
        text_emit(t,
                  "\t# The service IPs are the cell's own addresses: from the VPN they are\n"
                  "\t# reached through input, never forward. Each packet is looked up, not\n"
                  "\t# only a connection's first, so access taken away ends at once.\n"
                  "\tchain input {\n"
                  "\t\ttype filter hook input priority filter; policy accept;\n"
                  "\t\tiifname \"%s\" ip daddr %s ip saddr . ip daddr @" SET_ACCESS " accept\n"
                  "\t\tiifname \"%s\" ip daddr %s drop\n"
                  "\t\t# The cell's own VPN address serves every peer DNS (views hide the\n"
                  "\t\t# names of services a peer may not use), NTP and ping.\n"
                  "\t\tiifname \"%s\" ip daddr %s meta l4proto { tcp, udp } th dport %u accept\n"
                  "\t\tiifname \"%s\" ip daddr %s udp dport %u accept\n"
                  "\t\tiifname \"%s\" ip daddr %s icmp type echo-request accept\n"
                  "\t\t# Answers to what the cell itself opened towards a peer.\n"
                  "\t\tiifname \"%s\" ct state established,related accept\n"
                  "\t\t# Nothing else from the VPN: the daemons listen on every address,\n"
                  "\t\t# and the web proxy on the cell's VPN or LAN address would serve a\n"
                  "\t\t# peer the services its service IPs deny it.\n"
                  "\t\tiifname \"%s\" drop\n"
                  "\t}\n",
                  wg, range, wg, range, wg, cell, (unsigned)st->port_dns, wg, cell, (unsigned)st->port_ntp, wg,
                  cell, wg, wg);
}

/* The VPN's traffic through the cell; the file's comment says why the
 * policy is accept (a LAN routed out of the uplink, a container bridge). */
static void emit_forward(const struct cell_state *st, const struct plan *p, struct text *t) {
        const char *wg = st->wg_interface;
        char range[CIDR4_STRLEN];
        cidr4_format(&p->range, range);
        text_emit(t,
                  "\n"
                  "\t# Only traffic from or to the VPN is this chain's business; each\n"
                  "\t# such packet no rule accepts meets a drop, so for the VPN the\n"
                  "\t# policy is drop. The chain's own policy stays accept: a drop is\n"
                  "\t# final in any table, and would end the machine's other forwarding.\n"
                  "\tchain forward {\n"
                  "\t\ttype filter hook forward priority filter; policy accept;\n"
                  "\t\t# The service IPs are the cell's own (input): a packet for one of\n"
                  "\t\t# them that is routed on (one not yet on the cell) goes nowhere.\n"
                  "\t\tiifname \"%s\" ip daddr %s drop\n",
                  wg, range);
        if (st->peer_to_peer)
                text_emit(t,
                          "\t\t# Peers may reach each other (wireguard.peer_to_peer).\n"
                          "\t\tiifname \"%s\" oifname \"%s\" accept\n",
                          wg, wg);
        else
                text_emit(t,
                          "\t\t# Peers may not reach each other, not even by an answer.\n"
                          "\t\tiifname \"%s\" oifname \"%s\" drop\n",
                          wg, wg);
        if (st->uplink[0])
                text_emit(t,
                          "\t\t# Full-tunnel peers go out of the uplink, NATed (postrouting).\n"
                          "\t\tiifname \"%s\" oifname \"%s\" ip saddr @" SET_TUNNEL " accept\n",
                          wg, st->uplink);
        else
                text_emit(t, "\t\t# No uplink: no peer goes out, full tunnel or not.\n");
        text_emit(t,
                  "\t\tiifname \"%s\" drop\n"
                  "\t\t# Into the VPN only the answers to what a peer opened.\n"
                  "\t\toifname \"%s\" ct state established,related accept\n"
                  "\t\toifname \"%s\" drop\n"
                  "\t}\n",
                  wg, wg, wg);
}

/* Rendered with or without an uplink, so that every render declares the
 * same chains: a reload flushes the table rather than deleting it (see
 * render_nftables), and a chain no render declares would stay behind. */
static void emit_postrouting(const struct cell_state *st, struct text *t) {
        text_emit(t,
                  "\n"
                  "\tchain postrouting {\n"
                  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        if (st->uplink[0])
                text_emit(t, "\t\toifname \"%s\" ip saddr @" SET_TUNNEL " masquerade\n", st->uplink);
        else
                text_emit(t, "\t\t# No uplink: nothing to NAT.\n");
        text_emit(t, "\t}\n");
}

int render_nftables(const struct cell_state *st, struct buf *out) {
        /* The VPN turned off: no table to load (see render_wg_setconf). */
        if (st && st->wg_interface && !st->wg_interface[0])
                return buf_puts(out, RENDER_HEADER "# The VPN is off: no table inet pic.\n");
        struct plan p;
        int r = check_table(st, &p);
        if (r < 0)
                return r;

        size_t n_max = 0;
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                if (st->wg_peers[i].n_services > SIZE_MAX / sizeof(uint64_t) - n_max)
                        return -ENOMEM;
                n_max += st->wg_peers[i].n_services;
        }
        _cleanup_free_ uint64_t *pairs = malloc((n_max ? n_max : 1) * sizeof *pairs);
        _cleanup_free_ uint64_t *tunnel = calloc(st->n_wg_peers ? st->n_wg_peers : 1, sizeof *tunnel);
        _cleanup_free_ uint64_t *addrs = calloc(st->n_wg_peers ? st->n_wg_peers : 1, sizeof *addrs);
        if (!pairs || !tunnel || !addrs)
                return -ENOMEM;
        size_t n_pairs = 0, n_tunnel = 0, n_addrs = 0;
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                const struct wg_peer_view *peer = &st->wg_peers[i];
                uint32_t a;
                if (peer->enabled && ipv4_ok(peer->ip, &a))
                        addrs[n_addrs++] = a;
                peer_pairs(st, peer, pairs, &n_pairs);
                peer_tunnel(peer, tunnel, &n_tunnel);
        }
        qsort(addrs, n_addrs, sizeof *addrs, cmp_u64);
        r = check_unique_addresses(addrs, n_addrs);
        if (r < 0)
                return r;
        n_pairs = sort_unique(pairs, n_pairs);
        n_tunnel = sort_unique(tunnel, n_tunnel);

        struct text t = TEXT_INIT;
        text_emit(&t, RENDER_HEADER "# The cell's firewall, loaded with\n"
                                    "#   nft -f FILE\n"
                                    "# which runs the whole file as one transaction: the table and its\n"
                                    "# sets are declared (made on a first load), emptied, and filled\n"
                                    "# again, so the old rules give way to the new at once, with no\n"
                                    "# moment when VPN traffic passes unfiltered, and the table itself\n"
                                    "# is never deleted. Single peers change by set element, never by\n"
                                    "# a reload.\n"
                                    "table " TABLE " {\n"
                                    "\tset " SET_ACCESS " {\n"
                                    "\t\ttype " TYPE_ACCESS "\n"
                                    "\t}\n"
                                    "\tset " SET_TUNNEL " {\n"
                                    "\t\ttype " TYPE_TUNNEL "\n"
                                    "\t}\n"
                                    "}\n"
                                    "# Every rule, and (which flush table leaves) every element.\n"
                                    "flush table " TABLE "\n"
                                    "flush set " TABLE " " SET_ACCESS "\n"
                                    "flush set " TABLE " " SET_TUNNEL "\n"
                                    "\n"
                                    "table " TABLE " {\n"
                                    "\t# The service IPs each peer may reach, as peer address . service\n"
                                    "\t# address. A peer's packets carry its own source address: WireGuard\n"
                                    "\t# takes from a peer only the addresses allowed to it.\n");
        emit_set(&t, SET_ACCESS, TYPE_ACCESS, pairs, n_pairs, true);
        text_emit(&t, "\n"
                      "\t# The full-tunnel peers, whose traffic for the internet the cell\n"
                      "\t# forwards out of the uplink.\n");
        emit_set(&t, SET_TUNNEL, TYPE_TUNNEL, tunnel, n_tunnel, false);
        text_emit(&t, "\n");
        emit_input(st, &p, &t);
        emit_forward(st, &p, &t);
        emit_postrouting(st, &t);
        text_emit(&t, "}\n");
        return text_finish(&t, out);
}

/* ---- one peer's change ---- */

static void difference(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *out, size_t *n) {
        for (size_t i = 0, j = 0; i < na; i++) {
                while (j < nb && b[j] < a[i])
                        j++;
                if (!(j < nb && b[j] == a[i]))
                        out[(*n)++] = a[i];
        }
}

int render_nft_peer_delta(const struct cell_state *st, const struct wg_peer_view *before,
                          const struct wg_peer_view *after, struct nft_peer_delta *ret) {
        struct plan p;
        int r = check_addresses(st, &p);
        if (r < 0)
                return r;
        if ((before && (r = check_peer(st, &p, before)) < 0) || (after && (r = check_peer(st, &p, after)) < 0))
                return r;
        if ((before && before->n_services > NFT_PEER_SERVICES_MAX) ||
            (after && after->n_services > NFT_PEER_SERVICES_MAX))
                return -E2BIG;
        uint64_t old[NFT_PEER_SERVICES_MAX], new[NFT_PEER_SERVICES_MAX], old_tunnel[1] = {0}, new_tunnel[1] = {0};
        size_t n_old = 0, n_new = 0, n_old_tunnel = 0, n_new_tunnel = 0;
        peer_pairs(st, before, old, &n_old);
        peer_pairs(st, after, new, &n_new);
        n_old = sort_unique(old, n_old);
        n_new = sort_unique(new, n_new);
        peer_tunnel(before, old_tunnel, &n_old_tunnel);
        peer_tunnel(after, new_tunnel, &n_new_tunnel);
        *ret = (struct nft_peer_delta){0};
        difference(old, n_old, new, n_new, ret->del_pairs, &ret->n_del_pairs);
        difference(new, n_new, old, n_old, ret->add_pairs, &ret->n_add_pairs);
        difference(old_tunnel, n_old_tunnel, new_tunnel, n_new_tunnel, ret->del_tunnel, &ret->n_del_tunnel);
        difference(new_tunnel, n_new_tunnel, old_tunnel, n_old_tunnel, ret->add_tunnel, &ret->n_add_tunnel);
        return 0;
}

static void emit_elements(struct text *t, const char *verb, const char *set, const uint64_t *v, size_t n, bool pair) {
        if (n == 0)
                return;
        text_emit(t, "%s element " TABLE " %s { ", verb, set);
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        text_emit(t, ", ");
                emit_element(t, v[i], pair);
        }
        text_emit(t, " }\n");
}

/* Only the elements that go and those that come, in one transaction: what
 * both sides have stays untouched, and there is no flush. nft refuses to
 * delete an element that is not there and then applies nothing of the
 * file, so `before` must be what the kernel holds: the peer as last
 * applied. A failed transaction changes nothing; the caller then loads
 * the whole table. */
int render_nft_peer_elements(const struct cell_state *st, const struct wg_peer_view *before,
                             const struct wg_peer_view *after, struct buf *out) {
        struct nft_peer_delta d;
        int r = render_nft_peer_delta(st, before, after, &d);
        if (r < 0)
                return r;
        struct text t = TEXT_INIT;
        text_emit(&t, RENDER_HEADER "# One peer's access, changed by set element in one transaction\n"
                                    "# (nft -f FILE); it applies whole or not at all.\n");
        emit_elements(&t, "delete", SET_ACCESS, d.del_pairs, d.n_del_pairs, true);
        emit_elements(&t, "delete", SET_TUNNEL, d.del_tunnel, d.n_del_tunnel, false);
        emit_elements(&t, "add", SET_ACCESS, d.add_pairs, d.n_add_pairs, true);
        emit_elements(&t, "add", SET_TUNNEL, d.add_tunnel, d.n_add_tunnel, false);
        if (!d.n_del_pairs && !d.n_del_tunnel && !d.n_add_pairs && !d.n_add_tunnel)
                text_emit(&t, "# Nothing changes.\n");
        return text_finish(&t, out);
}
