/* /api/peers (and the seed's /api/wireguard/peers): the VPN's peers.
 * Admins add, change and remove them, one revision each; the cell makes
 * each peer's key pair (or takes the public key a client supplies) and a
 * preshared key, kept in 0600 files under DIR/secrets/peers. A peer's
 * config, with its private key, is only ever given to an admin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/runtime.h"
#include "apply/vpn.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/qr.h"
#include "common/secretfile.h"
#include "common/timeutil.h"
#include "common/validate.h"
#include "common/wgkey.h"
#include "store/config.h"
#include "store/dns.h"
#include "store/peers.h"

#define LIST_LIMIT_MAX 1000
#define QR_PNG_SCALE 6
#define QR_MARGIN 4

static const struct field_policy peer_create_fields[] = {
        {"name", FIELD_STRING, true, NULL, NULL},
        {"ip", FIELD_STRING, false, NULL, NULL},
        {"public_key", FIELD_STRING, false, NULL, NULL},
        {"services", FIELD_STRING_ARRAY, false, NULL, NULL, 16},
        {"full_tunnel", FIELD_BOOLEAN, false, NULL, NULL},
        {"keepalive", FIELD_INTEGER, false, NULL, NULL},
        {"enabled", FIELD_BOOLEAN, false, NULL, NULL},
        {"expires", FIELD_STRING_OR_NULL, false, NULL, NULL},
};
const struct body_policy peer_create_body = {peer_create_fields, ELEMENTSOF(peer_create_fields)};

static const struct field_policy peer_update_fields[] = {
        {"services", FIELD_STRING_ARRAY, false, NULL, NULL, 16},
        {"full_tunnel", FIELD_BOOLEAN, false, NULL, NULL},
        {"keepalive", FIELD_INTEGER, false, NULL, NULL},
        {"enabled", FIELD_BOOLEAN, false, NULL, NULL},
        {"expires", FIELD_STRING_OR_NULL, false, NULL, NULL},
};
const struct body_policy peer_update_body = {peer_update_fields, ELEMENTSOF(peer_update_fields)};

static int peer_error(struct response *resp, int r, const struct peer_error *err) {
        if (r == -EINVAL || r == -EEXIST)
                return api_error(resp, r == -EINVAL ? 400 : 409, err->field, "%s%s%s", err->field ? err->field : "",
                                 err->field ? " " : "", err->message);
        if (r == -EDQUOT)
                return api_error(resp, 409, NULL, "there are already %d peers, the most there may be", PEERS_MAX);
        if (r == -ENOSPC)
                return api_error(resp, 409, "ip", "the VPN subnet has no free address left");
        return api_error_errno(resp, r, "peer");
}

static int no_peer(struct response *resp, const char *name) {
        return api_error(resp, 404, NULL, "no peer '%.32s'", name);
}

/* The secrets directory, or a 503 when picd runs without its runtime. */
static const char *secrets_dir(struct request *req, struct response *resp) {
        const char *dir = req->ctx->runtime ? runtime_secrets_dir(req->ctx->runtime) : NULL;
        if (!dir)
                api_error(resp, 503, NULL, "the VPN is not running");
        return dir;
}

static int parse_number(const char *s, long long min, long long max, int64_t *ret) {
        if (!s || !*s || *s == '-' || *s == '+')
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int peers_list_handler(struct request *req, struct response *resp) {
        struct peers_query q = {.limit = -1};
        q.search = request_query(req, "search");
        if (q.search && !valid_text(q.search, 0, PEER_SEARCH_MAX_LEN))
                return api_error(resp, 400, "search", "search must be at most %d bytes of text", PEER_SEARCH_MAX_LEN);
        const char *limit = request_query(req, "limit"), *offset = request_query(req, "offset");
        if (limit && parse_number(limit, 1, LIST_LIMIT_MAX, &q.limit) < 0)
                return api_error(resp, 400, "limit", "limit must be a number from 1 to %d", LIST_LIMIT_MAX);
        if (offset && parse_number(offset, 0, PEERS_MAX, &q.offset) < 0)
                return api_error(resp, 400, "offset", "offset must be a number from 0 to %d", PEERS_MAX);
        char zone[DNS_ZONE_MAX_LEN + 1];
        json_t *list;
        int64_t total;
        int r = dns_zone(req->ctx->store, zone);
        if (r < 0 || (r = peers_list(req->ctx->store, &q, zone, now_unix(), &list, &total)) < 0)
                return api_error_errno(resp, r, "peers");
        return api_reply(resp, 200, json_pack("{s:o, s:I}", "peers", list, "total", (json_int_t)total));
}

static int reply_peer(struct request *req, struct response *resp, unsigned status, const char *name) {
        struct peer p;
        char zone[DNS_ZONE_MAX_LEN + 1];
        int r = peers_get(req->ctx->store, name, &p);
        if (r < 0 || (r = dns_zone(req->ctx->store, zone)) < 0)
                return api_error_errno(resp, r, "peer");
        return api_reply(resp, status, peer_to_json(&p, zone, now_unix()));
}

int peers_get_handler(struct request *req, struct response *resp) {
        struct peer p;
        if (peers_get(req->ctx->store, req->params[0], &p) == -ENOENT)
                return no_peer(resp, req->params[0]);
        return reply_peer(req, resp, 200, req->params[0]);
}

/* Writes the peer's key files; on failure removes what it wrote. */
static int write_peer_secrets(const char *dir, const char *name, const char *private_key, const char *psk) {
        _cleanup_free_ char *key_path = NULL, *psk_path = NULL;
        int r;
        if ((r = vpn_peer_secret_path(dir, name, "key", &key_path)) < 0 ||
            (r = vpn_peer_secret_path(dir, name, "psk", &psk_path)) < 0)
                return r;
        const char *paths[] = {psk_path, key_path}, *texts[] = {psk, private_key};
        if ((r = secret_files_write(paths, texts, private_key ? 2 : 1)) < 0)
                unlink(psk_path);
        return r;
}

static void remove_peer_secrets(const char *dir, const char *name) {
        static const char *const suffixes[] = {"key", "psk"};
        for (unsigned i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *path = NULL;
                if (vpn_peer_secret_path(dir, name, suffixes[i], &path) == 0)
                        unlink(path);
        }
}

int peers_create_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *dir = secrets_dir(req, resp);
        if (!dir)
                return 0;
        int64_t now = now_unix();
        struct peer p;
        struct peer_error err = {0};
        int r = peer_from_json(req->body, NULL, now, &p, &err);
        if (r < 0)
                return peer_error(resp, r, &err);
        struct peer other;
        if (peers_get(s, p.name, &other) == 0)
                return api_error(resp, 409, "name", "name: there is already a peer '%s'", p.name);

        _cleanup_json_ json_t *flat = NULL;
        struct cidr4 vpn;
        if ((r = config_load(s, &flat)) < 0)
                return api_error_errno(resp, r, "peer");
        if (cidr4_parse(json_string_value(json_object_get(flat, "vpn_address")), &vpn) < 0)
                return api_error(resp, 500, NULL, "the VPN address in the config does not parse");
        if (!p.ip[0] && (r = peers_free_ip(s, &vpn, p.ip)) < 0)
                return peer_error(resp, r, &err);

        char private_key[WGKEY_B64_SIZE] = "", psk[WGKEY_B64_SIZE];
        if (!p.public_key[0]) {
                wgkey_generate(private_key);
                if (wgkey_public(private_key, p.public_key) < 0)
                        return api_error_errno(resp, -EIO, "peer key");
                p.cell_key = true;
        }
        wgkey_generate_psk(psk);
        r = write_peer_secrets(dir, p.name, p.cell_key ? private_key : NULL, psk);
        sodium_memzero(private_key, sizeof private_key);
        sodium_memzero(psk, sizeof psk);
        if (r < 0)
                return api_error_errno(resp, r, "peer keys");

        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "peer %s (%s) added", p.name, p.ip);
        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0 || (r = peers_create(&t, &p, &vpn, &err)) < 0 ||
            (r = txn_commit(&t, actor, summary, NULL)) < 0) {
                remove_peer_secrets(dir, p.name);
                return peer_error(resp, r, &err);
        }
        /* Live before the answer: a 201 means the peer can connect. */
        (void)runtime_peer_changed(req->ctx->runtime, NULL, &p);
        return reply_peer(req, resp, 201, p.name);
}

int peers_update_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        struct peer old, p;
        if (peers_get(s, req->params[0], &old) < 0)
                return no_peer(resp, req->params[0]);
        struct peer_error err = {0};
        int r = peer_from_json(req->body, &old, now_unix(), &p, &err);
        if (r < 0)
                return peer_error(resp, r, &err);
        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "peer %s changed", p.name);
        _cleanup_txn_ struct txn t = {0};
        bool changed = false;
        if ((r = txn_begin(s, &t)) < 0 || (r = peers_update(&t, &p, &changed)) < 0)
                return api_error_errno(resp, r, "peer");
        if (!changed)
                txn_abort(&t);
        else if ((r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "peer");
        if (changed && req->ctx->runtime)
                (void)runtime_peer_changed(req->ctx->runtime, &old, &p);
        return reply_peer(req, resp, 200, p.name);
}

int peers_delete_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *dir = secrets_dir(req, resp);
        if (!dir)
                return 0;
        _cleanup_txn_ struct txn t = {0};
        struct peer old;
        int r = txn_begin(s, &t);
        if (r < 0)
                return api_error_errno(resp, r, "peer");
        if ((r = peers_delete(&t, req->params[0], &old)) == -ENOENT)
                return no_peer(resp, req->params[0]);
        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "peer %s (%s) removed", old.name, old.ip);
        if (r < 0 || (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "peer");
        (void)runtime_peer_changed(req->ctx->runtime, &old, NULL);
        /* After the commit: a failed commit keeps the peer, and its keys. */
        remove_peer_secrets(dir, old.name);
        return api_reply(resp, 204, NULL);
}

/* The peer's wg-quick config, as text. */
static int client_config(struct request *req, const struct peer *p, struct buf *out) {
        const char *dir = runtime_secrets_dir(req->ctx->runtime);
        char private_key[WGKEY_B64_SIZE] = "", psk[WGKEY_B64_SIZE] = "";
        _cleanup_free_ char *key_path = NULL, *psk_path = NULL;
        int r;
        if ((r = vpn_peer_secret_path(dir, p->name, "key", &key_path)) < 0 ||
            (r = vpn_peer_secret_path(dir, p->name, "psk", &psk_path)) < 0)
                return r;
        if (p->cell_key && (r = secret_file_read(key_path, private_key, sizeof private_key)) < 0)
                return r;
        if (secret_file_read(psk_path, psk, sizeof psk) < 0)
                psk[0] = 0;
        struct wg_client_view c = {
                .name = p->name,
                .ip = p->ip,
                .private_key = p->cell_key ? private_key : NULL,
                .preshared_key = psk[0] ? psk : NULL,
                .full_tunnel = p->full_tunnel,
                .keepalive = p->keepalive,
        };
        r = render_wg_client_config(runtime_state(req->ctx->runtime), &c, out);
        sodium_memzero(private_key, sizeof private_key);
        sodium_memzero(psk, sizeof psk);
        return r;
}

int peers_config_handler(struct request *req, struct response *resp) {
        if (!secrets_dir(req, resp))
                return 0;
        struct peer p;
        if (peers_get(req->ctx->store, req->params[0], &p) < 0)
                return no_peer(resp, req->params[0]);
        const char *format = request_query(req, "format");
        if (format && !streq(format, "json") && !streq(format, "conf") && !streq(format, "svg") && !streq(format, "png"))
                return api_error(resp, 400, "format", "format must be json, conf, svg or png");
        _cleanup_buf_ struct buf conf = BUF_INIT, image = BUF_INIT;
        int r = client_config(req, &p, &conf);
        if (r < 0)
                return api_error(resp, 409, NULL, "no config for peer '%s': %s", p.name,
                                 r == -EINVAL ? "the cell's public endpoint or keys are not set" : strerror(-r));
        char disposition[96];
        if (format && streq(format, "conf")) {
                snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.conf\"", p.name);
                api_add_header(resp, "Content-Disposition", disposition);
                size_t len = conf.len;
                return api_reply_bytes(resp, 200, "text/plain; charset=utf-8", buf_steal(&conf), len);
        }
        _cleanup_(qr_freep) struct qr *q = NULL;
        if ((r = qr_encode(buf_str(&conf), &q)) < 0)
                return api_error_errno(resp, r, "qr code");
        if (format && streq(format, "png")) {
                if ((r = qr_png(q, QR_PNG_SCALE, QR_MARGIN, &image)) < 0)
                        return api_error_errno(resp, r, "qr code");
                size_t len = image.len;
                return api_reply_bytes(resp, 200, "image/png", buf_steal(&image), len);
        }
        if ((r = qr_svg(q, QR_MARGIN, &image)) < 0)
                return api_error_errno(resp, r, "qr code");
        if (format && streq(format, "svg")) {
                size_t len = image.len;
                return api_reply_bytes(resp, 200, "image/svg+xml", buf_steal(&image), len);
        }
        char filename[48];
        snprintf(filename, sizeof filename, "%s.conf", p.name);
        return api_reply(resp, 200, json_pack("{s:s, s:s, s:s, s:s}", "name", p.name, "filename", filename, "config",
                                              buf_str(&conf), "qr_svg", buf_str(&image)));
}
