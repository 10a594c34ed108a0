/* /api/dns/records: the records of the cell's zone. Anyone signed in may
 * read them; admins change them, one revision per change. Each record is
 * checked for its type by the store (store/dns.c), conflicts included. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/handlers.h"
#include "common/cleanup.h"
#include "common/validate.h"
#include "store/dns.h"

#define LIST_LIMIT_MAX 1000

/* Field checks through the store's own grammar (one definition). */
#define RECORD_CHECK(fn, field)                                                                                   \
        static const char *fn(json_t *v) { return dns_check_field(field, v); }
RECORD_CHECK(check_name, "name")
RECORD_CHECK(check_type, "type")
RECORD_CHECK(check_value, "value")
RECORD_CHECK(check_ttl, "ttl")
RECORD_CHECK(check_priority, "priority")
RECORD_CHECK(check_weight, "weight")
RECORD_CHECK(check_port, "port")

static const struct field_policy dns_record_fields[] = {
        {"name", FIELD_STRING, true, check_name, NULL},
        {"type", FIELD_STRING, true, check_type, NULL},
        {"value", FIELD_STRING, true, check_value, NULL},
        {"ttl", FIELD_INTEGER, false, check_ttl, NULL},
        {"priority", FIELD_INTEGER, false, check_priority, NULL},
        {"weight", FIELD_INTEGER, false, check_weight, NULL},
        {"port", FIELD_INTEGER, false, check_port, NULL},
};
const struct body_policy dns_record_body = {dns_record_fields, ELEMENTSOF(dns_record_fields)};

/* A decimal number from min to max with nothing after it. */
static int parse_number(const char *s, long long min, long long max, int64_t *ret) {
        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int no_record(struct response *resp, const char *id) {
        return api_error(resp, 404, NULL, "no dns record '%.32s'", id);
}

/* The store's refusals: a field's grammar (400) or a conflict (409). */
static int record_error(struct response *resp, int r, const struct dns_error *err) {
        if (r == -EINVAL)
                return api_error(resp, 400, err->field, "%s%s%s", err->field ? err->field : "",
                                 err->field ? " " : "", err->message);
        if (r == -EEXIST)
                return api_error(resp, 409, err->field, "%s", err->message[0] ? err->message : "the record conflicts with another");
        if (r == -EDQUOT)
                return api_error(resp, 409, NULL, "the zone already holds %d records, the most it may", DNS_RECORDS_MAX);
        return api_error_errno(resp, r, "dns record");
}

int dns_records_list_handler(struct request *req, struct response *resp) {
        struct dns_query q = {.type = -1, .limit = -1};
        const char *search = request_query(req, "search");
        if (search && !valid_text(search, 0, DNS_SEARCH_MAX_LEN))
                return api_error(resp, 400, "search", "search must be at most %d bytes of text without control characters",
                                 DNS_SEARCH_MAX_LEN);
        q.search = search;
        const char *type = request_query(req, "type");
        enum dns_type t;
        if (type) {
                if (dns_type_from_string(type, &t) < 0)
                        return api_error(resp, 400, "type", "type must be one of A, AAAA, CNAME, TXT, MX, SRV");
                q.type = (int)t;
        }
        const char *limit = request_query(req, "limit");
        if (limit && parse_number(limit, 1, LIST_LIMIT_MAX, &q.limit) < 0)
                return api_error(resp, 400, "limit", "limit must be a number from 1 to %d", LIST_LIMIT_MAX);
        const char *offset = request_query(req, "offset");
        if (offset && parse_number(offset, 0, DNS_RECORDS_MAX, &q.offset) < 0)
                return api_error(resp, 400, "offset", "offset must be a number from 0 to %d", DNS_RECORDS_MAX);

        char zone[DNS_ZONE_MAX_LEN + 1];
        json_t *list;
        int64_t total;
        int r = dns_zone(req->ctx->store, zone);
        if (r < 0 || (r = dns_records_list(req->ctx->store, &q, zone, &list, &total)) < 0)
                return api_error_errno(resp, r, "dns records");
        return api_reply(resp, 200, json_pack("{s:o, s:I}", "records", list, "total", (json_int_t)total));
}

int dns_records_get_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        int64_t id;
        if (parse_number(req->params[0], 1, INT64_MAX, &id) < 0)
                return no_record(resp, req->params[0]);
        struct dns_record rec;
        char zone[DNS_ZONE_MAX_LEN + 1];
        int r = dns_records_get(s, id, &rec);
        if (r == -ENOENT)
                return no_record(resp, req->params[0]);
        if (r < 0 || (r = dns_zone(s, zone)) < 0)
                return api_error_errno(resp, r, "dns record");
        return api_reply(resp, 200, dns_record_to_json(&rec, zone));
}

/* The record as stored now, for the reply. */
static int reply_record(struct response *resp, unsigned status, struct store *s, int64_t id) {
        struct dns_record rec;
        char zone[DNS_ZONE_MAX_LEN + 1];
        int r = dns_records_get(s, id, &rec);
        if (r < 0 || (r = dns_zone(s, zone)) < 0)
                return r;
        return api_reply(resp, status, dns_record_to_json(&rec, zone));
}

int dns_records_create_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        struct dns_record rec;
        struct dns_error err = {0};
        int r = dns_record_from_json(req->body, &rec, &err);
        if (r < 0)
                return record_error(resp, r, &err);

        char actor[64], what[160], summary[192];
        request_actor(req, actor, sizeof actor);
        dns_record_describe(&rec, what, sizeof what);
        snprintf(summary, sizeof summary, "dns record %s created", what);
        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0 || (r = dns_records_create(&t, &rec, &err)) < 0 ||
            (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return record_error(resp, r, &err);
        return reply_record(resp, 201, s, rec.id);
}

int dns_records_update_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        int64_t id;
        if (parse_number(req->params[0], 1, INT64_MAX, &id) < 0)
                return no_record(resp, req->params[0]);
        struct dns_record rec;
        struct dns_error err = {0};
        int r = dns_record_from_json(req->body, &rec, &err);
        if (r < 0)
                return record_error(resp, r, &err);

        char actor[64], what[160], summary[192];
        request_actor(req, actor, sizeof actor);
        dns_record_describe(&rec, what, sizeof what);
        snprintf(summary, sizeof summary, "dns record %s updated", what);
        _cleanup_txn_ struct txn t = {0};
        bool changed = false;
        if ((r = txn_begin(s, &t)) < 0 || (r = dns_records_update(&t, id, &rec, &changed, &err)) < 0)
                return r == -ENOENT ? no_record(resp, req->params[0]) : record_error(resp, r, &err);
        /* The same record again changes nothing: no revision for a no-op. */
        if (!changed)
                txn_abort(&t);
        else if ((r = txn_commit(&t, actor, summary, NULL)) < 0)
                return record_error(resp, r, &err);
        return reply_record(resp, 200, s, id);
}

int dns_records_delete_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        int64_t id;
        if (parse_number(req->params[0], 1, INT64_MAX, &id) < 0)
                return no_record(resp, req->params[0]);
        _cleanup_txn_ struct txn t = {0};
        int r = txn_begin(s, &t);
        if (r < 0)
                return api_error_errno(resp, r, "dns record");
        struct dns_record old;
        r = dns_records_delete(&t, id, &old);
        if (r == -ENOENT)
                return no_record(resp, req->params[0]);
        if (r < 0)
                return api_error_errno(resp, r, "dns record");
        char actor[64], what[160], summary[192];
        request_actor(req, actor, sizeof actor);
        dns_record_describe(&old, what, sizeof what);
        snprintf(summary, sizeof summary, "dns record %s deleted", what);
        if ((r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "dns record");
        return api_reply(resp, 204, NULL);
}
