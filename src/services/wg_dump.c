/* `wg show IF dump`, and wireguard-go's UAPI answer; see wg_dump.h. The
 * text is read in place, as spans of (pointer, length): no line is
 * copied, so neither is a private or a preshared key, and no length in it
 * is trusted. */
#include "services/wg_dump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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

/* The peers read so far, bounded by WG_DUMP_PEERS_MAX. */
struct peer_list {
        struct wg_dump_peer *v;
        size_t n, cap;
};

static int peer_list_add(struct peer_list *l, const struct wg_dump_peer *p, struct wg_dump *d) {
        if (l->n >= WG_DUMP_PEERS_MAX) {
                d->skipped++;
                return 0;
        }
        if (l->n == l->cap) {
                size_t grown_cap = l->cap ? l->cap * 2 : PEERS_FIRST_CAP;
                if (grown_cap > WG_DUMP_PEERS_MAX)
                        grown_cap = WG_DUMP_PEERS_MAX;
                struct wg_dump_peer *grown = reallocarray(l->v, grown_cap, sizeof *l->v);
                if (!grown)
                        return -ENOMEM;
                l->v = grown;
                l->cap = grown_cap;
        }
        l->v[l->n++] = *p;
        return 0;
}

/* Sorted by key, each key once, handed to d. */
static void peer_list_finish(struct peer_list *l, struct wg_dump *d) {
        size_t n = l->n;
        if (n > 1) {
                qsort(l->v, n, sizeof *l->v, compare_peers);
                /* wg lists a key once; should it not, keep one. */
                size_t kept = 1;
                for (size_t i = 1; i < n; i++) {
                        if (streq(l->v[i].public_key, l->v[kept - 1].public_key)) {
                                d->skipped++;
                                continue;
                        }
                        l->v[kept++] = l->v[i];
                }
                n = kept;
        }
        if (n == 0) {
                free(l->v);
                l->v = NULL;
        }
        d->peers = l->v;
        d->n_peers = n;
        *l = (struct peer_list){0};
}

int wg_dump_parse(const char *text, size_t len, struct wg_dump *ret) {
        struct wg_dump d = WG_DUMP_INIT;
        size_t pos = 0;
        struct span line;
        bool unterminated;
        if (!text || !next_line(text, len, &pos, &line, &unterminated) || parse_interface(line, &d) < 0)
                return -EINVAL;

        struct peer_list l = {0};
        while (next_line(text, len, &pos, &line, &unterminated)) {
                struct wg_dump_peer p;
                if (!parse_peer(line, &p)) {
                        d.skipped++;
                        continue;
                }
                if (peer_list_add(&l, &p, &d) < 0) {
                        free(l.v);
                        return -ENOMEM;
                }
        }
        if (unterminated)
                d.skipped++;
        peer_list_finish(&l, &d);
        *ret = d;
        return 0;
}

/* ---- wireguard-go's "get=1" answer ---- */

/* 64 hex digits, as the UAPI writes a key, into base64 (out) or just
 * checked (out NULL, for the secret ones). */
static bool hex_key(struct span s, char out[WGKEY_B64_SIZE]) {
        unsigned char bin[32];
        size_t n = 0;
        if (s.len != 64)
                return false;
        for (size_t i = 0; i < s.len; i++)
                if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'a' && s.p[i] <= 'f')))
                        return false;
        if (sodium_hex2bin(bin, sizeof bin, s.p, s.len, NULL, &n, NULL) != 0 || n != sizeof bin)
                return false;
        bool ok = true;
        if (out) {
                sodium_bin2base64(out, WGKEY_B64_SIZE, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
                ok = wgkey_valid(out);
        }
        sodium_memzero(bin, sizeof bin);
        return ok;
}

/* The interface's public key, from its private one (hex): the only use
 * of the secret, which is wiped at once. */
static bool interface_key(struct span s, char out[WGKEY_B64_SIZE]) {
        char priv[WGKEY_B64_SIZE];
        bool ok = hex_key(s, priv) && wgkey_public(priv, out) == 0;
        sodium_memzero(priv, sizeof priv);
        return ok;
}

/* One "key=value" line of a peer's section; false for a value that fails
 * its grammar. Keys this reader does not know are left alone: newer
 * wireguard-go versions add some. */
static bool uapi_peer_field(struct span key, struct span value, struct wg_dump_peer *p) {
        uint64_t v;
        if (span_is(key, "preshared_key"))
                return hex_key(value, NULL);
        if (span_is(key, "endpoint"))
                return endpoint(value, p->endpoint) && p->endpoint[0];
        if (span_is(key, "last_handshake_time_sec")) {
                if (!parse_u64(value, INT64_MAX, &v))
                        return false;
                p->latest_handshake = (int64_t)v;
                return true;
        }
        if (span_is(key, "rx_bytes"))
                return parse_u64(value, UINT64_MAX, &p->rx_bytes);
        if (span_is(key, "tx_bytes"))
                return parse_u64(value, UINT64_MAX, &p->tx_bytes);
        if (span_is(key, "persistent_keepalive_interval")) {
                if (!parse_u64(value, 65535, &v))
                        return false;
                p->keepalive = (uint16_t)v;
                return true;
        }
        if (span_is(key, "allowed_ip"))
                return allowed_ip(value);
        if (span_is(key, "last_handshake_time_nsec") || span_is(key, "protocol_version"))
                return parse_u64(value, UINT64_MAX, &v);
        return true;
}

/* The peer being read, added when the next one starts or the answer ends;
 * one with a bad field counts as skipped. */
static int uapi_peer_end(struct peer_list *l, struct wg_dump_peer *p, bool *open, bool *bad, struct wg_dump *d) {
        int r = 0;
        if (*open && *bad)
                d->skipped++;
        else if (*open)
                r = peer_list_add(l, p, d);
        *open = *bad = false;
        return r;
}

int wg_uapi_dump_parse(const char *text, size_t len, struct wg_dump *ret) {
        struct wg_dump d = WG_DUMP_INIT;
        struct peer_list l = {0};
        struct wg_dump_peer p = {0};
        bool in_peer = false, bad = false, ended = false;
        size_t pos = 0;
        struct span line;
        bool unterminated;
        int r = -EINVAL;
        if (!text)
                return -EINVAL;
        while (!ended && next_line(text, len, &pos, &line, &unterminated)) {
                const char *eq = memchr(line.p, '=', line.len);
                if (!eq)
                        goto fail; /* the answer ends with errno= before any empty line */
                struct span key = {line.p, (size_t)(eq - line.p)};
                struct span value = {eq + 1, (size_t)(line.p + line.len - eq - 1)};
                if (span_is(key, "errno")) {
                        uint64_t e;
                        if (!parse_u64(value, 4095, &e) || e != 0 || (r = uapi_peer_end(&l, &p, &in_peer, &bad, &d)) < 0)
                                goto fail;
                        ended = true;
                } else if (span_is(key, "public_key")) {
                        if ((r = uapi_peer_end(&l, &p, &in_peer, &bad, &d)) < 0)
                                goto fail;
                        p = (struct wg_dump_peer){0};
                        in_peer = true;
                        bad = !hex_key(value, p.public_key);
                } else if (in_peer) {
                        if (!uapi_peer_field(key, value, &p))
                                bad = true;
                } else if (span_is(key, "private_key")) {
                        if (!interface_key(value, d.public_key))
                                goto fail;
                } else if (span_is(key, "listen_port")) {
                        uint64_t port;
                        if (!parse_u64(value, 65535, &port))
                                goto fail;
                        d.listen_port = (uint16_t)port;
                } else if (span_is(key, "fwmark")) {
                        uint64_t mark;
                        if (!parse_u64(value, UINT32_MAX, &mark))
                                goto fail;
                        d.fwmark = (uint32_t)mark;
                }
        }
        r = -EINVAL;
        if (!ended)
                goto fail; /* cut short: no errno=0 line */
        peer_list_finish(&l, &d);
        *ret = d;
        return 0;
fail:
        free(l.v);
        return r == -ENOMEM ? r : -EINVAL;
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
