/* DNS records and forwarders; see dns.h. */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/validate.h"
#include "store/config.h"

#define RECORD_COLUMNS "id, name, type, value, ttl, priority, weight, port"

static const char *const type_names[_DNS_TYPE_MAX] = {"A", "AAAA", "CNAME", "TXT", "MX", "SRV"};

const char *dns_type_to_string(enum dns_type t) {
        return (unsigned)t < _DNS_TYPE_MAX ? type_names[t] : "?";
}

int dns_type_from_string(const char *s, enum dns_type *ret) {
        for (unsigned i = 0; s && i < _DNS_TYPE_MAX; i++)
                if (streq(s, type_names[i])) {
                        *ret = (enum dns_type)i;
                        return 0;
                }
        return -EINVAL;
}

bool dns_type_has_priority(enum dns_type t) {
        return t == DNS_TYPE_MX || t == DNS_TYPE_SRV;
}

bool dns_type_has_weight_port(enum dns_type t) {
        return t == DNS_TYPE_SRV;
}

static int set_error(struct dns_error *err, int r, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int set_error(struct dns_error *err, int r, const char *field, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        utf8_repair(err->message); /* it may quote a name cut short */
        err->field = field;
        return r;
}

/* ---- grammars ---- */

static bool is_label_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The first len bytes of s are dot-separated labels of [a-z0-9_-]{1,63},
 * none starting or ending with '-'. */
static bool valid_labels(const char *s, size_t len) {
        if (len == 0)
                return false;
        size_t start = 0;
        for (size_t i = 0; i <= len; i++) {
                if (i == len || s[i] == '.') {
                        size_t l = i - start;
                        if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-')
                                return false;
                        start = i + 1;
                } else if (!is_label_char(s[i])) {
                        return false;
                }
        }
        return true;
}

const char *dns_check_name(const char *s) {
        if (!s)
                return "must be a string";
        if (streq(s, "@"))
                return NULL;
        size_t len = strnlen(s, DNS_NAME_MAX_LEN + 1);
        if (len > DNS_NAME_MAX_LEN)
                return "must be at most 200 characters";
        if (!valid_labels(s, len))
                return "must be '@' or dot-separated labels of a-z, 0-9, '_' and '-' (1-63 each, not starting or "
                       "ending with '-')";
        return NULL;
}

/* A CNAME, MX or SRV target: relative to the zone, or absolute with one
 * trailing dot. An address is refused: it would be read as a name. */
static const char *check_target(const char *s) {
        static const char msg[] = "must be a DNS name: labels of a-z, 0-9, '_' and '-', relative to the zone or "
                                  "absolute with one trailing dot";
        size_t len = strnlen(s, DNS_TARGET_MAX_LEN + 1);
        bool absolute = len > 0 && s[len - 1] == '.';
        if (len > (absolute ? DNS_TARGET_MAX_LEN : DNS_NAME_MAX_LEN))
                return msg;
        size_t body = absolute ? len - 1 : len;
        if (!valid_labels(s, body))
                return msg;
        char copy[DNS_TARGET_MAX_LEN + 1];
        memcpy(copy, s, body);
        copy[body] = 0;
        uint32_t addr;
        if (ipv4_parse(copy, &addr) == 0)
                return "must be a name, not an address";
        return NULL;
}

/* "_service._proto" or "_service._proto.more": the two leading labels of
 * an SRV name. The labels themselves are checked already. */
static bool srv_name_ok(const char *name) {
        const char *dot = strchr(name, '.');
        if (name[0] != '_' || !dot || dot - name < 2)
                return false;
        const char *proto = dot + 1;
        return proto[0] == '_' && strchrnul(proto, '.') - proto >= 2;
}

/* A decimal port, 1..65535, without sign or leading zeros. */
static bool parse_port(const char *s, uint16_t *ret) {
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 5 || s[n] || s[0] == '0')
                return false;
        long v = strtol(s, NULL, 10);
        if (!valid_port(v))
                return false;
        *ret = (uint16_t)v;
        return true;
}

const char *dns_check_forwarder(const char *s) {
        static const char form[] = "must be IPv4, IPv4@PORT or IPv4@PORT#tls-name, like 192.0.2.53@853#dns.example.net";
        char copy[16 + 6 + 1 + DOMAIN_MAX_LEN + 1];
        if (!s || strnlen(s, sizeof copy) >= sizeof copy)
                return form;
        strcpy(copy, s);
        char *hash = strchr(copy, '#');
        if (hash) {
                *hash = 0;
                if (!valid_domain(hash + 1))
                        return "must have a DNS name after '#' (labels of a-z, 0-9 and '-'), like "
                               "192.0.2.53@853#dns.example.net";
        }
        char *at = strchr(copy, '@');
        uint16_t port;
        if (hash && !at)
                return "must name the port before a TLS name, like 192.0.2.53@853#dns.example.net";
        if (at) {
                *at = 0;
                if (!parse_port(at + 1, &port))
                        return "must have a port between 1 and 65535 after '@'";
        }
        uint32_t addr;
        if (ipv4_parse(copy, &addr) < 0)
                return form;
        if ((addr >> 24) == 0 || addr >= 0xe0000000u)
                return "must be a unicast IPv4 address";
        return NULL;
}

const char *dns_check_field(const char *field, json_t *v) {
        if (streq(field, "name"))
                return json_is_string(v) ? dns_check_name(json_string_value(v)) : "must be a string";
        if (streq(field, "type")) {
                enum dns_type t;
                return json_is_string(v) && dns_type_from_string(json_string_value(v), &t) == 0
                               ? NULL
                               : "must be one of A, AAAA, CNAME, TXT, MX, SRV";
        }
        if (streq(field, "value"))
                return json_is_string(v) && valid_text(json_string_value(v), 1, DNS_VALUE_MAX_LEN)
                               ? NULL
                               : "must be 1-1024 bytes of text without control characters";
        bool known = streq(field, "ttl") || streq(field, "priority") || streq(field, "weight") || streq(field, "port");
        if (!known)
                return "is not a known field";
        if (!json_is_integer(v))
                return "must be an integer";
        json_int_t n = json_integer_value(v);
        if (streq(field, "ttl"))
                return n >= 0 && n <= DNS_TTL_MAX ? NULL : "must be between 0 and 86400 seconds";
        if (streq(field, "port"))
                return valid_port(n) ? NULL : "must be a port between 1 and 65535";
        return n >= 0 && n <= 65535 ? NULL : "must be between 0 and 65535";
}

static const char *value_rule(enum dns_type t) {
        switch (t) {
        case DNS_TYPE_A:
                return "must be an IPv4 address like 192.0.2.1 for an A record";
        case DNS_TYPE_AAAA:
                return "must be an IPv6 address like 2001:db8::1 for an AAAA record";
        default:
                return "must be 1-1024 bytes of text without control characters";
        }
}

int dns_record_check(const struct dns_record *r, struct dns_error *err) {
        const char *type = dns_type_to_string(r->type), *msg;
        if ((unsigned)r->type >= _DNS_TYPE_MAX)
                return set_error(err, -EINVAL, "type", "must be one of A, AAAA, CNAME, TXT, MX, SRV");
        if ((msg = dns_check_name(r->name)))
                return set_error(err, -EINVAL, "name", "%s", msg);
        if (!valid_text(r->value, 1, DNS_VALUE_MAX_LEN))
                return set_error(err, -EINVAL, "value", "%s", value_rule(DNS_TYPE_TXT));

        switch (r->type) {
        case DNS_TYPE_A: {
                uint32_t addr;
                if (ipv4_parse(r->value, &addr) < 0)
                        return set_error(err, -EINVAL, "value", "%s", value_rule(r->type));
                break;
        }
        case DNS_TYPE_AAAA: {
                unsigned char addr[sizeof(struct in6_addr)];
                char canonical[INET6_ADDRSTRLEN];
                if (inet_pton(AF_INET6, r->value, addr) != 1 ||
                    !inet_ntop(AF_INET6, addr, canonical, sizeof canonical) || !streq(canonical, r->value))
                        return set_error(err, -EINVAL, "value", "%s", value_rule(r->type));
                break;
        }
        case DNS_TYPE_SRV:
                if (!srv_name_ok(r->name))
                        return set_error(err, -EINVAL, "name",
                                         "must start with '_service._proto' for an SRV record, like '_sip._tcp'");
                _fallthrough_;
        case DNS_TYPE_CNAME:
        case DNS_TYPE_MX:
                if ((msg = check_target(r->value)))
                        return set_error(err, -EINVAL, "value", "%s", msg);
                break;
        case DNS_TYPE_TXT:
        default:
                break;
        }
        if (r->ttl > DNS_TTL_MAX)
                return set_error(err, -EINVAL, "ttl", "must be between 0 and 86400 seconds");
        if (!dns_type_has_priority(r->type) && r->priority)
                return set_error(err, -EINVAL, "priority", "is only for MX and SRV records, not %s", type);
        if (!dns_type_has_weight_port(r->type) && r->weight)
                return set_error(err, -EINVAL, "weight", "is only for SRV records, not %s", type);
        if (!dns_type_has_weight_port(r->type) && r->port)
                return set_error(err, -EINVAL, "port", "is only for SRV records, not %s", type);
        if (dns_type_has_weight_port(r->type) && r->port == 0)
                return set_error(err, -EINVAL, "port", "must be a port between 1 and 65535");
        return 0;
}

static const char *const body_fields[] = {"name", "type", "value", "ttl", "priority", "weight", "port"};

int dns_record_from_json(json_t *obj, struct dns_record *ret, struct dns_error *err) {
        if (!json_is_object(obj))
                return set_error(err, -EINVAL, NULL, "the record must be a JSON object");
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                const char *field = NULL;
                for (unsigned i = 0; i < ELEMENTSOF(body_fields); i++)
                        if (streq(key, body_fields[i]))
                                field = body_fields[i];
                if (!field)
                        return set_error(err, -EINVAL, NULL, "'%.64s' is not a known field", key);
                const char *msg = dns_check_field(field, v);
                if (msg)
                        return set_error(err, -EINVAL, field, "%s", msg);
        }
        for (unsigned i = 0; i < 3; i++) /* name, type, value */
                if (!json_object_get(obj, body_fields[i]))
                        return set_error(err, -EINVAL, body_fields[i], "is required");

        struct dns_record r = {.ttl = DNS_TTL_DEFAULT};
        if (dns_type_from_string(json_string_value(json_object_get(obj, "type")), &r.type) < 0)
                return set_error(err, -EINVAL, "type", "must be one of A, AAAA, CNAME, TXT, MX, SRV");
        const char *type = dns_type_to_string(r.type);
        snprintf(r.name, sizeof r.name, "%s", json_string_value(json_object_get(obj, "name")));
        snprintf(r.value, sizeof r.value, "%s", json_string_value(json_object_get(obj, "value")));
        if ((v = json_object_get(obj, "ttl")))
                r.ttl = (uint32_t)json_integer_value(v);

        /* Each of priority, weight, port: required by the types that have
         * it, refused by the others. */
        const struct {
                const char *field;
                bool has;
                uint16_t *slot;
        } extras[] = {
                {"priority", dns_type_has_priority(r.type), &r.priority},
                {"weight", dns_type_has_weight_port(r.type), &r.weight},
                {"port", dns_type_has_weight_port(r.type), &r.port},
        };
        for (unsigned i = 0; i < ELEMENTSOF(extras); i++) {
                v = json_object_get(obj, extras[i].field);
                if (v && !extras[i].has)
                        return set_error(err, -EINVAL, extras[i].field, "is not a field of %s records", type);
                if (!v && extras[i].has)
                        return set_error(err, -EINVAL, extras[i].field, "is required for %s records", type);
                if (v)
                        *extras[i].slot = (uint16_t)json_integer_value(v);
        }

        if (r.type == DNS_TYPE_AAAA) {
                unsigned char addr[sizeof(struct in6_addr)];
                if (inet_pton(AF_INET6, r.value, addr) != 1 || !inet_ntop(AF_INET6, addr, r.value, sizeof r.value))
                        return set_error(err, -EINVAL, "value", "%s", value_rule(r.type));
        }
        int e = dns_record_check(&r, err);
        if (e < 0)
                return e;
        *ret = r;
        return 0;
}

/* ---- JSON and text ---- */

static void fqdn_of(const char *name, const char *zone, char *out, size_t size) {
        if (streq(name, "@"))
                snprintf(out, size, "%s", zone);
        else
                snprintf(out, size, "%s.%s", name, zone);
}

json_t *dns_record_to_json(const struct dns_record *r, const char *zone) {
        char fqdn[DNS_NAME_MAX_LEN + 1 + DNS_ZONE_MAX_LEN + 1];
        fqdn_of(r->name, zone, fqdn, sizeof fqdn);
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)r->id, "name", r->name, "type",
                              dns_type_to_string(r->type), "value", r->value, "ttl", (json_int_t)r->ttl, "fqdn", fqdn);
        if (!o)
                return NULL;
        if ((dns_type_has_priority(r->type) && json_object_set_new(o, "priority", json_integer(r->priority)) < 0) ||
            (dns_type_has_weight_port(r->type) && (json_object_set_new(o, "weight", json_integer(r->weight)) < 0 ||
                                                   json_object_set_new(o, "port", json_integer(r->port)) < 0))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

void dns_record_describe(const struct dns_record *r, char *out, size_t size) {
        char value[68];
        if (strlen(r->value) > 64)
                snprintf(value, sizeof value, "%.61s...", r->value);
        else
                snprintf(value, sizeof value, "%s", r->value);
        utf8_repair(value); /* a cut may have split a character */
        const char *type = dns_type_to_string(r->type);
        if (r->type == DNS_TYPE_MX)
                snprintf(out, size, "%s %s %u %s", r->name, type, (unsigned)r->priority, value);
        else if (r->type == DNS_TYPE_SRV)
                snprintf(out, size, "%s %s %u %u %u %s", r->name, type, (unsigned)r->priority, (unsigned)r->weight,
                         (unsigned)r->port, value);
        else
                snprintf(out, size, "%s %s %s", r->name, type, value);
        utf8_repair(out);
}

/* ---- the store ---- */

int dns_zone(struct store *s, char ret[DNS_ZONE_MAX_LEN + 1]) {
        _cleanup_json_ json_t *flat = NULL;
        int r = config_load(s, &flat);
        if (r < 0)
                return r;
        const char *cell = json_string_value(json_object_get(flat, "cell_name"));
        const char *domain = json_string_value(json_object_get(flat, "domain"));
        char zone[DNS_ZONE_MAX_LEN + 1];
        if (!cell || !domain || (size_t)snprintf(zone, sizeof zone, "%s.%s", cell, domain) >= sizeof zone)
                return -EBADMSG;
        memcpy(ret, zone, sizeof zone);
        return 0;
}

static void row_to_record(sqlite3_stmt *stmt, struct dns_record *r) {
        const char *name = (const char *)sqlite3_column_text(stmt, 1);
        const char *type = (const char *)sqlite3_column_text(stmt, 2);
        const char *value = (const char *)sqlite3_column_text(stmt, 3);
        r->id = sqlite3_column_int64(stmt, 0);
        snprintf(r->name, sizeof r->name, "%s", name ? name : "");
        if (dns_type_from_string(type, &r->type) < 0)
                r->type = _DNS_TYPE_MAX; /* dns_record_check refuses it */
        snprintf(r->value, sizeof r->value, "%s", value ? value : "");
        r->ttl = (uint32_t)sqlite3_column_int64(stmt, 4);
        r->priority = (uint16_t)sqlite3_column_int(stmt, 5); /* NULL reads as 0 */
        r->weight = (uint16_t)sqlite3_column_int(stmt, 6);
        r->port = (uint16_t)sqlite3_column_int(stmt, 7);
}

int dns_records_get(struct store *s, int64_t id, struct dns_record *ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " RECORD_COLUMNS " FROM dns_records WHERE id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, id);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                row_to_record(stmt, ret);
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

/* ?1 search (NULL: any), ?2 type (NULL: any). */
#define LIST_WHERE                                                                                                 \
        " WHERE (?1 IS NULL OR instr(lower(name), lower(?1)) > 0 OR instr(lower(value), lower(?1)) > 0)"          \
        " AND (?2 IS NULL OR type = ?2)"

static void bind_query(sqlite3_stmt *stmt, const struct dns_query *q) {
        if (q->search && *q->search)
                sqlite3_bind_text(stmt, 1, q->search, -1, SQLITE_STATIC);
        if (q->type >= 0 && q->type < _DNS_TYPE_MAX)
                sqlite3_bind_text(stmt, 2, type_names[q->type], -1, SQLITE_STATIC);
}

int dns_records_list(struct store *s, const struct dns_query *q, const char *zone, json_t **ret_list,
                     int64_t *ret_total) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT COUNT(*) FROM dns_records" LIST_WHERE, &stmt);
        if (r < 0)
                return r;
        bind_query(stmt, q);
        int rc = sqlite3_step(stmt);
        int64_t total = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_reset(stmt);
        if (rc != SQLITE_ROW)
                return store_errno(rc);

        r = store_prepare(s, "SELECT " RECORD_COLUMNS " FROM dns_records" LIST_WHERE
                             " ORDER BY name, type, value LIMIT ?3 OFFSET ?4", &stmt);
        if (r < 0)
                return r;
        bind_query(stmt, q);
        sqlite3_bind_int64(stmt, 3, q->limit);
        sqlite3_bind_int64(stmt, 4, q->offset);
        _cleanup_json_ json_t *list = json_array();
        if (!list)
                return -ENOMEM;
        struct dns_record rec;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                row_to_record(stmt, &rec);
                if (json_array_append_new(list, dns_record_to_json(&rec, zone)) < 0) {
                        sqlite3_reset(stmt);
                        return -ENOMEM;
                }
        }
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        *ret_list = TAKE_PTR(list);
        *ret_total = total;
        return 0;
}

int dns_records_foreach(struct store *s, int (*cb)(const struct dns_record *r, void *userdata), void *userdata) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " RECORD_COLUMNS " FROM dns_records ORDER BY name, type, value", &stmt);
        if (r < 0)
                return r;
        struct dns_record rec;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                row_to_record(stmt, &rec);
                if ((r = cb(&rec, userdata)) < 0) {
                        sqlite3_reset(stmt);
                        return r;
                }
        }
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int dns_record_check_zone(const struct dns_record *r, const char *zone, struct dns_error *err) {
        size_t zone_len = strlen(zone);
        size_t name_len = streq(r->name, "@") ? zone_len : strlen(r->name) + 1 + zone_len;
        if (name_len > DNS_FQDN_MAX_LEN)
                return set_error(err, -EINVAL, "name", "is too long: with the zone '%.64s' it passes %d characters",
                                 zone, DNS_FQDN_MAX_LEN);
        bool target = r->type == DNS_TYPE_CNAME || r->type == DNS_TYPE_MX || r->type == DNS_TYPE_SRV;
        size_t value_len = strlen(r->value);
        if (target && r->value[value_len - 1] != '.' && value_len + 1 + zone_len > DNS_FQDN_MAX_LEN)
                return set_error(err, -EINVAL, "value", "is too long: with the zone '%.64s' it passes %d characters",
                                 zone, DNS_FQDN_MAX_LEN);
        return 0;
}

/* The rules between records; self is the record being replaced (0: none). */
static int check_conflicts(struct store *s, const struct dns_record *rec, int64_t self, struct dns_error *err) {
        for (unsigned i = 0; i < config_services_count; i++)
                if (streq(rec->name, config_services[i]))
                        return set_error(err, -EEXIST, "name", "'%s' belongs to the cell: it is the name of its %s service",
                                         rec->name, config_services[i]);
        if (rec->type == DNS_TYPE_CNAME && streq(rec->name, "@"))
                return set_error(err, -EEXIST, "name",
                                 "'@' cannot have a CNAME record: the zone's own records live at its apex");

        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT id FROM dns_records WHERE name = ?1 AND type = ?2 AND value = ?3 AND id != ?4",
                               &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, rec->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, dns_type_to_string(rec->type), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, rec->value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, self);
        int rc = sqlite3_step(stmt);
        int64_t other = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_reset(stmt);
        if (rc == SQLITE_ROW)
                return set_error(err, -EEXIST, NULL, "the same record already exists (id %lld)", (long long)other);
        if (rc != SQLITE_DONE)
                return store_errno(rc);

        /* A CNAME is the only record of its name (RFC 1034 3.6.2). */
        if (rec->type == DNS_TYPE_CNAME)
                r = store_prepare(s, "SELECT type FROM dns_records WHERE name = ?1 AND id != ?2 LIMIT 1", &stmt);
        else
                r = store_prepare(s, "SELECT type FROM dns_records WHERE name = ?1 AND id != ?2 AND type = 'CNAME' LIMIT 1",
                                   &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, rec->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, self);
        rc = sqlite3_step(stmt);
        char type[8] = "";
        if (rc == SQLITE_ROW)
                snprintf(type, sizeof type, "%s", (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_reset(stmt);
        if (rc == SQLITE_ROW)
                return rec->type == DNS_TYPE_CNAME
                               ? set_error(err, -EEXIST, "name",
                                           "'%s' already has a %s record; a CNAME must be the only record of its name",
                                           rec->name, type)
                               : set_error(err, -EEXIST, "name",
                                           "'%s' has a CNAME record, which must be the only record of its name", rec->name);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

/* Binds name, type, value, ttl, priority, weight, port as ?1..?7; the
 * fields a type does not have are NULL. */
static void bind_record(sqlite3_stmt *stmt, const struct dns_record *r) {
        sqlite3_bind_text(stmt, 1, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, dns_type_to_string(r->type), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, r->value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, r->ttl);
        if (dns_type_has_priority(r->type))
                sqlite3_bind_int(stmt, 5, r->priority);
        if (dns_type_has_weight_port(r->type)) {
                sqlite3_bind_int(stmt, 6, r->weight);
                sqlite3_bind_int(stmt, 7, r->port);
        }
}

static int record_change(struct txn *t, int64_t id, const struct dns_record *before, const struct dns_record *after,
                         const char *zone) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)id);
        json_t *b = before ? dns_record_to_json(before, zone) : NULL;
        json_t *a = after ? dns_record_to_json(after, zone) : NULL;
        if ((before && !b) || (after && !a)) {
                json_decref(b);
                json_decref(a);
                return -ENOMEM;
        }
        return txn_record(t, "dns_record", key, b, a);
}

static int count_records(struct store *s, int64_t *ret) {
        return store_query_int64(s, "SELECT COUNT(*) FROM dns_records", ret);
}

int dns_records_create(struct txn *t, struct dns_record *rec, struct dns_error *err) {
        struct store *s = t->store;
        char zone[DNS_ZONE_MAX_LEN + 1];
        int64_t n = 0;
        int r;
        if ((r = dns_zone(s, zone)) < 0 || (r = dns_record_check_zone(rec, zone, err)) < 0 ||
            (r = check_conflicts(s, rec, 0, err)) < 0 || (r = count_records(s, &n)) < 0)
                return r;
        if (n >= DNS_RECORDS_MAX)
                return -EDQUOT;

        sqlite3_stmt *stmt;
        r = store_prepare(s, "INSERT INTO dns_records (name, type, value, ttl, priority, weight, port) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &stmt);
        if (r < 0)
                return r;
        bind_record(stmt, rec);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        rec->id = sqlite3_last_insert_rowid(store_db(s));
        return record_change(t, rec->id, NULL, rec, zone);
}

static bool records_equal(const struct dns_record *a, const struct dns_record *b) {
        return streq(a->name, b->name) && a->type == b->type && streq(a->value, b->value) && a->ttl == b->ttl &&
               a->priority == b->priority && a->weight == b->weight && a->port == b->port;
}

int dns_records_update(struct txn *t, int64_t id, struct dns_record *rec, bool *ret_changed, struct dns_error *err) {
        struct store *s = t->store;
        struct dns_record old;
        int r = dns_records_get(s, id, &old);
        if (r < 0)
                return r;
        rec->id = id;
        if (records_equal(&old, rec)) {
                *ret_changed = false;
                return 0;
        }
        char zone[DNS_ZONE_MAX_LEN + 1];
        if ((r = dns_zone(s, zone)) < 0 || (r = dns_record_check_zone(rec, zone, err)) < 0 ||
            (r = check_conflicts(s, rec, id, err)) < 0)
                return r;

        sqlite3_stmt *stmt;
        r = store_prepare(s, "UPDATE dns_records SET name = ?1, type = ?2, value = ?3, ttl = ?4, priority = ?5, "
                             "weight = ?6, port = ?7 WHERE id = ?8", &stmt);
        if (r < 0)
                return r;
        bind_record(stmt, rec);
        sqlite3_bind_int64(stmt, 8, id);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        if ((r = record_change(t, id, &old, rec, zone)) < 0)
                return r;
        *ret_changed = true;
        return 0;
}

int dns_records_delete(struct txn *t, int64_t id, struct dns_record *ret_old) {
        struct store *s = t->store;
        struct dns_record old;
        int r = dns_records_get(s, id, &old);
        if (r < 0)
                return r;
        char zone[DNS_ZONE_MAX_LEN + 1];
        if ((r = dns_zone(s, zone)) < 0)
                return r;
        sqlite3_stmt *stmt;
        r = store_prepare(s, "DELETE FROM dns_records WHERE id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, id);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        if ((r = record_change(t, id, &old, NULL, zone)) < 0)
                return r;
        if (ret_old)
                *ret_old = old;
        return 0;
}

/* The record a rollback puts back: its JSON minus what is not stored. */
static int record_from_history(json_t *row, struct dns_record *ret) {
        _cleanup_json_ json_t *body = json_deep_copy(row);
        if (!body)
                return -ENOMEM;
        json_object_del(body, "id");
        json_object_del(body, "fqdn");
        struct dns_error err;
        return dns_record_from_json(body, ret, &err) < 0 ? -EBADMSG : 0;
}

static int delete_row(struct store *s, int64_t id) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "DELETE FROM dns_records WHERE id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, id);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int dns_records_restore(struct txn *t, json_t *rows) {
        struct store *s = t->store;
        char zone[DNS_ZONE_MAX_LEN + 1];
        int r = dns_zone(s, zone);
        if (r < 0)
                return r;
        /* Every row that differs goes first, then the old ones come back:
         * in between, no uniqueness rule can trip over a half-done swap. */
        const char *key;
        json_t *want;
        _cleanup_json_ json_t *todo = json_object();
        if (!todo)
                return -ENOMEM;
        json_object_foreach(rows, key, want) {
                char *end;
                long long id = strtoll(key, &end, 10);
                if (*end || id <= 0)
                        return -EBADMSG;
                struct dns_record now, then;
                bool have_now = dns_records_get(s, id, &now) == 0, have_then = !json_is_null(want);
                if (have_then && (r = record_from_history(want, &then)) < 0)
                        return r;
                if (have_now == have_then && (!have_now || records_equal(&now, &then)))
                        continue;
                if (have_now && (r = delete_row(s, id)) < 0)
                        return r;
                json_t *b = have_now ? dns_record_to_json(&now, zone) : json_null();
                if (!b || json_object_set_new(todo, key, b) < 0)
                        return -ENOMEM;
        }
        json_t *before;
        json_object_foreach(todo, key, before) {
                want = json_object_get(rows, key);
                int64_t id = strtoll(key, NULL, 10);
                struct dns_record then = {0};
                if (!json_is_null(want)) {
                        if ((r = record_from_history(want, &then)) < 0)
                                return r;
                        sqlite3_stmt *stmt;
                        r = store_prepare(s, "INSERT INTO dns_records (name, type, value, ttl, priority, weight, port, id) "
                                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &stmt);
                        if (r < 0)
                                return r;
                        bind_record(stmt, &then);
                        sqlite3_bind_int64(stmt, 8, id);
                        int rc = sqlite3_step(stmt);
                        sqlite3_reset(stmt);
                        if (rc != SQLITE_DONE)
                                return store_errno(rc);
                        then.id = id;
                }
                json_t *a = json_is_null(want) ? NULL : dns_record_to_json(&then, zone);
                if (!json_is_null(want) && !a)
                        return -ENOMEM;
                if ((r = txn_record(t, "dns_record", key, json_is_null(before) ? NULL : json_incref(before), a)) < 0)
                        return r;
        }
        return 0;
}
