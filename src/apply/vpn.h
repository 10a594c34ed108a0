/* The VPN side of a snapshot: the cell's WireGuard key pair (made on
 * first start, kept in DIR/secrets/wireguard.key, 0600), and the peers
 * from the store with their preshared keys, turned into the cell_state
 * fields the WireGuard, nftables and Unbound renderers read. */
#pragma once

#include <jansson.h>

#include "common/wgkey.h"
#include "render/render.h"
#include "store/peers.h"
#include "store/store.h"

struct vpn_snapshot {
        struct peer *peers;
        struct wg_peer_view *views;
        struct peer_name_view *names;
        const char **services; /* 6 per peer, into config_services */
        char (*psks)[WGKEY_B64_SIZE];
        unsigned n;
        char private_key[WGKEY_B64_SIZE];
        char public_key[WGKEY_B64_SIZE];
};

/* Makes the cell's key pair if it has none yet (DIR/secrets/wireguard.key). */
int vpn_ensure_cell_key(const char *secrets_dir);
/* The peer's secret files: DIR/secrets/peers/<name>.key and .psk. */
int vpn_peer_secret_path(const char *secrets_dir, const char *name, const char *suffix, char **ret);

/* A stored peer as the renderers see it: its services' names go into
 * `services` (room for config_services_count), an expired peer counts as
 * disabled. The view points into p, psk and services. */
void vpn_peer_view(const struct peer *p, const char *psk, const char **services, int64_t now,
                   struct wg_peer_view *ret);
/* Peers expired by `now` are left out as if disabled. */
int vpn_snapshot_load(struct vpn_snapshot *ret, struct store *s, const char *secrets_dir, int64_t now);
void vpn_snapshot_release(struct vpn_snapshot *v);
void vpn_snapshot_fill(const struct vpn_snapshot *v, json_t *flat, struct cell_state *st);
