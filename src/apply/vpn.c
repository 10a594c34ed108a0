/* The VPN side of a snapshot; see vpn.h. */
#include "apply/vpn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/secretfile.h"
#include "store/config.h"

int vpn_peer_secret_path(const char *secrets_dir, const char *name, const char *suffix, char **ret) {
        return asprintf(ret, "%s/peers/%s.%s", secrets_dir, name, suffix) < 0 ? -ENOMEM : 0;
}

static int cell_key_path(const char *secrets_dir, char **ret) {
        return asprintf(ret, "%s/wireguard.key", secrets_dir) < 0 ? -ENOMEM : 0;
}

int vpn_ensure_cell_key(const char *secrets_dir) {
        _cleanup_free_ char *path = NULL, *peers = NULL;
        int r;
        if ((r = cell_key_path(secrets_dir, &path)) < 0 || asprintf(&peers, "%s/peers", secrets_dir) < 0)
                return r < 0 ? r : -ENOMEM;
        if ((r = secret_dir_make(secrets_dir)) < 0 || (r = secret_dir_make(peers)) < 0)
                return r;
        return wgkey_file_ensure(path);
}

void vpn_peer_view(const struct peer *p, const char *psk, const char **services, int64_t now,
                   struct wg_peer_view *ret) {
        unsigned n = 0;
        for (unsigned k = 0; k < config_services_count; k++)
                if (p->services & (1u << k))
                        services[n++] = config_services[k];
        *ret = (struct wg_peer_view){
                .name = p->name,
                .ip = p->ip,
                .public_key = p->public_key,
                .preshared_key = psk,
                .services = services,
                .n_services = n,
                .full_tunnel = p->full_tunnel,
                .enabled = p->enabled && !peer_expired(p, now),
                .keepalive = p->keepalive,
        };
}

struct collect {
        struct peer *v;
        unsigned n, cap;
};

static int collect_peer(const struct peer *p, void *userdata) {
        struct collect *c = userdata;
        if (c->n == c->cap) {
                unsigned cap = c->cap ? c->cap * 2 : 64;
                struct peer *v = reallocarray(c->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                c->v = v;
                c->cap = cap;
        }
        c->v[c->n++] = *p;
        return 0;
}

int vpn_snapshot_load(struct vpn_snapshot *ret, struct store *s, const char *secrets_dir, int64_t now) {
        struct vpn_snapshot v = {0};
        _cleanup_free_ char *path = NULL;
        int r;
        if ((r = cell_key_path(secrets_dir, &path)) < 0)
                return r;
        if (secret_file_read(path, v.private_key, sizeof v.private_key) < 0 ||
            wgkey_public(v.private_key, v.public_key) < 0) {
                /* Without the cell's key the VPN cannot run; the rest can. */
                log_warning("No valid WireGuard key in %s: the VPN is off", path);
                v.private_key[0] = v.public_key[0] = 0;
        }
        struct collect c = {0};
        if ((r = peers_foreach(s, collect_peer, &c)) < 0) {
                free(c.v);
                return r;
        }
        v.peers = c.v;
        v.n = c.n;
        v.views = calloc(v.n + 1, sizeof *v.views);
        v.names = calloc(v.n + 1, sizeof *v.names);
        v.services = calloc((size_t)v.n * config_services_count + 1, sizeof *v.services);
        v.psks = calloc(v.n + 1, sizeof *v.psks);
        if (!v.views || !v.names || !v.services || !v.psks) {
                vpn_snapshot_release(&v);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < v.n; i++) {
                const struct peer *p = &v.peers[i];
                _cleanup_free_ char *psk_path = NULL;
                if (vpn_peer_secret_path(secrets_dir, p->name, "psk", &psk_path) < 0 ||
                    secret_file_read(psk_path, v.psks[i], sizeof v.psks[i]) < 0 || !wgkey_valid(v.psks[i]))
                        v.psks[i][0] = 0; /* no preshared key: still a working peer */
                vpn_peer_view(p, v.psks[i], v.services + (size_t)i * config_services_count, now, &v.views[i]);
                v.names[i] = (struct peer_name_view){p->name, p->ip};
        }
        *ret = v;
        return 0;
}

void vpn_snapshot_release(struct vpn_snapshot *v) {
        free(v->peers);
        free(v->views);
        free(v->names);
        free(v->services);
        free(v->psks);
        sodium_memzero(v->private_key, sizeof v->private_key);
        *v = (struct vpn_snapshot){0};
}

void vpn_snapshot_fill(const struct vpn_snapshot *v, json_t *flat, struct cell_state *st) {
        const char *iface = json_string_value(json_object_get(flat, "wireguard.interface"));
        const char *uplink = json_string_value(json_object_get(flat, "wireguard.uplink"));
        st->wg_interface = iface ? iface : "pic0";
        st->port_wireguard = (uint16_t)json_integer_value(json_object_get(flat, "ports.wireguard"));
        st->wg_private_key = v->private_key;
        st->wg_public_key = v->public_key;
        st->vpn_address = json_string_value(json_object_get(flat, "vpn_address"));
        st->ip_range = json_string_value(json_object_get(flat, "ip_range"));
        st->uplink = uplink ? uplink : "";
        st->peer_to_peer = json_is_true(json_object_get(flat, "wireguard.peer_to_peer"));
        const char *implementation = json_string_value(json_object_get(flat, "wireguard.implementation"));
        st->wg_implementation = implementation ? implementation : "auto";
        st->wg_peers = v->views;
        st->n_wg_peers = v->n;
        st->peers = v->names;
        st->n_peers = v->n;
}
