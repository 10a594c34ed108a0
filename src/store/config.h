/* The cell's identity, ports and DNS settings, its staged changes and the
 * confirm window. Config is kept flat, one row per field: "cell_name",
 * "ports.dns", "dns.forwarders". Values are JSON: strings for names and
 * addresses, integers for ports, a list of strings, a boolean. The API's
 * nested shape ({"ports": {...}, "dns": {...}, "service_ips": {...}}) is
 * made here too, so that only this file knows the field list. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cidr.h"
#include "store/store.h"

enum config_kind { CONFIG_STRING, CONFIG_PORT, CONFIG_STRING_LIST, CONFIG_BOOL, CONFIG_INT };

struct config_field {
        const char *key;       /* flat key, e.g. "ports.dns": "x.y" nests as {"x": {"y": ...}} in the API */
        enum config_kind kind;
        bool writable;         /* false: set at init only (profile) */
        bool staged;           /* true: changing it could cut the admin off */
        /* CONFIG_STRING_LIST: at most max_items strings, each passing
         * check_item (NULL when fine, else a message), none twice.
         * CONFIG_STRING: check_item, when set, is the string's grammar. */
        unsigned max_items;
        const char *(*check_item)(const char *s);
        /* CONFIG_INT: the range, inclusive, and what to say outside it. */
        long long min, max;
        const char *range_message;
};

extern const struct config_field config_fields[];
extern const unsigned config_fields_count;
const struct config_field *config_field_find(const char *key);

/* The service names that get one IP each from ip_range, in order. */
extern const char *const config_services[];
extern const unsigned config_services_count;
/* The address of service n (the n-th usable host of the flat config's
 * ip_range) as a dotted quad. -EINVAL: no valid ip_range; -ERANGE: the
 * range is too small. */
int config_service_ip(json_t *flat, unsigned n, char ret[16]);

/* Builds the defaults of a profile ("dev" or "system") as a flat object. */
int config_defaults(const char *profile, json_t **ret);

/* Checks one value against its field's grammar; on failure returns -EINVAL
 * with a static message. */
int config_check_value(const struct config_field *f, json_t *value, const char **ret_message);
/* Checks a whole flat config, each field and the rules between fields
 * (ip_range must not overlap the VPN subnet; DHCP turned on needs an
 * interface and a range). On failure returns -EINVAL, the flat key of the
 * culprit and a static message. */
int config_check(json_t *flat, const char **ret_field, const char **ret_message);
/* The rules that depend on this machine: with DHCP on, its interface must
 * exist with an IPv4 address, and the range and router must lie in that
 * subnet, clear of its network, broadcast and the cell's own address.
 * message is written into (size bytes). */
int config_check_machine(json_t *flat, const char **ret_field, char *message, size_t size);
/* The DHCP interface's address and prefix (from the machine, now), and
 * the VPN subnet, for the renderers: -ENOENT when DHCP has no interface
 * or it has no IPv4 address. */
int config_dhcp_subnet(json_t *flat, struct cidr4 *ret);

/* Flat config as stored (a new reference). */
int config_load(struct store *s, json_t **ret);
/* Sets one field inside a transaction, recording the change (entity
 * "config") when the value differs. */
int config_set(struct txn *t, const char *key, json_t *value);
/* The API's shape: every "x.y" key nested under "x" (ports, dns), the
 * service IPs, and the latest revision. */
int config_to_api(json_t *flat, int64_t revision, json_t **ret);

/* Staged changes: a flat object of key -> new value. */
int pending_load(struct store *s, json_t **ret);
int pending_set(struct txn *t, const char *key, json_t *value);
int pending_clear(struct txn *t);

/* The window after an apply in which the admin must confirm it. */
struct confirm_window {
        int64_t revision;
        int64_t previous_revision;
        int64_t deadline; /* unix seconds */
};
/* -ENOENT when no window is open. */
int confirm_window_get(struct store *s, struct confirm_window *ret);
int confirm_window_set(struct txn *t, const struct confirm_window *w);
int confirm_window_clear(struct txn *t);
