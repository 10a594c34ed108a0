/* VPN peers: a DNS-safe name, an address in the VPN subnet, a public key
 * (the cell's own key pair, or one the client supplies), the cell's
 * services it may reach, full or split tunnel, keepalive, enabled, and an
 * optional expiry. Secrets are not here: the API keeps the private and
 * preshared keys in 0600 files. Functions return 0 or a negative errno;
 * nothing here logs. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cidr.h"
#include "store/store.h"

#define PEERS_MAX 65536
#define PEER_KEEPALIVE_DEFAULT 25
#define PEER_KEEPALIVE_MAX 3600
#define PEER_SEARCH_MAX_LEN 64

struct peer {
        char name[33];
        char ip[16];
        char public_key[45];
        bool cell_key;     /* the cell made the key pair and keeps the private key */
        uint32_t services; /* bit n: config_services[n] */
        bool full_tunnel;
        uint16_t keepalive; /* seconds, 0: off */
        bool enabled;
        int64_t expires; /* unix seconds, 0: never */
        int64_t created;
};

struct peer_error {
        const char *field;
        char message[160];
};

/* A peer from a request body. For a create, `name` is required and
 * `ip`, `public_key` optional (both are filled in later); for an update,
 * base is the peer as stored and the body's fields replace its own (name,
 * ip and public_key cannot change). -EINVAL with err. */
int peer_from_json(json_t *body, const struct peer *base, int64_t now, struct peer *ret, struct peer_error *err);
/* {"name", "ip", "public_key", "key_kept_by_cell", "services", "full_tunnel",
 * "keepalive", "enabled", "expires", "expired", "created", "fqdn"}. */
json_t *peer_to_json(const struct peer *p, const char *zone, int64_t now);
bool peer_expired(const struct peer *p, int64_t now);

/* -ENOENT when there is no such peer. */
int peers_get(struct store *s, const char *name, struct peer *ret);
struct peers_query {
        const char *search; /* NULL: any; else a substring of the name or the address */
        int64_t limit;      /* -1: all */
        int64_t offset;
};
int peers_list(struct store *s, const struct peers_query *q, const char *zone, int64_t now, json_t **ret_list,
               int64_t *ret_total);
int peers_foreach(struct store *s, int (*cb)(const struct peer *p, void *userdata), void *userdata);

/* A free address of the VPN subnet (not the network, broadcast, the
 * cell's own address or a peer's): the next one after the last handed
 * out, wrapping around (see peers.c). -ENOSPC when none is left. */
int peers_free_ip(struct store *s, const struct cidr4 *vpn, char ret[16]);

/* Mutations inside a transaction, each recording a change (entity "peer",
 * key the name; the JSON holds no secret).
 * -EEXIST (err): the name, the address or the public key is taken.
 * -EINVAL (err): the address is outside the VPN subnet or special.
 * -EDQUOT: PEERS_MAX reached. -ENOENT: no such peer (update, delete). */
int peers_create(struct txn *t, const struct peer *p, const struct cidr4 *vpn, struct peer_error *err);
int peers_update(struct txn *t, const struct peer *p, bool *ret_changed);
int peers_delete(struct txn *t, const char *name, struct peer *ret_old);
