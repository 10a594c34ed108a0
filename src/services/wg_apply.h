/* WireGuard changed live: each change is one run of `wg` with an argument
 * vector (never a shell), and no key ever reaches a command line (a key
 * goes through a file of mode 0600, unlinked after). Also the strict
 * reader of the `wg setconf` text that render_wg_setconf writes: wg has no
 * check mode, so this reader is the file's checker, and what the adapter
 * diffs to change single peers. Nothing here logs; every value is held to
 * its grammar before anything runs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/wgkey.h"
#include "render/render.h"

#define WG_BINARY "/usr/bin/wg"
/* `wg set` for one peer takes about 2 ms at any size; syncconf of 10,000
 * peers under a second. The bound only catches a hung daemon. */
#define WG_RUN_TIMEOUT_MS 30000u
#define WG_CONF_PEERS_MAX 100000u
/* The temporary key files in tmpdir: WG_KEY_FILE_PREFIX "XXXXXX". */
#define WG_KEY_FILE_PREFIX ".wg-key-"

/* On failure, every function below returns a negative errno and, when
 * ret_message is not NULL, a message for the operator in *ret_message
 * (caller frees; NULL when out of memory): -EINVAL for a value that fails
 * its grammar (nothing was run), -EIO when wg failed (its words, without
 * any key), -ETIMEDOUT. On success *ret_message is untouched. */

/* `wg set IF peer PUB preshared-key FILE|/dev/null allowed-ips IP/32
 * persistent-keepalive N|off` for an enabled peer: allowed-ips replaces
 * the peer's, and /dev/null clears a preshared key the peer no longer
 * has, so the peer ends as p says whatever it was. For a disabled peer,
 * wg_peer_remove. The preshared key goes through a 0600 file in tmpdir (a
 * directory only picd may read), unlinked before returning.
 * p->keepalive is used as given: render_wg_setconf gives the cell's side
 * none, so a caller holding a store view must pass 0 to agree with the
 * next syncconf (which resets what the file lacks); the adapter's live
 * path takes its views from the rendered file and agrees by
 * construction. */
int wg_peer_upsert(const char *iface, const struct wg_peer_view *p, const char *tmpdir, char **ret_message);
/* `wg set IF peer PUB remove`; a peer the device does not have is no
 * error (wg says nothing either). */
int wg_peer_remove(const char *iface, const char *public_key, char **ret_message);
/* `wg set IF [listen-port PORT] [private-key FILE]`: port 0 leaves the
 * port, a NULL file the key. FILE is read by wg (mode 0600, absolute). */
int wg_set_interface(const char *iface, const char *private_key_file, uint16_t port, char **ret_message);
/* `wg syncconf IF FILE`: the device becomes what the file says, keeping
 * the sessions of peers that did not change (wg parses the whole file
 * before it touches the device). The full reconcile, at start and on
 * repair. */
int wg_syncconf(const char *iface, const char *conf_path, char **ret_message);

/* ---- the setconf text ---- */

struct wg_conf_peer {
        char public_key[WGKEY_B64_SIZE];
        char preshared_key[WGKEY_B64_SIZE]; /* "" when none: a secret */
        char ip[16];                        /* its one AllowedIPs, IP/32 */
        unsigned keepalive;                 /* 0: none (no line, or "off") */
};

struct wg_conf {
        char private_key[WGKEY_B64_SIZE]; /* a secret */
        char public_key[WGKEY_B64_SIZE];  /* derived from it */
        uint16_t listen_port;
        struct wg_conf_peer *peers;       /* sorted by public key; NULL when none */
        size_t n_peers;
};

#define WG_CONF_INIT {0}

/* Reads exactly what render_wg_setconf writes, and nothing else: '#'
 * comments on lines of their own, blank lines, one [Interface] first with
 * PrivateKey and ListenPort (1-65535), then [Peer] sections with
 * PublicKey, an optional PresharedKey, one AllowedIPs of a single IPv4
 * /32, an optional PersistentKeepalive; "Key = value", each key once per
 * section, every line ended by '\n', at most WG_CONF_PEERS_MAX peers. No
 * two peers share a key or an address, and none has the interface's own
 * key (wg would merge, move or drop them silently). On refusal returns
 * -EINVAL with "line N: why" (never a value) and leaves *ret untouched.
 * Needs libsodium initialised (secret_init). */
int wg_conf_parse(const char *text, struct wg_conf *ret, char **ret_message);
/* Wipes the keys and frees the peers; the struct is WG_CONF_INIT after. */
void wg_conf_release(struct wg_conf *c);
/* The peer with this public key, or NULL (binary search). */
const struct wg_conf_peer *wg_conf_find(const struct wg_conf *c, const char *public_key);

/* ---- the adapter's entry points beyond its table (wireguard.c) ---- */

struct service_env;

/* After wireguard-go answers its probe, once per start: `wg syncconf` of
 * the managed wg.conf (the device starts empty), the address from the
 * managed address file (`ip address replace`), `ip link set IF up`. Until
 * service.h has a post-start hook, the caller runs it when the probe
 * first passes. */
int wireguard_bring_up(const struct service_env *env, char **ret_message);
/* 1 when the kernel has WireGuard: a throwaway link of type wireguard can
 * be made (and is deleted at once); 0 otherwise (here: "Unknown device
 * type"). Needs CAP_NET_ADMIN. */
int wireguard_kernel_supported(void);
