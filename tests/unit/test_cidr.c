/* IPv4 and CIDR: strict parsing (the grammar is the first defence against
 * config injection), and the arithmetic the cell's address plan relies on. */
#include "testutil.h"

#include <errno.h>

#include "common/cidr.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct cidr4 C(const char *s) {
        struct cidr4 c;
        if (cidr4_parse(s, &c) < 0)
                fail_msg("cidr4_parse('%s') failed", s);
        return c;
}

static void test_ipv4_parse_ok(void **state) {
        (void)state;
        static const struct {
                const char *text;
                uint32_t addr;
        } ok[] = {
                {"0.0.0.0", 0},
                {"1.2.3.4", IP(1, 2, 3, 4)},
                {"10.0.0.1", IP(10, 0, 0, 1)},
                {"192.168.100.254", IP(192, 168, 100, 254)},
                {"255.255.255.255", UINT32_MAX},
                {"100.10.0.99", IP(100, 10, 0, 99)},
        };
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
                uint32_t a = 0xdeadbeef;
                if (ipv4_parse(ok[i].text, &a) != 0)
                        fail_msg("'%s' should parse", ok[i].text);
                assert_int_equal(a, ok[i].addr);
                char back[16];
                ipv4_format(a, back);
                assert_string_equal(back, ok[i].text);
        }
}

static void test_ipv4_parse_strict(void **state) {
        (void)state;
        static const char *const bad[] = {
                "", ".", "...", "1", "1.2", "1.2.3", "1.2.3.", "1.2.3.4.", "1.2.3.4.5", ".1.2.3", "1..2.3",
                /* leading zeros: octal in inet_aton, ambiguous everywhere */
                "01.2.3.4", "1.02.3.4", "1.2.03.4", "1.2.3.04", "00.0.0.0", "0.0.0.00", "1.2.3.0004",
                /* out of range */
                "256.1.1.1", "1.256.1.1", "1.1.1.256", "999.1.1.1", "1000.1.1.1", "4294967295.0.0.0",
                /* trailing junk, spaces, signs, other notations */
                "1.2.3.4x", "1.2.3.4/24", "1.2.3.4:80", "1.2.3.4\n", " 1.2.3.4", "1.2.3.4 ", "1. 2.3.4",
                "1 .2.3.4", "+1.2.3.4", "1.2.3.-4", "-1.2.3.4", "0x1.2.3.4", "1.2.3.0x4", "a.b.c.d", "1,2,3,4",
                "1.2.3.4\t", "\t1.2.3.4", "１.2.3.4", "1.2.3.4\xc2\xa0",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                uint32_t a = 0xdeadbeef;
                if (ipv4_parse(bad[i], &a) != -EINVAL)
                        fail_msg("'%s' should be refused", bad[i]);
                assert_int_equal(a, 0xdeadbeef); /* untouched on failure */
        }
}

static void test_cidr4_parse(void **state) {
        (void)state;
        struct cidr4 c = C("10.0.0.1/24");
        assert_int_equal(c.addr, IP(10, 0, 0, 1));
        assert_int_equal(c.prefix, 24);
        c = C("0.0.0.0/0");
        assert_int_equal(c.addr, 0);
        assert_int_equal(c.prefix, 0);
        c = C("255.255.255.255/32");
        assert_int_equal(c.addr, UINT32_MAX);
        assert_int_equal(c.prefix, 32);
        c = C("172.20.0.0/9");
        assert_int_equal(c.prefix, 9);

        static const char *const roundtrip[] = {"10.0.0.1/24", "0.0.0.0/0", "255.255.255.255/32", "192.168.1.0/30"};
        for (size_t i = 0; i < sizeof roundtrip / sizeof roundtrip[0]; i++) {
                char out[CIDR4_STRLEN];
                c = C(roundtrip[i]);
                cidr4_format(&c, out);
                assert_string_equal(out, roundtrip[i]);
        }

        static const char *const bad[] = {
                "", "/", "/24", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/99", "10.0.0.0/100",
                "10.0.0.0/024", "10.0.0.0/00", "10.0.0.0/01", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
                "10.0.0.0/8 ", "10.0.0.0/8\n", "10.0.0.0/2a", "10.0.0.0/a", "10.0.0.0//8", "10.0.0.0/8/8",
                "010.0.0.0/8", "10.0.0.256/24", "10.0.0/24", "1.2.3.4.5.6.7.8/24", "255.255.255.2555/32",
                " 10.0.0.0/8", "10.0.0.0 /8",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct cidr4 r = {0xdeadbeef, 77};
                if (cidr4_parse(bad[i], &r) != -EINVAL)
                        fail_msg("'%s' should be refused", bad[i]);
                assert_int_equal(r.addr, 0xdeadbeef);
                assert_int_equal(r.prefix, 77);
        }
}

static void test_netmask(void **state) {
        (void)state;
        assert_int_equal(cidr4_netmask(0), 0);
        assert_int_equal(cidr4_netmask(1), 0x80000000u);
        assert_int_equal(cidr4_netmask(8), 0xff000000u);
        assert_int_equal(cidr4_netmask(24), 0xffffff00u);
        assert_int_equal(cidr4_netmask(31), 0xfffffffeu);
        assert_int_equal(cidr4_netmask(32), 0xffffffffu);
}

static void test_network_broadcast(void **state) {
        (void)state;
        struct cidr4 c = C("10.0.0.77/24");
        assert_int_equal(cidr4_network(&c), IP(10, 0, 0, 0));
        assert_int_equal(cidr4_broadcast(&c), IP(10, 0, 0, 255));
        assert_false(cidr4_is_network(&c));
        c = C("10.0.0.0/24");
        assert_true(cidr4_is_network(&c));

        c = C("172.20.5.9/16");
        assert_int_equal(cidr4_network(&c), IP(172, 20, 0, 0));
        assert_int_equal(cidr4_broadcast(&c), IP(172, 20, 255, 255));

        c = C("1.2.3.4/0");
        assert_int_equal(cidr4_network(&c), 0);
        assert_int_equal(cidr4_broadcast(&c), UINT32_MAX);

        c = C("1.2.3.4/32");
        assert_int_equal(cidr4_network(&c), IP(1, 2, 3, 4));
        assert_int_equal(cidr4_broadcast(&c), IP(1, 2, 3, 4));
        assert_true(cidr4_is_network(&c));

        c = C("10.0.0.5/31");
        assert_int_equal(cidr4_network(&c), IP(10, 0, 0, 4));
        assert_int_equal(cidr4_broadcast(&c), IP(10, 0, 0, 5));
}

static void test_contains(void **state) {
        (void)state;
        struct cidr4 c = C("10.0.0.0/24");
        assert_true(cidr4_contains(&c, IP(10, 0, 0, 0)));
        assert_true(cidr4_contains(&c, IP(10, 0, 0, 255)));
        assert_false(cidr4_contains(&c, IP(10, 0, 1, 0)));
        assert_false(cidr4_contains(&c, IP(9, 255, 255, 255)));
        /* Membership ignores the host bits of the prefix as written. */
        c = C("10.0.0.200/24");
        assert_true(cidr4_contains(&c, IP(10, 0, 0, 1)));
        c = C("0.0.0.0/0");
        assert_true(cidr4_contains(&c, UINT32_MAX));
        c = C("1.2.3.4/32");
        assert_true(cidr4_contains(&c, IP(1, 2, 3, 4)));
        assert_false(cidr4_contains(&c, IP(1, 2, 3, 5)));
}

static void test_overlaps(void **state) {
        (void)state;
        static const struct {
                const char *a, *b;
                bool overlap;
        } cases[] = {
                {"10.0.0.0/8", "10.1.0.0/16", true},
                {"10.0.0.1/24", "10.0.0.0/24", true},
                {"10.0.0.1/24", "10.0.0.128/25", true},
                {"10.0.0.0/24", "10.0.1.0/24", false},
                {"10.0.0.1/24", "172.20.0.0/24", false},
                {"172.16.0.0/12", "172.31.255.0/24", true},
                {"172.16.0.0/12", "172.32.0.0/24", false},
                {"0.0.0.0/0", "192.168.1.1/32", true},
                {"192.168.1.1/32", "192.168.1.2/32", false},
                {"192.168.1.0/31", "192.168.1.1/32", true},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct cidr4 a = C(cases[i].a), b = C(cases[i].b);
                if (cidr4_overlaps(&a, &b) != cases[i].overlap || cidr4_overlaps(&b, &a) != cases[i].overlap)
                        fail_msg("overlap(%s, %s) should be %d", cases[i].a, cases[i].b, cases[i].overlap);
        }
}

static void test_rfc1918(void **state) {
        (void)state;
        static const struct {
                const char *net;
                bool private;
        } cases[] = {
                {"10.0.0.0/8", true},        {"10.255.255.255/32", true},  {"10.0.0.1/24", true},
                {"10.0.0.0/7", false},       {"11.0.0.0/8", false},        {"9.255.255.255/32", false},
                {"172.16.0.0/12", true},     {"172.31.255.0/24", true},    {"172.20.0.0/24", true},
                {"172.15.255.0/24", false},  {"172.32.0.0/24", false},     {"172.16.0.0/11", false},
                {"172.15.0.0/16", false},    {"192.168.0.0/16", true},     {"192.168.255.0/24", true},
                {"192.168.0.0/15", false},   {"192.169.0.0/24", false},    {"192.167.255.0/24", false},
                {"0.0.0.0/0", false},        {"8.8.8.0/24", false},        {"100.64.0.0/10", false},
                {"169.254.0.0/16", false},   {"127.0.0.1/8", false},       {"172.0.0.0/8", false},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct cidr4 c = C(cases[i].net);
                if (cidr4_is_rfc1918(&c) != cases[i].private)
                        fail_msg("rfc1918(%s) should be %d", cases[i].net, cases[i].private);
        }
}

static void test_host_count(void **state) {
        (void)state;
        static const struct {
                const char *net;
                uint64_t count;
        } cases[] = {
                {"10.0.0.0/24", 254}, {"10.0.0.0/30", 2}, {"10.0.0.0/31", 2},       {"10.0.0.0/32", 1},
                {"10.0.0.0/29", 6},   {"10.0.0.0/16", 65534}, {"0.0.0.0/0", 4294967294ull}, {"10.0.0.0/8", 16777214},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct cidr4 c = C(cases[i].net);
                if (cidr4_host_count(&c) != cases[i].count)
                        fail_msg("host_count(%s) = %llu, want %llu", cases[i].net,
                                 (unsigned long long)cidr4_host_count(&c), (unsigned long long)cases[i].count);
        }
}

static void expect_host(const char *net, uint64_t n, uint32_t want) {
        struct cidr4 c = C(net);
        uint32_t got = 0;
        if (cidr4_host(&c, n, &got) != 0)
                fail_msg("host(%s, %llu) failed", net, (unsigned long long)n);
        if (got != want) {
                char g[16], w[16];
                ipv4_format(got, g);
                ipv4_format(want, w);
                fail_msg("host(%s, %llu) = %s, want %s", net, (unsigned long long)n, g, w);
        }
}

static void expect_erange(const char *net, uint64_t n) {
        struct cidr4 c = C(net);
        uint32_t got = 0xdeadbeef;
        assert_int_equal(cidr4_host(&c, n, &got), -ERANGE);
        assert_int_equal(got, 0xdeadbeef);
}

static void test_host(void **state) {
        (void)state;
        /* /24: network and broadcast are skipped. */
        expect_host("172.20.0.0/24", 0, IP(172, 20, 0, 1));
        expect_host("172.20.0.0/24", 5, IP(172, 20, 0, 6));
        expect_host("172.20.0.0/24", 253, IP(172, 20, 0, 254));
        expect_erange("172.20.0.0/24", 254);
        expect_erange("172.20.0.0/24", UINT64_MAX);
        /* From the network, whatever host bits the prefix was written with. */
        expect_host("172.20.0.99/24", 0, IP(172, 20, 0, 1));

        /* /30: two hosts between network and broadcast. */
        expect_host("10.0.0.4/30", 0, IP(10, 0, 0, 5));
        expect_host("10.0.0.4/30", 1, IP(10, 0, 0, 6));
        expect_erange("10.0.0.4/30", 2);

        /* /31 (RFC 3021): both addresses are hosts. */
        expect_host("10.0.0.4/31", 0, IP(10, 0, 0, 4));
        expect_host("10.0.0.4/31", 1, IP(10, 0, 0, 5));
        expect_erange("10.0.0.4/31", 2);

        /* /32: the one address. */
        expect_host("10.0.0.9/32", 0, IP(10, 0, 0, 9));
        expect_erange("10.0.0.9/32", 1);

        /* The last host of the address space does not wrap. */
        expect_host("255.255.255.254/31", 1, UINT32_MAX);
        expect_host("0.0.0.0/0", 4294967293ull, IP(255, 255, 255, 254));
        expect_erange("0.0.0.0/0", 4294967294ull);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ipv4_parse_ok),     cmocka_unit_test(test_ipv4_parse_strict),
                cmocka_unit_test(test_cidr4_parse),       cmocka_unit_test(test_netmask),
                cmocka_unit_test(test_network_broadcast), cmocka_unit_test(test_contains),
                cmocka_unit_test(test_overlaps),          cmocka_unit_test(test_rfc1918),
                cmocka_unit_test(test_host_count),        cmocka_unit_test(test_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
