/* What picd reads back from the LAN daemons, each written by someone it
 * does not trust: dnsmasq's lease file (client host names) and chronyc's
 * CSV. Plus the grammars those values must pass. */
#include "testutil.h"

#include <errno.h>

#include "common/jsonutil.h"
#include "common/validate.h"
#include "services/chrony_status.h"
#include "services/dhcp_leases.h"

static char *write_tmp(const char *dir, const char *text) {
        char *path;
        assert_true(asprintf(&path, "%s/leases", dir) > 0);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        return path;
}

static void test_leases_checked_and_sorted(void **state) {
        (void)state;
        _cleanup_free_ char *dir = test_tmpdir();
        _cleanup_free_ char *path = write_tmp(dir,
                                              "1795950000 02:00:00:00:00:0B 10.77.0.120 Laptop 01:02\n"
                                              "0 02:00:00:00:00:0a 10.77.0.101 * *\n"
                                              "1795950000 02:00:00:00:00:0c 10.77.0.102 evil\"name *\n"
                                              "1795950000 02:00:00:00:00:0d 10.77.0.103 a.b *\n"
                                              "duid 00:01:00:01\n"
                                              "garbage\n"
                                              "1795950000 zz:00:00:00:00:0d 10.77.0.104 x *\n"
                                              "1795950000 02:00:00:00:00:0e 10.77.0.999 x *\n"
                                              "-5 02:00:00:00:00:0f 10.77.0.105 x *\n");
        struct dhcp_lease *v;
        size_t n, skipped;
        assert_int_equal(dhcp_leases_read(path, &v, &n, &skipped), 0);
        assert_int_equal(n, 4);
        assert_int_equal(skipped, 4);
        assert_string_equal(v[0].ip, "10.77.0.101");
        assert_int_equal(v[0].expires, 0);
        assert_string_equal(v[0].hostname, "");
        assert_string_equal(v[1].ip, "10.77.0.102");
        assert_string_equal(v[1].hostname, ""); /* not a label: dropped, the lease kept */
        assert_string_equal(v[2].hostname, "");   /* a.b is not one label */
        assert_string_equal(v[3].ip, "10.77.0.120");
        assert_string_equal(v[3].mac, "02:00:00:00:00:0b");
        assert_string_equal(v[3].hostname, "laptop");
        free(v);
        test_rmdir(TAKE_PTR(dir));
}

static void test_leases_missing_file_is_none(void **state) {
        (void)state;
        struct dhcp_lease *v = (void *)1;
        size_t n = 9, skipped = 9;
        assert_int_equal(dhcp_leases_read("/nonexistent/leases", &v, &n, &skipped), 0);
        assert_null(v);
        assert_int_equal(n, 0);
}

static void test_leases_long_line_skipped(void **state) {
        (void)state;
        _cleanup_free_ char *dir = test_tmpdir();
        char *big = malloc(5000);
        memset(big, 'a', 4998);
        big[4998] = '\n';
        big[4999] = 0;
        _cleanup_free_ char *text = NULL;
        assert_true(asprintf(&text, "0 02:00:00:00:00:01 10.0.0.5 %s0 02:00:00:00:00:02 10.0.0.6 ok *\n", big) > 0);
        free(big);
        _cleanup_free_ char *path = write_tmp(dir, text);
        struct dhcp_lease *v;
        size_t n, skipped;
        assert_int_equal(dhcp_leases_read(path, &v, &n, &skipped), 0);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].hostname, "ok");
        free(v);
        test_rmdir(TAKE_PTR(dir));
}

static void test_tracking_local_reference(void **state) {
        (void)state;
        _cleanup_json_ json_t *st = json_object();
        assert_int_equal(chrony_parse_tracking("7F7F0101,,8,1795942211.736945814,-0.000000120,0.000000000,0.000000000,"
                                               "0.000,0.000,0.000,0.000000000,0.000000000,0.0,Normal\n",
                                               st),
                         0);
        assert_true(json_is_true(json_object_get(st, "synchronised")));
        assert_int_equal(json_integer_value(json_object_get(st, "stratum")), 8);
        assert_string_equal(json_string_value(json_object_get(st, "reference")), "LOCAL");
        assert_true(json_real_value(json_object_get(st, "offset_s")) > 0); /* chrony's correction is negative: ahead */
        assert_string_equal(json_string_value(json_object_get(st, "leap")), "normal");
}

static void test_tracking_unsynchronised_and_garbage(void **state) {
        (void)state;
        _cleanup_json_ json_t *st = json_object();
        assert_int_equal(chrony_parse_tracking("00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,"
                                               "0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised\n",
                                               st),
                         0);
        assert_false(json_is_true(json_object_get(st, "synchronised")));
        assert_string_equal(json_string_value(json_object_get(st, "reference")), "");
        assert_string_equal(json_string_value(json_object_get(st, "leap")), "not_synchronised");
        assert_int_equal(chrony_parse_tracking("506 Cannot talk to daemon\n", st), -EINVAL);
        assert_int_equal(chrony_parse_tracking("", st), -EINVAL);
        assert_int_equal(chrony_parse_tracking("7F7F0101,,99,0,0,0,0,0,0,0,0,0,0,Normal", st), -EINVAL);
}

static void test_sources_and_clients(void **state) {
        (void)state;
        _cleanup_json_ json_t *src = chrony_parse_sources("^,*,192.0.2.10,2,6,377,23,0.000001,0.000001,0.000010\n"
                                                          "^,?,192.0.2.11,0,6,0,4294967295,0.0,0.0,0.0\n"
                                                          "=,x,192.0.2.12,3,6,17,5,-0.5,-0.5,0.1\n"
                                                          "bad line\n");
        assert_int_equal(json_array_size(src), 3);
        json_t *a = json_array_get(src, 0);
        assert_string_equal(json_string_value(json_object_get(a, "state")), "selected");
        assert_string_equal(json_string_value(json_object_get(a, "mode")), "server");
        assert_int_equal(json_integer_value(json_object_get(a, "reach")), 255); /* 377 octal */
        assert_int_equal(json_integer_value(json_object_get(a, "last_rx_s")), 23);
        json_t *b = json_array_get(src, 1);
        assert_string_equal(json_string_value(json_object_get(b, "state")), "unreachable");
        assert_true(json_is_null(json_object_get(b, "last_rx_s")));
        assert_string_equal(json_string_value(json_object_get(json_array_get(src, 2), "mode")), "peer");

        _cleanup_json_ json_t *cl = chrony_parse_clients("10.77.0.101,3,0,-,-,2,0,0,-,-\n"
                                                         "10.77.0.102,0,0,-,-,-,4,0,-,1\n"
                                                         ",x\n");
        assert_int_equal(json_array_size(cl), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(cl, 0), "ntp_packets")), 3);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(cl, 0), "last_s")), 2);
        assert_true(json_is_null(json_object_get(json_array_get(cl, 1), "last_s")));
}

static void test_grammars(void **state) {
        (void)state;
        char mac[18];
        assert_true(valid_mac("02:AB:cd:00:00:01", mac));
        assert_string_equal(mac, "02:ab:cd:00:00:01");
        assert_false(valid_mac("02:ab:cd:00:00", NULL));
        assert_false(valid_mac("02-ab-cd-00-00-01", NULL));
        assert_false(valid_mac("02:ab:cd:00:00:0g", NULL));
        assert_false(valid_mac("02:ab:cd:00:00:01\n", NULL));
        assert_true(valid_ifname("eth0"));
        assert_true(valid_ifname("br-lan.10"));
        assert_false(valid_ifname(""));
        assert_false(valid_ifname(".."));
        assert_false(valid_ifname("eth0\nport=53"));
        assert_false(valid_ifname("a234567890123456"));
        assert_false(valid_ifname("eth 0"));
        assert_true(valid_host_label("desk"));
        assert_false(valid_host_label("desk.lan"));
        assert_false(valid_host_label("-desk"));
        assert_false(valid_host_label("Desk"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_leases_checked_and_sorted),
                cmocka_unit_test(test_leases_missing_file_is_none),
                cmocka_unit_test(test_leases_long_line_skipped),
                cmocka_unit_test(test_tracking_local_reference),
                cmocka_unit_test(test_tracking_unsynchronised_and_garbage),
                cmocka_unit_test(test_sources_and_clients),
                cmocka_unit_test(test_grammars),
        };
        return cmocka_run_group_tests_name("tests", tests, NULL, NULL);
}
