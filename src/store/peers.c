/* VPN peers; see peers.h. */
#include "store/peers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "common/validate.h"
#include "common/wgkey.h"
#include "store/config.h"

static int set_error(struct peer_error *err, int r, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int set_error(struct peer_error *err, int r, const char *field, const char *fmt, ...) {
        err->field = field;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return r;
}

static int service_index(const char *name) {
        for (unsigned i = 0; i < config_services_count; i++)
                if (streq(config_services[i], name))
                        return (int)i;
        return -1;
}

static uint32_t all_services(void) {
        return (1u << config_services_count) - 1;
}

static json_t *services_to_json(uint32_t bits) {
        json_t *list = json_array();
        for (unsigned i = 0; list && i < config_services_count; i++)
                if (bits & (1u << i))
                        json_array_append_new(list, json_string(config_services[i]));
        return list;
}

/* Field by field, each refusal naming its field. */
static int apply_fields(json_t *body, bool create, int64_t now, struct peer *p, struct peer_error *err) {
        json_t *v;
        if (create) {
                v = json_object_get(body, "name");
                if (!json_is_string(v) || !valid_name(json_string_value(v)))
                        return set_error(err, -EINVAL, "name",
                                         "must be 1-32 of a-z, 0-9 and '-', not starting or ending with '-'");
                snprintf(p->name, sizeof p->name, "%s", json_string_value(v));
                if ((v = json_object_get(body, "ip"))) {
                        uint32_t addr;
                        if (!json_is_string(v) || ipv4_parse(json_string_value(v), &addr) < 0)
                                return set_error(err, -EINVAL, "ip", "must be an IPv4 address");
                        ipv4_format(addr, p->ip);
                }
                if ((v = json_object_get(body, "public_key"))) {
                        if (!json_is_string(v) || !wgkey_valid(json_string_value(v)))
                                return set_error(err, -EINVAL, "public_key",
                                                 "must be a WireGuard public key: 44 characters of base64");
                        snprintf(p->public_key, sizeof p->public_key, "%s", json_string_value(v));
                }
        } else {
                static const char *const fixed[] = {"name", "ip", "public_key"};
                for (unsigned i = 0; i < ELEMENTSOF(fixed); i++)
                        if (json_object_get(body, fixed[i]))
                                return set_error(err, -EINVAL, fixed[i],
                                                 "cannot change; remove the peer and add it again");
        }
        if ((v = json_object_get(body, "services"))) {
                if (!json_is_array(v))
                        return set_error(err, -EINVAL, "services", "must be a list of the cell's service names");
                uint32_t bits = 0;
                size_t i;
                json_t *item;
                json_array_foreach(v, i, item) {
                        int n = json_is_string(item) ? service_index(json_string_value(item)) : -1;
                        if (n < 0)
                                return set_error(err, -EINVAL, "services",
                                                 "must list only webui, dns, ntp, mail, calendar, files");
                        bits |= 1u << n;
                }
                p->services = bits;
        }
        if ((v = json_object_get(body, "full_tunnel"))) {
                if (!json_is_boolean(v))
                        return set_error(err, -EINVAL, "full_tunnel", "must be a boolean");
                p->full_tunnel = json_is_true(v);
        }
        if ((v = json_object_get(body, "enabled"))) {
                if (!json_is_boolean(v))
                        return set_error(err, -EINVAL, "enabled", "must be a boolean");
                p->enabled = json_is_true(v);
        }
        if ((v = json_object_get(body, "keepalive"))) {
                if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > PEER_KEEPALIVE_MAX)
                        return set_error(err, -EINVAL, "keepalive", "must be 0 (off) to 3600 seconds");
                p->keepalive = (uint16_t)json_integer_value(v);
        }
        if ((v = json_object_get(body, "expires"))) {
                int64_t when = 0;
                if (!json_is_null(v) && (!json_is_string(v) || parse_iso8601(json_string_value(v), &when) < 0))
                        return set_error(err, -EINVAL, "expires",
                                         "must be null or a UTC time like 2026-12-31T23:59:59Z");
                /* A past time only as it already is: a form that sends an
                 * expired peer back whole, to change something else, is
                 * not refused for the expiry it did not touch. */
                if (when && when <= now && !(!create && when == p->expires))
                        return set_error(err, -EINVAL, "expires", "must be in the future");
                p->expires = when;
        }
        return 0;
}

int peer_from_json(json_t *body, const struct peer *base, int64_t now, struct peer *ret, struct peer_error *err) {
        if (!json_is_object(body))
                return set_error(err, -EINVAL, NULL, "must be a JSON object");
        struct peer p = base ? *base
                             : (struct peer){.services = all_services(), .keepalive = PEER_KEEPALIVE_DEFAULT,
                                             .enabled = true, .created = now};
        int r = apply_fields(body, !base, now, &p, err);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

bool peer_expired(const struct peer *p, int64_t now) {
        return p->expires && p->expires <= now;
}

json_t *peer_to_json(const struct peer *p, const char *zone, int64_t now) {
        char created[ISO8601_LEN], expires[ISO8601_LEN], fqdn[33 + 7 + 288];
        format_iso8601(p->created, created);
        if (p->expires)
                format_iso8601(p->expires, expires);
        snprintf(fqdn, sizeof fqdn, "%s.peers.%s", p->name, zone);
        return json_pack("{s:s, s:s, s:s, s:b, s:o, s:b, s:i, s:b, s:s?, s:b, s:s, s:s}", "name", p->name, "ip", p->ip,
                         "public_key", p->public_key, "key_kept_by_cell", p->cell_key, "services",
                         services_to_json(p->services), "full_tunnel", p->full_tunnel, "keepalive", p->keepalive,
                         "enabled", p->enabled, "expires", p->expires ? expires : NULL, "expired",
                         peer_expired(p, now), "created", created, "fqdn", fqdn);
}

#define COLUMNS "name, ip, public_key, cell_key, services, full_tunnel, keepalive, enabled, expires, created"

static void row_to_peer(sqlite3_stmt *stmt, struct peer *p) {
        *p = (struct peer){0};
        snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(p->ip, sizeof p->ip, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(p->public_key, sizeof p->public_key, "%s", (const char *)sqlite3_column_text(stmt, 2));
        p->cell_key = sqlite3_column_int(stmt, 3);
        _cleanup_json_ json_t *services = json_loads((const char *)sqlite3_column_text(stmt, 4), 0, NULL);
        size_t i;
        json_t *item;
        json_array_foreach(services, i, item) {
                int n = json_is_string(item) ? service_index(json_string_value(item)) : -1;
                if (n >= 0)
                        p->services |= 1u << n;
        }
        p->full_tunnel = sqlite3_column_int(stmt, 5);
        p->keepalive = (uint16_t)sqlite3_column_int(stmt, 6);
        p->enabled = sqlite3_column_int(stmt, 7);
        p->expires = sqlite3_column_int64(stmt, 8);
        p->created = sqlite3_column_int64(stmt, 9);
}

int peers_get(struct store *s, const char *name, struct peer *ret) {
        if (!valid_name(name))
                return -ENOENT;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " COLUMNS " FROM peers WHERE name = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                row_to_peer(stmt, ret);
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

int peers_foreach(struct store *s, int (*cb)(const struct peer *p, void *userdata), void *userdata) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " COLUMNS " FROM peers ORDER BY name", &stmt);
        if (r < 0)
                return r;
        int rc;
        r = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                struct peer p;
                row_to_peer(stmt, &p);
                if ((r = cb(&p, userdata)) < 0)
                        break;
        }
        sqlite3_reset(stmt);
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int peers_list(struct store *s, const struct peers_query *q, const char *zone, int64_t now, json_t **ret_list,
               int64_t *ret_total) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " COLUMNS ", COUNT(*) OVER () FROM peers "
                                 "WHERE ?1 IS NULL OR instr(name, lower(?1)) > 0 OR instr(ip, ?1) > 0 "
                                 "ORDER BY name LIMIT ?2 OFFSET ?3", &stmt);
        if (r < 0)
                return r;
        if (q->search)
                sqlite3_bind_text(stmt, 1, q->search, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, 2, q->limit);
        sqlite3_bind_int64(stmt, 3, q->offset);
        json_t *list = json_array();
        int64_t total = 0;
        int rc;
        while (list && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                struct peer p;
                row_to_peer(stmt, &p);
                total = sqlite3_column_int64(stmt, 10);
                json_array_append_new(list, peer_to_json(&p, zone, now));
        }
        sqlite3_reset(stmt);
        if (!list)
                return -ENOMEM;
        if (rc != SQLITE_DONE) {
                json_decref(list);
                return store_errno(rc);
        }
        if (total == 0 && q->offset > 0)
                r = store_query_int64(s, "SELECT COUNT(*) FROM peers", &total); /* paged past the end */
        *ret_list = list;
        *ret_total = total;
        return r;
}

static bool ip_taken(struct store *s, const char *ip) {
        sqlite3_stmt *stmt;
        if (store_prepare(s, "SELECT 1 FROM peers WHERE ip = ?", &stmt) < 0)
                return true;
        sqlite3_bind_text(stmt, 1, ip, -1, SQLITE_TRANSIENT);
        bool taken = sqlite3_step(stmt) == SQLITE_ROW;
        sqlite3_reset(stmt);
        return taken;
}

/* After a start: the host number after the highest one in use (one
 * pass over the addresses, about 3 ms at 10,000 peers, once). */
static uint64_t after_highest(struct store *s, const struct cidr4 *vpn) {
        uint32_t mask = vpn->prefix ? ~(uint32_t)0 << (32 - vpn->prefix) : 0, first = (vpn->addr & mask) + 1;
        uint64_t after = 0;
        sqlite3_stmt *stmt;
        if (store_prepare(s, "SELECT ip FROM peers", &stmt) < 0)
                return 0;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
                uint32_t a;
                const char *ip = (const char *)sqlite3_column_text(stmt, 0);
                if (ip && ipv4_parse(ip, &a) == 0 && (a & mask) == (vpn->addr & mask) && a >= first &&
                    (uint64_t)(a - first) + 1 > after)
                        after = (uint64_t)(a - first) + 1;
        }
        sqlite3_reset(stmt);
        return after;
}

/* Next fit: the search starts after the address last handed out and
 * wraps once, so adding a peer costs one or two lookups whatever the
 * number of peers, and an address freed by a delete is handed out again
 * only once the end of the subnet is reached (a new peer does not at once
 * inherit a gone one's address, and what others cached of it). */
int peers_free_ip(struct store *s, const struct cidr4 *vpn, char ret[16]) {
        uint64_t hosts = cidr4_host_count(vpn), *next = store_peer_ip_next(s);
        if (*next == 0)
                *next = after_highest(s, vpn);
        if (*next >= hosts)
                *next = 0;
        for (uint64_t i = 0; i < hosts; i++) {
                uint64_t n = (*next + i) % hosts;
                uint32_t addr;
                if (cidr4_host(vpn, n, &addr) < 0)
                        return -ENOSPC;
                if (addr == vpn->addr)
                        continue;
                char text[16];
                ipv4_format(addr, text);
                if (!ip_taken(s, text)) {
                        memcpy(ret, text, 16);
                        *next = n + 1;
                        return 0;
                }
        }
        return -ENOSPC;
}

static int record_change(struct txn *t, const struct peer *before, const struct peer *after) {
        json_t *b = before ? peer_to_json(before, "", before->created) : NULL;
        json_t *a = after ? peer_to_json(after, "", after->created) : NULL;
        /* The fqdn and "expired" belong to the moment of reading. */
        json_object_del(b, "fqdn");
        json_object_del(a, "fqdn");
        json_object_del(b, "expired");
        json_object_del(a, "expired");
        return txn_record(t, "peer", (before ? before : after)->name, b, a);
}

static int write_row(struct store *s, const char *sql, const struct peer *p) {
        _cleanup_json_ json_t *services = services_to_json(p->services);
        _cleanup_free_ char *services_text = services ? json_dumps(services, JSON_COMPACT) : NULL;
        if (!services_text)
                return -ENOMEM;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, p->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, p->ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 3, p->public_key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(stmt, 4, p->cell_key);
        sqlite3_bind_text(stmt, 5, services_text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(stmt, 6, p->full_tunnel);
        sqlite3_bind_int(stmt, 7, p->keepalive);
        sqlite3_bind_int(stmt, 8, p->enabled);
        if (p->expires)
                sqlite3_bind_int64(stmt, 9, p->expires);
        sqlite3_bind_int64(stmt, 10, p->created);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int peers_create(struct txn *t, const struct peer *p, const struct cidr4 *vpn, struct peer_error *err) {
        struct store *s = t->store;
        struct peer other;
        int r = peers_get(s, p->name, &other);
        if (r == 0)
                return set_error(err, -EEXIST, "name", "there is already a peer '%s'", p->name);
        if (r != -ENOENT)
                return r;
        uint32_t addr;
        if (ipv4_parse(p->ip, &addr) < 0 || !cidr4_contains(vpn, addr) || addr == vpn->addr ||
            (vpn->prefix < 31 && (addr == cidr4_network(vpn) || addr == cidr4_broadcast(vpn))))
                return set_error(err, -EINVAL, "ip", "%s is not a free host address of the VPN subnet", p->ip);
        if (ip_taken(s, p->ip))
                return set_error(err, -EEXIST, "ip", "%s is another peer's address", p->ip);
        sqlite3_stmt *stmt;
        if ((r = store_prepare(s, "SELECT name FROM peers WHERE public_key = ?", &stmt)) < 0)
                return r;
        sqlite3_bind_text(stmt, 1, p->public_key, -1, SQLITE_TRANSIENT);
        bool key_taken = sqlite3_step(stmt) == SQLITE_ROW;
        sqlite3_reset(stmt);
        if (key_taken)
                return set_error(err, -EEXIST, "public_key", "another peer has this public key");
        int64_t n = 0;
        if ((r = store_query_int64(s, "SELECT COUNT(*) FROM peers", &n)) < 0)
                return r;
        if (n >= PEERS_MAX)
                return -EDQUOT;
        if ((r = write_row(s, "INSERT INTO peers (" COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", p)) < 0)
                return r;
        return record_change(t, NULL, p);
}

int peers_update(struct txn *t, const struct peer *p, bool *ret_changed) {
        struct peer old;
        int r = peers_get(t->store, p->name, &old);
        if (r < 0)
                return r;
        if (old.services == p->services && old.full_tunnel == p->full_tunnel && old.keepalive == p->keepalive &&
            old.enabled == p->enabled && old.expires == p->expires) {
                *ret_changed = false;
                return 0;
        }
        if ((r = write_row(t->store, "UPDATE peers SET ip = ?2, public_key = ?3, cell_key = ?4, services = ?5, "
                                     "full_tunnel = ?6, keepalive = ?7, enabled = ?8, expires = ?9, created = ?10 "
                                     "WHERE name = ?1", p)) < 0 ||
            (r = record_change(t, &old, p)) < 0)
                return r;
        *ret_changed = true;
        return 0;
}

int peers_delete(struct txn *t, const char *name, struct peer *ret_old) {
        struct peer old;
        int r = peers_get(t->store, name, &old);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        if ((r = store_prepare(t->store, "DELETE FROM peers WHERE name = ?", &stmt)) < 0)
                return r;
        sqlite3_bind_text(stmt, 1, old.name, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        if ((r = record_change(t, &old, NULL)) < 0)
                return r;
        if (ret_old)
                *ret_old = old;
        return 0;
}
