/* dnsmasq's and chrony's renderers refuse what their files cannot carry:
 * every string field, with a newline, a comma, a quote or another
 * character outside its grammar put in, makes the renderer that writes it
 * return -EINVAL and leave the output buffer alone; so do values of good
 * characters that break their grammar, and numbers out of range. */
#include "testutil.h"

#include <errno.h>
#include <stddef.h>

#include "common/buf.h"
#include "render/render.h"

typedef int (*render_fn)(const struct cell_state *st, struct buf *out);

static const struct dhcp_reservation_view good_reservations[] = {
        {"02:00:00:00:00:01", "192.168.1.10", "nas"},
        {"02:00:00:00:00:02", "192.168.1.11", ""},
};
static const char *const good_servers[] = {"pool.ntp.org", "192.0.2.1"};
static const char *const good_allow[] = {"172.16.0.0/12"};

static struct cell_state good_state(void) {
        return (struct cell_state){
                .profile = "system",
                .zone = "home.cell",
                .dhcp_enabled = true,
                .port_dhcp = 67,
                .dhcp_interface = "eth1",
                .dhcp_range_start = "192.168.1.100",
                .dhcp_range_end = "192.168.1.200",
                .dhcp_netmask = "255.255.255.0",
                .dhcp_router = "192.168.1.1",
                .dhcp_dns_server = "192.168.1.2",
                .dhcp_lease_seconds = 43200,
                .dhcp_reservations = good_reservations,
                .n_dhcp_reservations = ELEMENTSOF(good_reservations),
                .dnsmasq_dir = "/var/lib/pic/config/dnsmasq",
                .dnsmasq_lease_file = "/var/lib/pic/data/dnsmasq/leases",
                .dnsmasq_user = "pic",
                .port_ntp = 123,
                .ntp_servers = good_servers,
                .n_ntp_servers = ELEMENTSOF(good_servers),
                .ntp_local_stratum = 10,
                .ntp_allow = good_allow,
                .n_ntp_allow = ELEMENTSOF(good_allow),
                .vpn_subnet = "10.0.0.0/24",
                .lan_subnet = "192.168.1.0/24",
                .chrony_dir = "/var/lib/pic/config/chrony",
                .chrony_socket = "/var/lib/pic/run/chrony/chronyd.sock",
                .chrony_pid_file = "/var/lib/pic/run/chrony/chronyd.pid",
                .chrony_drift_file = "/var/lib/pic/data/chrony/drift",
        };
}

/* render must refuse st with -EINVAL and leave out as it was. */
static void expect_refused(render_fn render, const char *fn, const char *what, const struct cell_state *st) {
        struct buf out = BUF_INIT;
        assert_int_equal(buf_puts(&out, "before"), 0);
        int r = render(st, &out);
        bool same = streq(buf_str(&out), "before");
        buf_release(&out);
        if (r != -EINVAL)
                fail_msg("%s: %s gave %d, not -EINVAL", what, fn, r);
        if (!same)
                fail_msg("%s: %s changed the output buffer", what, fn);
}

#define REFUSED(render, what, st) expect_refused(render, #render, what, st)

/* A string field of the state, and the renderer that writes it. */
struct field_ref {
        render_fn render;
        const char *fn;
        const char *field;
        size_t offset;
};

#define STR_FIELD(renderer, field) {renderer, #renderer, #field, offsetof(struct cell_state, field)}

static const struct field_ref str_fields[] = {
        STR_FIELD(render_dnsmasq_conf, zone),
        STR_FIELD(render_dnsmasq_conf, dhcp_interface),
        STR_FIELD(render_dnsmasq_conf, dhcp_range_start),
        STR_FIELD(render_dnsmasq_conf, dhcp_range_end),
        STR_FIELD(render_dnsmasq_conf, dhcp_netmask),
        STR_FIELD(render_dnsmasq_conf, dhcp_router),
        STR_FIELD(render_dnsmasq_conf, dhcp_dns_server),
        STR_FIELD(render_dnsmasq_conf, dnsmasq_dir),
        STR_FIELD(render_dnsmasq_conf, dnsmasq_lease_file),
        STR_FIELD(render_dnsmasq_conf, dnsmasq_user),
        STR_FIELD(render_chrony_conf, profile),
        STR_FIELD(render_chrony_conf, vpn_subnet),
        STR_FIELD(render_chrony_conf, lan_subnet),
        STR_FIELD(render_chrony_conf, chrony_dir),
        STR_FIELD(render_chrony_conf, chrony_socket),
        STR_FIELD(render_chrony_conf, chrony_pid_file),
        STR_FIELD(render_chrony_conf, chrony_drift_file),
};

/* What a config line must never carry, each put at the end of a good value
 * and after its first character. */
static const char *const injections[] = {"\n", "\r", "\t", ",", "\"", "'", " ", "#", "\\"};

/* good with one character inserted at pos. */
static char *inject(const char *good, size_t pos, const char *what) {
        char *s;
        assert_true(asprintf(&s, "%.*s%s%s", (int)pos, good, what, good + pos) > 0);
        return s;
}

static void refuse_each_injection(const char *good, const char *fn, const char *field,
                                  void (*set)(struct cell_state *st, const char *value, void *userdata),
                                  render_fn render, void *userdata) {
        for (size_t i = 0; i < ELEMENTSOF(injections); i++)
                for (size_t pos = 0; pos < 2; pos++) {
                        _cleanup_free_ char *bad = inject(good, pos ? 1 : strlen(good), injections[i]);
                        struct cell_state st = good_state();
                        set(&st, bad, userdata);
                        char what[96];
                        snprintf(what, sizeof what, "%s with %#x at %s", field, (unsigned)injections[i][0],
                                 pos ? "1" : "the end");
                        expect_refused(render, fn, what, &st);
                }
        struct cell_state st = good_state();
        set(&st, NULL, userdata);
        char what[96];
        snprintf(what, sizeof what, "%s NULL", field);
        expect_refused(render, fn, what, &st);
}

static void set_at_offset(struct cell_state *st, const char *value, void *userdata) {
        memcpy((char *)st + *(const size_t *)userdata, &value, sizeof value);
}

/* The arrays: a copy of the good one with one element replaced. */
static struct dhcp_reservation_view res_copy[ELEMENTSOF(good_reservations)];
static const char *servers_copy[ELEMENTSOF(good_servers)];
static const char *allow_copy[ELEMENTSOF(good_allow)];

static void set_reservation(struct cell_state *st, const char *value, void *userdata) {
        memcpy(res_copy, good_reservations, sizeof res_copy);
        const char *which = userdata;
        if (streq(which, "mac"))
                res_copy[0].mac = value;
        else if (streq(which, "ip"))
                res_copy[0].ip = value;
        else
                res_copy[0].name = value;
        st->dhcp_reservations = res_copy;
}

static void set_server(struct cell_state *st, const char *value, void *userdata) {
        (void)userdata;
        memcpy(servers_copy, good_servers, sizeof servers_copy);
        servers_copy[1] = value;
        st->ntp_servers = servers_copy;
}

static void set_allow(struct cell_state *st, const char *value, void *userdata) {
        (void)userdata;
        allow_copy[0] = value;
        st->ntp_allow = allow_copy;
}

static void test_rejects_injection(void **state) {
        (void)state;
        struct cell_state good = good_state();
        /* The good state itself renders. */
        static const render_fn all[] = {render_dnsmasq_conf, render_dnsmasq_reservations, render_chrony_conf};
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                struct buf out = BUF_INIT;
                assert_int_equal(all[i](&good, &out), 0);
                buf_release(&out);
        }

        for (size_t i = 0; i < ELEMENTSOF(str_fields); i++) {
                const char *value;
                memcpy(&value, (const char *)&good + str_fields[i].offset, sizeof value);
                refuse_each_injection(value, str_fields[i].fn, str_fields[i].field, set_at_offset,
                                      str_fields[i].render, (void *)&str_fields[i].offset);
        }
        refuse_each_injection("02:00:00:00:00:01", "render_dnsmasq_reservations", "reservation mac", set_reservation,
                              render_dnsmasq_reservations, "mac");
        refuse_each_injection("192.168.1.10", "render_dnsmasq_reservations", "reservation ip", set_reservation,
                              render_dnsmasq_reservations, "ip");
        refuse_each_injection("nas", "render_dnsmasq_reservations", "reservation name", set_reservation,
                              render_dnsmasq_reservations, "name");
        refuse_each_injection("192.0.2.1", "render_chrony_conf", "ntp server", set_server, render_chrony_conf, NULL);
        refuse_each_injection("172.16.0.0/12", "render_chrony_conf", "ntp allow", set_allow, render_chrony_conf,
                              NULL);
}

#define BAD_VALUE(renderer, field, value) {STR_FIELD(renderer, field), value}

/* Values of good characters that break their field's grammar. */
static const struct {
        struct field_ref ref;
        const char *value;
} bad_values[] = {
        BAD_VALUE(render_dnsmasq_conf, zone, "home..cell"),
        BAD_VALUE(render_dnsmasq_conf, dhcp_netmask, "255.0.255.0"),
        BAD_VALUE(render_dnsmasq_conf, dhcp_netmask, "0.0.0.0"),
        BAD_VALUE(render_dnsmasq_conf, dhcp_interface, "a-sixteen-chars0"),
        BAD_VALUE(render_dnsmasq_conf, dhcp_interface, ""),
        BAD_VALUE(render_dnsmasq_conf, dhcp_range_start, ""),
        BAD_VALUE(render_dnsmasq_conf, dhcp_range_end, "192.168.1.256"),
        BAD_VALUE(render_dnsmasq_conf, dhcp_router, "192.168.01.1"),
        BAD_VALUE(render_dnsmasq_conf, dnsmasq_dir, "var/lib/pic"),
        BAD_VALUE(render_dnsmasq_conf, dnsmasq_user, "Pic"),
        BAD_VALUE(render_chrony_conf, profile, "prod"),
        BAD_VALUE(render_chrony_conf, vpn_subnet, ""),
        BAD_VALUE(render_chrony_conf, vpn_subnet, "10.0.0.0/33"),
        BAD_VALUE(render_chrony_conf, vpn_subnet, "10.0.0.0"),
        BAD_VALUE(render_chrony_conf, lan_subnet, "::1/128"),
        BAD_VALUE(render_chrony_conf, lan_subnet, "10.0.0.0/024"),
        BAD_VALUE(render_chrony_conf, chrony_pid_file, "run/chronyd.pid"),
        /* Longer than a unix socket's path can be. */
        BAD_VALUE(render_chrony_conf, chrony_socket,
                  "/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                  "aaaaaaaaaaaaaaaaaaaaaa.sock"),
};

/* Values that pass a character test but not their grammar, numbers out of
 * range, and arrays missing. */
static void test_rejects_values(void **state) {
        (void)state;
        struct cell_state st;
        for (size_t i = 0; i < ELEMENTSOF(bad_values); i++) {
                st = good_state();
                set_at_offset(&st, bad_values[i].value, (void *)&bad_values[i].ref.offset);
                expect_refused(bad_values[i].ref.render, bad_values[i].ref.fn, bad_values[i].value, &st);
        }
        /* Names dnsmasq would read as a keyword or a lease time, and no
         * labels. */
        static const char *const names[] = {"ignore", "infinite", "12", "12h", "3w", "Nas", "-nas"};
        st = good_state();
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                set_reservation(&st, names[i], "name");
                REFUSED(render_dnsmasq_reservations, names[i], &st);
        }
        static const char *const macs[] = {"02:00:00:00:00", "02:00:00:00:00:0g", "02-00-00-00-00-01"};
        for (size_t i = 0; i < ELEMENTSOF(macs); i++) {
                set_reservation(&st, macs[i], "mac");
                REFUSED(render_dnsmasq_reservations, macs[i], &st);
        }
        static const char *const servers[] = {"-pool.ntp.org", "pool..ntp.org", "pool.ntp.org.", "1.2.3.4.5"};
        st = good_state();
        for (size_t i = 0; i < ELEMENTSOF(servers); i++) {
                set_server(&st, servers[i], NULL);
                REFUSED(render_chrony_conf, servers[i], &st);
        }
        st = good_state();
        set_allow(&st, "10.0.0.0/33", NULL);
        REFUSED(render_chrony_conf, "allow /33", &st);

        st = good_state();
        st.dhcp_lease_seconds = 119;
        REFUSED(render_dnsmasq_conf, "lease of 119 s", &st);
        st.dhcp_lease_seconds = 31536001;
        REFUSED(render_dnsmasq_conf, "lease past a year", &st);
        st = good_state();
        st.ntp_local_stratum = 16;
        REFUSED(render_chrony_conf, "stratum 16", &st);
        st = good_state();
        st.port_ntp = 0;
        REFUSED(render_chrony_conf, "port 0", &st);
        st = good_state();
        st.dhcp_reservations = NULL;
        st.ntp_servers = NULL;
        REFUSED(render_dnsmasq_reservations, "reservations NULL", &st);
        REFUSED(render_chrony_conf, "servers NULL", &st);
        REFUSED(render_dnsmasq_conf, "NULL state", NULL);
        REFUSED(render_dnsmasq_reservations, "NULL state", NULL);
        REFUSED(render_chrony_conf, "NULL state", NULL);

        /* Off, nothing of the DHCP settings is read. */
        st = (struct cell_state){.dhcp_enabled = false};
        struct buf out = BUF_INIT;
        assert_int_equal(render_dnsmasq_conf(&st, &out), 0);
        assert_non_null(strstr(buf_str(&out), "port=0\n"));
        buf_release(&out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rejects_injection),
                cmocka_unit_test(test_rejects_values),
        };
        return cmocka_run_group_tests_name("render_network_rejects", tests, NULL, NULL);
}
