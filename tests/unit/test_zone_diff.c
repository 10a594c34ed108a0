/* The zone file diff that turns a re-rendered zone into unbound-control
 * commands and into the few lines worth checking again. */
#include "testutil.h"

#include "common/buf.h"
#include "services/zone_diff.h"

#define HEAD "# comment\nserver:\n"

static void test_one_record_added(void **state) {
        (void)state;
        const char *old_text = HEAD "  local-data: 'a.z. 300 IN A 192.0.2.1'\n"
                                    "  local-data: 'b.z. 300 IN A 192.0.2.2'\n";
        const char *new_text = HEAD "  local-data: 'a.z. 300 IN A 192.0.2.1'\n"
                                    "  local-data: 'b.z. 300 IN A 192.0.2.2'\n"
                                    "  local-data: 'b.z. 300 IN TXT \"x y\"'\n";
        _cleanup_buf_ struct buf names = BUF_INIT, rrs = BUF_INIT, lines = BUF_INIT;
        assert_int_equal(zone_commands(old_text, new_text, &names, &rrs), 0);
        /* b.z. is touched: removed, then given both its records again. */
        assert_string_equal(buf_str(&names), "b.z.\n");
        assert_string_equal(buf_str(&rrs), "b.z. 300 IN A 192.0.2.2\nb.z. 300 IN TXT \"x y\"\n");
        assert_int_equal(zone_new_lines(old_text, new_text, &lines), 0);
        assert_string_equal(buf_str(&lines), "  local-data: 'b.z. 300 IN TXT \"x y\"'\n");
}

static void test_removed_and_changed(void **state) {
        (void)state;
        const char *old_text = HEAD "  local-data: 'a.z. 300 IN A 192.0.2.1'\n"
                                    "  local-data: 'c.z. 300 IN A 192.0.2.3'\n";
        const char *new_text = HEAD "  local-data: 'a.z. 600 IN A 192.0.2.1'\n";
        _cleanup_buf_ struct buf names = BUF_INIT, rrs = BUF_INIT, lines = BUF_INIT;
        assert_int_equal(zone_commands(old_text, new_text, &names, &rrs), 0);
        assert_string_equal(buf_str(&names), "a.z.\nc.z.\n");
        assert_string_equal(buf_str(&rrs), "a.z. 600 IN A 192.0.2.1\n");
        assert_int_equal(zone_new_lines(old_text, new_text, &lines), 0);
        assert_string_equal(buf_str(&lines), "  local-data: 'a.z. 600 IN A 192.0.2.1'\n");
        /* Removals alone leave nothing to check. */
        buf_clear(&lines);
        assert_int_equal(zone_new_lines(old_text, HEAD, &lines), 0);
        assert_int_equal(lines.len, 0);
}

static void test_same_and_reordered(void **state) {
        (void)state;
        const char *a = HEAD "  local-data: 'a.z. 300 IN A 192.0.2.1'\n  local-data: \"b.z. 300 IN A 192.0.2.2\"\n";
        const char *b = HEAD "  local-data: \"b.z. 300 IN A 192.0.2.2\"\n  local-data: 'a.z. 300 IN A 192.0.2.1'\n";
        _cleanup_buf_ struct buf names = BUF_INIT, rrs = BUF_INIT, lines = BUF_INIT;
        assert_int_equal(zone_commands(a, b, &names, &rrs), 0);
        assert_int_equal(names.len + rrs.len, 0);
        assert_int_equal(zone_new_lines(a, b, &lines), 0);
        assert_int_equal(lines.len, 0);
        /* From nothing: every line is new. */
        assert_int_equal(zone_new_lines("", a, &lines), 0);
        assert_string_equal(buf_str(&lines), "  local-data: 'a.z. 300 IN A 192.0.2.1'\n  local-data: \"b.z. 300 IN A 192.0.2.2\"\n");
}

/* 100,000 records, one changed: linear work, and exactly one name. */
static void test_large_zone(void **state) {
        (void)state;
        _cleanup_buf_ struct buf old_text = BUF_INIT, new_text = BUF_INIT, names = BUF_INIT, rrs = BUF_INIT;
        buf_init(&old_text, (size_t)64 << 20);
        buf_init(&new_text, (size_t)64 << 20);
        for (int i = 0; i < 100000; i++) {
                buf_printf(&old_text, "  local-data: 'h%d.z. 300 IN A 10.%d.%d.%d'\n", i, i >> 16, (i >> 8) & 255, i & 255);
                buf_printf(&new_text, "  local-data: 'h%d.z. 300 IN A 10.%d.%d.%d'\n", i, i >> 16, (i >> 8) & 255,
                           i == 4242 ? 7 : i & 255);
        }
        assert_int_equal(zone_commands(buf_str(&old_text), buf_str(&new_text), &names, &rrs), 0);
        assert_string_equal(buf_str(&names), "h4242.z.\n");
        assert_string_equal(buf_str(&rrs), "h4242.z. 300 IN A 10.0.16.7\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_record_added),
                cmocka_unit_test(test_removed_and_changed),
                cmocka_unit_test(test_same_and_reordered),
                cmocka_unit_test(test_large_zone),
        };
        return cmocka_run_group_tests_name("tests", tests, NULL, NULL);
}
