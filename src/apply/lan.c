/* The LAN side of a snapshot; see lan.h. */
#include "apply/lan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/validate.h"
#include "store/config.h"

struct reservation_list {
        struct dhcp_reservation *v;
        unsigned n;
};

static int collect_reservation(const struct dhcp_reservation *r, void *userdata) {
        struct reservation_list *list = userdata;
        if (list->n >= DHCP_RESERVATIONS_MAX)
                return 0;
        /* A row that fails its grammar never reaches a config file,
         * whatever put it in the store. */
        uint32_t addr;
        if (!valid_mac(r->mac, NULL) || ipv4_parse(r->ip, &addr) < 0 || (r->name[0] && !valid_host_label(r->name)))
                return 0;
        if (list->n % 64 == 0) {
                struct dhcp_reservation *grown = reallocarray(list->v, list->n + 64, sizeof *grown);
                if (!grown)
                        return -ENOMEM;
                list->v = grown;
        }
        list->v[list->n++] = *r;
        return 0;
}

static const char *flat_string(json_t *flat, const char *key) {
        const char *s = json_string_value(json_object_get(flat, key));
        return s ? s : "";
}

/* The strings of a list field that pass its grammar, at most max. */
static unsigned list_of(json_t *flat, const char *key, const char **out, unsigned max) {
        const struct config_field *f = config_field_find(key);
        unsigned n = 0;
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(flat, key), i, item) {
                const char *s = json_string_value(item);
                if (s && n < max && (!f || !f->check_item || !f->check_item(s)))
                        out[n++] = s;
        }
        return n;
}

static void load_subnets(struct lan_snapshot *l, json_t *flat) {
        struct cidr4 vpn;
        if (cidr4_parse(flat_string(flat, "vpn_address"), &vpn) == 0) {
                struct cidr4 net = {cidr4_network(&vpn), vpn.prefix};
                cidr4_format(&net, l->vpn_subnet);
        }
        struct cidr4 lan;
        if (config_dhcp_subnet(flat, &lan) < 0) {
                if (json_is_true(json_object_get(flat, "dhcp.enabled")))
                        log_warning("DHCP is on, but interface '%s' is missing or has no IPv4 address: not serving it",
                                    flat_string(flat, "dhcp.interface"));
                return;
        }
        struct cidr4 net = {cidr4_network(&lan), lan.prefix};
        cidr4_format(&net, l->lan_subnet);
        ipv4_format(lan.addr, l->own_ip);
        ipv4_format(cidr4_netmask(lan.prefix), l->netmask);
        const char *router = flat_string(flat, "dhcp.router");
        snprintf(l->router, sizeof l->router, "%s", router[0] ? router : l->own_ip);
}

int lan_snapshot_load(struct lan_snapshot *ret, struct store *s, json_t *flat, const char *lease_file, int64_t now) {
        struct lan_snapshot l = {0};
        struct reservation_list res = {0};
        int r = dhcp_reservations_foreach(s, collect_reservation, &res);
        if (r < 0) {
                free(res.v);
                return r;
        }
        l.reservations = res.v;
        l.n_reservations = res.n;

        size_t n_leases = 0, skipped = 0;
        r = dhcp_leases_read(lease_file, &l.leases, &n_leases, &skipped);
        if (r < 0)
                log_warning_errno(r, "Cannot read the DHCP leases in %s, ignoring them", lease_file);
        if (skipped)
                log_warning("%zu malformed lines in %s, ignoring them", skipped, lease_file);
        /* Expired leases stay in the file until dnsmasq next rewrites it. */
        for (size_t i = 0; i < n_leases; i++)
                if (l.leases[i].expires == 0 || l.leases[i].expires > now)
                        l.leases[l.n_leases++] = l.leases[i];

        l.reservation_views = calloc(l.n_reservations + 1, sizeof *l.reservation_views);
        l.lease_views = calloc(l.n_leases + 1, sizeof *l.lease_views);
        if (!l.reservation_views || !l.lease_views) {
                lan_snapshot_release(&l);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < l.n_reservations; i++)
                l.reservation_views[i] = (struct dhcp_reservation_view){
                        l.reservations[i].mac, l.reservations[i].ip, l.reservations[i].name};
        for (unsigned i = 0; i < l.n_leases; i++)
                l.lease_views[i] = (struct dhcp_lease_view){l.leases[i].mac, l.leases[i].ip, l.leases[i].hostname};

        load_subnets(&l, flat);
        l.n_ntp_servers = list_of(flat, "ntp.servers", l.ntp_servers, NTP_SERVERS_MAX);
        l.n_ntp_allow = list_of(flat, "ntp.allow", l.ntp_allow, NTP_ALLOW_MAX);
        *ret = l;
        return 0;
}

void lan_snapshot_release(struct lan_snapshot *l) {
        free(l->reservations);
        free(l->reservation_views);
        free(l->leases);
        free(l->lease_views);
        *l = (struct lan_snapshot){0};
}

void lan_snapshot_fill(const struct lan_snapshot *l, json_t *flat, struct cell_state *st) {
        json_int_t port_dhcp = json_integer_value(json_object_get(flat, "ports.dhcp"));
        json_int_t lease_time = json_integer_value(json_object_get(flat, "dhcp.lease_time"));
        json_int_t stratum = json_integer_value(json_object_get(flat, "ntp.local_stratum"));
        /* DHCP runs only when its interface is there now: with the
         * interface gone there is no subnet to serve. */
        st->dhcp_enabled = json_is_true(json_object_get(flat, "dhcp.enabled")) && l->lan_subnet[0];
        st->port_dhcp = (uint16_t)port_dhcp;
        st->dhcp_interface = flat_string(flat, "dhcp.interface");
        st->dhcp_range_start = flat_string(flat, "dhcp.range_start");
        st->dhcp_range_end = flat_string(flat, "dhcp.range_end");
        st->dhcp_netmask = l->netmask;
        st->dhcp_router = l->router;
        st->dhcp_dns_server = l->own_ip;
        st->dhcp_lease_seconds = (uint32_t)lease_time;
        st->dhcp_reservations = l->reservation_views;
        st->n_dhcp_reservations = l->n_reservations;
        st->dhcp_leases = l->lease_views;
        st->n_dhcp_leases = l->n_leases;
        st->port_ntp = (uint16_t)json_integer_value(json_object_get(flat, "ports.ntp"));
        st->ntp_servers = l->ntp_servers;
        st->n_ntp_servers = l->n_ntp_servers;
        st->ntp_local_stratum = stratum >= 0 && stratum <= 15 ? (unsigned)stratum : 0;
        st->ntp_allow = l->ntp_allow;
        st->n_ntp_allow = l->n_ntp_allow;
        st->vpn_subnet = l->vpn_subnet;
        st->lan_subnet = l->lan_subnet;
}
