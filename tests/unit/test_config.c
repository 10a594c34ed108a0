/* The cell's configuration: profile defaults, the field and cross-field
 * checks, the API's nested shape, and the change flow on a real cell
 * directory: live and staged fields, apply with a confirm window, confirm,
 * automatic rollback at the deadline, explicit rollback. */
#include "testutil.h"

#include <errno.h>
#include <sys/stat.h>

#include "apply/config_change.h"
#include "common/jsonutil.h"
#include "store/cell.h"
#include "store/config.h"
#include "store/dhcp.h"
#include "store/dns.h"
#include "store/revisions.h"
#include "store/store.h"

/* ---- pure checks ---- */

static json_t *dev_defaults(void) {
        json_t *flat = NULL;
        assert_int_equal(config_defaults("dev", &flat), 0);
        return flat;
}

static void test_defaults(void **state) {
        (void)state;
        _cleanup_json_ json_t *dev = dev_defaults();
        _cleanup_json_ json_t *sys = NULL;
        assert_int_equal(config_defaults("system", &sys), 0);

        /* Exactly the declared fields, nothing else. */
        assert_int_equal(json_object_size(dev), config_fields_count);
        assert_int_equal(json_object_size(sys), config_fields_count);
        for (unsigned i = 0; i < config_fields_count; i++) {
                assert_non_null(json_object_get(dev, config_fields[i].key));
                assert_ptr_equal(config_field_find(config_fields[i].key), &config_fields[i]);
        }
        assert_null(config_field_find("ports"));
        assert_null(config_field_find("bogus"));
        assert_null(config_field_find(""));
        assert_false(config_field_find("profile")->writable);
        assert_false(config_field_find("public_endpoint")->staged);
        assert_true(config_field_find("domain")->staged);
        /* Upstream resolvers are live: they cannot cut the admin off. */
        assert_false(config_field_find("dns.forwarders")->staged);
        assert_false(config_field_find("dns.forward_tls")->staged);
        /* "kernel" on a kernel without WireGuard takes the VPN down. */
        assert_true(config_field_find("wireguard.implementation")->staged);
        assert_true(config_field_find("dns.forwarders")->writable);
        assert_int_equal(config_field_find("dns.forwarders")->kind, CONFIG_STRING_LIST);
        assert_int_equal(config_field_find("dns.forward_tls")->kind, CONFIG_BOOL);

        assert_string_equal(json_string_value(json_object_get(dev, "profile")), "dev");
        assert_string_equal(json_string_value(json_object_get(dev, "cell_name")), "mycell");
        assert_string_equal(json_string_value(json_object_get(dev, "domain")), "cell");
        assert_string_equal(json_string_value(json_object_get(dev, "vpn_address")), "10.0.0.1/24");
        assert_string_equal(json_string_value(json_object_get(dev, "ip_range")), "172.20.0.0/24");
        assert_string_equal(json_string_value(json_object_get(dev, "public_endpoint")), "");
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.ui")), 8081);
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.api")), 3000);
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.dns")), 5353);
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.dhcp")), 0);
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.wireguard")), 51820);
        assert_int_equal(json_integer_value(json_object_get(dev, "ports.https")), 8443);
        assert_true(json_is_array(json_object_get(dev, "dns.forwarders")));
        assert_int_equal(json_array_size(json_object_get(dev, "dns.forwarders")), 0);
        assert_true(json_is_false(json_object_get(dev, "dns.forward_tls")));
        assert_string_equal(json_string_value(json_object_get(dev, "wireguard.implementation")), "auto");
        assert_string_equal(json_string_value(json_object_get(sys, "wireguard.implementation")), "auto");

        assert_string_equal(json_string_value(json_object_get(sys, "profile")), "system");
        assert_int_equal(json_integer_value(json_object_get(sys, "ports.dns")), 53);
        assert_int_equal(json_integer_value(json_object_get(sys, "ports.dhcp")), 67);
        assert_int_equal(json_integer_value(json_object_get(sys, "ports.ntp")), 123);
        assert_int_equal(json_integer_value(json_object_get(sys, "ports.smtp")), 25);
        assert_int_equal(json_integer_value(json_object_get(sys, "ports.https")), 443);

        /* Both profiles pass their own checks. */
        const char *field = NULL, *msg = NULL;
        assert_int_equal(config_check(dev, &field, &msg), 0);
        assert_int_equal(config_check(sys, &field, &msg), 0);

        json_t *none = (json_t *)0x1;
        assert_int_equal(config_defaults("prod", &none), -EINVAL);
        assert_int_equal(config_defaults("", &none), -EINVAL);
        assert_ptr_equal(none, (json_t *)0x1);
}

struct bad_case {
        const char *key;
        const char *value; /* JSON; NULL deletes the key */
        const char *field; /* expected culprit */
};

static void test_check_rejects(void **state) {
        (void)state;
        static const struct bad_case cases[] = {
                /* ip_range */
                {"ip_range", "\"10.0.0.0/24\"", "ip_range"},    /* overlaps the VPN subnet */
                {"ip_range", "\"10.0.0.128/25\"", "ip_range"},  /* inside the VPN subnet */
                {"ip_range", "\"8.8.8.0/24\"", "ip_range"},     /* not RFC 1918 */
                {"ip_range", "\"172.32.0.0/24\"", "ip_range"},  /* just past 172.16/12 */
                {"ip_range", "\"172.20.0.1/24\"", "ip_range"},  /* host bits set */
                {"ip_range", "\"172.20.0.0/30\"", "ip_range"},  /* too small */
                {"ip_range", "\"172.16.0.0/12\"", "ip_range"},  /* too large (/16 at most) */
                {"ip_range", "\"172.20.0.0\"", "ip_range"},
                {"ip_range", "\"172.20.0.0/24\\n\"", "ip_range"},
                {"ip_range", "24", "ip_range"},
                /* vpn_address */
                {"vpn_address", "\"10.0.0.0/24\"", "vpn_address"},   /* network address */
                {"vpn_address", "\"10.0.0.255/24\"", "vpn_address"}, /* broadcast address */
                {"vpn_address", "\"8.8.8.8/24\"", "vpn_address"},    /* public */
                {"vpn_address", "\"10.0.0.1/31\"", "vpn_address"},   /* prefix past /30 */
                {"vpn_address", "\"10.0.0.1/7\"", "vpn_address"},
                {"vpn_address", "\"10.0.0.1\"", "vpn_address"},
                {"vpn_address", "\"172.20.0.1/16\"", "ip_range"}, /* now the VPN covers ip_range */
                /* ports */
                {"ports.dns", "0", "ports.dns"},
                {"ports.dns", "65536", "ports.dns"},
                {"ports.dns", "-53", "ports.dns"},
                {"ports.dns", "\"53\"", "ports.dns"},
                {"ports.dns", "53.0", "ports.dns"},
                {"ports.dns", "null", "ports.dns"},
                {"ports.dhcp", "-1", "ports.dhcp"},
                {"ports.dhcp", "65536", "ports.dhcp"},
                {"ports.wireguard", "0", "ports.wireguard"},
                /* wireguard */
                {"wireguard.implementation", "\"Kernel\"", "wireguard.implementation"},
                {"wireguard.implementation", "\"wireguard-go\"", "wireguard.implementation"},
                {"wireguard.implementation", "\"\"", "wireguard.implementation"},
                {"wireguard.implementation", "\"kernel\\n\"", "wireguard.implementation"},
                {"wireguard.implementation", "null", "wireguard.implementation"},
                {"wireguard.implementation", "1", "wireguard.implementation"},
                /* names */
                {"cell_name", "\"My Cell\"", "cell_name"},
                {"cell_name", "\"cell\\nname\"", "cell_name"},
                {"cell_name", "\"\"", "cell_name"},
                {"domain", "\"bad..domain\"", "domain"},
                {"domain", "\"Example.com\"", "domain"},
                {"domain", "\"a.b.\"", "domain"},
                {"public_endpoint", "\"a b\"", "public_endpoint"},
                {"public_endpoint", "\"1.2.3.4:51820\"", "public_endpoint"},
                {"public_endpoint", "\"vpn.example.com\\\"\"", "public_endpoint"},
                {"profile", "\"prod\"", "profile"},
                /* dns */
                {"dns.forwarders", "\"192.0.2.53\"", "dns.forwarders"},
                {"dns.forwarders", "null", "dns.forwarders"},
                {"dns.forwarders", "[1]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53\", \"192.0.2.53\"]", "dns.forwarders"}, /* twice */
                {"dns.forwarders", "[\"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", \"1.1.1.4\", \"1.1.1.5\", \"1.1.1.6\", "
                                   "\"1.1.1.7\", \"1.1.1.8\", \"1.1.1.9\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"dns.example.net\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@0\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@65536\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@053\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53#dns.example.net\"]", "dns.forwarders"}, /* a TLS name needs the port */
                {"dns.forwarders", "[\"192.0.2.53@853#\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@853#Dns.example.net\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@853#a b\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@853#x\\ny\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@853#x}\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.53@853@853\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"192.0.2.053\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"0.0.0.0\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"224.0.0.1\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"255.255.255.255\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"2001:db8::1\"]", "dns.forwarders"},
                {"dns.forwarders", "[\" 192.0.2.53\"]", "dns.forwarders"},
                {"dns.forwarders", "[\"\"]", "dns.forwarders"},
                {"dns.forward_tls", "1", "dns.forward_tls"},
                {"dns.forward_tls", "\"true\"", "dns.forward_tls"},
                {"dns.forward_tls", "null", "dns.forward_tls"},
                /* dhcp: on needs an interface and a range (the machine's
                 * side is config_check_machine's) */
                {"dhcp.enabled", "true", "dhcp.interface"},
                {"dhcp.enabled", "1", "dhcp.enabled"},
                {"dhcp.interface", "\"eth0\\nport=53\"", "dhcp.interface"},
                {"dhcp.interface", "\"a234567890123456\"", "dhcp.interface"},
                {"dhcp.interface", "\"..\"", "dhcp.interface"},
                {"dhcp.range_start", "\"10.0.0.300\"", "dhcp.range_start"},
                {"dhcp.range_end", "\"10.0.0.3,10.0.0.9\"", "dhcp.range_end"},
                {"dhcp.router", "\" 10.0.0.1\"", "dhcp.router"},
                {"dhcp.lease_time", "119", "dhcp.lease_time"},
                {"dhcp.lease_time", "31536001", "dhcp.lease_time"},
                {"dhcp.lease_time", "\"3600\"", "dhcp.lease_time"},
                /* ntp */
                {"ntp.servers", "[\"pool.ntp.org\\nallow all\"]", "ntp.servers"},
                {"ntp.servers", "[\"a b\"]", "ntp.servers"},
                {"ntp.servers", "[\"x\", \"x\"]", "ntp.servers"},
                {"ntp.servers", "\"pool.ntp.org\"", "ntp.servers"},
                {"ntp.local_stratum", "16", "ntp.local_stratum"},
                {"ntp.local_stratum", "-1", "ntp.local_stratum"},
                {"ntp.allow", "[\"10.0.0.1/8\"]", "ntp.allow"},
                {"ntp.allow", "[\"all\"]", "ntp.allow"},
                /* missing */
                {"ports.ntp", NULL, "ports.ntp"},
                {"domain", NULL, "domain"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                _cleanup_json_ json_t *flat = dev_defaults();
                if (cases[i].value)
                        json_object_set_new(flat, cases[i].key, test_json(cases[i].value));
                else
                        json_object_del(flat, cases[i].key);
                const char *field = NULL, *msg = NULL;
                if (config_check(flat, &field, &msg) != -EINVAL)
                        fail_msg("%s = %s should be refused", cases[i].key, cases[i].value ? cases[i].value : "(missing)");
                if (!field || strcmp(field, cases[i].field) != 0)
                        fail_msg("%s = %s: field '%s', want '%s'", cases[i].key, cases[i].value, field ? field : "(null)",
                                 cases[i].field);
                assert_non_null(msg);
                assert_true(strlen(msg) > 0);
        }
}

static void test_check_messages(void **state) {
        (void)state;
        _cleanup_json_ json_t *flat = dev_defaults();
        const char *field, *msg;
        json_object_set_new(flat, "ip_range", json_string("10.0.0.0/24"));
        assert_int_equal(config_check(flat, &field, &msg), -EINVAL);
        assert_string_equal(field, "ip_range");
        assert_string_equal(msg, "must not overlap the VPN subnet");

        json_object_set_new(flat, "ip_range", json_string("172.20.0.1/24"));
        assert_int_equal(config_check(flat, &field, &msg), -EINVAL);
        assert_string_equal(msg, "host bits must be zero");

        json_object_set_new(flat, "ip_range", json_string("172.20.0.0/24"));
        json_object_del(flat, "ports.ntp");
        assert_int_equal(config_check(flat, &field, &msg), -EINVAL);
        assert_string_equal(field, "ports.ntp");
        assert_string_equal(msg, "is missing");
}

static void test_check_accepts(void **state) {
        (void)state;
        static const struct {
                const char *key, *value;
        } cases[] = {
                {"ports.dhcp", "0"},               /* 0: the standard 67 */
                {"ports.dhcp", "67"},
                {"ports.dns", "1"},
                {"ports.dns", "65535"},
                {"public_endpoint", "\"\""},
                {"public_endpoint", "\"vpn.example.com\""},
                {"public_endpoint", "\"203.0.113.7\""},
                {"ip_range", "\"172.20.0.0/29\""}, /* exactly six service addresses */
                {"ip_range", "\"192.168.0.0/16\""},
                {"ip_range", "\"10.1.0.0/16\""},
                {"vpn_address", "\"10.0.0.1/30\""},
                {"vpn_address", "\"192.168.77.1/24\""},
                {"vpn_address", "\"10.0.0.254/24\""},
                {"cell_name", "\"a\""},
                {"domain", "\"home.example.org\""},
                {"dns.forwarders", "[]"},
                {"dns.forwarders", "[\"192.0.2.53\", \"127.0.0.2@53\", \"192.0.2.54@853#dns.example.net\"]"},
                {"dns.forwarders", "[\"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", \"1.1.1.4\", \"1.1.1.5\", \"1.1.1.6\", "
                                   "\"1.1.1.7\", \"1.1.1.8\"]"},
                {"dns.forwarders", "[\"192.0.2.53@65535\", \"192.0.2.53@1\"]"},
                {"dns.forward_tls", "true"},
                {"dhcp.interface", "\"br-lan.10\""},
                {"dhcp.router", "\"192.168.1.254\""},
                {"dhcp.lease_time", "120"},
                {"ntp.servers", "[]"},
                {"ntp.servers", "[\"0.debian.pool.ntp.org\", \"192.0.2.123\"]"},
                {"ntp.local_stratum", "10"},
                {"ntp.allow", "[\"192.168.1.0/24\", \"10.9.0.0/16\"]"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                _cleanup_json_ json_t *flat = dev_defaults();
                json_object_set_new(flat, cases[i].key, test_json(cases[i].value));
                const char *field = NULL, *msg = NULL;
                if (config_check(flat, &field, &msg) != 0)
                        fail_msg("%s = %s refused: %s %s", cases[i].key, cases[i].value, field, msg);
        }
}

/* DHCP against the machine: an interface that is not there, a range
 * that is not in order. (Ranges inside a real subnet are the namespace
 * e2e test's.) */
static void test_check_dhcp(void **state) {
        (void)state;
        _cleanup_json_ json_t *flat = dev_defaults();
        json_object_set_new(flat, "dhcp.enabled", json_true());
        json_object_set_new(flat, "dhcp.interface", json_string("nosuch0"));
        json_object_set_new(flat, "dhcp.range_start", json_string("10.9.0.20"));
        json_object_set_new(flat, "dhcp.range_end", json_string("10.9.0.10"));
        const char *field, *msg;
        assert_int_equal(config_check(flat, &field, &msg), -EINVAL);
        assert_string_equal(field, "dhcp.range_end");
        json_object_set_new(flat, "dhcp.range_end", json_string("10.9.0.30"));
        assert_int_equal(config_check(flat, &field, &msg), 0);
        char text[192];
        assert_int_equal(config_check_machine(flat, &field, text, sizeof text), -EINVAL);
        assert_string_equal(field, "dhcp.interface");
        assert_string_equal(text, "there is no interface 'nosuch0' on this machine");
        struct cidr4 net;
        assert_int_equal(config_dhcp_subnet(flat, &net), -ENOENT);
        /* Off, nothing about the machine matters. */
        json_object_set_new(flat, "dhcp.enabled", json_false());
        assert_int_equal(config_check_machine(flat, &field, text, sizeof text), 0);
}

static void test_to_api(void **state) {
        (void)state;
        _cleanup_json_ json_t *flat = dev_defaults();
        _cleanup_json_ json_t *api = NULL;
        assert_int_equal(config_to_api(flat, 7, &api), 0);
        assert_int_equal(json_integer_value(json_object_get(api, "revision")), 7);
        assert_string_equal(json_string_value(json_object_get(api, "cell_name")), "mycell");
        assert_null(json_object_get(api, "ports.dns"));

        json_t *ports = json_object_get(api, "ports");
        assert_true(json_is_object(ports));
        assert_int_equal(json_object_size(ports), 11);
        assert_int_equal(json_integer_value(json_object_get(ports, "dns")), 5353);
        assert_int_equal(json_integer_value(json_object_get(ports, "dhcp")), 0);

        /* Every "x.y" key nests under "x". */
        json_t *dns = json_object_get(api, "dns");
        assert_true(json_is_object(dns));
        assert_int_equal(json_object_size(dns), 2);
        assert_true(json_is_array(json_object_get(dns, "forwarders")));
        assert_true(json_is_false(json_object_get(dns, "forward_tls")));
        assert_null(json_object_get(api, "dns.forwarders"));
        void *it = json_object_iter(api);
        for (; it; it = json_object_iter_next(api, it))
                assert_null(strchr(json_object_iter_key(it), '.'));

        json_t *ips = json_object_get(api, "service_ips");
        assert_int_equal(json_object_size(ips), config_services_count);
        static const char *const want[][2] = {
                {"webui", "172.20.0.1"}, {"dns", "172.20.0.2"},      {"ntp", "172.20.0.3"},
                {"mail", "172.20.0.4"},  {"calendar", "172.20.0.5"}, {"files", "172.20.0.6"},
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
                assert_string_equal(json_string_value(json_object_get(ips, want[i][0])), want[i][1]);

        /* Another range moves every service. */
        json_object_set_new(flat, "ip_range", json_string("192.168.50.0/29"));
        json_decref(api);
        assert_int_equal(config_to_api(flat, 1, &api), 0);
        ips = json_object_get(api, "service_ips");
        assert_string_equal(json_string_value(json_object_get(ips, "webui")), "192.168.50.1");
        assert_string_equal(json_string_value(json_object_get(ips, "files")), "192.168.50.6");
        /* The input is not modified. */
        assert_non_null(json_object_get(flat, "ports.dns"));

        /* The same n-th host as config_service_ip gives. */
        char ip[16];
        assert_int_equal(config_service_ip(flat, 0, ip), 0);
        assert_string_equal(ip, "192.168.50.1");
        assert_int_equal(config_service_ip(flat, 5, ip), 0);
        assert_string_equal(ip, "192.168.50.6");
        assert_int_equal(config_service_ip(flat, 6, ip), -ERANGE);
        json_object_set_new(flat, "ip_range", json_string("bogus"));
        assert_int_equal(config_service_ip(flat, 0, ip), -EINVAL);

        /* ports is there even when no port is set. */
        _cleanup_json_ json_t *none = json_object(), *bare = NULL;
        assert_int_equal(config_to_api(none, 0, &bare), 0);
        assert_true(json_is_object(json_object_get(bare, "ports")));
        assert_int_equal(json_object_size(json_object_get(bare, "service_ips")), 0);
}

/* ---- on a real cell ---- */

struct cell {
        char *dir;
        char *cell_dir;
        struct store *store;
};

static int cell_setup(void **state) {
        struct cell *c = calloc(1, sizeof *c);
        c->dir = test_tmpdir();
        c->cell_dir = test_path(c->dir, "cell");
        struct cell_init_options o = {.dir = c->cell_dir, .name = "testcell", .admin_password = "correct horse"};
        const char *field = NULL, *msg = NULL;
        char *password = (char *)0x1;
        int r = cell_init(&o, &field, &msg, &password);
        if (r < 0)
                fail_msg("cell_init: %d %s %s", r, field, msg);
        assert_null(password); /* given, not generated */
        char *db = cell_db_path(c->cell_dir);
        assert_int_equal(store_open(db, &c->store), 0);
        free(db);
        *state = c;
        return 0;
}

static int cell_teardown(void **state) {
        struct cell *c = *state;
        store_close(c->store);
        test_rmdir(c->dir);
        free(c->cell_dir);
        free(c);
        return 0;
}

static json_t *load(struct store *s) {
        json_t *flat = NULL;
        assert_int_equal(config_load(s, &flat), 0);
        return flat;
}

static json_t *pending(struct store *s) {
        json_t *p = NULL;
        assert_int_equal(pending_load(s, &p), 0);
        return p;
}

static const char *get_str(json_t *flat, const char *key) {
        const char *v = json_string_value(json_object_get(flat, key));
        if (!v)
                fail_msg("no string '%s'", key);
        return v;
}

static bool array_is(json_t *a, const char *const *want, size_t n) {
        if (json_array_size(a) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!json_is_string(json_array_get(a, i)) || strcmp(json_string_value(json_array_get(a, i)), want[i]))
                        return false;
        return true;
}

static void update_ok(struct store *s, const char *changes_json, json_t **ret_applied, json_t **ret_staged) {
        _cleanup_json_ json_t *changes = test_json(changes_json);
        json_t *applied = NULL, *staged = NULL;
        struct validation_error err = {0};
        int r = config_update(s, changes, "tester", &applied, &staged, &err);
        if (r < 0)
                fail_msg("config_update(%s): %d %s %s", changes_json, r, err.field, err.message);
        if (ret_applied)
                *ret_applied = applied;
        else
                json_decref(applied);
        if (ret_staged)
                *ret_staged = staged;
        else
                json_decref(staged);
}

static void test_cell_init(void **state) {
        struct cell *c = *state;
        struct stat st;
        char *p = test_path(c->cell_dir, "secrets");
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        free(p);
        p = test_path(c->cell_dir, "run");
        assert_int_equal(stat(p, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        free(p);
        p = test_path(c->cell_dir, "log");
        assert_int_equal(stat(p, &st), 0);
        free(p);
        p = cell_db_path(c->cell_dir);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        free(p);

        assert_int_equal(store_latest_revision(c->store), 1);
        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "cell_name"), "testcell");
        assert_string_equal(get_str(flat, "profile"), "dev");
        const char *field, *msg;
        assert_int_equal(config_check(flat, &field, &msg), 0);

        /* A second init of the same directory touches nothing. */
        struct cell_init_options o = {.dir = c->cell_dir, .name = "other", .admin_password = "correct horse"};
        char *password = NULL;
        assert_int_equal(cell_init(&o, &field, &msg, &password), -EEXIST);
        json_decref(flat);
        flat = load(c->store);
        assert_string_equal(get_str(flat, "cell_name"), "testcell");
        assert_int_equal(store_latest_revision(c->store), 1);
}

static void test_cell_init_invalid(void **state) {
        struct cell *c = *state;
        char *dir = test_path(c->dir, "other");
        static const struct {
                struct cell_init_options o;
                const char *field;
        } cases[] = {
                {{.dir = NULL, .name = "x"}, "dir"},
                {{.dir = "", .name = "x"}, "dir"},
                {{.name = "Bad Name"}, "name"},
                {{.name = NULL}, "name"},
                {{.name = "x", .admin_password = "short"}, "admin_password"},
                {{.name = "x", .admin_password = "long enough\n"}, "admin_password"},
                {{.name = "x", .vpn_address = "10.0.0.0/24"}, "vpn_address"},
                {{.name = "x", .ip_range = "10.0.0.0/24"}, "ip_range"},
                {{.name = "x", .domain = "a..b"}, "domain"},
                {{.name = "x", .profile = "prod"}, "profile"},
                {{.name = "x", .public_endpoint = "a b"}, "public_endpoint"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct cell_init_options o = cases[i].o;
                if (i >= 2)
                        o.dir = dir;
                const char *field = NULL, *msg = NULL;
                char *password = (char *)0x1;
                if (cell_init(&o, &field, &msg, &password) != -EINVAL)
                        fail_msg("case %zu should be -EINVAL", i);
                if (!field || strcmp(field, cases[i].field) != 0)
                        fail_msg("case %zu: field '%s', want '%s'", i, field ? field : "(null)", cases[i].field);
                assert_non_null(msg);
                assert_ptr_equal(password, (char *)0x1);
        }
        /* Refused options created nothing. */
        assert_int_equal(access(dir, F_OK), -1);
        free(dir);
}

static void test_cell_init_generated_password(void **state) {
        struct cell *c = *state;
        char *dir = test_path(c->dir, "generated");
        struct cell_init_options o = {.dir = dir, .name = "gen", .profile = "system", .domain = "home.example.org"};
        const char *field = NULL, *msg = NULL;
        char *password = NULL;
        assert_int_equal(cell_init(&o, &field, &msg, &password), 0);
        assert_non_null(password);
        assert_int_equal(strlen(password), 20);
        free(password);

        char *db = cell_db_path(dir);
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_open(db, &s), 0);
        _cleanup_json_ json_t *flat = load(s);
        assert_string_equal(get_str(flat, "profile"), "system");
        assert_string_equal(get_str(flat, "domain"), "home.example.org");
        assert_int_equal(json_integer_value(json_object_get(flat, "ports.dns")), 53);
        free(db);
        free(dir);
}

static void test_update_live_and_staged(void **state) {
        struct cell *c = *state;
        json_t *applied, *staged;
        update_ok(c->store, "{\"public_endpoint\": \"vpn.example.com\", \"domain\": \"example.org\"}", &applied,
                  &staged);
        static const char *const want_applied[] = {"public_endpoint"}, *const want_staged[] = {"domain"};
        assert_true(array_is(applied, want_applied, 1));
        assert_true(array_is(staged, want_staged, 1));
        json_decref(applied);
        json_decref(staged);
        assert_int_equal(store_latest_revision(c->store), 2);

        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "public_endpoint"), "vpn.example.com"); /* live at once */
        assert_string_equal(get_str(flat, "domain"), "cell");                      /* not yet */
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 1);
        assert_string_equal(get_str(p, "domain"), "example.org");

        /* The revision records both, each under its own entity. */
        _cleanup_json_ json_t *rev = NULL;
        assert_int_equal(revisions_get(c->store, 2, &rev), 0);
        assert_string_equal(json_string_value(json_object_get(rev, "actor")), "tester");
        json_t *changes = json_object_get(json_object_get(rev, "diff"), "changes");
        assert_int_equal(json_array_size(changes), 2);
        bool saw_config = false, saw_pending = false;
        size_t i;
        json_t *ch;
        json_array_foreach(changes, i, ch) {
                const char *entity = json_string_value(json_object_get(ch, "entity"));
                const char *key = json_string_value(json_object_get(ch, "key"));
                if (!strcmp(entity, "config") && !strcmp(key, "public_endpoint")) {
                        saw_config = true;
                        assert_string_equal(json_string_value(json_object_get(ch, "before")), "");
                        assert_string_equal(json_string_value(json_object_get(ch, "after")), "vpn.example.com");
                }
                if (!strcmp(entity, "pending") && !strcmp(key, "domain"))
                        saw_pending = true;
        }
        assert_true(saw_config);
        assert_true(saw_pending);

        /* Saying the same again is a no-op: no revision. */
        update_ok(c->store, "{\"public_endpoint\": \"vpn.example.com\"}", &applied, &staged);
        assert_int_equal(json_array_size(applied), 0);
        assert_int_equal(json_array_size(staged), 0);
        json_decref(applied);
        json_decref(staged);
        update_ok(c->store, "{}", NULL, NULL);
        assert_int_equal(store_latest_revision(c->store), 2);

        /* Staging the live value again unstages it. */
        update_ok(c->store, "{\"domain\": \"cell\"}", NULL, NULL);
        json_decref(p);
        p = pending(c->store);
        assert_int_equal(json_object_size(p), 0);
        assert_int_equal(store_latest_revision(c->store), 3);
}

static void test_update_dns_is_live(void **state) {
        struct cell *c = *state;
        json_t *applied, *staged;
        update_ok(c->store, "{\"dns.forwarders\": [\"192.0.2.53\", \"192.0.2.54@853#dns.example.net\"], "
                            "\"dns.forward_tls\": true}", &applied, &staged);
        assert_int_equal(json_array_size(applied), 2);
        assert_int_equal(json_array_size(staged), 0);
        json_decref(applied);
        json_decref(staged);
        _cleanup_json_ json_t *flat = load(c->store);
        json_t *fw = json_object_get(flat, "dns.forwarders");
        assert_int_equal(json_array_size(fw), 2);
        assert_string_equal(json_string_value(json_array_get(fw, 1)), "192.0.2.54@853#dns.example.net");
        assert_true(json_is_true(json_object_get(flat, "dns.forward_tls")));
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 0);

        /* Rolling back to the start restores the defaults. */
        int64_t rev;
        assert_int_equal(config_rollback(c->store, 1, "tester", "back", &rev), 0);
        json_decref(flat);
        flat = load(c->store);
        assert_int_equal(json_array_size(json_object_get(flat, "dns.forwarders")), 0);
        assert_true(json_is_false(json_object_get(flat, "dns.forward_tls")));
}

/* The uplink and peer_to_peer change the firewall's rules only: live. */
static void test_update_vpn_routing_is_live(void **state) {
        struct cell *c = *state;
        json_t *applied, *staged;
        update_ok(c->store, "{\"wireguard.uplink\": \"eth0\", \"wireguard.peer_to_peer\": true}", &applied,
                  &staged);
        assert_int_equal(json_array_size(applied), 2);
        assert_int_equal(json_array_size(staged), 0);
        json_decref(applied);
        json_decref(staged);
        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "wireguard.uplink"), "eth0");
        assert_true(json_is_true(json_object_get(flat, "wireguard.peer_to_peer")));
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 0);
}

static void expect_update_error(struct store *s, const char *changes_json, const char *field) {
        _cleanup_json_ json_t *changes = test_json(changes_json);
        json_t *applied = (json_t *)0x1, *staged = (json_t *)0x1;
        struct validation_error err = {0};
        int64_t before = store_latest_revision(s);
        int r = config_update(s, changes, "tester", &applied, &staged, &err);
        if (r != -EINVAL)
                fail_msg("config_update(%s) = %d, want -EINVAL", changes_json, r);
        if (!err.field || strcmp(err.field, field) != 0)
                fail_msg("config_update(%s): field '%s', want '%s'", changes_json, err.field ? err.field : "(null)",
                         field);
        assert_non_null(err.message);
        assert_ptr_equal(applied, (json_t *)0x1);
        assert_ptr_equal(staged, (json_t *)0x1);
        assert_int_equal(store_latest_revision(s), before);
}

static void test_update_errors(void **state) {
        struct cell *c = *state;
        expect_update_error(c->store, "{\"bogus\": 1}", "bogus");
        expect_update_error(c->store, "{\"ports\": {\"dns\": 53}}", "ports");
        expect_update_error(c->store, "{\"profile\": \"system\"}", "profile");
        expect_update_error(c->store, "{\"ports.dns\": 0}", "ports.dns");
        expect_update_error(c->store, "{\"ports.dns\": \"53\"}", "ports.dns");
        expect_update_error(c->store, "{\"cell_name\": \"x\\ny\"}", "cell_name");
        expect_update_error(c->store, "{\"public_endpoint\": \"x y\"}", "public_endpoint");
        expect_update_error(c->store, "{\"ip_range\": \"10.0.0.0/24\"}", "ip_range");
        expect_update_error(c->store, "{\"vpn_address\": \"172.20.0.1/24\"}", "ip_range");
        expect_update_error(c->store, "{\"dns.forwarders\": [\"192.0.2.53\", \"192.0.2.53\"]}", "dns.forwarders");
        expect_update_error(c->store, "{\"dns.forwarders\": [\"192.0.2.53;\"]}", "dns.forwarders");
        expect_update_error(c->store, "{\"dns.forward_tls\": \"yes\"}", "dns.forward_tls");
        expect_update_error(c->store, "{\"dns\": {\"forward_tls\": true}}", "dns");
        /* The uplink is never the VPN itself, live or once staged applies. */
        expect_update_error(c->store, "{\"wireguard.uplink\": \"pic0\"}", "wireguard.uplink");
        expect_update_error(c->store, "{\"wireguard.uplink\": \"eth 0\"}", "wireguard.uplink");
        expect_update_error(c->store, "{\"wireguard.peer_to_peer\": 1}", "wireguard.peer_to_peer");
        /* A mix of good and bad changes applies none of them. */
        expect_update_error(c->store, "{\"public_endpoint\": \"ok.example.com\", \"ports.dns\": 70000}", "ports.dns");
        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "public_endpoint"), "");

        /* A staged change constrains later ones: what an apply would make
         * live must be consistent too. */
        update_ok(c->store, "{\"ip_range\": \"172.21.0.0/24\"}", NULL, NULL);
        expect_update_error(c->store, "{\"vpn_address\": \"172.21.0.1/24\"}", "ip_range");
        update_ok(c->store, "{\"wireguard.uplink\": \"eth0\"}", NULL, NULL);
        expect_update_error(c->store, "{\"wireguard.interface\": \"eth0\"}", "wireguard.uplink");
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 1);
}

static void test_apply_confirm(void **state) {
        struct cell *c = *state;
        struct confirm_window w = {0};
        struct validation_error err = {0};
        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1000, &w, &err), -ENODATA);
        assert_int_equal(store_latest_revision(c->store), 1);

        update_ok(c->store, "{\"domain\": \"example.org\", \"ports.dns\": 5300}", NULL, NULL);
        int64_t previous = store_latest_revision(c->store);
        assert_int_equal(previous, 2);

        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1000, &w, &err), 0);
        assert_int_equal(w.revision, previous + 1);
        assert_int_equal(w.previous_revision, previous);
        assert_int_equal(w.deadline, 1060);
        assert_int_equal(store_latest_revision(c->store), w.revision);

        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "domain"), "example.org");
        assert_int_equal(json_integer_value(json_object_get(flat, "ports.dns")), 5300);
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 0);

        struct confirm_window got;
        assert_int_equal(confirm_window_get(c->store, &got), 0);
        assert_int_equal(got.revision, w.revision);
        assert_int_equal(got.previous_revision, previous);
        assert_int_equal(got.deadline, 1060);

        _cleanup_json_ json_t *rev = NULL;
        assert_int_equal(revisions_get(c->store, w.revision, &rev), 0);
        assert_non_null(strstr(json_string_value(json_object_get(rev, "summary")), "apply staged changes"));

        /* One window at a time, whatever is staged. */
        struct confirm_window w2 = {-1, -1, -1};
        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1001, &w2, &err), -EBUSY);
        update_ok(c->store, "{\"domain\": \"other.org\"}", NULL, NULL);
        int64_t latest = store_latest_revision(c->store);
        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1001, &w2, &err), -EBUSY);
        assert_int_equal(w2.revision, -1);
        assert_int_equal(store_latest_revision(c->store), latest);

        /* Confirming closes the window without a revision. */
        int64_t confirmed = 0;
        assert_int_equal(config_confirm(c->store, &confirmed), 0);
        assert_int_equal(confirmed, w.revision);
        assert_int_equal(confirm_window_get(c->store, &got), -ENOENT);
        assert_int_equal(store_latest_revision(c->store), latest);
        assert_int_equal(config_confirm(c->store, &confirmed), -ENOENT);

        /* Nothing expires once confirmed. */
        int64_t rolled = -1;
        assert_int_equal(config_expire_confirm_window(c->store, 999999, &rolled), 0);
        json_decref(flat);
        flat = load(c->store);
        assert_string_equal(get_str(flat, "domain"), "example.org");

        /* And the next apply may go ahead. */
        assert_int_equal(config_apply_staged(c->store, "tester", 5, 2000, &w2, &err), 0);
        assert_int_equal(w2.revision, latest + 1);
        assert_int_equal(w2.deadline, 2005);
}

static void test_expire_confirm_window(void **state) {
        struct cell *c = *state;
        update_ok(c->store, "{\"domain\": \"example.org\", \"ports.dns\": 5300, \"public_endpoint\": \"a.example.com\"}",
                  NULL, NULL);
        int64_t previous = store_latest_revision(c->store);
        struct confirm_window w;
        struct validation_error err = {0};
        assert_int_equal(config_apply_staged(c->store, "tester", 30, 1000, &w, &err), 0);
        assert_int_equal(w.deadline, 1030);

        /* Before the deadline: nothing happens. */
        int64_t rolled = -1;
        assert_int_equal(config_expire_confirm_window(c->store, 999, &rolled), 0);
        assert_int_equal(config_expire_confirm_window(c->store, 1029, &rolled), 0);
        assert_int_equal(store_latest_revision(c->store), w.revision);
        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "domain"), "example.org");

        /* At the deadline: back to the previous revision's config. */
        assert_int_equal(config_expire_confirm_window(c->store, 1030, &rolled), 1);
        assert_int_equal(rolled, w.revision + 1);
        assert_int_equal(store_latest_revision(c->store), rolled);
        json_decref(flat);
        flat = load(c->store);
        assert_string_equal(get_str(flat, "domain"), "cell");
        assert_int_equal(json_integer_value(json_object_get(flat, "ports.dns")), 5353);
        /* public_endpoint was live before the apply, so it stays. */
        assert_string_equal(get_str(flat, "public_endpoint"), "a.example.com");
        _cleanup_json_ json_t *at_previous = NULL;
        assert_int_equal(revisions_config_at(c->store, previous, &at_previous), 0);
        assert_true(json_equal(flat, at_previous));

        struct confirm_window got;
        assert_int_equal(confirm_window_get(c->store, &got), -ENOENT);
        _cleanup_json_ json_t *rev = NULL;
        assert_int_equal(revisions_get(c->store, rolled, &rev), 0);
        assert_string_equal(json_string_value(json_object_get(rev, "actor")), "system");
        assert_non_null(strstr(json_string_value(json_object_get(rev, "summary")), "automatic rollback"));

        /* Only once. */
        int64_t again = -1;
        assert_int_equal(config_expire_confirm_window(c->store, 5000, &again), 0);
        assert_int_equal(store_latest_revision(c->store), rolled);

        /* A later confirm finds nothing to confirm. */
        int64_t confirmed;
        assert_int_equal(config_confirm(c->store, &confirmed), -ENOENT);
}

static void test_rollback(void **state) {
        struct cell *c = *state;
        _cleanup_json_ json_t *initial = load(c->store);
        update_ok(c->store, "{\"public_endpoint\": \"a.example.com\"}", NULL, NULL); /* 2 */
        update_ok(c->store, "{\"public_endpoint\": \"b.example.com\", \"ports.dns\": 5300}", NULL, NULL); /* 3 */
        struct confirm_window w;
        struct validation_error err = {0};
        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1000, &w, &err), 0); /* 4 */
        assert_int_equal(w.revision, 4);

        _cleanup_json_ json_t *at1 = NULL, *at2 = NULL, *at3 = NULL, *at4 = NULL;
        assert_int_equal(revisions_config_at(c->store, 1, &at1), 0);
        assert_int_equal(revisions_config_at(c->store, 2, &at2), 0);
        assert_int_equal(revisions_config_at(c->store, 3, &at3), 0);
        assert_int_equal(revisions_config_at(c->store, 4, &at4), 0);
        assert_true(json_equal(at1, initial));
        assert_string_equal(get_str(at2, "public_endpoint"), "a.example.com");
        assert_string_equal(get_str(at3, "public_endpoint"), "b.example.com");
        assert_int_equal(json_integer_value(json_object_get(at3, "ports.dns")), 5353); /* staged, not live */
        assert_int_equal(json_integer_value(json_object_get(at4, "ports.dns")), 5300);
        _cleanup_json_ json_t *now = load(c->store);
        assert_true(json_equal(at4, now));

        json_t *none = (json_t *)0x1;
        assert_int_equal(revisions_config_at(c->store, 99, &none), -ENOENT);
        assert_int_equal(revisions_config_at(c->store, 0, &none), -ENOENT);
        assert_ptr_equal(none, (json_t *)0x1);

        /* Roll back to the cell as created; the open window closes. */
        int64_t rev = 0;
        assert_int_equal(config_rollback(c->store, 1, "tester", "back to the start", &rev), 0);
        assert_int_equal(rev, 5);
        json_decref(now);
        now = load(c->store);
        assert_true(json_equal(now, initial));
        struct confirm_window got;
        assert_int_equal(confirm_window_get(c->store, &got), -ENOENT);

        /* The rollback is itself a revision that can be undone. */
        assert_int_equal(config_rollback(c->store, 3, "tester", "forward again", &rev), 0);
        assert_int_equal(rev, 6);
        json_decref(now);
        now = load(c->store);
        assert_true(json_equal(now, at3));

        assert_int_equal(config_rollback(c->store, 99, "tester", "nowhere", &rev), -ENOENT);
        assert_int_equal(store_latest_revision(c->store), 6);
}

/* One record/reservation change in its own revision. */
static int64_t dns_create(struct store *s, const char *json, int64_t *ret_id) {
        struct dns_record rec;
        struct dns_error err;
        _cleanup_json_ json_t *body = test_json(json);
        assert_int_equal(dns_record_from_json(body, &rec, &err), 0);
        struct txn t;
        int64_t rev;
        assert_int_equal(txn_begin(s, &t), 0);
        assert_int_equal(dns_records_create(&t, &rec, &err), 0);
        assert_int_equal(txn_commit(&t, "tester", "create", &rev), 0);
        if (ret_id)
                *ret_id = rec.id;
        return rev;
}

static void reservation_create(struct store *s, const char *json) {
        struct dhcp_reservation res;
        struct dhcp_error err;
        _cleanup_json_ json_t *body = test_json(json);
        assert_int_equal(dhcp_reservation_from_json(body, NULL, &res, &err), 0);
        struct txn t;
        assert_int_equal(txn_begin(s, &t), 0);
        assert_int_equal(dhcp_reservations_create(&t, &res, &err), 0);
        assert_int_equal(txn_commit(&t, "tester", "reserve", NULL), 0);
}

static char *zone_text(struct store *s) {
        _cleanup_json_ json_t *records = NULL, *reservations = NULL;
        int64_t total;
        struct dns_query q = {.type = -1, .limit = -1};
        assert_int_equal(dns_records_list(s, &q, "testcell.cell", &records, &total), 0);
        assert_int_equal(dhcp_reservations_list(s, &reservations), 0);
        json_t *both = json_pack("{s:O, s:O}", "records", records, "reservations", reservations);
        char *text = json_dumps(both, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(both);
        return text;
}

/* A rollback puts the zone's records and the reservations back as they
 * were, ids and all, whatever happened since in any order. */
static void test_rollback_records_and_reservations(void **state) {
        struct cell *c = *state;
        int64_t www, mail;
        dns_create(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}", &www);
        dns_create(c->store, "{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 10}", &mail);
        reservation_create(c->store, "{\"mac\": \"02:00:00:00:00:01\", \"ip\": \"10.9.0.10\", \"name\": \"desk\"}");
        int64_t mark = store_latest_revision(c->store);
        _cleanup_free_ char *then = zone_text(c->store);

        /* Since: one record changed, one deleted, one added with the
         * value the changed one had (a swap that would trip UNIQUE if done
         * in the wrong order), a reservation moved and another added. */
        struct txn t;
        struct dns_error err;
        struct dhcp_error derr;
        bool changed;
        struct dns_record rec;
        _cleanup_json_ json_t *body = test_json("{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.2\"}");
        assert_int_equal(dns_record_from_json(body, &rec, &err), 0);
        assert_int_equal(txn_begin(c->store, &t), 0);
        assert_int_equal(dns_records_update(&t, www, &rec, &changed, &err), 0);
        assert_int_equal(dns_records_delete(&t, mail, NULL), 0);
        assert_int_equal(txn_commit(&t, "tester", "edit", NULL), 0);
        dns_create(c->store, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}", NULL);
        reservation_create(c->store, "{\"mac\": \"02:00:00:00:00:02\", \"ip\": \"10.9.0.11\"}");
        struct dhcp_reservation res = {.mac = "02:00:00:00:00:01", .ip = "10.9.0.12", .name = "desk"};
        assert_int_equal(txn_begin(c->store, &t), 0);
        assert_int_equal(dhcp_reservations_update(&t, &res, &changed, &derr), 0);
        assert_int_equal(txn_commit(&t, "tester", "move", NULL), 0);
        _cleanup_free_ char *now = zone_text(c->store);
        assert_string_not_equal(then, now);

        int64_t rolled;
        assert_int_equal(config_rollback(c->store, mark, "tester", "rollback", &rolled), 0);
        _cleanup_free_ char *after = zone_text(c->store);
        assert_string_equal(after, then);
        struct dns_record got;
        assert_int_equal(dns_records_get(c->store, www, &got), 0);
        assert_string_equal(got.value, "192.0.2.1");
        assert_int_equal(dns_records_get(c->store, mail, &got), 0);

        /* The rollback is a revision of its own: rolling back to just
         * before it brings the later state back. */
        assert_int_equal(config_rollback(c->store, rolled - 1, "tester", "undo", NULL), 0);
        _cleanup_free_ char *redone = zone_text(c->store);
        assert_string_equal(redone, now);
}

static void test_discard(void **state) {
        struct cell *c = *state;
        assert_int_equal(config_discard_staged(c->store, "tester"), -ENODATA);
        update_ok(c->store, "{\"domain\": \"example.org\"}", NULL, NULL);
        int64_t before = store_latest_revision(c->store);
        assert_int_equal(config_discard_staged(c->store, "tester"), 0);
        assert_int_equal(store_latest_revision(c->store), before + 1);
        _cleanup_json_ json_t *p = pending(c->store);
        assert_int_equal(json_object_size(p), 0);
        _cleanup_json_ json_t *flat = load(c->store);
        assert_string_equal(get_str(flat, "domain"), "cell");
        assert_int_equal(config_discard_staged(c->store, "tester"), -ENODATA);
        struct confirm_window w;
        struct validation_error err = {0};
        assert_int_equal(config_apply_staged(c->store, "tester", 60, 1000, &w, &err), -ENODATA);
}

int main(void) {
#define CELL(fn) cmocka_unit_test_setup_teardown(fn, cell_setup, cell_teardown)
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_check_rejects),
                cmocka_unit_test(test_check_messages),
                cmocka_unit_test(test_check_accepts),
                cmocka_unit_test(test_check_dhcp),
                cmocka_unit_test(test_to_api),
                CELL(test_cell_init),
                CELL(test_cell_init_invalid),
                CELL(test_cell_init_generated_password),
                CELL(test_update_live_and_staged),
                CELL(test_update_errors),
                CELL(test_apply_confirm),
                CELL(test_expire_confirm_window),
                CELL(test_rollback),
                CELL(test_update_dns_is_live),
                CELL(test_update_vpn_routing_is_live),
                CELL(test_discard),
                CELL(test_rollback_records_and_reservations),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
