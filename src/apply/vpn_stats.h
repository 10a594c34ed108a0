/* The VPN's live numbers, sampled on picd's loop every VPN_STATS_INTERVAL
 * seconds from wireguard-go's UAPI socket (vpn_sample.h), or from `wg show
 * IF dump` for a kernel interface (never on a request): each peer's last
 * handshake, endpoint and byte counters, and its recent traffic as rates,
 * a short history for a chart. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/wgkey.h"
#include "services/wg_dump.h"

#define VPN_STATS_INTERVAL 5
#define VPN_STATS_HISTORY 30 /* samples: two and a half minutes */

struct peer_stats {
        char public_key[WGKEY_B64_SIZE];
        char endpoint[WG_DUMP_ENDPOINT_SIZE];
        int64_t latest_handshake; /* unix seconds, 0: never */
        uint64_t rx_bytes, tx_bytes;
        /* Bytes per second over each interval, oldest first; the last
         * n_history are valid. */
        uint32_t rx_rate[VPN_STATS_HISTORY], tx_rate[VPN_STATS_HISTORY];
        unsigned n_history;
};

struct vpn_stats {
        struct peer_stats *peers; /* sorted by public key */
        size_t n;
        int64_t sampled_at;       /* unix seconds, 0: never */
        char public_key[WGKEY_B64_SIZE];
        uint16_t listen_port;
};

/* Folds a new dump in: counters replaced, rates from the difference with
 * the last sample (a counter that went down, a restarted interface,
 * counts from zero). */
int vpn_stats_update(struct vpn_stats *s, const struct wg_dump *d, int64_t now);
const struct peer_stats *vpn_stats_find(const struct vpn_stats *s, const char *public_key);
void vpn_stats_release(struct vpn_stats *s);
