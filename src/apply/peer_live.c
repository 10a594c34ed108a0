/* One peer's change, live; see peer_live.h. The order keeps the VPN
 * filtered at every moment: a peer coming in gets its access elements
 * before its WireGuard entry, and a peer leaving loses its entry before
 * its elements. */
#include "apply/peer_live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apply/vpn.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/secretfile.h"
#include "common/wgkey.h"
#include "services/nft_netlink.h"
#include "services/unbound_control.h"
#include "services/unbound_views.h"
#include "services/wg_apply.h"
#include "services/wg_uapi.h"
#include "store/config.h"

/* A peer as the renderers see it, with its preshared key read from its
 * 0600 file (wiped by the caller). */
struct live_view {
        struct wg_peer_view v;
        char psk[WGKEY_B64_SIZE];
        const char *services[32];
};

static void live_view_load(const struct peer_live *l, const struct peer *p, struct live_view *ret) {
        _cleanup_free_ char *path = NULL;
        if (vpn_peer_secret_path(l->secrets_dir, p->name, "psk", &path) < 0 ||
            secret_file_read(path, ret->psk, sizeof ret->psk) < 0 || !wgkey_valid(ret->psk))
                ret->psk[0] = 0; /* as vpn_snapshot_load: no preshared key, still a peer */
        vpn_peer_view(p, ret->psk, ret->services, l->now, &ret->v);
        /* The cell's side keeps no keepalive (render_wg_setconf writes
         * none), so the next syncconf agrees with what goes in now. */
        ret->v.keepalive = 0;
}

static int set_message(char **ret, int r, const char *what, char *detail) {
        if (ret && asprintf(ret, "%s: %s", what, detail ? detail : strerror(-r)) < 0)
                *ret = NULL;
        free(detail);
        return r;
}

/* One netlink batch (nft_netlink.h): no nft run, and all or nothing. */
static int apply_elements(const struct peer_live *l, const struct wg_peer_view *before,
                          const struct wg_peer_view *after, char **ret_message) {
        struct nft_peer_delta d;
        int r = render_nft_peer_delta(l->st, before, after, &d);
        if (r < 0)
                return set_message(ret_message, r, "nftables elements", NULL);
        char *why = NULL;
        if ((r = nft_netlink_apply_peer(&d, &why)) < 0)
                return set_message(ret_message, r, "nftables", why);
        return 0;
}

/* wireguard-go's socket when there is one; `wg set` for a kernel
 * interface, which has none. */
static int apply_wireguard(const struct peer_live *l, const struct wg_peer_view *before,
                           const struct wg_peer_view *after, char **ret_message) {
        const char *iface = l->st->wg_interface;
        char *why = NULL;
        bool upsert = after && after->enabled;
        if (!upsert && !(before && before->enabled))
                return 0;
        int r = upsert ? wg_uapi_peer_upsert(WG_UAPI_DIR, iface, after, &why)
                       : wg_uapi_peer_remove(WG_UAPI_DIR, iface, before->public_key, &why);
        if (r == -ENOENT || r == -ECONNREFUSED) {
                free(why);
                why = NULL;
                r = upsert ? wg_peer_upsert(iface, after, l->wg_tmp_dir, &why)
                           : wg_peer_remove(iface, before->public_key, &why);
        }
        return r < 0 ? set_message(ret_message, r, "wireguard", why) : 0;
}

/* The names its view hides (unbound_views.h): only what differs goes to
 * Unbound, one control command a name. There are views while the VPN has
 * an interface name, as render_unbound_conf writes them. */
static int apply_view(const struct peer_live *l, const struct wg_peer_view *before, const struct wg_peer_view *after,
                      char **ret_message) {
        if (!l->st->wg_interface || !l->st->wg_interface[0])
                return 0;
        const struct wg_peer_view *p = after ? after : before;
        char view[UNBOUND_VIEW_NAME_SIZE];
        _cleanup_free_ char **old = NULL, **new = NULL;
        size_t n_old = 0, n_new = 0;
        int r = render_unbound_view_name(p->ip, view);
        if (r >= 0 && before)
                r = render_unbound_denied_names(l->st, before, &old, &n_old);
        if (r >= 0 && after)
                r = render_unbound_denied_names(l->st, after, &new, &n_new);
        if (r < 0)
                return set_message(ret_message, r, "the peer's DNS view", NULL);
        char *why = NULL;
        r = unbound_view_denies_apply(l->st->unbound_control_socket, view, (const char *const *)old, n_old,
                                      (const char *const *)new, n_new, &why);
        return r < 0 ? set_message(ret_message, r, "unbound view", why) : 0;
}

/* The peer's name: added for a new peer, removed with a gone one. Its
 * name and address never change, so an update leaves the zone alone. */
static int apply_name(const struct peer_live *l, const struct peer *before, const struct peer *after,
                      char **ret_message) {
        if (!!before == !!after)
                return 0;
        _cleanup_buf_ struct buf line = BUF_INIT;
        buf_init(&line, 1024);
        const struct peer *p = after ? after : before;
        int r = render_unbound_peer_rr(l->st, p->name, p->ip, !after, &line);
        if (r < 0)
                return set_message(ret_message, r, "the peer's DNS name", NULL);
        char *answer = NULL;
        r = unbound_control(l->st->unbound_control_socket, after ? "local_datas" : "local_datas_remove",
                            buf_str(&line), &answer);
        if (r < 0)
                return set_message(ret_message, r, "unbound", answer);
        free(answer);
        return 0;
}

int peer_live_apply(const struct peer_live *l, const struct peer *before, const struct peer *after,
                    char **ret_message) {
        _cleanup_free_ struct live_view *old = before ? calloc(1, sizeof *old) : NULL,
                                        *new = after ? calloc(1, sizeof *new) : NULL;
        if ((before && !old) || (after && !new))
                return -ENOMEM;
        if (old)
                live_view_load(l, before, old);
        if (new)
                live_view_load(l, after, new);
        const struct wg_peer_view *b = old ? &old->v : NULL, *a = new ? &new->v : NULL;

        int r = 0;
        if (l->wg_tmp_dir) {
                bool was_on = b && b->enabled, is_on = a && a->enabled;
                /* Elements first when access grows, the entry first when the
                 * peer leaves: never an entry without its filter. */
                if (is_on) {
                        if ((r = apply_elements(l, b, a, ret_message)) >= 0 && !was_on)
                                r = apply_wireguard(l, b, a, ret_message);
                } else {
                        if (was_on)
                                r = apply_wireguard(l, b, a, ret_message);
                        if (r >= 0)
                                r = apply_elements(l, b, a, ret_message);
                }
        }
        if (r >= 0)
                r = apply_view(l, b, a, ret_message);
        if (r >= 0)
                r = apply_name(l, before, after, ret_message);
        if (old)
                sodium_memzero(old->psk, sizeof old->psk);
        if (new)
                sodium_memzero(new->psk, sizeof new->psk);
        return r;
}
