/* Unbound's views for the VPN's peers. Unbound binds a client address to
 * a view only in its config (access-control-view), never by a command at
 * run time, so every address a peer can have gets its view in advance:
 * that part of unbound.conf changes only with the subnet. What a view
 * holds, a local zone answering NXDOMAIN for each service name its peer
 * may not use, changes with the peer; picd applies that to the running
 * Unbound with view_local_zone (services/unbound_views.c). */
#include "render/unbound_views.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/validate.h"

/* A /16 has 65,534 hosts, and that many views cost Unbound about 34 MB
 * and 0.6 s of its start (measured here), peers or not. So the views
 * cover the subnet's hosts from its first in whole blocks: the block of
 * the highest peer and one block more, never past VIEW_ADDRESSES_MAX
 * hosts, and besides any peer given an address beyond them. The store
 * hands addresses out upwards, so a new peer lands in a view Unbound
 * already has, until one lands in the spare block: the views then grow by
 * a block, which only a reload applies (render_unbound_views_grow tells
 * picd's fast path to reconcile then, once per VIEW_BLOCK peers). */
#define VIEW_ADDRESSES_MAX 65534u
#define VIEW_BLOCK 4096u
#define SERVICES_MAX 64u
#define FQDN_MAX_LEN 254
#define VPN_PREFIX_MAX 30

bool unbound_views_on(const struct cell_state *st) {
        return st && st->wg_interface && st->wg_interface[0];
}

int render_unbound_view_name(const char *ip, char out[static UNBOUND_VIEW_NAME_SIZE]) {
        uint32_t a;
        if (!ip || ipv4_parse(ip, &a) < 0)
                return -EINVAL;
        char text[16];
        ipv4_format(a, text);
        snprintf(out, UNBOUND_VIEW_NAME_SIZE, UNBOUND_VIEW_PREFIX "%s", text);
        return 0;
}

static int str_cmp(const void *a, const void *b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The cell's service names, sorted, each once; "<service>.<zone>." must
 * fit a name. */
static int sorted_services(const struct cell_state *st, const char ***ret, unsigned *ret_n) {
        if ((st->n_service_ips > 0 && !st->service_ips) || !st->zone)
                return -EINVAL;
        const char **v = calloc(st->n_service_ips + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (unsigned i = 0; i < st->n_service_ips; i++) {
                const char *s = st->service_ips[i].service;
                if (!valid_host_label(s) || strlen(s) + strlen(st->zone) + 2 > FQDN_MAX_LEN) {
                        free(v);
                        return -EINVAL;
                }
                v[i] = s;
        }
        qsort(v, st->n_service_ips, sizeof *v, str_cmp);
        unsigned n = 0;
        for (unsigned i = 0; i < st->n_service_ips; i++)
                if (n == 0 || !streq(v[i], v[n - 1]))
                        v[n++] = v[i];
        if (n > SERVICES_MAX) {
                free(v);
                return -E2BIG;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Bit k set: the peer may not use services[k]. A disabled or expired
 * peer may use none: WireGuard no longer takes its packets, and should
 * it come back before the next change, its names stay hidden. */
static int peer_denied(const struct wg_peer_view *p, const char *const *services, unsigned n, uint64_t *ret) {
        uint64_t denied = n == 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1;
        if (p->n_services > 0 && !p->services)
                return -EINVAL;
        for (unsigned i = 0; i < p->n_services; i++) {
                if (!p->services[i])
                        return -EINVAL;
                for (unsigned k = 0; k < n; k++)
                        if (streq(p->services[i], services[k]))
                                denied &= ~((uint64_t)1 << k);
        }
        *ret = p->enabled ? denied : (n == 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1);
        return 0;
}

static int slot_cmp(const void *a, const void *b) {
        const struct unbound_view_slot *x = a, *y = b;
        return (x->addr > y->addr) - (x->addr < y->addr);
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

/* The peers with an address of the subnet, sorted, each address once
 * with what any peer on it may not use. A peer outside the subnet is
 * left out: WireGuard's renderer refuses it, so no query of its can
 * come through the tunnel. */
static int peer_slots(const struct cell_state *st, const struct unbound_view_plan *p,
                      struct unbound_view_slot **ret, size_t *ret_n) {
        if (st->n_wg_peers > 0 && !st->wg_peers)
                return -EINVAL;
        struct unbound_view_slot *v = calloc((size_t)st->n_wg_peers + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                const struct wg_peer_view *peer = &st->wg_peers[i];
                uint32_t a;
                uint64_t denied;
                if (peer_denied(peer, p->services, p->n_services, &denied) < 0) {
                        free(v);
                        return -EINVAL;
                }
                if (!peer->ip || ipv4_parse(peer->ip, &a) < 0 || !cidr4_contains(&p->vpn, a) || a == p->vpn.addr ||
                    a == cidr4_network(&p->vpn) || a == cidr4_broadcast(&p->vpn))
                        continue;
                v[n++] = (struct unbound_view_slot){a, denied};
        }
        qsort(v, n, sizeof *v, slot_cmp);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
                if (m > 0 && v[m - 1].addr == v[i].addr)
                        v[m - 1].denied |= v[i].denied; /* the store keeps addresses apart; if not, hide more */
                else
                        v[m++] = v[i];
        }
        *ret = v;
        *ret_n = m;
        return 0;
}

/* How many hosts from the first have views, with `highest` the highest
 * peer address (0: none). */
static uint64_t view_range(const struct cidr4 *vpn, uint32_t first, uint32_t highest) {
        uint64_t hosts = cidr4_host_count(vpn), index = highest >= first ? (uint64_t)(highest - first) : 0;
        uint64_t range = (index / VIEW_BLOCK + 2) * VIEW_BLOCK;
        if (range > hosts)
                range = hosts;
        return range > VIEW_ADDRESSES_MAX ? VIEW_ADDRESSES_MAX : range;
}

bool render_unbound_views_grow(const struct cell_state *st, const char *ip) {
        struct cidr4 vpn;
        uint32_t a, first, highest = 0;
        if (!unbound_views_on(st) || vpn_parse(st->vpn_address, &vpn) < 0 || !ip || ipv4_parse(ip, &a) < 0 ||
            !cidr4_contains(&vpn, a))
                return false; /* no view for it either way */
        (void)cidr4_host(&vpn, 0, &first);
        for (unsigned i = 0; i < st->n_wg_peers; i++) {
                uint32_t b;
                if (st->wg_peers[i].ip && ipv4_parse(st->wg_peers[i].ip, &b) == 0 && cidr4_contains(&vpn, b) &&
                    b > highest)
                        highest = b;
        }
        uint64_t range = view_range(&vpn, first, highest);
        if (a >= first && (uint64_t)(a - first) >= range)
                return true; /* past the views: one of its own, after a reload */
        return a > highest && view_range(&vpn, first, a) != range;
}

int unbound_view_plan_make(const struct cell_state *st, struct unbound_view_plan *ret) {
        *ret = (struct unbound_view_plan){0};
        if (!unbound_views_on(st))
                return 0;
        struct unbound_view_plan p = {0};
        int r = vpn_parse(st->vpn_address, &p.vpn);
        if (r < 0 || (r = sorted_services(st, &p.services, &p.n_services)) < 0)
                return r;
        _cleanup_free_ struct unbound_view_slot *peers = NULL;
        size_t n_peers = 0;
        if ((r = peer_slots(st, &p, &peers, &n_peers)) < 0) {
                unbound_view_plan_release(&p);
                return r;
        }
        uint32_t first;
        (void)cidr4_host(&p.vpn, 0, &first); /* a /30 at most: there is a first host */
        uint64_t range = view_range(&p.vpn, first, n_peers ? peers[n_peers - 1].addr : 0);
        uint64_t end = (uint64_t)first + range;
        size_t extra = 0;
        for (size_t i = 0; i < n_peers; i++)
                extra += peers[i].addr >= end;
        p.slots = calloc(range + extra, sizeof *p.slots);
        if (!p.slots) {
                unbound_view_plan_release(&p);
                return -ENOMEM;
        }
        size_t j = 0;
        for (uint64_t a = first; a < end; a++) {
                if (a == p.vpn.addr)
                        continue;
                while (j < n_peers && peers[j].addr < a)
                        j++;
                uint64_t denied = j < n_peers && peers[j].addr == a ? peers[j].denied : 0;
                p.slots[p.n++] = (struct unbound_view_slot){(uint32_t)a, denied};
        }
        for (; j < n_peers; j++)
                if (peers[j].addr >= end)
                        p.slots[p.n++] = peers[j];
        *ret = p;
        return 0;
}

void unbound_view_plan_release(struct unbound_view_plan *p) {
        free(p->slots);
        free(p->services);
        *p = (struct unbound_view_plan){0};
}

void unbound_views_emit_access(const struct unbound_view_plan *p, struct text *t) {
        if (!p->slots)
                return;
        struct cidr4 net = {cidr4_network(&p->vpn), p->vpn.prefix};
        char subnet[CIDR4_STRLEN];
        cidr4_format(&net, subnet);
        text_emit(t,
                  "\n"
                  "  # The VPN. Each address of its subnet is bound to a view of its own\n"
                  "  # (below), ready before its peer exists: Unbound binds addresses to\n"
                  "  # views only in its config.\n"
                  "  access-control: %s allow\n",
                  subnet);
        for (size_t i = 0; i < p->n; i++) {
                char ip[16];
                ipv4_format(p->slots[i].addr, ip);
                text_emit(t, "  access-control-view: %s/32 \"" UNBOUND_VIEW_PREFIX "%s\"\n", ip, ip);
        }
}

void unbound_views_emit_clauses(const struct unbound_view_plan *p, const char *zone, struct text *t) {
        if (!p->slots)
                return;
        text_emit(t, "\n"
                     "# The views of the VPN's addresses: NXDOMAIN for the names of the\n"
                     "# services the peer may not use (all of them for a disabled or expired\n"
                     "# peer); any other name is answered as for everyone (view-first).\n");
        for (size_t i = 0; i < p->n; i++) {
                char ip[16];
                ipv4_format(p->slots[i].addr, ip);
                text_emit(t,
                          "view:\n"
                          "  name: \"" UNBOUND_VIEW_PREFIX "%s\"\n"
                          "  view-first: yes\n",
                          ip);
                for (unsigned k = 0; k < p->n_services; k++)
                        if (p->slots[i].denied & ((uint64_t)1 << k))
                                text_emit(t, "  local-zone: \"%s.%s.\" " UNBOUND_VIEW_DENY "\n", p->services[k], zone);
        }
}

int render_unbound_denied_names(const struct cell_state *st, const struct wg_peer_view *peer, char ***ret,
                                size_t *ret_n) {
        if (!st || !peer || !st->zone || !valid_domain(st->zone))
                return -EINVAL;
        _cleanup_free_ const char **services = NULL;
        unsigned n_services;
        uint64_t denied;
        int r = sorted_services(st, &services, &n_services);
        if (r < 0 || (r = peer_denied(peer, services, n_services, &denied)) < 0)
                return r;
        size_t n = 0, bytes = 0;
        for (unsigned k = 0; k < n_services; k++)
                if (denied & ((uint64_t)1 << k)) {
                        n++;
                        bytes += strlen(services[k]) + strlen(st->zone) + 3;
                }
        /* One allocation: the pointers, a NULL, then the names. */
        char **v = malloc((n + 1) * sizeof *v + bytes);
        if (!v)
                return -ENOMEM;
        char *s = (char *)(v + n + 1);
        size_t i = 0;
        for (unsigned k = 0; k < n_services; k++)
                if (denied & ((uint64_t)1 << k)) {
                        v[i++] = s;
                        s += sprintf(s, "%s.%s.", services[k], st->zone) + 1;
                }
        v[n] = NULL;
        *ret = v;
        *ret_n = n;
        return 0;
}
