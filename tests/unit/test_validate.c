/* The value grammars. Everything a user can set passes one of these before it
 * is stored, so every injection vector is a test case here: newline, quotes,
 * space, braces, slash, "../", NUL, and the length limits. */
#include "testutil.h"

#include <limits.h>

#include "common/validate.h"

/* Characters that must never pass valid_name, valid_username or
 * valid_domain, wherever they appear. */
static const char *const injections[] = {
        "\n", "\r", "\"", "'", " ", "\t", "{", "}", "/", "\\", ";", "$", "`", "=", "#", "[", "]", "%", "*",
        "\x7f", "\x01", "\xc3\xa9" /* é */, ":", ",", "<", ">", "|", "&", "@", "!", "?", "(", ")",
};

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

static void check_injections(bool (*fn)(const char *), const char *fname) {
        for (size_t i = 0; i < sizeof injections / sizeof injections[0]; i++) {
                const char *bad = injections[i];
                char s[64];
                snprintf(s, sizeof s, "%s", bad);
                if (fn(s))
                        fail_msg("%s accepted '%s' alone", fname, bad);
                snprintf(s, sizeof s, "ab%s", bad);
                if (fn(s))
                        fail_msg("%s accepted a trailing '%s'", fname, bad);
                snprintf(s, sizeof s, "%scd", bad);
                if (fn(s))
                        fail_msg("%s accepted a leading '%s'", fname, bad);
                snprintf(s, sizeof s, "ab%scd", bad);
                if (fn(s))
                        fail_msg("%s accepted '%s' inside", fname, bad);
        }
}

static void test_name(void **state) {
        (void)state;
        static const char *const ok[] = {"a", "0", "mycell", "my-cell", "a-b-c", "x1", "1x", "a--b"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                if (!valid_name(ok[i]))
                        fail_msg("valid_name('%s') should be true", ok[i]);

        static const char *const bad[] = {
                "", "-", "-a", "a-", "-a-", "A", "Cell", "myCell", "a b", "a\n", "a\"b", "a'b", "a{b", "a}", "a/b",
                "../a", "..", ".", "a.b", "a_b", "a\nb", "name\r\nX-Injected: 1", "a;rm -rf /",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (valid_name(bad[i]))
                        fail_msg("valid_name('%s') should be false", bad[i]);
        assert_false(valid_name(NULL));
        check_injections(valid_name, "valid_name");

        char *s = repeat('a', NAME_MAX_LEN);
        assert_true(valid_name(s));
        free(s);
        s = repeat('a', NAME_MAX_LEN + 1);
        assert_false(valid_name(s));
        free(s);
}

static void test_name_nul(void **state) {
        (void)state;
        /* A C string ends at the first NUL: an empty prefix is refused, and
         * what comes after a NUL is never seen. That is why the JSON layer
         * refuses \u0000 outright (see test_body). */
        static const char empty_then_text[] = "\0abc";
        assert_false(valid_name(empty_then_text));
        assert_false(valid_username(empty_then_text));
        assert_false(valid_domain(empty_then_text));
        static const char text_then_newline[] = "ab\0\nrm";
        assert_true(valid_name(text_then_newline));
        assert_int_equal(strlen(text_then_newline), 2);
}

static void test_username(void **state) {
        (void)state;
        static const char *const ok[] = {"a", "admin", "alice.smith", "bob_2", "carol-d", "0day", "a.", "a_", "a-",
                                         "a..b"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                if (!valid_username(ok[i]))
                        fail_msg("valid_username('%s') should be true", ok[i]);

        static const char *const bad[] = {
                "", ".", "..", "../etc", "./a", "_a", "-a", ".a", "Admin", "a b", "a/b", "a\\b", "a\n", "a\"",
                "a'", "a{", "a}", "a@b", "a:b", "a\tb",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (valid_username(bad[i]))
                        fail_msg("valid_username('%s') should be false", bad[i]);
        assert_false(valid_username(NULL));
        check_injections(valid_username, "valid_username");

        char *s = repeat('u', NAME_MAX_LEN);
        assert_true(valid_username(s));
        free(s);
        s = repeat('u', NAME_MAX_LEN + 1);
        assert_false(valid_username(s));
        free(s);
}

static void test_domain(void **state) {
        (void)state;
        static const char *const ok[] = {"cell", "a.b", "example.com", "my-cell.example.org", "a1.b2.c3", "xn--bcher-kva.ch",
                                         "0.example", "a-b.c-d"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                if (!valid_domain(ok[i]))
                        fail_msg("valid_domain('%s') should be true", ok[i]);

        static const char *const bad[] = {
                "", ".", "..", "a.", ".a", "a..b", "-a.b", "a-.b", "a.-b", "a.b-", "A.b", "a.B", "a b", "a/b",
                "../a", "a\n.b", "a.b\n", "a_b.c", "a\"b", "a'b", "a{b}", "*.example.com", "a.b.", "a:53",
                "example.com;", "é.com",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (valid_domain(bad[i]))
                        fail_msg("valid_domain('%s') should be false", bad[i]);
        assert_false(valid_domain(NULL));
        check_injections(valid_domain, "valid_domain");
}

static void test_domain_lengths(void **state) {
        (void)state;
        /* A label is at most 63. */
        char *label63 = repeat('a', 63), *label64 = repeat('a', 64);
        char buf[300];
        snprintf(buf, sizeof buf, "%s.com", label63);
        assert_true(valid_domain(buf));
        snprintf(buf, sizeof buf, "%s.com", label64);
        assert_false(valid_domain(buf));
        snprintf(buf, sizeof buf, "x.%s", label64);
        assert_false(valid_domain(buf));

        /* The whole name is at most 253: 63 + 1 + 63 + 1 + 63 + 1 + 61. */
        char *label61 = repeat('b', 61), *label62 = repeat('b', 62);
        snprintf(buf, sizeof buf, "%s.%s.%s.%s", label63, label63, label63, label61);
        assert_int_equal(strlen(buf), 253);
        assert_true(valid_domain(buf));
        snprintf(buf, sizeof buf, "%s.%s.%s.%s", label63, label63, label63, label62);
        assert_int_equal(strlen(buf), 254);
        assert_false(valid_domain(buf));
        /* The same lengths as a host. */
        snprintf(buf, sizeof buf, "%s.%s.%s.%s", label63, label63, label63, label61);
        assert_true(valid_host(buf));
        snprintf(buf, sizeof buf, "%s.%s.%s.%s", label63, label63, label63, label62);
        assert_false(valid_host(buf));
        free(label61);
        free(label62);
        free(label63);
        free(label64);
}

static void test_host(void **state) {
        (void)state;
        static const char *const ok[] = {"1.2.3.4", "203.0.113.7", "vpn.example.com", "localhost", "cell"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                if (!valid_host(ok[i]))
                        fail_msg("valid_host('%s') should be true", ok[i]);
        static const char *const bad[] = {
                "", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4:51820", "vpn.example.com:51820", "http://x", "[::1]", "::1",
                "a b", "a\nb", "1.2.3.4/32", "vpn.example.com.", "x'", "x\"", "{x}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (valid_host(bad[i]))
                        fail_msg("valid_host('%s') should be false", bad[i]);
        assert_false(valid_host(NULL));
}

static void test_text(void **state) {
        (void)state;
        assert_true(valid_text("hello world", 1, 64));
        assert_true(valid_text("p@ss w0rd \"quoted\" {braces} /slash", 8, 256));
        assert_true(valid_text("h\xc3\xa9llo", 1, 64)); /* UTF-8 passes */
        assert_true(valid_text("", 0, 10));
        assert_false(valid_text("", 1, 10));
        assert_false(valid_text(NULL, 0, 10));

        /* Length is in bytes, both bounds inclusive. */
        assert_true(valid_text("12345678", 8, 8));
        assert_false(valid_text("1234567", 8, 256));
        assert_false(valid_text("123456789", 1, 8));
        assert_false(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 1, 5)); /* 3 characters, 6 bytes */

        /* Control characters, anywhere. */
        static const char *const bad[] = {"a\nb", "a\rb", "a\tb", "\x1b[31m", "a\x7f", "\x01", "end\n", "\x1f"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (valid_text(bad[i], 0, 64))
                        fail_msg("valid_text should refuse control character in case %zu", i);

        char *s = repeat('x', PASSWORD_MAX_LEN);
        assert_true(valid_text(s, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN));
        free(s);
        s = repeat('x', PASSWORD_MAX_LEN + 1);
        assert_false(valid_text(s, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN));
        free(s);
}

static void test_port(void **state) {
        (void)state;
        assert_false(valid_port(0));
        assert_true(valid_port(1));
        assert_true(valid_port(53));
        assert_true(valid_port(65535));
        assert_false(valid_port(65536));
        assert_false(valid_port(-1));
        assert_false(valid_port(-65535));
        assert_false(valid_port(LLONG_MAX));
        assert_false(valid_port(LLONG_MIN));
        assert_false(valid_port(4294967296LL + 53)); /* would be 53 if truncated to 32 bits */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name),   cmocka_unit_test(test_name_nul),       cmocka_unit_test(test_username),
                cmocka_unit_test(test_domain), cmocka_unit_test(test_domain_lengths), cmocka_unit_test(test_host),
                cmocka_unit_test(test_text),   cmocka_unit_test(test_port),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
