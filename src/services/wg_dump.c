/* `wg show IF dump`; see wg_dump.h. The text is read in place, as spans
 * of (pointer, length): no line is copied, so neither is a private or a
 * preshared key, and no length in it is trusted. */
#include "services/wg_dump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"

#define IFACE_FIELDS 4
#define PEER_FIELDS 8
#define PEERS_FIRST_CAP 64

struct span {
        const char *p;
        size_t len;
};

static bool span_is(struct span s, const char *literal) {
        size_t n = strlen(literal);
        return s.len == n && memcmp(s.p, literal, n) == 0;
}

/* Splits a line at tabs into exactly n fields. */
static bool split(struct span line, struct span *f, size_t n) {
        size_t i = 0;
        const char *p = line.p, *end = line.p + line.len;
        for (;;) {
                const char *tab = memchr(p, '\t', (size_t)(end - p));
                if (i == n)
                        return false;
                f[i++] = (struct span){p, (size_t)((tab ? tab : end) - p)};
                if (!tab)
                        return i == n;
                p = tab + 1;
        }
}

/* A decimal number as printf's %u family writes it: digits only, no sign,
 * no leading zero, at most max. */
static bool parse_u64(struct span s, uint64_t max, uint64_t *ret) {
        if (s.len == 0 || s.len > 20 || (s.len > 1 && s.p[0] == '0'))
                return false;
        uint64_t v = 0;
        for (size_t i = 0; i < s.len; i++) {
                if (s.p[i] < '0' || s.p[i] > '9')
                        return false;
                unsigned d = (unsigned)(s.p[i] - '0');
                if (v > (max - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *ret = v;
        return true;
}

static bool is_b64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* The shape of a key, for the secret ones (never copied). */
static bool key_shape(struct span s) {
        if (s.len != WGKEY_B64_LEN || s.p[WGKEY_B64_LEN - 1] != '=')
                return false;
        for (size_t i = 0; i < WGKEY_B64_LEN - 1; i++)
                if (!is_b64(s.p[i]))
                        return false;
        return true;
}

/* A public key, checked in full and copied. */
static bool public_key(struct span s, char out[WGKEY_B64_SIZE]) {
        if (s.len != WGKEY_B64_LEN)
                return false;
        char k[WGKEY_B64_SIZE];
        memcpy(k, s.p, WGKEY_B64_LEN);
        k[WGKEY_B64_LEN] = 0;
        if (!wgkey_valid(k))
                return false;
        memcpy(out, k, sizeof k);
        return true;
}

/* s copied into out (size bytes) as a C string; false when it does not
 * fit or holds a NUL. */
static bool span_copy(struct span s, char *out, size_t size) {
        if (s.len >= size || memchr(s.p, 0, s.len))
                return false;
        memcpy(out, s.p, s.len);
        out[s.len] = 0;
        return true;
}

static bool is_scope_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '-';
}

/* "a.b.c.d:port" or "[v6]:port", v6 maybe with "%scope" (an interface
 * name or number), as wg prints an endpoint; "(none)" is "". */
static bool endpoint(struct span s, char out[WG_DUMP_ENDPOINT_SIZE]) {
        if (span_is(s, "(none)")) {
                out[0] = 0;
                return true;
        }
        const char *colon = NULL;
        for (size_t i = s.len; i > 0; i--)
                if (s.p[i - 1] == ':') {
                        colon = s.p + i - 1;
                        break;
                }
        uint64_t port;
        if (!colon || !parse_u64((struct span){colon + 1, (size_t)(s.p + s.len - colon - 1)}, 65535, &port))
                return false;
        struct span host = {s.p, (size_t)(colon - s.p)};
        char addr[INET6_ADDRSTRLEN];
        if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
                struct span inner = {host.p + 1, host.len - 2};
                const char *pct = memchr(inner.p, '%', inner.len);
                if (pct) {
                        size_t scope_len = (size_t)(inner.p + inner.len - pct - 1);
                        if (scope_len == 0 || scope_len > 15)
                                return false;
                        for (size_t i = 0; i < scope_len; i++)
                                if (!is_scope_char(pct[1 + i]))
                                        return false;
                        inner.len = (size_t)(pct - inner.p);
                }
                struct in6_addr a6;
                if (!span_copy(inner, addr, sizeof addr) || inet_pton(AF_INET6, addr, &a6) != 1)
                        return false;
        } else {
                uint32_t a4;
                if (!span_copy(host, addr, sizeof addr) || ipv4_parse(addr, &a4) < 0)
                        return false;
        }
        return span_copy(s, out, WG_DUMP_ENDPOINT_SIZE);
}

/* One allowed IP: "a.b.c.d/n" or "v6/n". */
static bool allowed_ip(struct span s) {
        const char *slash = memchr(s.p, '/', s.len);
        if (!slash)
                return false;
        struct span addr = {s.p, (size_t)(slash - s.p)}, prefix = {slash + 1, (size_t)(s.p + s.len - slash - 1)};
        bool v6 = memchr(addr.p, ':', addr.len) != NULL;
        uint64_t bits;
        char a[INET6_ADDRSTRLEN];
        if (!parse_u64(prefix, v6 ? 128 : 32, &bits) || !span_copy(addr, a, sizeof a))
                return false;
        if (v6) {
                struct in6_addr a6;
                return inet_pton(AF_INET6, a, &a6) == 1;
        }
        uint32_t a4;
        return ipv4_parse(a, &a4) == 0;
}

/* "(none)" or a comma-separated list. Checked, not kept. */
static bool allowed_ips(struct span s) {
        if (span_is(s, "(none)"))
                return true;
        const char *p = s.p, *end = s.p + s.len;
        for (;;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                if (!allowed_ip((struct span){p, (size_t)((comma ? comma : end) - p)}))
                        return false;
                if (!comma)
                        return true;
                p = comma + 1;
        }
}

/* "off" or a number of seconds, 1 to 65535. */
static bool keepalive(struct span s, uint16_t *ret) {
        uint64_t v;
        if (span_is(s, "off")) {
                *ret = 0;
                return true;
        }
        if (!parse_u64(s, 65535, &v) || v == 0)
                return false;
        *ret = (uint16_t)v;
        return true;
}

/* "off" or "0x" and lower-case hex, as wg prints "0x%x". */
static bool fwmark(struct span s, uint32_t *ret) {
        if (span_is(s, "off")) {
                *ret = 0;
                return true;
        }
        if (s.len < 3 || s.len > 10 || s.p[0] != '0' || s.p[1] != 'x' || (s.len > 3 && s.p[2] == '0'))
                return false;
        uint32_t v = 0;
        for (size_t i = 2; i < s.len; i++) {
                char c = s.p[i];
                unsigned d;
                if (c >= '0' && c <= '9')
                        d = (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned)(c - 'a' + 10);
                else
                        return false;
                v = v << 4 | d;
        }
        *ret = v;
        return true;
}

static int parse_interface(struct span line, struct wg_dump *d) {
        struct span f[IFACE_FIELDS];
        uint64_t port;
        if (!split(line, f, IFACE_FIELDS) || !parse_u64(f[2], 65535, &port) || !fwmark(f[3], &d->fwmark))
                return -EINVAL;
        if (span_is(f[0], "(none)") && span_is(f[1], "(none)"))
                d->public_key[0] = 0;
        else if (!key_shape(f[0]) || !public_key(f[1], d->public_key))
                return -EINVAL;
        d->listen_port = (uint16_t)port;
        return 0;
}

static bool parse_peer(struct span line, struct wg_dump_peer *ret) {
        struct span f[PEER_FIELDS];
        struct wg_dump_peer p = {0};
        if (!split(line, f, PEER_FIELDS) || !public_key(f[0], p.public_key) ||
            !(span_is(f[1], "(none)") || key_shape(f[1])) || !endpoint(f[2], p.endpoint) || !allowed_ips(f[3]))
                return false;
        uint64_t when;
        if (!parse_u64(f[4], INT64_MAX, &when) || !parse_u64(f[5], UINT64_MAX, &p.rx_bytes) ||
            !parse_u64(f[6], UINT64_MAX, &p.tx_bytes) || !keepalive(f[7], &p.keepalive))
                return false;
        p.latest_handshake = (int64_t)when;
        *ret = p;
        return true;
}

static int compare_peers(const void *a, const void *b) {
        return strcmp(((const struct wg_dump_peer *)a)->public_key, ((const struct wg_dump_peer *)b)->public_key);
}

/* The next line ending in '\n' from *pos, or false; *ret_unterminated
 * tells whether bytes without a '\n' were left at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, struct span *ret, bool *ret_unterminated) {
        *ret_unterminated = false;
        if (*pos >= len)
                return false;
        const char *nl = memchr(text + *pos, '\n', len - *pos);
        if (!nl) {
                *ret_unterminated = true;
                *pos = len;
                return false;
        }
        *ret = (struct span){text + *pos, (size_t)(nl - (text + *pos))};
        *pos = (size_t)(nl - text) + 1;
        return true;
}

int wg_dump_parse(const char *text, size_t len, struct wg_dump *ret) {
        struct wg_dump d = WG_DUMP_INIT;
        size_t pos = 0;
        struct span line;
        bool unterminated;
        if (!text || !next_line(text, len, &pos, &line, &unterminated) || parse_interface(line, &d) < 0)
                return -EINVAL;

        _cleanup_free_ struct wg_dump_peer *peers = NULL;
        size_t n = 0, cap = 0;
        while (next_line(text, len, &pos, &line, &unterminated)) {
                struct wg_dump_peer p;
                if (n >= WG_DUMP_PEERS_MAX || !parse_peer(line, &p)) {
                        d.skipped++;
                        continue;
                }
                if (n == cap) {
                        size_t grown_cap = cap ? cap * 2 : PEERS_FIRST_CAP;
                        if (grown_cap > WG_DUMP_PEERS_MAX)
                                grown_cap = WG_DUMP_PEERS_MAX;
                        struct wg_dump_peer *grown = reallocarray(peers, grown_cap, sizeof *peers);
                        if (!grown)
                                return -ENOMEM;
                        peers = grown;
                        cap = grown_cap;
                }
                peers[n++] = p;
        }
        if (unterminated)
                d.skipped++;

        if (n > 1) {
                qsort(peers, n, sizeof *peers, compare_peers);
                /* wg lists a key once; should it not, keep one. */
                size_t kept = 1;
                for (size_t i = 1; i < n; i++) {
                        if (streq(peers[i].public_key, peers[kept - 1].public_key)) {
                                d.skipped++;
                                continue;
                        }
                        peers[kept++] = peers[i];
                }
                n = kept;
        }
        d.peers = n ? TAKE_PTR(peers) : NULL;
        d.n_peers = n;
        *ret = d;
        return 0;
}

const struct wg_dump_peer *wg_dump_find(const struct wg_dump *d, const char *public_key) {
        if (!d || !d->n_peers || !public_key)
                return NULL;
        struct wg_dump_peer key;
        if (strnlen(public_key, sizeof key.public_key) >= sizeof key.public_key)
                return NULL;
        strcpy(key.public_key, public_key);
        return bsearch(&key, d->peers, d->n_peers, sizeof *d->peers, compare_peers);
}

void wg_dump_release(struct wg_dump *d) {
        if (!d)
                return;
        free(d->peers);
        *d = (struct wg_dump)WG_DUMP_INIT;
}
