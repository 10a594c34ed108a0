/* GET /api/wireguard/status: the VPN as last sampled on picd's loop (see
 * apply/vpn_stats.h), never a dump per request: each peer's endpoint,
 * last handshake, byte counters and current rates; with ?peer=NAME, that
 * peer alone with its recent history, for a traffic chart. Also which
 * WireGuard runs the interface: the kernel's or wireguard-go. */
#include <errno.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/runtime.h"
#include "apply/vpn.h"
#include "apply/vpn_stats.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "common/validate.h"
#include "store/peers.h"
#include "supervise/supervisor.h"

static json_t *time_or_null(int64_t t) {
        char text[ISO8601_LEN];
        if (!t)
                return json_null();
        format_iso8601(t, text);
        return json_string(text);
}

static json_t *rates(const uint32_t *v, unsigned n) {
        json_t *list = json_array();
        for (unsigned i = VPN_STATS_HISTORY - n; list && i < VPN_STATS_HISTORY; i++)
                json_array_append_new(list, json_integer(v[i]));
        return list;
}

static json_t *peer_json(const struct wg_peer_view *p, const struct peer_stats *st, bool history) {
        json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:I, s:I, s:I, s:I}", "name", p->name, "public_key",
                              p->public_key, "enabled", p->enabled, "endpoint",
                              st && st->endpoint[0] ? json_string(st->endpoint) : json_null(), "latest_handshake",
                              time_or_null(st ? st->latest_handshake : 0), "rx_bytes",
                              (json_int_t)(st ? st->rx_bytes : 0), "tx_bytes", (json_int_t)(st ? st->tx_bytes : 0),
                              "rx_rate", (json_int_t)(st && st->n_history ? st->rx_rate[VPN_STATS_HISTORY - 1] : 0),
                              "tx_rate", (json_int_t)(st && st->n_history ? st->tx_rate[VPN_STATS_HISTORY - 1] : 0));
        if (o && history)
                json_object_set_new(o, "history",
                                    json_pack("{s:o, s:o}", "rx_rate", rates(st ? st->rx_rate : NULL, st ? st->n_history : 0),
                                              "tx_rate", rates(st ? st->tx_rate : NULL, st ? st->n_history : 0)));
        return o;
}

struct status_walk {
        const char *only;
        const struct vpn_stats *stats; /* NULL: the VPN is not running */
        json_t *peers;
        bool found;
        int64_t now;
};

/* Peers come from the store, not the last rendered state: a peer added a
 * moment ago is live before the files are rewritten. */
static int status_peer(const struct peer *stored, void *userdata) {
        struct status_walk *w = userdata;
        if (w->only && !streq(w->only, stored->name))
                return 0;
        w->found = true;
        const char *services[32];
        struct wg_peer_view p;
        vpn_peer_view(stored, "", services, w->now, &p);
        json_t *o = peer_json(&p, w->stats ? vpn_stats_find(w->stats, p.public_key) : NULL, w->only != NULL);
        return o && json_array_append_new(w->peers, o) == 0 ? 0 : -ENOMEM;
}

int wireguard_status_handler(struct request *req, struct response *resp) {
        struct runtime *rt = req->ctx->runtime;
        if (!rt)
                return api_error(resp, 503, NULL, "the VPN is not running");
        const char *only = request_query(req, "peer");
        if (only && !valid_name(only))
                return api_error(resp, 400, "peer", "peer must be a peer's name");
        const struct cell_state *st = runtime_state(rt);
        const struct vpn_stats *stats = runtime_vpn_stats(rt);
        struct supervised *wg = supervisor_find(runtime_supervisor(rt), "wireguard");
        bool running = wg && supervised_state(wg) == SERVICE_READY;
        /* What the current start chose (also one that failed, in backoff):
         * the kernel's interface is the adapter's oneshot, wireguard-go
         * its daemon (services/wireguard.c). Nothing while down. */
        const char *implementation = !wg || supervised_state(wg) == SERVICE_DOWN ? NULL
                                     : supervised_oneshot(wg)                      ? "kernel"
                                                                                   : "userspace";
        _cleanup_json_ json_t *peers = json_array();
        if (!peers)
                return api_error_errno(resp, -ENOMEM, "status");
        struct status_walk w = {.only = only, .stats = running ? stats : NULL, .peers = peers, .now = now_unix()};
        struct peer one;
        int r = only ? (peers_get(req->ctx->store, only, &one) == 0 ? status_peer(&one, &w) : 0)
                     : peers_foreach(req->ctx->store, status_peer, &w);
        if (r < 0)
                return api_error_errno(resp, r, "status");
        if (only && !w.found)
                return api_error(resp, 404, NULL, "no peer '%s'", only);
        return api_reply(resp, 200,
                         json_pack("{s:s, s:b, s:s?, s:s, s:i, s:o, s:i, s:O}", "interface",
                                   st->wg_interface ? st->wg_interface : "", "running", running, "implementation",
                                   implementation, "public_key", st->wg_public_key ? st->wg_public_key : "",
                                   "listen_port", (int)st->port_wireguard, "sampled_at",
                                   time_or_null(running ? stats->sampled_at : 0), "interval_s", VPN_STATS_INTERVAL,
                                   "peers", peers));
}
