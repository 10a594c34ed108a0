/* wireguard-go's configuration socket (the cross-platform UAPI, text
 * "key=value" lines ended by an empty one: DIR/IFACE.sock), spoken
 * directly to change one peer: a tenth of a millisecond, where a `wg set`
 * run costs two. A kernel interface has no such socket: -ENOENT, and the
 * caller runs `wg set` (wg_apply.h) instead. Keys travel as hex over the
 * socket only (in root's own directory), never on a command line; the
 * buffers that held them are wiped. */
#pragma once

#include "render/render.h"

#define WG_UAPI_DIR "/var/run/wireguard"
#define WG_UAPI_TIMEOUT_MS 5000

/* Sets the peer as p says (enabled: its one allowed IP replaces the
 * others, its preshared key or none, its keepalive); a disabled p is
 * removed. Returns 0, -ENOENT/-ECONNREFUSED when there is no socket to
 * talk to, -EINVAL for a value that fails its grammar (nothing sent),
 * -EIO with wireguard-go's errno in *ret_message when it refused. */
int wg_uapi_peer_upsert(const char *uapi_dir, const char *iface, const struct wg_peer_view *p, char **ret_message);
int wg_uapi_peer_remove(const char *uapi_dir, const char *iface, const char *public_key, char **ret_message);
