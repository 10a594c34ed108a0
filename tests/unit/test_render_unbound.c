/* Golden tests for Unbound's renderers: each tests/golden/unbound/<case>/
 * holds state.json (the DNS fields of cell_state, the names of VPN peers
 * and DHCP hosts among them) and the expected unbound.conf and
 * local-data.conf; UPDATE_GOLDEN=1 rewrites them. Every rendered pair must
 * pass unbound-checkconf, and the records case is served by a real Unbound
 * on 127.0.0.1 and asked with dig, byte for byte. */
#include "testutil.h"
#include "golden.h"
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/buf.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "render/render.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/golden"
#endif

#define UNBOUND_BIN "/usr/sbin/unbound"
#define CHECKCONF_BIN "/usr/sbin/unbound-checkconf"
#define CONTROL_BIN "/usr/sbin/unbound-control"
#define DIG_BIN "/usr/bin/dig"
#define RUN_TIMEOUT_MS 30000u
#define START_TIMEOUT_MS 10000u

struct golden_case {
        char *name;
        char *dir; /* GOLDEN_DIR/unbound/<name> */
};

/* The two files of a rendering. */
static const char *const file_names[] = {"unbound.conf", "local-data.conf"};

/* ---- state.json ---- */

/* The state of a case: cell_state borrows its strings from the JSON and its
 * arrays from here, all alive together. */
struct loaded_state {
        json_t *json;
        struct service_ip_view *services;
        struct dns_record_view *records;
        const char **forwarders;
        struct peer_name_view *peers;
        struct dhcp_reservation_view *reservations;
        struct dhcp_lease_view *leases;
        struct wg_peer_view *wg_peers;
        const char **wg_services; /* each peer's, in one array */
        struct cell_state st;
};

static void loaded_state_release(struct loaded_state *l) {
        json_decref(l->json);
        free(l->services);
        free(l->records);
        free(l->forwarders);
        free(l->peers);
        free(l->reservations);
        free(l->leases);
        free(l->wg_peers);
        free(l->wg_services);
        *l = (struct loaded_state){0};
}

/* A misspelt key would silently leave a field empty: refuse it. */
static void only_keys(json_t *obj, const char *const *known, size_t n, const char *where) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool found = false;
                for (size_t i = 0; i < n; i++)
                        found = found || streq(key, known[i]);
                if (!found)
                        fail_msg("%s: unknown key '%s'", where, key);
        }
}

static const char *str_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!v)
                return NULL;
        if (!json_is_string(v))
                fail_msg("state.json: '%s' must be a string", key);
        return json_string_value(v);
}

static long long int_field(json_t *obj, const char *key, long long max) {
        json_t *v = json_object_get(obj, key);
        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
                fail_msg("state.json: '%s' must be an integer from 0 to %lld", key, max);
        return json_integer_value(v);
}

static json_t *array_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (v && !json_is_array(v))
                fail_msg("state.json: '%s' must be an array", key);
        return v;
}

static void load_state(const char *dir, struct loaded_state *ret) {
        static const char *const known[] = {
                "cell_name",      "domain",         "profile",         "zone",
                "port_dns",       "service_ips",    "dns_records",     "dns_forwarders",
                "dns_forward_tls", "unbound_dir",   "unbound_control_socket", "peers",
                "dhcp_reservations", "dhcp_leases", "wg_interface", "vpn_address", "wg_peers",
        };
        static const char *const service_keys[] = {"service", "ip"};
        static const char *const record_keys[] = {"name", "type", "value", "ttl", "priority", "weight", "port"};
        static const char *const peer_keys[] = {"name", "ip"};
        static const char *const host_keys[] = {"mac", "ip", "name"};
        static const char *const wg_peer_keys[] = {"name", "ip", "services", "enabled"};

        _cleanup_free_ char *path = test_path(dir, "state.json");
        json_error_t err;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        assert_true(json_is_object(j));
        only_keys(j, known, ELEMENTSOF(known), path);

        struct loaded_state l = {.json = j};
        json_t *services = array_field(j, "service_ips"), *records = array_field(j, "dns_records"),
               *forwarders = array_field(j, "dns_forwarders");
        size_t ns = json_array_size(services), nr = json_array_size(records), nf = json_array_size(forwarders);
        l.services = calloc(ns + 1, sizeof *l.services);
        l.records = calloc(nr + 1, sizeof *l.records);
        l.forwarders = calloc(nf + 1, sizeof *l.forwarders);
        json_t *peers = array_field(j, "peers"), *reservations = array_field(j, "dhcp_reservations"),
               *leases = array_field(j, "dhcp_leases");
        size_t np = json_array_size(peers), nres = json_array_size(reservations), nl = json_array_size(leases);
        l.peers = calloc(np + 1, sizeof *l.peers);
        l.reservations = calloc(nres + 1, sizeof *l.reservations);
        l.leases = calloc(nl + 1, sizeof *l.leases);
        assert_true(l.services && l.records && l.forwarders && l.peers && l.reservations && l.leases);
        /* The VPN's peers: a name, an address, the services it may use,
         * enabled unless "enabled" says false. */
        json_t *wg_peers = array_field(j, "wg_peers");
        size_t nw = json_array_size(wg_peers), nws = 0;
        l.wg_peers = calloc(nw + 1, sizeof *l.wg_peers);
        assert_non_null(l.wg_peers);

        size_t i;
        json_t *v;
        json_array_foreach(services, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, service_keys, ELEMENTSOF(service_keys), path);
                l.services[i] = (struct service_ip_view){.service = str_field(v, "service"), .ip = str_field(v, "ip")};
        }
        json_array_foreach(records, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, record_keys, ELEMENTSOF(record_keys), path);
                l.records[i] = (struct dns_record_view){
                        .name = str_field(v, "name"),
                        .type = str_field(v, "type"),
                        .value = str_field(v, "value"),
                        .ttl = (uint32_t)int_field(v, "ttl", UINT32_MAX),
                        .priority = (uint16_t)int_field(v, "priority", 65535),
                        .weight = (uint16_t)int_field(v, "weight", 65535),
                        .port = (uint16_t)int_field(v, "port", 65535),
                };
        }
        json_array_foreach(peers, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, peer_keys, ELEMENTSOF(peer_keys), path);
                l.peers[i] = (struct peer_name_view){.name = str_field(v, "name"), .ip = str_field(v, "ip")};
        }
        /* A missing name is "", as the store gives it. */
        json_array_foreach(reservations, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, host_keys, ELEMENTSOF(host_keys), path);
                const char *name = str_field(v, "name");
                l.reservations[i] = (struct dhcp_reservation_view){
                        .mac = str_field(v, "mac"), .ip = str_field(v, "ip"), .name = name ? name : ""};
        }
        json_array_foreach(leases, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, host_keys, ELEMENTSOF(host_keys), path);
                const char *name = str_field(v, "name");
                l.leases[i] = (struct dhcp_lease_view){
                        .mac = str_field(v, "mac"), .ip = str_field(v, "ip"), .name = name ? name : ""};
        }
        json_array_foreach(wg_peers, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, wg_peer_keys, ELEMENTSOF(wg_peer_keys), path);
                nws += json_array_size(array_field(v, "services"));
        }
        l.wg_services = calloc(nws + 1, sizeof *l.wg_services);
        assert_non_null(l.wg_services);
        nws = 0;
        json_array_foreach(wg_peers, i, v) {
                json_t *svc = array_field(v, "services"), *enabled = json_object_get(v, "enabled"), *sv;
                size_t k;
                if (enabled && !json_is_boolean(enabled))
                        fail_msg("%s: a peer's enabled must be a boolean", path);
                l.wg_peers[i] = (struct wg_peer_view){.name = str_field(v, "name"),
                                                      .ip = str_field(v, "ip"),
                                                      .services = l.wg_services + nws,
                                                      .n_services = (unsigned)json_array_size(svc),
                                                      .enabled = !enabled || json_is_true(enabled)};
                json_array_foreach(svc, k, sv) {
                        if (!json_is_string(sv))
                                fail_msg("%s: a peer's services are strings", path);
                        l.wg_services[nws++] = json_string_value(sv);
                }
        }
        json_array_foreach(forwarders, i, v) {
                if (!json_is_string(v))
                        fail_msg("%s: dns_forwarders holds strings", path);
                l.forwarders[i] = json_string_value(v);
        }
        json_t *tls = json_object_get(j, "dns_forward_tls");
        if (tls && !json_is_boolean(tls))
                fail_msg("%s: dns_forward_tls must be a boolean", path);

        l.st = (struct cell_state){
                .cell_name = str_field(j, "cell_name"),
                .domain = str_field(j, "domain"),
                .profile = str_field(j, "profile"),
                .port_dns = (uint16_t)int_field(j, "port_dns", 65535),
                .zone = str_field(j, "zone"),
                .service_ips = l.services,
                .n_service_ips = (unsigned)ns,
                .dns_records = l.records,
                .n_dns_records = (unsigned)nr,
                .dns_forwarders = l.forwarders,
                .n_dns_forwarders = (unsigned)nf,
                .dns_forward_tls = json_is_true(tls),
                .unbound_dir = str_field(j, "unbound_dir"),
                .unbound_control_socket = str_field(j, "unbound_control_socket"),
                .peers = l.peers,
                .n_peers = (unsigned)np,
                .dhcp_reservations = l.reservations,
                .n_dhcp_reservations = (unsigned)nres,
                .dhcp_leases = l.leases,
                .n_dhcp_leases = (unsigned)nl,
                .wg_interface = str_field(j, "wg_interface"),
                .vpn_address = str_field(j, "vpn_address"),
                .wg_peers = l.wg_peers,
                .n_wg_peers = (unsigned)nw,
        };
        *ret = l;
}

/* Renders st into out[0] (unbound.conf) and out[1] (local-data.conf). */
static void render_state(const char *name, const struct cell_state *st, struct buf out[2]) {
        int r = render_unbound_conf(st, &out[0]);
        if (r < 0)
                fail_msg("%s: render_unbound_conf failed: %s", name, strerror(-r));
        r = render_unbound_local_data(st, &out[1]);
        if (r < 0)
                fail_msg("%s: render_unbound_local_data failed: %s", name, strerror(-r));
}

static void render_case(const struct golden_case *c, struct buf out[2]) {
        struct loaded_state l;
        load_state(c->dir, &l);
        render_state(c->name, &l.st, out);
        loaded_state_release(&l);
}

static void release_pair(struct buf out[2]) {
        buf_release(&out[0]);
        buf_release(&out[1]);
}

/* ---- comparing ---- */

/* ---- running programs ---- */

/* Runs argv through the one exec helper with HOME in dir (dig reads
 * ~/.digrc); returns its exit code, and its output in *ret_output when
 * asked for, else prints it when the code is not 0. */
static int run_in(const char *dir, char *const argv[], char **ret_output) {
        _cleanup_free_ char *home = NULL;
        assert_true(asprintf(&home, "HOME=%s", dir) > 0);
        char *const envp[] = {home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};

        struct exec_result res = {0};
        int r = exec_run(argv, envp, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.exit_code;
        if (res.timed_out || res.signal)
                code = -1;
        if (ret_output) {
                *ret_output = res.output;
                res.output = NULL;
        } else if (code != 0) {
                const char *text = res.output ? res.output : "";
                fprintf(stderr, "# %s: exit code %d, signal %d%s; its output:\n", argv[0], res.exit_code, res.signal,
                        res.timed_out ? ", timed out" : "");
                print_lines(' ', text, strlen(text), 0, 200);
        }
        exec_result_release(&res);
        return code;
}

/* Renders the state with its files in dir (so that `directory:`, the
 * include and the control socket point there) and writes the pair. */
static char *write_pair(const char *name, struct cell_state st, const char *dir) {
        _cleanup_free_ char *socket = test_path(dir, "control.sock");
        st.unbound_dir = dir;
        st.unbound_control_socket = socket;
        struct buf out[2] = {BUF_INIT, BUF_INIT};
        render_state(name, &st, out);
        for (size_t i = 0; i < 2; i++) {
                _cleanup_free_ char *path = test_path(dir, file_names[i]);
                write_file(path, buf_str(&out[i]), out[i].len);
        }
        release_pair(out);
        return test_path(dir, "unbound.conf");
}

/* ---- the golden tests ---- */

static void test_golden(void **state) {
        const struct golden_case *c = *state;
        struct buf out[2] = {BUF_INIT, BUF_INIT};
        render_case(c, out);

        const char *update = getenv("UPDATE_GOLDEN");
        size_t bad_line = 0;
        const char *bad_file = NULL;
        for (size_t i = 0; i < 2; i++) {
                _cleanup_free_ char *path = test_path(c->dir, file_names[i]);
                if (update && streq(update, "1")) {
                        write_file(path, buf_str(&out[i]), out[i].len);
                        fprintf(stderr, "# UPDATE_GOLDEN=1: wrote %s\n", path);
                        continue;
                }
                size_t want_len = 0;
                _cleanup_free_ char *want = read_file_or_null(path, &want_len);
                if (!want) {
                        release_pair(out);
                        fail_msg("%s: %s (UPDATE_GOLDEN=1 creates it)", path, strerror(errno));
                }
                size_t line = report_diff(path, want, want_len, buf_str(&out[i]), out[i].len);
                if (line && !bad_file) {
                        bad_line = line;
                        bad_file = file_names[i];
                }
        }
        release_pair(out);
        if (bad_file)
                fail_msg("%s: rendered %s differs at line %zu (UPDATE_GOLDEN=1 rewrites it)", c->name, bad_file,
                         bad_line);
}

static void test_twice(void **state) {
        const struct golden_case *c = *state;
        struct buf a[2] = {BUF_INIT, BUF_INIT}, b[2] = {BUF_INIT, BUF_INIT};
        render_case(c, a);
        render_case(c, b);
        size_t line0 = report_diff("first unbound.conf", buf_str(&a[0]), a[0].len, buf_str(&b[0]), b[0].len);
        size_t line1 = report_diff("first local-data.conf", buf_str(&a[1]), a[1].len, buf_str(&b[1]), b[1].len);
        release_pair(a);
        release_pair(b);
        if (line0 || line1)
                fail_msg("%s: two renderings differ", c->name);
}

static void test_checkconf(void **state) {
        const struct golden_case *c = *state;
        struct loaded_state l;
        load_state(c->dir, &l);
        char *dir = test_tmpdir();
        _cleanup_free_ char *conf = write_pair(c->name, l.st, dir);
        loaded_state_release(&l);
        char *const argv[] = {CHECKCONF_BIN, conf, NULL};
        int status = run_in(dir, argv, NULL);
        test_rmdir(dir);
        if (status != 0)
                fail_msg("%s: unbound-checkconf exited with %d", c->name, status);
}

/* ---- refusals ---- */

static const struct service_ip_view good_services[] = {{"webui", "172.20.0.1"}, {"dns", "172.20.0.2"}};
static const struct dns_record_view good_records[] = {
        {.name = "@", .type = "MX", .value = "mail", .ttl = 300, .priority = 10},
        {.name = "txt", .type = "TXT", .value = "a \"quoted\" \\ text", .ttl = 300},
};
static const char *const good_forwarders[] = {"127.0.0.2", "::1@5300"};

static struct cell_state good_state(void) {
        return (struct cell_state){
                .profile = "dev",
                .port_dns = 5353,
                .zone = "mycell.cell",
                .service_ips = good_services,
                .n_service_ips = ELEMENTSOF(good_services),
                .dns_records = good_records,
                .n_dns_records = ELEMENTSOF(good_records),
                .dns_forwarders = good_forwarders,
                .n_dns_forwarders = ELEMENTSOF(good_forwarders),
                .unbound_dir = "/var/lib/pic/config/unbound",
                .unbound_control_socket = "/var/lib/pic/run/unbound/control.sock",
        };
}

/* Each renderer given st must refuse it and leave out alone. */
static void expect_refused(const char *what, const struct cell_state *st, bool conf, bool data) {
        struct buf out = BUF_INIT;
        assert_int_equal(buf_puts(&out, "before"), 0);
        int rc = render_unbound_conf(st, &out);
        int rd = render_unbound_local_data(st, &out);
        bool same = streq(buf_str(&out), "before");
        buf_release(&out);
        if (conf && rc != -EINVAL)
                fail_msg("%s: render_unbound_conf gave %d, not -EINVAL", what, rc);
        if (data && rd != -EINVAL)
                fail_msg("%s: render_unbound_local_data gave %d, not -EINVAL", what, rd);
        if (!conf && rc != 0)
                fail_msg("%s: render_unbound_conf gave %d, not 0", what, rc);
        if (!data && rd != 0)
                fail_msg("%s: render_unbound_local_data gave %d, not 0", what, rd);
        if (conf && data && !same)
                fail_msg("%s: the output buffer changed", what);
}

static void test_rejects(void **state) {
        (void)state;
        struct cell_state good = good_state();
        struct buf out[2] = {BUF_INIT, BUF_INIT};
        render_state("good", &good, out);
        assert_true(out[0].len > 0 && buf_str(&out[0])[out[0].len - 1] == '\n');
        assert_true(out[1].len > 0 && buf_str(&out[1])[out[1].len - 1] == '\n');
        release_pair(out);
        expect_refused("NULL", NULL, true, true);

        /* Both files. */
        static const char *const zones[] = {"", ".cell", "cell.", "a..cell", "my cell.cell", "my\"cell.cell",
                                            "a\n.cell"};
        for (size_t i = 0; i < ELEMENTSOF(zones); i++) {
                struct cell_state s = good;
                s.zone = zones[i];
                expect_refused(zones[i], &s, true, true);
        }
        struct cell_state s = good;
        s.zone = NULL;
        expect_refused("zone NULL", &s, true, true);

        /* unbound.conf. */
        static const char *const conf_what[] = {
                "port 0", "profile", "profile NULL", "dir relative", "dir quote", "dir backslash", "dir newline",
                "dir NULL", "socket quote", "socket too long",
        };
        struct cell_state bad[ELEMENTSOF(conf_what)];
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                bad[i] = good;
        bad[0].port_dns = 0;
        bad[1].profile = "prod";
        bad[2].profile = NULL;
        bad[3].unbound_dir = "var/unbound";
        bad[4].unbound_dir = "/var/un\"bound";
        bad[5].unbound_dir = "/var/un\\bound";
        bad[6].unbound_dir = "/var/un\nbound";
        bad[7].unbound_dir = NULL;
        bad[8].unbound_control_socket = "/run/\"x.sock";
        bad[9].unbound_control_socket = "/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock";
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_refused(conf_what[i], &bad[i], true, false);
        static const char *const bad_forwarders[] = {
                "", "localhost", "1.2.3.4@", "1.2.3.4@0", "1.2.3.4@65536", "1.2.3.4@53 ", "1.2.3.4@053",
                "1.2.3.4@53\nserver:", "1.2.3.4 ",
                "[::1]@53", "1.2.3.4@5@3",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_forwarders); i++) {
                const char *one[] = {bad_forwarders[i]};
                s = good;
                s.dns_forwarders = one;
                s.n_dns_forwarders = 1;
                expect_refused(bad_forwarders[i], &s, true, false);
        }
        /* A TLS name must be a name. */
        static const char *const bad_tls[] = {"1.2.3.4#", "1.2.3.4@853#a b", "1.2.3.4#dns..example",
                                              "1.2.3.4@853#dns'example", "1.2.3.4#dns.example#x"};
        for (size_t i = 0; i < ELEMENTSOF(bad_tls); i++) {
                const char *one[] = {bad_tls[i]};
                s = good;
                s.dns_forwarders = one;
                s.n_dns_forwarders = 1;
                s.dns_forward_tls = true;
                expect_refused(bad_tls[i], &s, true, false);
        }

        /* local-data.conf. */
        static const struct service_ip_view bad_services[][1] = {
                {{"web ui", "172.20.0.1"}}, {{"webui", "172.20.0.1 "}}, {{"webui", "webui"}},
                {{"web.ui", "172.20.0.1"}}, {{"@", "172.20.0.1"}},    {{"", "172.20.0.1"}},
                {{NULL, "172.20.0.1"}},    {{"webui", NULL}},          {{"web'ui", "172.20.0.1"}},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_services); i++) {
                s = good;
                s.service_ips = bad_services[i];
                s.n_service_ips = 1;
                char what[64];
                snprintf(what, sizeof what, "bad_services[%zu]", i);
                expect_refused(what, &s, false, true);
        }
        /* With the VPN, unbound.conf names the services in its views: a
         * name that is not one label is refused there too. */
        static const size_t bad_names[] = {0, 3, 4, 5, 6, 8};
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                s = good;
                s.wg_interface = "pic0";
                s.vpn_address = "10.0.0.1/24";
                s.service_ips = bad_services[bad_names[i]];
                s.n_service_ips = 1;
                char what[64];
                snprintf(what, sizeof what, "VPN, bad_services[%zu]", bad_names[i]);
                expect_refused(what, &s, true, true);
        }
        /* The VPN's address: a host of its subnet, at most /30. */
        static const char *const bad_vpn[] = {"10.0.0.0/24", "10.0.0.255/24", "10.0.0.1/31", "10.0.0.1",
                                              "10.0.0.1/24 ", "10.0.0.1/24\nserver:", ""};
        for (size_t i = 0; i <= ELEMENTSOF(bad_vpn); i++) {
                s = good;
                s.wg_interface = "pic0";
                s.vpn_address = i < ELEMENTSOF(bad_vpn) ? bad_vpn[i] : NULL;
                expect_refused(s.vpn_address ? s.vpn_address : "vpn_address NULL", &s, true, false);
        }
        /* A peer's services must be there when it says it has some. */
        struct wg_peer_view no_services = {.name = "p", .ip = "10.0.0.2", .n_services = 1, .enabled = true};
        s = good;
        s.wg_interface = "pic0";
        s.vpn_address = "10.0.0.1/24";
        s.wg_peers = &no_services;
        s.n_wg_peers = 1;
        expect_refused("peer services NULL", &s, true, false);
        s.wg_peers = NULL;
        expect_refused("wg_peers NULL", &s, true, false);
        static const struct dns_record_view bad_records[][1] = {
                {{.name = "www", .type = "A", .value = "1.2.3.4\n", .ttl = 1}},
                {{.name = "www", .type = "A", .value = "::1", .ttl = 1}},
                {{.name = "www", .type = "AAAA", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "www", .type = "a", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "www", .type = "NS", .value = "ns", .ttl = 1}},
                {{.name = "www", .type = NULL, .value = "ns", .ttl = 1}},
                {{.name = "www.", .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "w'w", .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "w w", .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "", .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = NULL, .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "a..b", .type = "A", .value = "1.2.3.4", .ttl = 1}},
                {{.name = "www", .type = "CNAME", .value = "a b", .ttl = 1}},
                {{.name = "www", .type = "CNAME", .value = "x'", .ttl = 1}},
                {{.name = "www", .type = "CNAME", .value = "", .ttl = 1}},
                {{.name = "www", .type = "CNAME", .value = "..", .ttl = 1}},
                {{.name = "www", .type = "MX", .value = "mail\n", .ttl = 1}},
                {{.name = "www", .type = "SRV", .value = "x\"y.", .ttl = 1}},
                {{.name = "www", .type = "TXT", .value = "two\nlines", .ttl = 1}},
                {{.name = "www", .type = "TXT", .value = "cr\r", .ttl = 1}},
                {{.name = "www", .type = "TXT", .value = NULL, .ttl = 1}},
                /* 64-byte label */
                {{.name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .type = "A",
                  .value = "1.2.3.4", .ttl = 1}},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_records); i++) {
                s = good;
                s.dns_records = bad_records[i];
                s.n_dns_records = 1;
                char what[64];
                snprintf(what, sizeof what, "bad_records[%zu]", i);
                expect_refused(what, &s, false, true);
        }

        /* Peers and LAN hosts: one label each, an address, nothing else. */
        static const char *const bad_labels[] = {"a\nb", "a'b", "a\"b", "a b", "a.b", "a,b", "-a", "A", "",
                                                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
        for (size_t i = 0; i < ELEMENTSOF(bad_labels) + 1; i++) {
                const char *label = i < ELEMENTSOF(bad_labels) ? bad_labels[i] : NULL;
                struct peer_name_view peer = {label, "10.0.0.2"};
                struct dhcp_reservation_view res = {"02:00:00:00:00:01", "192.168.1.2", label};
                struct dhcp_lease_view lease = {"02:00:00:00:00:01", "192.168.1.2", label};
                s = good;
                s.peers = &peer;
                s.n_peers = 1;
                /* An empty name is no name for a DHCP host, but a peer has one. */
                expect_refused(label ? label : "peer NULL", &s, false, true);
                if (label && !label[0])
                        continue;
                s = good;
                s.dhcp_reservations = &res;
                s.n_dhcp_reservations = 1;
                expect_refused(label ? label : "reservation NULL", &s, false, true);
                s = good;
                s.dhcp_leases = &lease;
                s.n_dhcp_leases = 1;
                expect_refused(label ? label : "lease NULL", &s, false, true);
        }
        static const char *const bad_ips[] = {"10.0.0.2\n", "10.0.0.2 ", "10.0.0", "host", "", NULL};
        for (size_t i = 0; i < ELEMENTSOF(bad_ips); i++) {
                struct peer_name_view peer = {"alice", bad_ips[i]};
                struct dhcp_reservation_view res = {"02:00:00:00:00:01", bad_ips[i], "nas"};
                struct dhcp_lease_view lease = {"02:00:00:00:00:01", bad_ips[i], "laptop"};
                s = good;
                s.peers = &peer;
                s.n_peers = 1;
                expect_refused("peer ip", &s, false, true);
                s = good;
                s.dhcp_reservations = &res;
                s.n_dhcp_reservations = 1;
                expect_refused("reservation ip", &s, false, true);
                s = good;
                s.dhcp_leases = &lease;
                s.n_dhcp_leases = 1;
                expect_refused("lease ip", &s, false, true);
        }
        s = good;
        s.n_peers = 1;
        expect_refused("peers NULL", &s, false, true);
        s = good;
        s.n_dhcp_leases = 1;
        expect_refused("leases NULL", &s, false, true);
        /* A label that is fine, under a zone of 241 bytes: 254 without the
         * final dot, one past the limit. */
        static const char *const long_zone = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
                                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
                                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
                                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        struct peer_name_view long_peer = {"abcdef", "10.0.0.2"};
        s = good;
        s.zone = long_zone;
        s.n_service_ips = 0;
        s.n_dns_records = 0;
        render_state("long zone", &s, out);
        release_pair(out);
        s.peers = &long_peer;
        s.n_peers = 1;
        expect_refused("peer name of 254 bytes", &s, false, true);
        /* Nameless DHCP hosts are not served, and their address is not read. */
        struct dhcp_lease_view nameless = {"02:00:00:00:00:01", "not an address", ""};
        s = good;
        s.dhcp_leases = &nameless;
        s.n_dhcp_leases = 1;
        render_state("nameless lease", &s, out);
        assert_null(strstr(buf_str(&out[1]), ".lan."));
        release_pair(out);

        /* A TXT past what one record can hold (250 strings of 255 bytes). */
        _cleanup_free_ char *huge = malloc(255 * 250 + 2);
        assert_non_null(huge);
        memset(huge, 'x', 255 * 250 + 1);
        huge[255 * 250 + 1] = 0;
        struct dns_record_view huge_txt = {.name = "big", .type = "TXT", .value = huge, .ttl = 60};
        s = good;
        s.dns_records = &huge_txt;
        s.n_dns_records = 1;
        expect_refused("TXT too long", &s, false, true);
        huge[255 * 250] = 0;
        render_state("TXT at the limit", &s, out);
        release_pair(out);

        /* Edges that are fine: an empty TXT, the root as SRV target ("no
         * such service"), a TLS forwarder without a port gets 853, and
         * without TLS a forwarder's TLS name is rendered as it is (Unbound
         * ignores it then). */
        static const struct dns_record_view edge_records[] = {
                {.name = "_imap._tcp", .type = "SRV", .value = ".", .ttl = 60},
                {.name = "empty", .type = "TXT", .value = "", .ttl = 60},
                {.name = "apex", .type = "CNAME", .value = "@", .ttl = 60},
        };
        static const char *const tls_forwarders[] = {"9.9.9.9", "9.9.9.9#dns.quad9.net", "1.1.1.1@8853"};
        s = good;
        s.dns_records = edge_records;
        s.n_dns_records = ELEMENTSOF(edge_records);
        s.dns_forwarders = tls_forwarders;
        s.n_dns_forwarders = ELEMENTSOF(tls_forwarders);
        s.dns_forward_tls = true;
        render_state("edges", &s, out);
        assert_non_null(strstr(buf_str(&out[0]), "forward-addr: 9.9.9.9@853\n"));
        assert_non_null(strstr(buf_str(&out[0]), "forward-addr: 9.9.9.9#dns.quad9.net\n"));
        assert_non_null(strstr(buf_str(&out[0]), "forward-addr: 1.1.1.1@8853\n"));
        assert_non_null(strstr(buf_str(&out[1]), "'_imap._tcp.mycell.cell. 60 IN SRV 0 0 0 .'\n"));
        assert_non_null(strstr(buf_str(&out[1]), "'empty.mycell.cell. 60 IN TXT \"\"'\n"));
        assert_non_null(strstr(buf_str(&out[1]), "'apex.mycell.cell. 60 IN CNAME mycell.cell.'\n"));
        release_pair(out);

        s.dns_forward_tls = false;
        render_state("edges without TLS", &s, out);
        assert_non_null(strstr(buf_str(&out[0]), "forward-addr: 9.9.9.9\n"));
        assert_non_null(strstr(buf_str(&out[0]), "forward-addr: 9.9.9.9#dns.quad9.net\n"));
        assert_null(strstr(buf_str(&out[0]), "tls"));
        release_pair(out);
}

/* ---- a live Unbound ---- */

struct live {
        char *dir;
        pid_t pid;
        uint16_t port;
        char *conf;
};



static int live_teardown(void **state) {
        struct live *l = *state;
        if (!l)
                return 0;
        test_daemon_stop(l->pid);
        free(l->conf);
        test_rmdir(l->dir);
        free(l);
        return 0;
}

static bool unbound_answers(void *userdata) {
        struct live *l = userdata;
        char *const argv[] = {CONTROL_BIN, "-c", l->conf, "status", NULL};
        _cleanup_free_ char *output = NULL;
        return run_in(l->dir, argv, &output) == 0;
}

/* Unbound from the records case on a free loopback port, no forwarders,
 * its output in DIR/unbound.log; ready once unbound-control answers. */
static int live_setup(void **state) {
        struct live *l = calloc(1, sizeof *l);
        assert_non_null(l);
        *state = l;
        l->dir = test_tmpdir();
        l->port = test_free_port();

        _cleanup_free_ char *case_dir = test_path(GOLDEN_DIR "/unbound", "records");
        struct loaded_state ls;
        load_state(case_dir, &ls);
        struct cell_state st = ls.st;
        st.profile = "dev";
        st.port_dns = l->port;
        st.n_dns_forwarders = 0;
        l->conf = write_pair("records", st, l->dir);
        loaded_state_release(&ls);

        _cleanup_free_ char *log = test_path(l->dir, "unbound.log");
        char *const argv[] = {UNBOUND_BIN, "-d", "-c", l->conf, NULL};
        l->pid = test_daemon_start(argv, log);
        test_daemon_wait_ready(&l->pid, log, "unbound", START_TIMEOUT_MS, unbound_answers, l);
        return 0;
}

/* dig's answer section for name/type (+short), as text. */
static char *dig(const struct live *l, const char *name, const char *type, bool brief) {
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)l->port);
        char *const argv_short[] = {DIG_BIN, "@127.0.0.1", "-p", port, "+time=3", "+tries=2", "+short",
                                    (char *)name, (char *)type, NULL};
        char *const argv_full[] = {DIG_BIN, "@127.0.0.1", "-p", port, "+time=3", "+tries=2", "+noall", "+comments",
                                   (char *)name, (char *)type, NULL};
        char *output = NULL;
        int code = run_in(l->dir, brief ? argv_short : argv_full, &output);
        if (code != 0)
                fail_msg("dig %s %s exited with %d: %s", name, type, code, output ? output : "");
        return output;
}

/* The bytes of a TXT RR as dig presents it: "..." "..." with \X and \DDD. */
static char *txt_bytes(const char *s, size_t *ret_len) {
        struct buf b = BUF_INIT;
        const char *p = s;
        for (;;) {
                while (*p == ' ')
                        p++;
                if (*p == '\n' || !*p)
                        break;
                if (*p != '"')
                        fail_msg("unexpected dig output: %s", s);
                for (p++; *p != '"'; p++) {
                        if (!*p)
                                fail_msg("unterminated string in dig output: %s", s);
                        char c = *p;
                        if (c == '\\' && p[1] >= '0' && p[1] <= '9') {
                                c = (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
                                p += 3;
                        } else if (c == '\\')
                                c = *++p;
                        assert_int_equal(buf_append(&b, &c, 1), 0);
                }
                p++;
        }
        *ret_len = b.len;
        return buf_steal(&b);
}

static const struct dns_record_view *find_record(const struct loaded_state *ls, const char *name, const char *type) {
        for (unsigned i = 0; i < ls->st.n_dns_records; i++)
                if (streq(ls->records[i].name, name) && streq(ls->records[i].type, type))
                        return &ls->records[i];
        fail_msg("the records case has no %s %s", name, type);
        return NULL;
}

static void test_live(void **state) {
        struct live *l = *state;
        _cleanup_free_ char *case_dir = test_path(GOLDEN_DIR "/unbound", "records");
        struct loaded_state ls;
        load_state(case_dir, &ls);
        const char *zone = ls.st.zone;

        /* Every TXT record, byte for byte (the quote, the backslash, the
         * string longer than 255 bytes). */
        unsigned txts = 0;
        for (unsigned i = 0; i < ls.st.n_dns_records; i++) {
                const struct dns_record_view *r = &ls.records[i];
                if (!streq(r->type, "TXT"))
                        continue;
                _cleanup_free_ char *fqdn = NULL;
                if (streq(r->name, "@"))
                        assert_true(asprintf(&fqdn, "%s.", zone) > 0);
                else
                        assert_true(asprintf(&fqdn, "%s.%s.", r->name, zone) > 0);
                _cleanup_free_ char *answer = dig(l, fqdn, "TXT", true);
                size_t len = 0;
                _cleanup_free_ char *got = txt_bytes(answer, &len);
                if (len != strlen(r->value) || memcmp(got, r->value, len) != 0)
                        fail_msg("TXT %s: dig gave %s, not the %zu bytes stored", fqdn, answer, strlen(r->value));
                txts++;
        }
        assert_true(txts >= 2);

        /* MX at the apex and SRV, with their relative targets completed. */
        const struct dns_record_view *mx = find_record(&ls, "@", "MX");
        _cleanup_free_ char *apex = NULL, *want_mx = NULL;
        assert_true(asprintf(&apex, "%s.", zone) > 0);
        assert_true(asprintf(&want_mx, "%u %s.%s.\n", (unsigned)mx->priority, mx->value, zone) > 0);
        _cleanup_free_ char *got_mx = dig(l, apex, "MX", true);
        assert_string_equal(got_mx, want_mx);

        /* A name the zone does not hold: NXDOMAIN, not forwarded. */
        _cleanup_free_ char *nx_name = NULL;
        assert_true(asprintf(&nx_name, "nosuch.%s.", zone) > 0);
        _cleanup_free_ char *nx = dig(l, nx_name, "A", false);
        if (!strstr(nx, "status: NXDOMAIN"))
                fail_msg("nosuch: %s", nx);

        /* A record added to the running server. */
        _cleanup_free_ char *rr = NULL, *x_name = NULL;
        assert_true(asprintf(&x_name, "x.%s.", zone) > 0);
        assert_true(asprintf(&rr, "%s 60 IN A 10.9.9.9", x_name) > 0);
        char *const add[] = {CONTROL_BIN, "-c", l->conf, "local_data", rr, NULL};
        _cleanup_free_ char *ok = NULL;
        assert_int_equal(run_in(l->dir, add, &ok), 0);
        assert_string_equal(ok, "ok\n");
        _cleanup_free_ char *got_x = dig(l, x_name, "A", true);
        assert_string_equal(got_x, "10.9.9.9\n");

        loaded_state_release(&ls);
}

/* ---- main ---- */

static int is_case_dir(const struct dirent *d) {
        return d->d_name[0] != '.';
}

int main(void) {
        const char *root = GOLDEN_DIR "/unbound";
        /* Without the programs their tests are not registered at all: cmocka
         * 1.1.5 reports skip() as "not ok # SKIP", which meson's TAP parser
         * counts as a failure. */
        bool have_checkconf = access(CHECKCONF_BIN, X_OK) == 0;
        bool have_live = access(UNBOUND_BIN, X_OK) == 0 && access(CONTROL_BIN, X_OK) == 0 && access(DIG_BIN, X_OK) == 0;
        if (!have_checkconf)
                printf("# %s not installed: skipping unbound-checkconf\n", CHECKCONF_BIN);
        if (!have_live)
                printf("# unbound, unbound-control or dig not installed: skipping the live test\n");

        struct dirent **entries = NULL;
        int n = scandir(root, &entries, is_case_dir, alphasort);
        if (n < 0) {
                fprintf(stderr, "cannot list %s: %s\n", root, strerror(errno));
                return 1;
        }
        struct golden_case *cases = calloc(n ? n : 1, sizeof *cases);
        struct CMUnitTest *tests = calloc(3 * n + 2, sizeof *tests);
        char **names = calloc(3 * n + 2, sizeof *names);
        if (!cases || !tests || !names)
                return 1;
        size_t nt = 0, nc = 0;
        for (int i = 0; i < n; i++) {
                struct golden_case *c = &cases[nc];
                if (asprintf(&c->dir, "%s/%s", root, entries[i]->d_name) < 0)
                        return 1;
                struct stat sb;
                if (stat(c->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
                        free(c->dir);
                        continue;
                }
                c->name = entries[i]->d_name;
                nc++;
                static const struct {
                        const char *prefix;
                        CMUnitTestFunction fn;
                } kinds[] = {{"golden", test_golden}, {"twice", test_twice}, {"checkconf", test_checkconf}};
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if (kinds[k].fn == test_checkconf && !have_checkconf)
                                continue;
                        if (asprintf(&names[nt], "unbound_%s_%s", kinds[k].prefix, c->name) < 0)
                                return 1;
                        tests[nt] = (struct CMUnitTest){
                                .name = names[nt], .test_func = kinds[k].fn, .initial_state = c};
                        nt++;
                }
        }
        if (nc == 0) {
                fprintf(stderr, "no golden cases under %s\n", root);
                return 1;
        }
        size_t first_fixed = nt;
        tests[nt++] = (struct CMUnitTest){.name = "unbound_rejects", .test_func = test_rejects};
        if (have_live)
                tests[nt++] = (struct CMUnitTest){.name = "unbound_live",
                                                  .test_func = test_live,
                                                  .setup_func = live_setup,
                                                  .teardown_func = live_teardown};

        int failed = _cmocka_run_group_tests("render_unbound", tests, nt, NULL, NULL);

        for (size_t i = 0; i < first_fixed; i++)
                free(names[i]);
        for (size_t i = 0; i < nc; i++)
                free(cases[i].dir);
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        free(names);
        free(tests);
        free(cases);
        return failed;
}
