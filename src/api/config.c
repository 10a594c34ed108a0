/* /api/config: the cell's identity, ports, DNS forwarders, DHCP, NTP, the
 * VPN and which WireGuard runs it. Live fields
 * apply at once; the rest are staged and applied with a confirm window
 * (apply/confirm). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/config_change.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "store/dhcp.h"
#include "store/dns.h"

/* Strings and ports are checked by the store's own field grammar (one
 * definition), through these adapters. */
static const char *check_field(const char *key, json_t *v) {
        const char *msg = NULL;
        const struct config_field *f = config_field_find(key);
        return f && config_check_value(f, v, &msg) < 0 ? msg : NULL;
}
#define FIELD_CHECK(fn, key)                                                                                      \
        static const char *fn(json_t *v) { return check_field(key, v); }
FIELD_CHECK(check_cell_name, "cell_name")
FIELD_CHECK(check_domain, "domain")
FIELD_CHECK(check_vpn_address, "vpn_address")
FIELD_CHECK(check_ip_range, "ip_range")
FIELD_CHECK(check_public_endpoint, "public_endpoint")
FIELD_CHECK(check_port_dhcp, "ports.dhcp")
FIELD_CHECK(check_port, "ports.ui")
FIELD_CHECK(check_dhcp_interface, "dhcp.interface")
FIELD_CHECK(check_dhcp_address, "dhcp.range_start")
FIELD_CHECK(check_lease_time, "dhcp.lease_time")
FIELD_CHECK(check_local_stratum, "ntp.local_stratum")
FIELD_CHECK(check_wg_interface, "wireguard.interface")
FIELD_CHECK(check_wg_uplink, "wireguard.uplink")
FIELD_CHECK(check_wg_implementation, "wireguard.implementation")

/* One item of a list field (the body policy checks each on its own). */
#define ITEM_CHECK(fn, key)                                                                                       \
        static const char *fn(json_t *v) { return config_field_find(key)->check_item(json_string_value(v)); }
ITEM_CHECK(check_ntp_server, "ntp.servers")
ITEM_CHECK(check_ntp_allow, "ntp.allow")

/* One item of dns.forwarders (the body policy checks each on its own). */
static const char *check_forwarder(json_t *v) {
        return config_field_find("dns.forwarders")->check_item(json_string_value(v));
}

static const struct field_policy ports_fields[] = {
        {"ui", FIELD_INTEGER, false, check_port, NULL},         {"api", FIELD_INTEGER, false, check_port, NULL},
        {"dns", FIELD_INTEGER, false, check_port, NULL},        {"dhcp", FIELD_INTEGER, false, check_port_dhcp, NULL},
        {"ntp", FIELD_INTEGER, false, check_port, NULL},        {"wireguard", FIELD_INTEGER, false, check_port, NULL},
        {"smtp", FIELD_INTEGER, false, check_port, NULL},       {"submission", FIELD_INTEGER, false, check_port, NULL},
        {"imaps", FIELD_INTEGER, false, check_port, NULL},      {"http", FIELD_INTEGER, false, check_port, NULL},
        {"https", FIELD_INTEGER, false, check_port, NULL},
};
static const struct body_policy ports_body = {ports_fields, ELEMENTSOF(ports_fields)};

static const struct field_policy dns_fields[] = {
        {"forwarders", FIELD_STRING_ARRAY, false, check_forwarder, NULL, DNS_FORWARDERS_MAX},
        {"forward_tls", FIELD_BOOLEAN, false, NULL, NULL},
};
static const struct body_policy dns_body = {dns_fields, ELEMENTSOF(dns_fields)};

static const struct field_policy dhcp_fields[] = {
        {"enabled", FIELD_BOOLEAN, false, NULL, NULL},
        {"interface", FIELD_STRING, false, check_dhcp_interface, NULL},
        {"range_start", FIELD_STRING, false, check_dhcp_address, NULL},
        {"range_end", FIELD_STRING, false, check_dhcp_address, NULL},
        {"router", FIELD_STRING, false, check_dhcp_address, NULL},
        {"lease_time", FIELD_INTEGER, false, check_lease_time, NULL},
};
static const struct body_policy dhcp_body = {dhcp_fields, ELEMENTSOF(dhcp_fields)};

static const struct field_policy ntp_fields[] = {
        {"servers", FIELD_STRING_ARRAY, false, check_ntp_server, NULL, NTP_SERVERS_MAX},
        {"local_stratum", FIELD_INTEGER, false, check_local_stratum, NULL},
        {"allow", FIELD_STRING_ARRAY, false, check_ntp_allow, NULL, NTP_ALLOW_MAX},
};
static const struct body_policy ntp_body = {ntp_fields, ELEMENTSOF(ntp_fields)};

/* The interface and the implementation are staged (a new name cuts every
 * peer off, and so may a WireGuard the kernel lacks); the uplink and
 * peer_to_peer are live, a reload of the firewall's rules. */
static const struct field_policy wireguard_fields[] = {
        {"interface", FIELD_STRING, false, check_wg_interface, NULL},
        {"uplink", FIELD_STRING, false, check_wg_uplink, NULL},
        {"peer_to_peer", FIELD_BOOLEAN, false, NULL, NULL},
        {"implementation", FIELD_STRING, false, check_wg_implementation, NULL},
};
static const struct body_policy wireguard_body = {wireguard_fields, ELEMENTSOF(wireguard_fields)};

static const struct field_policy config_put_fields[] = {
        {"cell_name", FIELD_STRING, false, check_cell_name, NULL},
        {"domain", FIELD_STRING, false, check_domain, NULL},
        {"vpn_address", FIELD_STRING, false, check_vpn_address, NULL},
        {"ip_range", FIELD_STRING, false, check_ip_range, NULL},
        {"public_endpoint", FIELD_STRING, false, check_public_endpoint, NULL},
        {"ports", FIELD_OBJECT, false, NULL, &ports_body},
        {"dns", FIELD_OBJECT, false, NULL, &dns_body},
        {"dhcp", FIELD_OBJECT, false, NULL, &dhcp_body},
        {"ntp", FIELD_OBJECT, false, NULL, &ntp_body},
        {"wireguard", FIELD_OBJECT, false, NULL, &wireguard_body},
};
const struct body_policy config_put_body = {config_put_fields, ELEMENTSOF(config_put_fields)};

static const char *check_timeout(json_t *v) {
        json_int_t t = json_integer_value(v);
        return t >= CONFIRM_TIMEOUT_MIN && t <= CONFIRM_TIMEOUT_MAX ? NULL : "must be between 5 and 3600 seconds";
}

static const struct field_policy config_apply_fields[] = {
        {"timeout_s", FIELD_INTEGER, false, check_timeout, NULL},
};
const struct body_policy config_apply_body = {config_apply_fields, ELEMENTSOF(config_apply_fields)};

static int current_config(struct store *s, json_t **ret) {
        _cleanup_json_ json_t *flat = NULL;
        int r = config_load(s, &flat);
        if (r < 0)
                return r;
        return config_to_api(flat, store_latest_revision(s), ret);
}

static json_t *window_to_json(const struct confirm_window *w, int64_t now) {
        char deadline[ISO8601_LEN];
        format_iso8601(w->deadline, deadline);
        int64_t left = w->deadline - now;
        return json_pack("{s:I, s:I, s:s, s:I}", "revision", (json_int_t)w->revision, "previous_revision",
                         (json_int_t)w->previous_revision, "deadline", deadline, "seconds_left",
                         (json_int_t)(left > 0 ? left : 0));
}

static int pending_view(struct store *s, json_t **ret) {
        _cleanup_json_ json_t *current = NULL, *pending = NULL;
        int r;
        if ((r = config_load(s, &current)) < 0 || (r = pending_load(s, &pending)) < 0)
                return r;
        json_t *changes = json_object();
        if (!changes)
                return -ENOMEM;
        const char *key;
        json_t *v;
        json_object_foreach(pending, key, v) {
                json_t *from = json_object_get(current, key);
                json_object_set_new(changes, key, json_pack("{s:O, s:O}", "from", from ? from : json_null(), "to", v));
        }
        struct confirm_window w;
        r = confirm_window_get(s, &w);
        json_t *confirm = r == 0 ? window_to_json(&w, now_unix()) : json_null();
        *ret = json_pack("{s:o, s:o}", "changes", changes, "confirm", confirm);
        return *ret ? 0 : -ENOMEM;
}

/* The most read route: served from a copy serialised once per revision. */
int config_get_handler(struct request *req, struct response *resp) {
        struct api_context *ctx = req->ctx;
        uint64_t generation = store_generation(ctx->store) + 1;
        if (ctx->config_generation != generation) {
                _cleanup_json_ json_t *out = NULL;
                int r = current_config(ctx->store, &out);
                if (r < 0)
                        return api_error_errno(resp, r, "config");
                char *text = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
                if (!text)
                        return -ENOMEM;
                free(ctx->config_text);
                ctx->config_text = text;
                ctx->config_generation = generation;
        }
        return api_reply_text(resp, 200, ctx->config_text, strlen(ctx->config_text));
}

/* {"domain": "x", "ports": {"dns": 53}, "dns": {"forwarders": []}} ->
 * {"domain": "x", "ports.dns": 53, "dns.forwarders": []} */
static json_t *flatten(json_t *body) {
        json_t *flat = json_object();
        const char *key, *sub;
        json_t *v, *pv;
        json_object_foreach(body, key, v) {
                if (!json_is_object(v)) {
                        json_object_set(flat, key, v);
                        continue;
                }
                json_object_foreach(v, sub, pv) {
                        char name[64];
                        snprintf(name, sizeof name, "%s.%s", key, sub);
                        json_object_set(flat, name, pv);
                }
        }
        return flat;
}

int config_put_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        _cleanup_json_ json_t *changes = flatten(req->body);
        if (!changes)
                return -ENOMEM;
        char actor[64];
        request_actor(req, actor, sizeof actor);
        json_t *applied, *staged;
        struct validation_error err;
        int r = config_update(s, changes, actor, &applied, &staged, &err);
        if (r == -EINVAL)
                return api_error(resp, 400, err.field, "%s %s", err.field, err.message);
        if (r < 0)
                return api_error_errno(resp, r, "config");

        json_t *config = NULL, *pending = NULL;
        if ((r = current_config(s, &config)) < 0 || (r = pending_view(s, &pending)) < 0) {
                json_decref(config);
                json_decref(applied);
                json_decref(staged);
                return r;
        }
        return api_reply(resp, 200,
                         json_pack("{s:o, s:o, s:o, s:o}", "config", config, "pending", pending, "applied", applied,
                                   "staged", staged));
}

int config_pending_handler(struct request *req, struct response *resp) {
        json_t *out;
        int r = pending_view(req->ctx->store, &out);
        if (r < 0)
                return api_error_errno(resp, r, "pending changes");
        return api_reply(resp, 200, out);
}

int config_discard_handler(struct request *req, struct response *resp) {
        char actor[64];
        request_actor(req, actor, sizeof actor);
        int r = config_discard_staged(req->ctx->store, actor);
        /* Discarding is idempotent: nothing staged is already the goal. */
        if (r < 0 && r != -ENODATA)
                return api_error_errno(resp, r, "pending changes");
        return api_reply(resp, 204, NULL);
}

static void notify_window(struct api_context *ctx) {
        if (ctx->confirm_window_changed)
                ctx->confirm_window_changed(ctx);
}

int config_apply_handler(struct request *req, struct response *resp) {
        json_t *t = json_object_get(req->body, "timeout_s");
        int timeout = t ? (int)json_integer_value(t) : CONFIRM_TIMEOUT_DEFAULT;
        char actor[64];
        request_actor(req, actor, sizeof actor);
        int64_t now = now_unix();
        struct confirm_window w;
        struct validation_error err;
        int r = config_apply_staged(req->ctx->store, actor, timeout, now, &w, &err);
        if (r == -ENODATA)
                return api_error(resp, 409, NULL, "nothing is staged");
        if (r == -EBUSY)
                return api_error(resp, 409, NULL, "an apply is waiting for confirmation; confirm it or let it roll back first");
        if (r == -EINVAL)
                return api_error(resp, 400, err.field, "%s %s", err.field, err.message);
        if (r < 0)
                return api_error_errno(resp, r, "config");
        notify_window(req->ctx);
        return api_reply(resp, 200, window_to_json(&w, now));
}

int config_confirm_handler(struct request *req, struct response *resp) {
        /* A confirm that arrives after the deadline is too late even when
         * the timer has not fired yet: roll back first, then it finds no
         * window. */
        int64_t revision;
        int r = config_expire_confirm_window(req->ctx->store, now_unix(), &revision);
        if (r > 0)
                notify_window(req->ctx);
        r = config_confirm(req->ctx->store, &revision);
        if (r == -ENOENT)
                return api_error(resp, 409, NULL, "no apply is waiting for confirmation");
        if (r < 0)
                return api_error_errno(resp, r, "config");
        notify_window(req->ctx);
        return api_reply(resp, 200, json_pack("{s:I}", "revision", (json_int_t)revision));
}
