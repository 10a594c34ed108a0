/* `wg show IF dump`, read. Its first line is the interface (private key,
 * public key, listen port, fwmark), then one line per peer (public key,
 * preshared key, endpoint, allowed IPs, latest handshake, rx bytes, tx
 * bytes, persistent keepalive), fields separated by tabs. Endpoints and
 * counters come from the network, so every field is checked against its
 * grammar; a peer line that fails is skipped and counted. Nothing secret
 * is kept: the private and preshared keys in the text are checked for
 * shape only, never copied. The text itself holds them: the caller wipes
 * it (sodium_memzero) when done. A peer's line is about 160 bytes, so
 * exec_run's EXEC_OUTPUT_MAX (64 KiB) holds some 400 peers: a larger cell
 * needs a larger capture (the parser skips the line cut short). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/wgkey.h"

#define WG_DUMP_PEERS_MAX 100000
/* "[" IPv6 "%" scope "]:" port, the longest wg prints, with the NUL. */
#define WG_DUMP_ENDPOINT_SIZE 72

struct wg_dump_peer {
        char public_key[WGKEY_B64_SIZE];
        char endpoint[WG_DUMP_ENDPOINT_SIZE]; /* "10.0.0.9:51820", "[fd00::1]:51820", or "" when none */
        int64_t latest_handshake;             /* unix seconds, 0: never */
        uint64_t rx_bytes;
        uint64_t tx_bytes;
        uint16_t keepalive;                   /* seconds, 0: off */
};

struct wg_dump {
        char public_key[WGKEY_B64_SIZE]; /* the interface's, "" when it has no private key */
        uint16_t listen_port;
        uint32_t fwmark;                 /* 0: off */
        struct wg_dump_peer *peers;      /* sorted by public key; NULL when none */
        size_t n_peers;
        size_t skipped;                  /* malformed, unterminated, duplicate, or past WG_DUMP_PEERS_MAX */
};

#define WG_DUMP_INIT {0}

/* Parses len bytes of text (no NUL needed; a NUL byte is just a bad
 * character). A line counts only when it ends in '\n', so output cut
 * short never gives a truncated number. Returns 0 and fills *ret, -EINVAL
 * when the first line is not an interface line (ret untouched), or
 * -ENOMEM. At most WG_DUMP_PEERS_MAX peers are kept; the rest count as
 * skipped. */
int wg_dump_parse(const char *text, size_t len, struct wg_dump *ret);
/* The same from wireguard-go's answer to "get=1\n\n" on its UAPI socket:
 * "key=value" lines, the interface's first (its private key, of which
 * only the public half is kept), then each peer from its public_key line,
 * keys in hex; it ends with "errno=0". A peer with a bad value is skipped
 * and counted; unknown keys are left alone. -EINVAL when the answer does
 * not end with errno=0 (cut short, or an error) or the interface's part
 * fails, -ENOMEM. */
int wg_uapi_dump_parse(const char *text, size_t len, struct wg_dump *ret);
/* The peer with this public key, or NULL (binary search). */
const struct wg_dump_peer *wg_dump_find(const struct wg_dump *d, const char *public_key);
void wg_dump_release(struct wg_dump *d);
