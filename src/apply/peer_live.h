/* One peer's change, applied to the running daemons at once: its
 * WireGuard entry (wireguard-go's socket, or `wg set`), its access-set
 * elements (one nf_tables netlink batch), the names its DNS view hides and
 * its name in the zone (Unbound's control socket).
 * Nothing else is touched and no file is written here: the managed files
 * follow later, in one go (runtime_peer_changed). The cost is the same at
 * 10 peers and at 10,000. */
#pragma once

#include <stdint.h>

#include "render/render.h"
#include "store/peers.h"

struct peer_live {
        const struct cell_state *st; /* the running config: zone, interface, service addresses */
        const char *wg_tmp_dir;      /* private to picd; NULL: WireGuard is not running, its part is skipped */
        const char *secrets_dir;     /* where the peers' preshared keys are */
        int64_t now;                 /* an expired peer counts as disabled */
};

/* before and after are the peer as stored before and after the commit;
 * NULL for a peer added or removed. Returns 0, or a negative errno with
 * a message for the log (caller frees) when a daemon refused or did not
 * answer: the caller then reconciles the whole, which repairs. */
int peer_live_apply(const struct peer_live *l, const struct peer *before, const struct peer *after,
                    char **ret_message);
