/* DHCP reservations: a fixed address per MAC, and an optional host name
 * served as <name>.lan.<cell_name>.<domain>. Functions return 0 or a
 * negative errno; nothing here logs. Whether an address lies in the DHCP
 * interface's subnet depends on the machine, so the API checks that. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"

#define DHCP_RESERVATIONS_MAX 4096
#define DHCP_LEASE_TIME_MIN 120
#define DHCP_LEASE_TIME_MAX 31536000
#define DHCP_LEASE_TIME_DEFAULT 43200
#define NTP_SERVERS_MAX 8
#define NTP_ALLOW_MAX 16
#define NTP_SERVER_DEFAULT "pool.ntp.org"

struct dhcp_reservation {
        char mac[18]; /* lower case */
        char ip[16];
        char name[64]; /* a DNS label, or "" */
};

/* What was wrong: the field ("mac", "ip", "name"; NULL for none) and a
 * message that reads after it. */
struct dhcp_error {
        const char *field;
        char message[160];
};

/* Names a dhcp-host line cannot carry: dnsmasq reads "ignore",
 * "infinite" and lease times ("12", "3w") as something else. */
bool dhcp_name_reserved(const char *name);

/* A reservation from a body: {"mac", "ip", "name"?} for a create; with
 * mac_from_path set, {"ip", "name"?} and the MAC from the path. -EINVAL
 * with err; ret is untouched on failure. */
int dhcp_reservation_from_json(json_t *obj, const char *mac_from_path, struct dhcp_reservation *ret,
                               struct dhcp_error *err);
json_t *dhcp_reservation_to_json(const struct dhcp_reservation *r);

/* -ENOENT when the MAC (any case) has no reservation. */
int dhcp_reservations_get(struct store *s, const char *mac, struct dhcp_reservation *ret);
/* {"reservations": [...]} sorted by MAC. */
int dhcp_reservations_list(struct store *s, json_t **ret);
/* Calls cb for each reservation, sorted by MAC; a negative return stops the
 * walk and is returned. */
int dhcp_reservations_foreach(struct store *s, int (*cb)(const struct dhcp_reservation *r, void *userdata),
                              void *userdata);

/* Mutations inside a transaction, each recording a change (entity
 * "dhcp_reservation", key the MAC).
 * -EEXIST (err): the MAC (create), the address or the name is taken.
 * -EDQUOT: DHCP_RESERVATIONS_MAX reached (create only).
 * -ENOENT: no such MAC (update, delete). */
int dhcp_reservations_create(struct txn *t, const struct dhcp_reservation *r, struct dhcp_error *err);
/* *ret_changed is false when r equals what is stored: nothing recorded. */
int dhcp_reservations_update(struct txn *t, const struct dhcp_reservation *r, bool *ret_changed,
                             struct dhcp_error *err);
int dhcp_reservations_delete(struct txn *t, const char *mac, struct dhcp_reservation *ret_old);
/* A rollback: rows is MAC -> the reservation's JSON, or null for none
 * (revisions_entity_at). Each that differs is put back as it was,
 * recording a change; -EBADMSG when a row fails its grammar. */
int dhcp_reservations_restore(struct txn *t, json_t *rows);
