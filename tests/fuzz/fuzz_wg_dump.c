/* What picd reads of WireGuard's live state, `wg show dump` and
 * wireguard-go's UAPI answer: endpoints and counters a peer on the network
 * influences. The first input byte picks the parser; whatever the rest
 * is, nothing crashes or leaks, and every peer that comes out has a valid
 * public key, an endpoint that fits, and a place in the sorted order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/wgkey.h"
#include "services/wg_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool ready;
        if (!ready) {
                if (sodium_init() < 0)
                        abort();
                ready = true;
        }
        if (size < 1)
                return 0;
        const char *text = (const char *)data + 1;
        struct wg_dump d;
        int r = data[0] & 1 ? wg_uapi_dump_parse(text, size - 1, &d) : wg_dump_parse(text, size - 1, &d);
        if (r < 0)
                return 0;
        if (d.n_peers > WG_DUMP_PEERS_MAX || (d.n_peers && !d.peers))
                abort();
        for (size_t i = 0; i < d.n_peers; i++) {
                const struct wg_dump_peer *p = &d.peers[i];
                if (!wgkey_valid(p->public_key) || strnlen(p->endpoint, sizeof p->endpoint) >= sizeof p->endpoint)
                        abort();
                if (i > 0 && strcmp(d.peers[i - 1].public_key, p->public_key) >= 0)
                        abort();
                if (wg_dump_find(&d, p->public_key) != p)
                        abort();
        }
        wg_dump_release(&d);
        return 0;
}
