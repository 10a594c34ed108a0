/* /api/dhcp: the interfaces DHCP could serve, the reservations (admins
 * change them, one revision each; dnsmasq re-reads them live), and the
 * leases dnsmasq has handed out. The settings themselves are config
 * fields (PUT /api/config {"dhcp": ...}). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/runtime.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/netif.h"
#include "common/timeutil.h"
#include "common/validate.h"
#include "services/dhcp_leases.h"
#include "store/config.h"
#include "store/dhcp.h"
#include "store/dns.h"

static const char *check_mac(json_t *v) {
        return valid_mac(json_string_value(v), NULL) ? NULL : "must be six pairs of hex digits joined by ':'";
}

static const char *check_ip(json_t *v) {
        uint32_t addr;
        return ipv4_parse(json_string_value(v), &addr) == 0 ? NULL : "must be an IPv4 address";
}

static const char *check_name(json_t *v) {
        const char *s = json_string_value(v);
        return s[0] == 0 || valid_host_label(s)
                       ? NULL
                       : "must be empty or one DNS label: 1-63 of a-z, 0-9 and '-', not starting or ending with '-'";
}

static const struct field_policy reservation_create_fields[] = {
        {"mac", FIELD_STRING, true, check_mac, NULL},
        {"ip", FIELD_STRING, true, check_ip, NULL},
        {"name", FIELD_STRING, false, check_name, NULL},
};
const struct body_policy dhcp_reservation_create_body = {reservation_create_fields,
                                                         ELEMENTSOF(reservation_create_fields)};

static const struct field_policy reservation_update_fields[] = {
        {"ip", FIELD_STRING, true, check_ip, NULL},
        {"name", FIELD_STRING, false, check_name, NULL},
};
const struct body_policy dhcp_reservation_update_body = {reservation_update_fields,
                                                         ELEMENTSOF(reservation_update_fields)};

int dhcp_interfaces_handler(struct request *req, struct response *resp) {
        (void)req;
        _cleanup_free_ struct netif_addr *v = NULL;
        size_t n;
        int r = netif_ipv4_list(&v, &n);
        if (r < 0)
                return api_error_errno(resp, r, "interfaces");
        _cleanup_json_ json_t *list = json_array();
        json_t *current = NULL;
        for (size_t i = 0; list && i < n; i++) {
                if (!current || !streq(json_string_value(json_object_get(current, "name")), v[i].name)) {
                        current = json_pack("{s:s, s:[]}", "name", v[i].name, "addresses");
                        if (!current || json_array_append_new(list, current) < 0)
                                return api_error_errno(resp, -ENOMEM, "interfaces");
                }
                char text[CIDR4_STRLEN];
                cidr4_format(&v[i].addr, text);
                json_array_append_new(json_object_get(current, "addresses"), json_string(text));
        }
        if (!list)
                return api_error_errno(resp, -ENOMEM, "interfaces");
        return api_reply(resp, 200, json_pack("{s:O}", "interfaces", list));
}

int dhcp_reservations_list_handler(struct request *req, struct response *resp) {
        json_t *list;
        int r = dhcp_reservations_list(req->ctx->store, &list);
        if (r < 0)
                return api_error_errno(resp, r, "dhcp reservations");
        return api_reply(resp, 200, list);
}

static int reservation_error(struct response *resp, int r, const struct dhcp_error *err) {
        if (r == -EINVAL)
                return api_error(resp, 400, err->field, "%s%s%s", err->field ? err->field : "", err->field ? " " : "",
                                 err->message);
        if (r == -EEXIST)
                return api_error(resp, 409, err->field, "%s", err->message);
        if (r == -EDQUOT)
                return api_error(resp, 409, NULL, "there are already %d reservations, the most there may be",
                                 DHCP_RESERVATIONS_MAX);
        return api_error_errno(resp, r, "dhcp reservation");
}

/* With DHCP's interface up, a reservation must be an address it can
 * hand out there: inside the subnet, not its network, broadcast or the
 * cell's own address. */
static int check_subnet(struct store *s, const struct dhcp_reservation *res, struct dhcp_error *err) {
        _cleanup_json_ json_t *flat = NULL;
        int r = config_load(s, &flat);
        if (r < 0)
                return r;
        struct cidr4 net;
        if (config_dhcp_subnet(flat, &net) < 0)
                return 0;
        uint32_t addr = 0;
        ipv4_parse(res->ip, &addr);
        struct cidr4 base = {cidr4_network(&net), net.prefix};
        char subnet[CIDR4_STRLEN];
        cidr4_format(&base, subnet);
        err->field = "ip";
        if (!cidr4_contains(&net, addr))
                snprintf(err->message, sizeof err->message, "%s is outside the DHCP subnet %s", res->ip, subnet);
        else if (net.prefix < 31 && (addr == cidr4_network(&net) || addr == cidr4_broadcast(&net)))
                snprintf(err->message, sizeof err->message, "%s is the network or broadcast address of %s", res->ip,
                         subnet);
        else if (addr == net.addr)
                snprintf(err->message, sizeof err->message, "%s is the cell's own address", res->ip);
        else
                return 0;
        return -EINVAL;
}

static void describe(const struct dhcp_reservation *res, char *out, size_t size) {
        snprintf(out, size, "%s -> %s%s%s", res->mac, res->ip, res->name[0] ? " " : "", res->name);
}

int dhcp_reservations_create_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        struct dhcp_reservation res;
        struct dhcp_error err = {0};
        int r = dhcp_reservation_from_json(req->body, NULL, &res, &err);
        if (r < 0 || (r = check_subnet(s, &res, &err)) < 0)
                return reservation_error(resp, r, &err);
        char actor[64], what[128], summary[192];
        request_actor(req, actor, sizeof actor);
        describe(&res, what, sizeof what);
        snprintf(summary, sizeof summary, "dhcp reservation %s created", what);
        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0 || (r = dhcp_reservations_create(&t, &res, &err)) < 0 ||
            (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return reservation_error(resp, r, &err);
        return api_reply(resp, 201, dhcp_reservation_to_json(&res));
}

static int no_reservation(struct response *resp, const char *mac) {
        return api_error(resp, 404, NULL, "no dhcp reservation for '%.32s'", mac);
}

int dhcp_reservations_update_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        if (!valid_mac(req->params[0], NULL))
                return no_reservation(resp, req->params[0]);
        struct dhcp_reservation res;
        struct dhcp_error err = {0};
        int r = dhcp_reservation_from_json(req->body, req->params[0], &res, &err);
        if (r < 0 || (r = check_subnet(s, &res, &err)) < 0)
                return reservation_error(resp, r, &err);
        char actor[64], what[128], summary[192];
        request_actor(req, actor, sizeof actor);
        describe(&res, what, sizeof what);
        snprintf(summary, sizeof summary, "dhcp reservation %s updated", what);
        _cleanup_txn_ struct txn t = {0};
        bool changed = false;
        if ((r = txn_begin(s, &t)) < 0 || (r = dhcp_reservations_update(&t, &res, &changed, &err)) < 0)
                return r == -ENOENT ? no_reservation(resp, req->params[0]) : reservation_error(resp, r, &err);
        if (!changed)
                txn_abort(&t); /* the same again: no revision for a no-op */
        else if ((r = txn_commit(&t, actor, summary, NULL)) < 0)
                return reservation_error(resp, r, &err);
        return api_reply(resp, 200, dhcp_reservation_to_json(&res));
}

int dhcp_reservations_delete_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        _cleanup_txn_ struct txn t = {0};
        struct dhcp_reservation old;
        int r = txn_begin(s, &t);
        if (r < 0)
                return api_error_errno(resp, r, "dhcp reservation");
        r = dhcp_reservations_delete(&t, req->params[0], &old);
        if (r == -ENOENT)
                return no_reservation(resp, req->params[0]);
        char actor[64], what[128], summary[192];
        request_actor(req, actor, sizeof actor);
        describe(&old, what, sizeof what);
        snprintf(summary, sizeof summary, "dhcp reservation %s deleted", what);
        if (r < 0 || (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "dhcp reservation");
        return api_reply(resp, 204, NULL);
}

/* One lease for the API: its DNS name is the reservation's name when the
 * MAC has one, else the name the client sent (when it is a valid label). */
static json_t *lease_to_json(struct store *s, const struct dhcp_lease *l, const char *zone) {
        struct dhcp_reservation res;
        bool has_res = dhcp_reservations_get(s, l->mac, &res) == 0;
        const char *name = has_res && res.name[0] ? res.name : l->hostname;
        char fqdn[64 + 5 + DNS_ZONE_MAX_LEN + 1] = "";
        if (name[0])
                snprintf(fqdn, sizeof fqdn, "%s.lan.%s", name, zone);
        char when[ISO8601_LEN];
        if (l->expires)
                format_iso8601(l->expires, when);
        return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:b}", "mac", l->mac, "ip", l->ip, "hostname",
                         l->hostname[0] ? l->hostname : NULL, "fqdn", fqdn[0] ? fqdn : NULL, "expires",
                         l->expires ? when : NULL, "reserved", has_res && streq(res.ip, l->ip));
}

int dhcp_leases_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        _cleanup_json_ json_t *list = json_array();
        if (!list)
                return api_error_errno(resp, -ENOMEM, "dhcp leases");
        const struct cell_state *st = req->ctx->runtime ? runtime_state(req->ctx->runtime) : NULL;
        if (st && st->dnsmasq_lease_file) {
                _cleanup_free_ struct dhcp_lease *leases = NULL;
                size_t n, skipped;
                int r = dhcp_leases_read(st->dnsmasq_lease_file, &leases, &n, &skipped);
                if (r < 0)
                        return api_error_errno(resp, r, "dhcp leases");
                char zone[DNS_ZONE_MAX_LEN + 1];
                if ((r = dns_zone(s, zone)) < 0)
                        return api_error_errno(resp, r, "dhcp leases");
                int64_t now = now_unix();
                for (size_t i = 0; i < n; i++) {
                        if (leases[i].expires && leases[i].expires <= now)
                                continue;
                        json_t *o = lease_to_json(s, &leases[i], zone);
                        if (!o || json_array_append_new(list, o) < 0)
                                return api_error_errno(resp, -ENOMEM, "dhcp leases");
                }
        }
        return api_reply(resp, 200, json_pack("{s:O}", "leases", list));
}
