/* The cell's DNS zone: records (A, AAAA, CNAME, TXT, MX, SRV) under
 * "<cell_name>.<domain>", each checked against its type's grammar before it
 * is stored, and the grammar of the upstream forwarders (config field
 * "dns.forwarders"). Functions return 0 or a negative errno; nothing here
 * logs. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define DNS_RECORDS_MAX 100000    /* the zone's bound: a create beyond it is refused */
#define DNS_NAME_MAX_LEN 200      /* a record's name, relative to the zone */
#define DNS_VALUE_MAX_LEN 1024    /* the longest value: TXT text */
#define DNS_TARGET_MAX_LEN 254    /* an absolute target name, with its trailing dot */
#define DNS_FQDN_MAX_LEN 253
#define DNS_ZONE_MAX_LEN 287      /* cell_name (32) "." domain (253) */
#define DNS_TTL_MAX 86400
#define DNS_TTL_DEFAULT 300
#define DNS_FORWARDERS_MAX 8
#define DNS_SEARCH_MAX_LEN 256

enum dns_type { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_CNAME, DNS_TYPE_TXT, DNS_TYPE_MX, DNS_TYPE_SRV, _DNS_TYPE_MAX };

/* One record. Invariant once checked: name is "@" or relative labels;
 * value matches the type (AAAA in inet_ntop's canonical form); priority is
 * meaningful for MX and SRV only, weight and port for SRV only (0 else). */
struct dns_record {
        int64_t id; /* 0 until stored; ids are never reused */
        char name[DNS_NAME_MAX_LEN + 1];
        enum dns_type type;
        char value[DNS_VALUE_MAX_LEN + 1];
        uint32_t ttl;
        uint16_t priority;
        uint16_t weight;
        uint16_t port;
};

/* What was wrong, for the API: the field ("name", "value", ...; NULL when
 * no single field is to blame) and a message that reads after it. */
struct dns_error {
        const char *field;
        char message[192];
};

const char *dns_type_to_string(enum dns_type t);
/* -EINVAL unless s is exactly one of "A" "AAAA" "CNAME" "TXT" "MX" "SRV". */
int dns_type_from_string(const char *s, enum dns_type *ret);
bool dns_type_has_priority(enum dns_type t); /* MX, SRV */
bool dns_type_has_weight_port(enum dns_type t); /* SRV */

/* A record name: "@" (the zone itself) or dot-separated labels of
 * [a-z0-9_-]{1,63}, no label starting or ending with '-', at most 200
 * characters. NULL when fine, else a static message ("must be ..."). */
const char *dns_check_name(const char *s);
/* One field of a record body, checked alone (the type-dependent rules are
 * dns_record_check's): name, type, value, ttl, priority, weight, port.
 * NULL when fine, else a static message. */
const char *dns_check_field(const char *field, json_t *v);
/* An upstream forwarder: "IPv4", "IPv4@PORT" or "IPv4@PORT#tls-name"
 * (tls-name a DNS name as valid_domain). NULL when fine, else a message. */
const char *dns_check_forwarder(const char *s);

/* Builds a record from a request body {"name", "type", "value", "ttl"?,
 * "priority"?, "weight"?, "port"?} and checks it whole (AAAA comes out
 * canonical). -EINVAL with err. ret is untouched on failure. */
int dns_record_from_json(json_t *obj, struct dns_record *ret, struct dns_error *err);
/* Checks a record in memory against its type's grammar, canonical form
 * included. -EINVAL with err. */
int dns_record_check(const struct dns_record *r, struct dns_error *err);

/* With the zone, the name and a relative target must stay within 253
 * characters, or they cannot be served. -EINVAL with err. (A later change
 * of cell_name or domain can break this for stored records.) */
int dns_record_check_zone(const struct dns_record *r, const char *zone, struct dns_error *err);

/* {"id", "name", "type", "value", "ttl", "fqdn", and "priority" (MX, SRV),
 * "weight" and "port" (SRV)}. fqdn is "<name>.<zone>", or the zone for "@". */
json_t *dns_record_to_json(const struct dns_record *r, const char *zone);
/* "www A 192.0.2.1", "@ MX 10 mail", with a long value cut short: for
 * revision summaries. */
void dns_record_describe(const struct dns_record *r, char *out, size_t size);

/* The zone, "<cell_name>.<domain>", from the config in force. */
int dns_zone(struct store *s, char ret[DNS_ZONE_MAX_LEN + 1]);

/* -ENOENT when there is no record with that id. */
int dns_records_get(struct store *s, int64_t id, struct dns_record *ret);

struct dns_query {
        const char *search; /* NULL: any; else a substring of name or value (ASCII case-insensitive) */
        int type;           /* -1: any; else an enum dns_type */
        int64_t limit;      /* -1: all */
        int64_t offset;
};
/* Records matching q, sorted by name, type, value, as JSON (see
 * dns_record_to_json), and how many match in all (ignoring limit/offset). */
int dns_records_list(struct store *s, const struct dns_query *q, const char *zone, json_t **ret_list,
                     int64_t *ret_total);
/* Calls cb for every record, sorted by name, type, value; the record is
 * valid during the call only. A negative return from cb stops the walk and
 * is returned. */
int dns_records_foreach(struct store *s, int (*cb)(const struct dns_record *r, void *userdata), void *userdata);

/* Mutations inside a transaction, each recording a change (entity
 * "dns_record", key the id). The record must have passed dns_record_check.
 * -EINVAL (err): with the zone, the name would be too long.
 * -EEXIST (err): a conflict: an exact duplicate, a CNAME beside another
 *  record of its name (either way round) or at the apex, or a name that
 *  belongs to one of the cell's services.
 * -EDQUOT: the zone already holds DNS_RECORDS_MAX records (create only).
 * -ENOENT: no record with that id (update, delete). */
int dns_records_create(struct txn *t, struct dns_record *r, struct dns_error *err);
/* Full replacement of record id by r (r->id is set to id). *ret_changed is
 * false when r equals what is stored: nothing is written or recorded. */
int dns_records_update(struct txn *t, int64_t id, struct dns_record *r, bool *ret_changed, struct dns_error *err);
/* ret_old (may be NULL) gets the record as it was. */
int dns_records_delete(struct txn *t, int64_t id, struct dns_record *ret_old);
/* A rollback: rows is id -> the record's JSON as dns_record_to_json made
 * it, or null for no record (revisions_entity_at). Each id whose record
 * differs is put back as it was, with its id, recording a change. The
 * rows come from one consistent moment of history, so they are not
 * checked for conflicts again; each is still checked for its grammar
 * (-EBADMSG when one fails, and the caller's transaction is abandoned). */
int dns_records_restore(struct txn *t, json_t *rows);
