/* The VPN's live numbers; see vpn_stats.h. */
#include "apply/vpn_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int compare_key(const void *key, const void *elem) {
        return strcmp(key, ((const struct peer_stats *)elem)->public_key);
}

const struct peer_stats *vpn_stats_find(const struct vpn_stats *s, const char *public_key) {
        return s->n ? bsearch(public_key, s->peers, s->n, sizeof *s->peers, compare_key) : NULL;
}

static uint32_t rate(uint64_t now, uint64_t before, int64_t seconds) {
        if (now < before || seconds <= 0)
                return 0;
        uint64_t r = (now - before) / (uint64_t)seconds;
        return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

int vpn_stats_update(struct vpn_stats *s, const struct wg_dump *d, int64_t now) {
        struct peer_stats *v = calloc(d->n_peers + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        int64_t dt = s->sampled_at ? now - s->sampled_at : 0;
        for (size_t i = 0; i < d->n_peers; i++) {
                const struct wg_dump_peer *p = &d->peers[i];
                struct peer_stats *n = &v[i];
                memcpy(n->public_key, p->public_key, sizeof n->public_key);
                memcpy(n->endpoint, p->endpoint, sizeof n->endpoint);
                n->latest_handshake = p->latest_handshake;
                n->rx_bytes = p->rx_bytes;
                n->tx_bytes = p->tx_bytes;
                const struct peer_stats *old = vpn_stats_find(s, p->public_key);
                if (!old || dt <= 0)
                        continue;
                /* Shift the history left by one and append. */
                unsigned keep = old->n_history < VPN_STATS_HISTORY ? old->n_history : VPN_STATS_HISTORY - 1;
                memcpy(n->rx_rate + VPN_STATS_HISTORY - 1 - keep, old->rx_rate + VPN_STATS_HISTORY - keep,
                       keep * sizeof *n->rx_rate);
                memcpy(n->tx_rate + VPN_STATS_HISTORY - 1 - keep, old->tx_rate + VPN_STATS_HISTORY - keep,
                       keep * sizeof *n->tx_rate);
                n->rx_rate[VPN_STATS_HISTORY - 1] = rate(p->rx_bytes, old->rx_bytes, dt);
                n->tx_rate[VPN_STATS_HISTORY - 1] = rate(p->tx_bytes, old->tx_bytes, dt);
                n->n_history = keep + 1;
        }
        free(s->peers);
        s->peers = v; /* the dump is sorted by key: so is this */
        s->n = d->n_peers;
        s->sampled_at = now;
        memcpy(s->public_key, d->public_key, sizeof s->public_key);
        s->listen_port = d->listen_port;
        return 0;
}

void vpn_stats_release(struct vpn_stats *s) {
        free(s->peers);
        *s = (struct vpn_stats){0};
}
