/* Renderers: pure functions from a snapshot of the cell's state to the text
 * of one daemon's config file. No I/O, no clock, no randomness: the same
 * state gives the same bytes, so the reconciler can compare with disk and a
 * golden test can pin the output. Every value that reaches a renderer has
 * been validated by the store's grammars; renderers still escape for their
 * output format (JSON strings through jansson, never by hand). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

/* One DNS record of the cell's zone, as stored (validated for its type). */
struct dns_record_view {
        const char *name;  /* relative to the zone: "www", "_sip._tcp", "@" for the apex */
        const char *type;  /* A, AAAA, CNAME, TXT, MX, SRV */
        const char *value; /* A/AAAA: the address; CNAME/MX/SRV: the target name; TXT: the text */
        uint32_t ttl;
        uint16_t priority; /* MX, SRV */
        uint16_t weight;   /* SRV */
        uint16_t port;     /* SRV */
};

/* A fixed DHCP address (and, with a name, a DNS name under "lan."). */
struct dhcp_reservation_view {
        const char *mac;  /* "aa:bb:cc:dd:ee:ff", lower case */
        const char *ip;
        const char *name; /* a DNS label, or "" */
};

/* A lease from dnsmasq's lease file. The client chose its name: the
 * runtime keeps it only when it is a valid DNS label (lower-cased). */
struct dhcp_lease_view {
        const char *mac;
        const char *ip;
        const char *name; /* a DNS label, or "" */
};

/* A VPN peer's name and address, served as <name>.peers.<zone>. */
struct peer_name_view {
        const char *name;
        const char *ip;
};

/* A WireGuard peer as the renderers of the VPN see it (validated). */
struct wg_peer_view {
        const char *name;               /* a DNS label */
        const char *ip;                 /* its address in the VPN subnet */
        const char *public_key;         /* base64, 44 characters */
        const char *preshared_key;      /* base64, or "" */
        const char *const *services;    /* the cell's services it may reach ("dns", "calendar"...) */
        unsigned n_services;
        bool full_tunnel;               /* all its traffic through the cell (NATed out of the uplink) */
        bool enabled;                   /* false: no WireGuard entry, no access */
        unsigned keepalive;             /* seconds, 0: off */
};

/* One peer's own wg-quick config, as its owner downloads it. */
struct wg_client_view {
        const char *name;
        const char *ip;
        const char *private_key;   /* base64, or NULL when the client supplied its public key */
        const char *preshared_key; /* base64, or NULL */
        bool full_tunnel;
        unsigned keepalive;
};

struct service_ip_view {
        const char *service; /* "dns", "calendar"... */
        const char *ip;
};

/* What the renderers read: filled by apply/ from a store snapshot plus the
 * cell's paths. Strings are borrowed. */
struct cell_state {
        const char *cell_name;
        const char *domain;
        const char *profile;          /* "dev" or "system" */
        const char *public_endpoint;  /* may be "" */
        const char *listen_address;   /* "127.0.0.1" in dev, "" (all) in system */
        uint16_t port_ui;
        uint16_t port_api;
        /* Paths, absolute. */
        const char *api_socket;       /* DIR/run/api.sock: picd's API for the proxy */
        const char *caddy_admin_socket; /* DIR/run/caddy/admin.sock */
        const char *webui_dist;       /* the built web UI (index.html inside) */
        const char *caddy_data_dir;   /* DIR/data/caddy: Caddy's own storage */

        /* DNS (Unbound). The zone is "<cell_name>.<domain>". */
        uint16_t port_dns;
        const char *zone;
        const struct service_ip_view *service_ips;
        unsigned n_service_ips;
        const struct dns_record_view *dns_records; /* sorted by name, type, value */
        unsigned n_dns_records;
        const char *const *dns_forwarders; /* "IP" or "IP@PORT", maybe "#tls-name" with forward_tls */
        unsigned n_dns_forwarders;
        bool dns_forward_tls;
        const char *unbound_dir;            /* DIR/config/unbound: where its files live */
        const char *unbound_control_socket; /* DIR/run/unbound/control.sock */
        /* Names served in the zone besides the records: VPN peers as
         * <name>.peers.<zone>, DHCP hosts as <name>.lan.<zone>. A lan name
         * comes from a reservation first, else from a lease; a name given
         * twice is served once, for its first address. The renderer sorts
         * the names itself. */
        const struct peer_name_view *peers;
        unsigned n_peers;

        /* DHCP (dnsmasq, DHCP only: port=0). */
        bool dhcp_enabled;
        uint16_t port_dhcp;                /* 0: the standard 67 */
        const char *dhcp_interface;        /* "" when unset */
        const char *dhcp_range_start;      /* IPv4, "" when unset */
        const char *dhcp_range_end;
        const char *dhcp_netmask;          /* of the interface's subnet, "255.255.255.0"; "" when unknown */
        const char *dhcp_router;           /* IPv4: the given router, else the cell's address on the interface */
        const char *dhcp_dns_server;       /* the cell's address on the interface; "" when unknown */
        uint32_t dhcp_lease_seconds;
        const struct dhcp_reservation_view *dhcp_reservations; /* sorted by mac */
        unsigned n_dhcp_reservations;
        const struct dhcp_lease_view *dhcp_leases; /* sorted by ip */
        unsigned n_dhcp_leases;
        const char *dnsmasq_dir;           /* DIR/config/dnsmasq: dnsmasq.conf, reservations */
        const char *dnsmasq_lease_file;    /* DIR/data/dnsmasq/leases */
        const char *dnsmasq_user;          /* an existing user dnsmasq runs as (unnamed, it drops to nobody) */

        /* NTP (chrony). */
        uint16_t port_ntp;
        const char *const *ntp_servers;    /* host names or IPv4, used as pools */
        unsigned n_ntp_servers;
        unsigned ntp_local_stratum;        /* 1..15: serve the local clock at this stratum when no source is; 0: never */
        const char *const *ntp_allow;      /* client subnets (CIDR), besides the VPN's and the LAN's */
        unsigned n_ntp_allow;
        const char *vpn_subnet;            /* "10.0.0.0/24": served NTP */
        const char *lan_subnet;            /* the DHCP interface's subnet, "" when unknown: served NTP */
        const char *chrony_dir;            /* DIR/config/chrony */
        const char *chrony_socket;         /* DIR/run/chrony/chronyd.sock: chronyc's */
        const char *chrony_pid_file;       /* DIR/run/chrony/chronyd.pid */
        const char *chrony_drift_file;     /* DIR/data/chrony/drift */

        /* The VPN (WireGuard). */
        const char *wg_interface;          /* "pic0" */
        uint16_t port_wireguard;
        const char *wg_private_key;        /* the cell's, base64 (from DIR/secrets/wireguard.key, 0600) */
        const char *wg_public_key;         /* the cell's, base64 */
        const char *vpn_address;           /* the cell's, "10.0.0.1/24" */
        const char *ip_range;              /* the services' subnet, "172.20.0.0/24" */
        const char *uplink;                /* full-tunnel peers are NATed out of it; "" none */
        bool peer_to_peer;                 /* peers may reach each other */
        const char *wg_implementation;     /* "auto", "kernel" or "userspace" (services/wg_mode.h) */
        const struct wg_peer_view *wg_peers; /* sorted by name */
        unsigned n_wg_peers;
};

/* Caddy's JSON config (caddy run --config FILE, and POST /load). */
int render_caddy(const struct cell_state *st, struct buf *out);

/* Unbound: unbound.conf (server, remote-control, forwarding; it includes
 * local-data.conf) and local-data.conf (the zone: service names, the
 * records, VPN peers and LAN hosts), kept apart so that a record change can be applied live with
 * unbound-control local_data / local_data_remove instead of a reload. */
int render_unbound_conf(const struct cell_state *st, struct buf *out);
int render_unbound_local_data(const struct cell_state *st, struct buf *out);
/* One VPN peer's line of that zone ("NAME.peers.ZONE. TTL IN A IP\n"), or
 * with name_only its owner name alone, for unbound-control's local_datas
 * and local_datas_remove; -EINVAL when the name or address fails. */
int render_unbound_peer_rr(const struct cell_state *st, const char *name, const char *ip, bool name_only,
                           struct buf *out);

/* With the VPN on (wg_interface not ""), unbound.conf also holds one view
 * per address of the VPN subnet (but the cell's), named after it and
 * bound to it with access-control-view; a peer's view answers NXDOMAIN
 * (a local zone of type always_nxdomain) for each name "<service>.<zone>."
 * of service_ips that the peer may not use, all of them when the peer is
 * disabled. A change of those lines alone goes to the running Unbound
 * with view_local_zone (services/unbound_views.h). */
#define UNBOUND_VIEW_PREFIX "vpn-"
#define UNBOUND_VIEW_DENY "always_nxdomain"
#define UNBOUND_VIEW_NAME_SIZE 20 /* "vpn-" + a dotted quad + NUL */
/* The view of a VPN address: "vpn-10.0.0.5". -EINVAL: not a dotted quad. */
int render_unbound_view_name(const char *ip, char out[static UNBOUND_VIEW_NAME_SIZE]);
/* Whether a peer at ip would change the set of views of st (their
 * number grows with the highest peer address, a block at a time): then
 * unbound.conf changes beyond view contents, and only a reload applies it. */
bool render_unbound_views_grow(const struct cell_state *st, const char *ip);
/* The names the peer's view answers NXDOMAIN for, sorted, as a
 * NULL-terminated vector in one allocation (free(*ret) frees it all). */
int render_unbound_denied_names(const struct cell_state *st, const struct wg_peer_view *peer, char ***ret,
                                size_t *ret_n);

/* dnsmasq in DHCP-only mode: dnsmasq.conf (re-read only by a restart) and
 * the reservations file it names as dhcp-hostsfile (re-read on SIGHUP). */
int render_dnsmasq_conf(const struct cell_state *st, struct buf *out);
int render_dnsmasq_reservations(const struct cell_state *st, struct buf *out);

/* chrony.conf. */
int render_chrony_conf(const struct cell_state *st, struct buf *out);

/* The cell's side of WireGuard in `wg setconf` form, used at start and on
 * repair (wg syncconf); single peers change with `wg set`. The text holds
 * the private and preshared keys: it is only ever written to a 0600 file
 * under DIR/secrets. */
int render_wg_setconf(const struct cell_state *st, struct buf *out);
/* A peer's wg-quick config. */
int render_wg_client_config(const struct cell_state *st, const struct wg_client_view *c, struct buf *out);
/* The nftables ruleset, table inet pic, loaded whole with `nft -f` at
 * start; single peers change by set element (render_nft_peer_elements). */
int render_nftables(const struct cell_state *st, struct buf *out);
/* One peer's access change from `before` to `after` as set elements, in
 * host byte order: a pair is the peer's address << 32 | the service's,
 * sorted; what both sides have is in neither list. */
#define NFT_PEER_SERVICES_MAX 32
struct nft_peer_delta {
        uint64_t del_pairs[NFT_PEER_SERVICES_MAX], add_pairs[NFT_PEER_SERVICES_MAX];
        size_t n_del_pairs, n_add_pairs;
        uint64_t del_tunnel[1], add_tunnel[1]; /* full_tunnel: the address alone */
        size_t n_del_tunnel, n_add_tunnel;
};
int render_nft_peer_delta(const struct cell_state *st, const struct wg_peer_view *before,
                          const struct wg_peer_view *after, struct nft_peer_delta *ret);
/* An `nft -f` transaction that changes one peer's access from `before`
 * to `after` (either may be NULL: a peer added or removed), by element
 * only: no flush, no moment without filtering. */
int render_nft_peer_elements(const struct cell_state *st, const struct wg_peer_view *before,
                             const struct wg_peer_view *after, struct buf *out);
