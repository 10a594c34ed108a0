/* The LAN side of a snapshot: DHCP reservations from the store, leases
 * from dnsmasq's lease file, the DHCP interface's subnet from the machine,
 * and the NTP lists, turned into the cell_state fields the dnsmasq,
 * chrony and Unbound renderers read. */
#pragma once

#include <jansson.h>

#include "common/cidr.h"
#include "render/render.h"
#include "services/dhcp_leases.h"
#include "store/dhcp.h"
#include "store/store.h"

struct lan_snapshot {
        struct dhcp_reservation *reservations;
        struct dhcp_reservation_view *reservation_views;
        unsigned n_reservations;
        struct dhcp_lease *leases;
        struct dhcp_lease_view *lease_views;
        unsigned n_leases;
        char own_ip[16], netmask[16], router[16];
        char lan_subnet[CIDR4_STRLEN], vpn_subnet[CIDR4_STRLEN];
        const char *ntp_servers[NTP_SERVERS_MAX]; /* into the flat config */
        unsigned n_ntp_servers;
        const char *ntp_allow[NTP_ALLOW_MAX];
        unsigned n_ntp_allow;
};

/* Loads everything but the strings of flat, which the fields borrow (flat
 * must outlive the snapshot). On failure *ret is left empty. */
int lan_snapshot_load(struct lan_snapshot *ret, struct store *s, json_t *flat, const char *lease_file, int64_t now);
void lan_snapshot_release(struct lan_snapshot *l);
/* Points st's DHCP, NTP and lan-name fields at l and flat. */
void lan_snapshot_fill(const struct lan_snapshot *l, json_t *flat, struct cell_state *st);
