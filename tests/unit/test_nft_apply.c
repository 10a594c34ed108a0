/* nft_element_delta on tables as render_nftables writes them: a change of
 * peers' access is a list of element statements and nothing else, even
 * when a set gets its first element or loses its last (the render then
 * adds or drops the set's `elements = {` block); a change of the rules
 * (peer_to_peer, the uplink) is said to be one, and gives no elements. */
#include "testutil.h"

#include <errno.h>

#include "common/buf.h"
#include "render/render.h"
#include "services/nft_apply.h"

struct fixture {
        struct service_ip_view ips[3];
        const char *services[2][2];
        struct wg_peer_view peers[2];
        struct cell_state st;
};

static void fixture_init(struct fixture *f) {
        *f = (struct fixture){
                .ips = {{"webui", "172.20.0.1"}, {"dns", "172.20.0.2"}, {"files", "172.20.0.3"}},
                .services = {{"webui", "dns"}, {"files", "dns"}},
                .peers = {{.name = "alpha", .ip = "10.0.0.2", .enabled = true, .full_tunnel = true},
                          {.name = "bravo", .ip = "10.0.0.3", .enabled = true}},
        };
        for (size_t i = 0; i < ELEMENTSOF(f->peers); i++) {
                f->peers[i].services = f->services[i];
                f->peers[i].n_services = ELEMENTSOF(f->services[i]);
        }
        f->st = (struct cell_state){
                .profile = "system",
                .port_dns = 53,
                .port_ntp = 123,
                .service_ips = f->ips,
                .n_service_ips = ELEMENTSOF(f->ips),
                .wg_interface = "pic0",
                .vpn_address = "10.0.0.1/24",
                .ip_range = "172.20.0.0/24",
                .uplink = "eth0",
                .wg_peers = f->peers,
                .n_wg_peers = ELEMENTSOF(f->peers),
        };
}

static char *render(const struct fixture *f) {
        struct buf b = BUF_INIT;
        assert_int_equal(render_nftables(&f->st, &b), 0);
        return buf_steal(&b);
}

/* The delta from a to b, which must be elements only; "" when none. */
static char *elements_delta(const struct fixture *a, const struct fixture *b) {
        _cleanup_free_ char *old = render(a), *new = render(b);
        struct buf delta = BUF_INIT;
        buf_init(&delta, 1 << 20);
        bool rules_differ = true;
        assert_int_equal(nft_element_delta(old, new, &delta, &rules_differ), 0);
        if (rules_differ)
                fail_msg("the rules differ between\n%s\nand\n%s", old, new);
        return buf_steal(&delta);
}

static void test_nothing_changed(void **state) {
        (void)state;
        struct fixture f;
        fixture_init(&f);
        _cleanup_free_ char *d = elements_delta(&f, &f);
        assert_string_equal(d, "");
}

static void test_a_service_more_and_one_less(void **state) {
        (void)state;
        struct fixture a, b;
        fixture_init(&a);
        fixture_init(&b);
        b.services[1][0] = "webui";
        _cleanup_free_ char *d = elements_delta(&a, &b);
        assert_string_equal(d, "delete element inet pic peer_service { 10.0.0.3 . 172.20.0.3 }\n"
                               "add element inet pic peer_service { 10.0.0.3 . 172.20.0.1 }\n");
}

/* alpha is the only full-tunnel peer: the set empties and fills again. */
static void test_a_sets_last_element_and_first(void **state) {
        (void)state;
        struct fixture a, b;
        fixture_init(&a);
        fixture_init(&b);
        b.peers[0].full_tunnel = false;
        _cleanup_free_ char *gone = elements_delta(&a, &b);
        assert_string_equal(gone, "delete element inet pic full_tunnel { 10.0.0.2 }\n");
        _cleanup_free_ char *back = elements_delta(&b, &a);
        assert_string_equal(back, "add element inet pic full_tunnel { 10.0.0.2 }\n");
}

/* No peer at all, then the first: both sets from nothing. */
static void test_the_first_peer(void **state) {
        (void)state;
        struct fixture a, b;
        fixture_init(&a);
        fixture_init(&b);
        a.st.n_wg_peers = 0;
        b.st.n_wg_peers = 1;
        _cleanup_free_ char *d = elements_delta(&a, &b);
        assert_string_equal(d, "add element inet pic full_tunnel { 10.0.0.2 }\n"
                               "add element inet pic peer_service { 10.0.0.2 . 172.20.0.1 }\n"
                               "add element inet pic peer_service { 10.0.0.2 . 172.20.0.2 }\n");
}

static void expect_rules_differ(const struct fixture *a, const struct fixture *b, const char *what) {
        _cleanup_free_ char *old = render(a), *new = render(b);
        struct buf delta = BUF_INIT;
        buf_init(&delta, 1 << 20);
        bool rules_differ = false;
        assert_int_equal(nft_element_delta(old, new, &delta, &rules_differ), 0);
        if (!rules_differ || delta.len)
                fail_msg("%s: rules_differ %d, delta '%s'", what, rules_differ, buf_str(&delta));
        buf_release(&delta);
}

static void test_rule_changes_are_not_elements(void **state) {
        (void)state;
        struct fixture a, b;
        fixture_init(&a);
        fixture_init(&b);
        b.st.peer_to_peer = true;
        expect_rules_differ(&a, &b, "peer_to_peer on");
        fixture_init(&b);
        b.st.uplink = "";
        expect_rules_differ(&a, &b, "no uplink");
        fixture_init(&b);
        b.st.uplink = "eth1";
        expect_rules_differ(&a, &b, "another uplink");
        /* A rule change with an element change: the whole table. */
        b.peers[0].full_tunnel = false;
        expect_rules_differ(&a, &b, "another uplink and an element");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nothing_changed),
                cmocka_unit_test(test_a_service_more_and_one_less),
                cmocka_unit_test(test_a_sets_last_element_and_first),
                cmocka_unit_test(test_the_first_peer),
                cmocka_unit_test(test_rule_changes_are_not_elements),
        };
        return cmocka_run_group_tests_name("nft_apply", tests, NULL, NULL);
}
