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
};

/* Caddy's JSON config (caddy run --config FILE, and POST /load). */
int render_caddy(const struct cell_state *st, struct buf *out);

/* Unbound: unbound.conf (server, remote-control, forwarding; it includes
 * local-data.conf) and local-data.conf (the zone: service names and the
 * records), kept apart so that a record change can be applied live with
 * unbound-control local_data / local_data_remove instead of a reload. */
int render_unbound_conf(const struct cell_state *st, struct buf *out);
int render_unbound_local_data(const struct cell_state *st, struct buf *out);
