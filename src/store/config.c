/* Cell identity, staged changes and the confirm window; see config.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/validate.h"
#include "common/netif.h"
#include "store/dhcp.h"
#include "store/dns.h"

static uint32_t flat_ipv4(json_t *flat, const char *key);

static const char *check_ifname_or_empty(const char *s) {
        return s[0] == 0 || valid_ifname(s) ? NULL : "must be empty or an interface name of 1-15 letters, digits, '_', '.' and '-'";
}

static const char *check_ipv4_or_empty(const char *s) {
        uint32_t addr;
        return s[0] == 0 || ipv4_parse(s, &addr) == 0 ? NULL : "must be empty or an IPv4 address";
}

static const char *check_ntp_server(const char *s) {
        return valid_host(s) ? NULL : "must be a host name or an IPv4 address";
}

/* The adapter reads the same three words (services/wg_mode.h). */
static const char *check_wg_implementation(const char *s) {
        return streq(s, "auto") || streq(s, "kernel") || streq(s, "userspace")
                       ? NULL
                       : "must be 'auto', 'kernel' or 'userspace'";
}

static const char *check_subnet(const char *s) {
        struct cidr4 c;
        if (cidr4_parse(s, &c) < 0)
                return "must be an IPv4 network with a prefix, like 192.168.1.0/24";
        return cidr4_is_network(&c) ? NULL : "must have its host bits zero, like 192.168.1.0/24";
}

const struct config_field config_fields[] = {
        {"cell_name", CONFIG_STRING, true, true},
        {"domain", CONFIG_STRING, true, true},
        {"vpn_address", CONFIG_STRING, true, true},
        {"ip_range", CONFIG_STRING, true, true},
        {"public_endpoint", CONFIG_STRING, true, false},
        {"profile", CONFIG_STRING, false, false},
        {"ports.ui", CONFIG_PORT, true, true},
        {"ports.api", CONFIG_PORT, true, true},
        {"ports.dns", CONFIG_PORT, true, true},
        {"ports.dhcp", CONFIG_PORT, true, true},
        {"ports.ntp", CONFIG_PORT, true, true},
        {"ports.wireguard", CONFIG_PORT, true, true},
        {"ports.smtp", CONFIG_PORT, true, true},
        {"ports.submission", CONFIG_PORT, true, true},
        {"ports.imaps", CONFIG_PORT, true, true},
        {"ports.http", CONFIG_PORT, true, true},
        {"ports.https", CONFIG_PORT, true, true},
        /* Upstream resolvers can change without cutting anyone off: live. */
        {"dns.forwarders", CONFIG_STRING_LIST, true, false, DNS_FORWARDERS_MAX, dns_check_forwarder},
        {"dns.forward_tls", CONFIG_BOOL, true, false},
        /* DHCP and NTP serve the LAN: live too. */
        {"dhcp.enabled", CONFIG_BOOL, true, false},
        {"dhcp.interface", CONFIG_STRING, true, false, 0, check_ifname_or_empty},
        {"dhcp.range_start", CONFIG_STRING, true, false, 0, check_ipv4_or_empty},
        {"dhcp.range_end", CONFIG_STRING, true, false, 0, check_ipv4_or_empty},
        {"dhcp.router", CONFIG_STRING, true, false, 0, check_ipv4_or_empty},
        {"dhcp.lease_time", CONFIG_INT, true, false, 0, NULL, DHCP_LEASE_TIME_MIN, DHCP_LEASE_TIME_MAX,
         "must be an integer from 120 to 31536000 (seconds)"},
        {"ntp.servers", CONFIG_STRING_LIST, true, false, NTP_SERVERS_MAX, check_ntp_server},
        {"ntp.local_stratum", CONFIG_INT, true, false, 0, NULL, 0, 15, "must be an integer from 0 (off) to 15"},
        {"ntp.allow", CONFIG_STRING_LIST, true, false, NTP_ALLOW_MAX, check_subnet},
        /* A new interface name would cut every peer off: staged. "" turns
         * the VPN off. */
        {"wireguard.interface", CONFIG_STRING, true, true, 0, check_ifname_or_empty},
        {"wireguard.uplink", CONFIG_STRING, true, false, 0, check_ifname_or_empty},
        {"wireguard.peer_to_peer", CONFIG_BOOL, true, false},
        /* Kernel WireGuard or wireguard-go: "auto" takes the kernel's where
         * it exists. Staged: "kernel" where the kernel has none takes the
         * VPN down, and with it an admin who came through it. */
        {"wireguard.implementation", CONFIG_STRING, true, true, 0, check_wg_implementation},
};
const unsigned config_fields_count = ELEMENTSOF(config_fields);

const char *const config_services[] = {"webui", "dns", "ntp", "mail", "calendar", "files"};
const unsigned config_services_count = ELEMENTSOF(config_services);

const struct config_field *config_field_find(const char *key) {
        for (unsigned i = 0; i < config_fields_count; i++)
                if (streq(config_fields[i].key, key))
                        return &config_fields[i];
        return NULL;
}

int config_defaults(const char *profile, json_t **ret) {
        /* ui, api, dns, dhcp, ntp, wireguard, smtp, submission, imaps, http, https */
        static const int dev_ports[] = {8081, 3000, 5353, 0, 11123, 51820, 2525, 2587, 2993, 8080, 8443};
        static const int system_ports[] = {443, 443, 53, 67, 123, 51820, 25, 587, 993, 80, 443};
        const int *ports;
        if (streq(profile, "dev"))
                ports = dev_ports;
        else if (streq(profile, "system"))
                ports = system_ports;
        else
                return -EINVAL;

        json_t *flat = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:b, s:b, s:s, s:s, s:s, s:s, s:i, s:[s], s:i, s:[]}",
                                 "cell_name", "mycell", "domain", "cell", "vpn_address", "10.0.0.1/24", "ip_range",
                                 "172.20.0.0/24", "public_endpoint", "", "profile", profile, "dns.forwarders",
                                 "dns.forward_tls", false, "dhcp.enabled", false, "dhcp.interface", "",
                                 "dhcp.range_start", "", "dhcp.range_end", "", "dhcp.router", "", "dhcp.lease_time",
                                 DHCP_LEASE_TIME_DEFAULT, "ntp.servers", NTP_SERVER_DEFAULT, "ntp.local_stratum", 0,
                                 "ntp.allow");
        if (flat && (json_object_set_new(flat, "wireguard.interface", json_string("pic0")) < 0 ||
                     json_object_set_new(flat, "wireguard.uplink", json_string("")) < 0 ||
                     json_object_set_new(flat, "wireguard.peer_to_peer", json_false()) < 0 ||
                     json_object_set_new(flat, "wireguard.implementation", json_string("auto")) < 0)) {
                json_decref(flat);
                return -ENOMEM;
        }
        if (!flat)
                return -ENOMEM;
        unsigned p = 0;
        for (unsigned i = 0; i < config_fields_count; i++)
                if (config_fields[i].kind == CONFIG_PORT)
                        json_object_set_new(flat, config_fields[i].key, json_integer(ports[p++]));
        *ret = flat;
        return 0;
}

static const char *check_vpn_address(const char *s) {
        struct cidr4 c;
        if (cidr4_parse(s, &c) < 0)
                return "must be an IPv4 address with a prefix, like 10.0.0.1/24";
        if (c.prefix < 8 || c.prefix > 30)
                return "prefix must be between /8 and /30";
        if (cidr4_is_network(&c) || c.addr == cidr4_broadcast(&c))
                return "must be a host address, not the network or broadcast address";
        if (!cidr4_is_rfc1918(&c))
                return "must lie in a private range (RFC 1918)";
        return NULL;
}

static const char *check_ip_range(const char *s) {
        struct cidr4 c;
        if (cidr4_parse(s, &c) < 0)
                return "must be an IPv4 network with a prefix, like 172.20.0.0/24";
        if (c.prefix < 16 || c.prefix > 29)
                return "prefix must be between /16 and /29";
        if (!cidr4_is_network(&c))
                return "host bits must be zero";
        if (!cidr4_is_rfc1918(&c))
                return "must lie in a private range (RFC 1918)";
        return NULL;
}

/* A list of at most max_items strings, each passing check_item, none
 * twice (a forwarder listed twice is a mistake, not a weight). */
static const char *check_string_list(const struct config_field *f, json_t *value) {
        if (!json_is_array(value))
                return "must be a list of strings";
        if (json_array_size(value) > f->max_items)
                return "has more items than allowed";
        size_t i, j;
        json_t *item;
        json_array_foreach(value, i, item) {
                if (!json_is_string(item))
                        return "must be a list of strings";
                const char *msg = f->check_item ? f->check_item(json_string_value(item)) : NULL;
                if (msg)
                        return msg;
                for (j = 0; j < i; j++)
                        if (json_equal(json_array_get(value, j), item))
                                return "must not list the same item twice";
        }
        return NULL;
}

int config_check_value(const struct config_field *f, json_t *value, const char **ret_message) {
        const char *msg = NULL;
        if (f->kind == CONFIG_STRING_LIST) {
                msg = check_string_list(f, value);
        } else if (f->kind == CONFIG_INT) {
                bool in_range = json_is_integer(value) && json_integer_value(value) >= f->min &&
                                json_integer_value(value) <= f->max;
                msg = in_range ? NULL : f->range_message;
        } else if (f->kind == CONFIG_BOOL) {
                msg = json_is_boolean(value) ? NULL : "must be a boolean";
        } else if (f->kind == CONFIG_PORT) {
                if (!json_is_integer(value))
                        msg = "must be an integer";
                else if (streq(f->key, "ports.dhcp") && json_integer_value(value) == 0)
                        msg = NULL; /* 0: the standard port, 67 */
                else if (!valid_port(json_integer_value(value)))
                        msg = "must be a port between 1 and 65535";
        } else if (!json_is_string(value)) {
                msg = "must be a string";
        } else if (f->check_item) {
                msg = f->check_item(json_string_value(value));
        } else {
                const char *s = json_string_value(value);
                if (streq(f->key, "cell_name"))
                        msg = valid_name(s) ? NULL : "must be 1-32 of a-z, 0-9 and '-', not starting or ending with '-'";
                else if (streq(f->key, "domain"))
                        msg = valid_domain(s) ? NULL : "must be a DNS name of labels a-z, 0-9 and '-'";
                else if (streq(f->key, "vpn_address"))
                        msg = check_vpn_address(s);
                else if (streq(f->key, "ip_range"))
                        msg = check_ip_range(s);
                else if (streq(f->key, "public_endpoint"))
                        msg = (s[0] == 0 || valid_host(s)) ? NULL : "must be empty, a host name or an IPv4 address";
                else if (streq(f->key, "profile"))
                        msg = (streq(s, "dev") || streq(s, "system")) ? NULL : "must be 'dev' or 'system'";
        }
        if (msg) {
                *ret_message = msg;
                return -EINVAL;
        }
        return 0;
}

/* DHCP turned on needs an interface and a range, in order. */
static int check_dhcp(json_t *flat, const char **ret_field, const char **ret_message) {
        if (!json_is_true(json_object_get(flat, "dhcp.enabled")))
                return 0;
        static const struct {
                const char *key, *message;
        } needed[] = {
                {"dhcp.interface", "must be set to turn DHCP on"},
                {"dhcp.range_start", "must be set to turn DHCP on"},
                {"dhcp.range_end", "must be set to turn DHCP on"},
        };
        for (unsigned i = 0; i < ELEMENTSOF(needed); i++) {
                const char *v = json_string_value(json_object_get(flat, needed[i].key));
                if (!v || !v[0]) {
                        *ret_field = needed[i].key;
                        *ret_message = needed[i].message;
                        return -EINVAL;
                }
        }
        if (flat_ipv4(flat, "dhcp.range_start") > flat_ipv4(flat, "dhcp.range_end")) {
                *ret_field = "dhcp.range_end";
                *ret_message = "must not come before dhcp.range_start";
                return -EINVAL;
        }
        return 0;
}

int config_check(json_t *flat, const char **ret_field, const char **ret_message) {
        for (unsigned i = 0; i < config_fields_count; i++) {
                json_t *v = json_object_get(flat, config_fields[i].key);
                const char *msg = "is missing";
                if (!v || config_check_value(&config_fields[i], v, &msg) < 0) {
                        *ret_field = config_fields[i].key;
                        *ret_message = msg;
                        return -EINVAL;
                }
        }
        struct cidr4 vpn, range;
        cidr4_parse(json_string_value(json_object_get(flat, "vpn_address")), &vpn);
        cidr4_parse(json_string_value(json_object_get(flat, "ip_range")), &range);
        if (cidr4_overlaps(&vpn, &range)) {
                *ret_field = "ip_range";
                *ret_message = "must not overlap the VPN subnet";
                return -EINVAL;
        }
        if (cidr4_host_count(&range) < config_services_count) {
                *ret_field = "ip_range";
                *ret_message = "is too small for one address per service";
                return -EINVAL;
        }
        /* Full-tunnel peers leave by the uplink: never back into the VPN. */
        const char *uplink = json_string_value(json_object_get(flat, "wireguard.uplink"));
        if (uplink[0] && streq(uplink, json_string_value(json_object_get(flat, "wireguard.interface")))) {
                *ret_field = "wireguard.uplink";
                *ret_message = "must not be the VPN's own interface (wireguard.interface)";
                return -EINVAL;
        }
        return check_dhcp(flat, ret_field, ret_message);
}

static uint32_t flat_ipv4(json_t *flat, const char *key) {
        uint32_t addr = 0;
        ipv4_parse(json_string_value(json_object_get(flat, key)), &addr);
        return addr;
}

int config_dhcp_subnet(json_t *flat, struct cidr4 *ret) {
        const char *ifname = json_string_value(json_object_get(flat, "dhcp.interface"));
        if (!ifname || !ifname[0])
                return -ENOENT;
        return netif_ipv4_find(ifname, ret) < 0 ? -ENOENT : 0;
}

/* addr inside the interface's subnet and none of its special addresses. */
static const char *check_in_subnet(const struct cidr4 *net, uint32_t addr) {
        if (!cidr4_contains(net, addr))
                return "must lie inside the DHCP interface's subnet";
        if (net->prefix < 31 && (addr == cidr4_network(net) || addr == cidr4_broadcast(net)))
                return "must not be the subnet's network or broadcast address";
        return NULL;
}

int config_check_machine(json_t *flat, const char **ret_field, char *message, size_t size) {
        if (!json_is_true(json_object_get(flat, "dhcp.enabled")))
                return 0;
        const char *ifname = json_string_value(json_object_get(flat, "dhcp.interface"));
        struct cidr4 net;
        int r = netif_ipv4_find(ifname, &net);
        if (r < 0) {
                *ret_field = "dhcp.interface";
                snprintf(message, size, r == -ENODEV ? "there is no interface '%s' on this machine"
                                                     : "interface '%s' has no IPv4 address to serve DHCP from",
                         ifname);
                return -EINVAL;
        }
        char own[16], subnet[CIDR4_STRLEN];
        ipv4_format(net.addr, own);
        struct cidr4 base = {cidr4_network(&net), net.prefix};
        cidr4_format(&base, subnet);
        static const char *const keys[] = {"dhcp.range_start", "dhcp.range_end", "dhcp.router"};
        for (unsigned i = 0; i < ELEMENTSOF(keys); i++) {
                const char *text = json_string_value(json_object_get(flat, keys[i]));
                if (!text || !text[0])
                        continue; /* an unset router: the cell's own address */
                const char *msg = check_in_subnet(&net, flat_ipv4(flat, keys[i]));
                if (msg) {
                        *ret_field = keys[i];
                        snprintf(message, size, "%s %s (%s on %s)", text, msg, subnet, ifname);
                        return -EINVAL;
                }
        }
        uint32_t start = flat_ipv4(flat, "dhcp.range_start"), end = flat_ipv4(flat, "dhcp.range_end");
        if (net.addr >= start && net.addr <= end) {
                *ret_field = "dhcp.range_start";
                snprintf(message, size, "the range must not include the cell's own address %s on %s", own, ifname);
                return -EINVAL;
        }
        return 0;
}

static int load_kv(struct store *s, const char *sql, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        json_t *obj = json_object();
        if (!obj)
                return -ENOMEM;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const char *key = (const char *)sqlite3_column_text(stmt, 0);
                const char *text = (const char *)sqlite3_column_text(stmt, 1);
                json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
                if (!v) {
                        json_decref(obj);
                        sqlite3_reset(stmt);
                        return -EBADMSG;
                }
                json_object_set_new(obj, key, v);
        }
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
                json_decref(obj);
                return store_errno(rc);
        }
        *ret = obj;
        return 0;
}

int config_load(struct store *s, json_t **ret) {
        return load_kv(s, "SELECT key, value FROM config", ret);
}

int pending_load(struct store *s, json_t **ret) {
        return load_kv(s, "SELECT key, value FROM pending_config", ret);
}

static int upsert(struct store *s, const char *sql, const char *key, json_t *value) {
        _cleanup_free_ char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static json_t *current_value(struct store *s, const char *sql, const char *key) {
        sqlite3_stmt *stmt;
        if (store_prepare(s, sql, &stmt) < 0)
                return NULL;
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
        json_t *v = NULL;
        if (sqlite3_step(stmt) == SQLITE_ROW)
                v = json_loads((const char *)sqlite3_column_text(stmt, 0), JSON_DECODE_ANY, NULL);
        sqlite3_reset(stmt);
        return v;
}

int config_set(struct txn *t, const char *key, json_t *value) {
        json_t *before = current_value(t->store, "SELECT value FROM config WHERE key = ?", key);
        if (before && json_equal(before, value)) {
                json_decref(before);
                return 0;
        }
        int r = upsert(t->store, "INSERT INTO config (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
        if (r < 0) {
                json_decref(before);
                return r;
        }
        return txn_record(t, "config", key, before, json_incref(value));
}

int pending_set(struct txn *t, const char *key, json_t *value) {
        json_t *before = current_value(t->store, "SELECT value FROM pending_config WHERE key = ?", key);
        int r = upsert(t->store, "INSERT INTO pending_config (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
        if (r < 0) {
                json_decref(before);
                return r;
        }
        return txn_record(t, "pending", key, before, json_incref(value));
}

int pending_clear(struct txn *t) {
        json_t *all;
        int r = pending_load(t->store, &all);
        if (r < 0)
                return r;
        const char *key;
        json_t *v;
        json_object_foreach(all, key, v) {
                r = txn_record(t, "pending", key, json_incref(v), NULL);
                if (r < 0)
                        break;
        }
        json_decref(all);
        if (r < 0)
                return r;
        return store_exec(t->store, "DELETE FROM pending_config");
}

int config_service_ip(json_t *flat, unsigned n, char ret[16]) {
        struct cidr4 range;
        const char *range_text = json_string_value(json_object_get(flat, "ip_range"));
        if (!range_text || cidr4_parse(range_text, &range) < 0)
                return -EINVAL;
        uint32_t addr;
        if (cidr4_host(&range, n, &addr) < 0)
                return -ERANGE;
        ipv4_format(addr, ret);
        return 0;
}

/* The object that "x.y" goes in: out's member "x", made on first use. */
static json_t *group_of(json_t *out, const char *key, size_t len) {
        char name[64];
        if (len >= sizeof name)
                return NULL;
        memcpy(name, key, len);
        name[len] = 0;
        json_t *g = json_object_get(out, name);
        if (json_is_object(g))
                return g;
        g = json_object();
        if (!g || json_object_set_new(out, name, g) < 0)
                return NULL;
        return g;
}

int config_to_api(json_t *flat, int64_t revision, json_t **ret) {
        _cleanup_json_ json_t *out = json_object();
        if (!out)
                return -ENOMEM;
        const char *key;
        json_t *v;
        json_object_foreach(flat, key, v) {
                const char *dot = strchr(key, '.');
                json_t *target = dot ? group_of(out, key, (size_t)(dot - key)) : out;
                if (!target || json_object_set(target, dot ? dot + 1 : key, v) < 0)
                        return -ENOMEM;
        }
        json_t *ips = group_of(out, "ports", 5) ? json_object() : NULL; /* ports even when none are set */
        if (!ips || json_object_set_new(out, "service_ips", ips) < 0)
                return -ENOMEM;
        for (unsigned i = 0; i < config_services_count; i++) {
                char text[16];
                if (config_service_ip(flat, i, text) < 0)
                        break;
                json_object_set_new(ips, config_services[i], json_string(text));
        }
        json_object_set_new(out, "revision", json_integer(revision));
        *ret = TAKE_PTR(out);
        return 0;
}

int confirm_window_get(struct store *s, struct confirm_window *ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT revision, previous_revision, deadline FROM confirm_window WHERE id = 1", &stmt);
        if (r < 0)
                return r;
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                *ret = (struct confirm_window){sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                                               sqlite3_column_int64(stmt, 2)};
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

int confirm_window_set(struct txn *t, const struct confirm_window *w) {
        sqlite3_stmt *stmt;
        int r = store_prepare(t->store, "INSERT OR REPLACE INTO confirm_window (id, revision, previous_revision, deadline) "
                                        "VALUES (1, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, w->revision);
        sqlite3_bind_int64(stmt, 2, w->previous_revision);
        sqlite3_bind_int64(stmt, 3, w->deadline);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int confirm_window_clear(struct txn *t) {
        return store_exec(t->store, "DELETE FROM confirm_window");
}
