/* DHCP reservations; see dhcp.h. */
#include "store/dhcp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/validate.h"

static int set_error(struct dhcp_error *err, int r, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int set_error(struct dhcp_error *err, int r, const char *field, const char *fmt, ...) {
        err->field = field;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return r;
}

static const char *const body_fields[] = {"mac", "ip", "name"};

bool dhcp_name_reserved(const char *name) {
        if (streq(name, "ignore") || streq(name, "infinite"))
                return true;
        /* A lease time: digits, then at most one of s m h d w. */
        size_t digits = strspn(name, "0123456789");
        return digits > 0 && (name[digits] == 0 || (strchr("smhdw", name[digits]) && name[digits + 1] == 0));
}

int dhcp_reservation_from_json(json_t *obj, const char *mac_from_path, struct dhcp_reservation *ret,
                               struct dhcp_error *err) {
        if (!json_is_object(obj))
                return set_error(err, -EINVAL, NULL, "must be a JSON object");
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool known = false;
                for (size_t i = mac_from_path ? 1 : 0; i < ELEMENTSOF(body_fields); i++)
                        known = known || streq(key, body_fields[i]);
                if (!known)
                        return set_error(err, -EINVAL, NULL, "unknown field");
        }
        struct dhcp_reservation r = {0};
        const char *mac = mac_from_path ? mac_from_path : json_string_value(json_object_get(obj, "mac"));
        if (!valid_mac(mac, r.mac))
                return set_error(err, -EINVAL, "mac", "must be six pairs of hex digits joined by ':'");
        const char *ip = json_string_value(json_object_get(obj, "ip"));
        uint32_t addr;
        if (!ip || ipv4_parse(ip, &addr) < 0)
                return set_error(err, -EINVAL, "ip", "must be an IPv4 address");
        if (addr == 0 || (addr >> 24) == 127 || (addr >> 28) >= 14)
                return set_error(err, -EINVAL, "ip", "must be a unicast address outside 0/8 and 127/8");
        ipv4_format(addr, r.ip);
        json_t *name = json_object_get(obj, "name");
        if (name) {
                const char *n = json_string_value(name);
                if (!n || (n[0] && !valid_host_label(n)))
                        return set_error(err, -EINVAL, "name",
                                         "must be empty or one DNS label: 1-63 of a-z, 0-9 and '-', not starting or "
                                         "ending with '-'");
                if (n[0] && dhcp_name_reserved(n))
                        return set_error(err, -EINVAL, "name",
                                         "must not be 'ignore', 'infinite' or a number (dnsmasq reads those as a "
                                         "flag or a lease time)");
                snprintf(r.name, sizeof r.name, "%s", n);
        }
        *ret = r;
        return 0;
}

json_t *dhcp_reservation_to_json(const struct dhcp_reservation *r) {
        return json_pack("{s:s, s:s, s:s}", "mac", r->mac, "ip", r->ip, "name", r->name);
}

static void row_to_reservation(sqlite3_stmt *stmt, struct dhcp_reservation *r) {
        *r = (struct dhcp_reservation){0};
        snprintf(r->mac, sizeof r->mac, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(r->ip, sizeof r->ip, "%s", (const char *)sqlite3_column_text(stmt, 1));
        snprintf(r->name, sizeof r->name, "%s", (const char *)sqlite3_column_text(stmt, 2));
}

int dhcp_reservations_get(struct store *s, const char *mac, struct dhcp_reservation *ret) {
        char lower[18];
        if (!valid_mac(mac, lower))
                return -ENOENT;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT mac, ip, name FROM dhcp_reservations WHERE mac = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, lower, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                row_to_reservation(stmt, ret);
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

int dhcp_reservations_foreach(struct store *s, int (*cb)(const struct dhcp_reservation *r, void *userdata),
                              void *userdata) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT mac, ip, name FROM dhcp_reservations ORDER BY mac", &stmt);
        if (r < 0)
                return r;
        int rc;
        r = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                struct dhcp_reservation res;
                row_to_reservation(stmt, &res);
                if ((r = cb(&res, userdata)) < 0)
                        break;
        }
        sqlite3_reset(stmt);
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static int append_json(const struct dhcp_reservation *r, void *userdata) {
        json_t *o = dhcp_reservation_to_json(r);
        return o && json_array_append_new(userdata, o) == 0 ? 0 : -ENOMEM;
}

int dhcp_reservations_list(struct store *s, json_t **ret) {
        _cleanup_json_ json_t *list = json_array();
        if (!list)
                return -ENOMEM;
        int r = dhcp_reservations_foreach(s, append_json, list);
        if (r < 0)
                return r;
        *ret = json_pack("{s:O}", "reservations", list);
        return *ret ? 0 : -ENOMEM;
}

/* The MAC holding column = value, other than self; "" when none. */
static int holder_of(struct store *s, const char *sql, const char *value, const char *self, char holder[18]) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, value, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, self, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        holder[0] = 0;
        if (rc == SQLITE_ROW)
                snprintf(holder, 18, "%s", (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_reset(stmt);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static int check_conflicts(struct store *s, const struct dhcp_reservation *res, struct dhcp_error *err) {
        char holder[18];
        int r = holder_of(s, "SELECT mac FROM dhcp_reservations WHERE ip = ?1 AND mac != ?2", res->ip, res->mac, holder);
        if (r < 0)
                return r;
        if (holder[0])
                return set_error(err, -EEXIST, "ip", "ip %s is already reserved for %s", res->ip, holder);
        if (!res->name[0])
                return 0;
        r = holder_of(s, "SELECT mac FROM dhcp_reservations WHERE name = ?1 AND mac != ?2", res->name, res->mac, holder);
        if (r < 0)
                return r;
        if (holder[0])
                return set_error(err, -EEXIST, "name", "name '%s' is already given to %s", res->name, holder);
        return 0;
}

static int record_change(struct txn *t, const char *mac, const struct dhcp_reservation *before,
                         const struct dhcp_reservation *after) {
        json_t *b = before ? dhcp_reservation_to_json(before) : NULL;
        json_t *a = after ? dhcp_reservation_to_json(after) : NULL;
        if ((before && !b) || (after && !a)) {
                json_decref(b);
                json_decref(a);
                return -ENOMEM;
        }
        return txn_record(t, "dhcp_reservation", mac, b, a);
}

static int write_row(struct store *s, const char *sql, const struct dhcp_reservation *res) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, res->mac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, res->ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 3, res->name, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static int count_reservations(struct store *s, int64_t *ret) {
        return store_query_int64(s, "SELECT COUNT(*) FROM dhcp_reservations", ret);
}

int dhcp_reservations_create(struct txn *t, const struct dhcp_reservation *res, struct dhcp_error *err) {
        struct store *s = t->store;
        struct dhcp_reservation old;
        int r = dhcp_reservations_get(s, res->mac, &old);
        if (r == 0)
                return set_error(err, -EEXIST, "mac", "mac %s already has a reservation (%s)", res->mac, old.ip);
        if (r != -ENOENT)
                return r;
        int64_t n = 0;
        if ((r = check_conflicts(s, res, err)) < 0 || (r = count_reservations(s, &n)) < 0)
                return r;
        if (n >= DHCP_RESERVATIONS_MAX)
                return -EDQUOT;
        if ((r = write_row(s, "INSERT INTO dhcp_reservations (mac, ip, name) VALUES (?1, ?2, ?3)", res)) < 0)
                return r;
        return record_change(t, res->mac, NULL, res);
}

int dhcp_reservations_update(struct txn *t, const struct dhcp_reservation *res, bool *ret_changed,
                             struct dhcp_error *err) {
        struct store *s = t->store;
        struct dhcp_reservation old;
        int r = dhcp_reservations_get(s, res->mac, &old);
        if (r < 0)
                return r;
        if (streq(old.ip, res->ip) && streq(old.name, res->name)) {
                *ret_changed = false;
                return 0;
        }
        if ((r = check_conflicts(s, res, err)) < 0 ||
            (r = write_row(s, "UPDATE dhcp_reservations SET ip = ?2, name = ?3 WHERE mac = ?1", res)) < 0 ||
            (r = record_change(t, res->mac, &old, res)) < 0)
                return r;
        *ret_changed = true;
        return 0;
}

int dhcp_reservations_delete(struct txn *t, const char *mac, struct dhcp_reservation *ret_old) {
        struct store *s = t->store;
        struct dhcp_reservation old;
        int r = dhcp_reservations_get(s, mac, &old);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        if ((r = store_prepare(s, "DELETE FROM dhcp_reservations WHERE mac = ?", &stmt)) < 0)
                return r;
        sqlite3_bind_text(stmt, 1, old.mac, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        if ((r = record_change(t, old.mac, &old, NULL)) < 0)
                return r;
        if (ret_old)
                *ret_old = old;
        return 0;
}

int dhcp_reservations_restore(struct txn *t, json_t *rows) {
        struct store *s = t->store;
        const char *key;
        json_t *want;
        int r;
        /* Every one that differs goes first, then the old ones come back,
         * so that no address is briefly held twice. */
        _cleanup_json_ json_t *todo = json_object();
        if (!todo)
                return -ENOMEM;
        json_object_foreach(rows, key, want) {
                struct dhcp_reservation now, then;
                struct dhcp_error err;
                bool have_now = dhcp_reservations_get(s, key, &now) == 0, have_then = !json_is_null(want);
                if (have_then && dhcp_reservation_from_json(want, NULL, &then, &err) < 0)
                        return -EBADMSG;
                if (have_now == have_then &&
                    (!have_now || (streq(now.ip, then.ip) && streq(now.name, then.name))))
                        continue;
                if (have_now) {
                        sqlite3_stmt *stmt;
                        if ((r = store_prepare(s, "DELETE FROM dhcp_reservations WHERE mac = ?", &stmt)) < 0)
                                return r;
                        sqlite3_bind_text(stmt, 1, now.mac, -1, SQLITE_TRANSIENT);
                        int rc = sqlite3_step(stmt);
                        sqlite3_reset(stmt);
                        if (rc != SQLITE_DONE)
                                return store_errno(rc);
                }
                json_t *b = have_now ? dhcp_reservation_to_json(&now) : json_null();
                if (!b || json_object_set_new(todo, key, b) < 0)
                        return -ENOMEM;
        }
        json_t *before;
        json_object_foreach(todo, key, before) {
                want = json_object_get(rows, key);
                json_t *a = NULL;
                if (!json_is_null(want)) {
                        struct dhcp_reservation then;
                        struct dhcp_error err;
                        if (dhcp_reservation_from_json(want, NULL, &then, &err) < 0)
                                return -EBADMSG;
                        if ((r = write_row(s, "INSERT INTO dhcp_reservations (mac, ip, name) VALUES (?1, ?2, ?3)",
                                           &then)) < 0)
                                return r;
                        if (!(a = dhcp_reservation_to_json(&then)))
                                return -ENOMEM;
                }
                if ((r = txn_record(t, "dhcp_reservation", key, json_is_null(before) ? NULL : json_incref(before), a)) < 0)
                        return r;
        }
        return 0;
}
