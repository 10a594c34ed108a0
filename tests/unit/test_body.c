/* Strict request bodies: what body_parse refuses outright, and how
 * body_validate names the culprit field against the real route policies. */
#include "testutil.h"

#include <errno.h>

#include "api/body.h"
#include "api/handlers.h"
#include "common/jsonutil.h"

static int parse(const char *text, json_t **ret, struct body_error *err) {
        return body_parse(text, strlen(text), ret, err);
}

static void expect_parse_error(const char *text, size_t len, const char *message_part) {
        struct body_error err;
        memset(&err, 'X', sizeof err);
        json_t *v = (json_t *)0x1;
        int r = body_parse(text, len, &v, &err);
        if (r != -EINVAL)
                fail_msg("body_parse(%.*s) = %d, want -EINVAL", (int)len, text, r);
        assert_ptr_equal(v, (json_t *)0x1);
        assert_string_equal(err.field, "");
        assert_non_null(memchr(err.message, 0, sizeof err.message));
        if (message_part && !strstr(err.message, message_part))
                fail_msg("body_parse(%.*s): message '%s' lacks '%s'", (int)len, text, err.message, message_part);
}

static void test_parse_ok(void **state) {
        (void)state;
        struct body_error err;
        json_t *v = NULL;
        assert_int_equal(parse("{}", &v, &err), 0);
        assert_true(json_is_object(v));
        json_decref(v);
        assert_int_equal(parse(" {\"a\": 1, \"b\": [true, null, \"x\"]} \n", &v, &err), 0);
        assert_int_equal(json_object_size(v), 2);
        json_decref(v);
        /* Exactly at the depth limit: {a:{b:{c:{d:1}}}} has its leaf at 4. */
        assert_int_equal(parse("{\"a\": {\"b\": {\"c\": {\"d\": 1}}}}", &v, &err), 0);
        json_decref(v);
        assert_int_equal(parse("{\"a\": [[[1]]]}", &v, &err), 0);
        json_decref(v);
        /* The length is what counts, not a terminator. */
        static const char text[] = "{\"k\": 1}garbage";
        assert_int_equal(body_parse(text, 8, &v, &err), 0);
        assert_int_equal(json_integer_value(json_object_get(v, "k")), 1);
        json_decref(v);
        /* UTF-8 and escapes other than \u0000 are fine. */
        assert_int_equal(parse("{\"k\": \"h\\u00e9llo \xc3\xa9 \\n\"}", &v, &err), 0);
        json_decref(v);
}

static void test_parse_malformed(void **state) {
        (void)state;
        static const char *const bad[] = {
                "",          " ",          "{",           "}",          "{\"a\"}",         "{\"a\": }",
                "{\"a\": 1,}", "{a: 1}",   "{'a': 1}",    "{\"a\": 01}", "{\"a\": NaN}",   "{\"a\": undefined}",
                "{} {}",     "{} x",       "{\"a\": 1} ,", "{\"a\": \"unterminated}", "{\"a\": \"\\x41\"}",
                "{\"a\": 1e}", "{\"a\": -}", "\xef\xbb\xbf{}", /* BOM */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_parse_error(bad[i], strlen(bad[i]), "malformed JSON");
        /* A number too large for json_int_t. */
        expect_parse_error("{\"port\": 99999999999999999999}", strlen("{\"port\": 99999999999999999999}"), NULL);
        /* Invalid UTF-8. */
        expect_parse_error("{\"a\": \"\xff\"}", strlen("{\"a\": \"\xff\"}"), NULL);
        expect_parse_error("{\"a\": \"\xc0\xaf\"}", strlen("{\"a\": \"\xc0\xaf\"}"), NULL); /* overlong '/' */
        expect_parse_error("{\"\xed\xa0\x80\": 1}", strlen("{\"\xed\xa0\x80\": 1}"), NULL); /* surrogate */
        /* A lone surrogate escape. */
        expect_parse_error("{\"a\": \"\\ud800\"}", strlen("{\"a\": \"\\ud800\"}"), NULL);
        /* A raw NUL byte inside the given length. */
        expect_parse_error("{}\0", 3, NULL);
        expect_parse_error("{\"a\": \"x\0y\"}", 12, NULL);
        /* A zero-length body. */
        expect_parse_error("{}", 0, NULL);
}

static void test_parse_not_object(void **state) {
        (void)state;
        static const char *const bad[] = {"[]", "[{}]", "1", "\"s\"", "true", "null"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_parse_error(bad[i], strlen(bad[i]), NULL);
        expect_parse_error("[]", 2, "JSON object");
}

static void test_parse_duplicates(void **state) {
        (void)state;
        expect_parse_error("{\"role\": \"user\", \"role\": \"admin\"}", strlen("{\"role\": \"user\", \"role\": \"admin\"}"),
                           NULL);
        expect_parse_error("{\"a\": 1, \"a\": 1}", strlen("{\"a\": 1, \"a\": 1}"), NULL);
        /* Also inside nested objects. */
        expect_parse_error("{\"ports\": {\"dns\": 53, \"dns\": 54}}", strlen("{\"ports\": {\"dns\": 53, \"dns\": 54}}"),
                           NULL);
        /* An escape that spells the same key is the same key. */
        expect_parse_error("{\"role\": 1, \"r\\u006fle\": 2}", strlen("{\"role\": 1, \"r\\u006fle\": 2}"), NULL);
}

static void test_parse_depth(void **state) {
        (void)state;
        expect_parse_error("{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": 1}}}}}",
                           strlen("{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": 1}}}}}"), "nested too deeply");
        expect_parse_error("{\"a\": [[[[1]]]]}", strlen("{\"a\": [[[[1]]]]}"), "nested too deeply");
        expect_parse_error("{\"a\": [[[[[]]]]]}", strlen("{\"a\": [[[[[]]]]]}"), "nested too deeply");
        /* Very deep input is refused without exhausting the stack. */
        size_t n = 100000;
        char *deep = malloc(2 * n + 16);
        assert_non_null(deep);
        size_t len = 0;
        len += (size_t)sprintf(deep, "{\"a\": ");
        for (size_t i = 0; i < n; i++)
                deep[len++] = '[';
        for (size_t i = 0; i < n; i++)
                deep[len++] = ']';
        deep[len++] = '}';
        expect_parse_error(deep, len, NULL);
        free(deep);
}

static void test_parse_nul_escape(void **state) {
        (void)state;
        /* \u0000 would end the C string early: "admin\u0000x" is not "admin". */
        expect_parse_error("{\"username\": \"admin\\u0000x\"}", strlen("{\"username\": \"admin\\u0000x\"}"), NULL);
        expect_parse_error("{\"a\\u0000b\": 1}", strlen("{\"a\\u0000b\": 1}"), NULL);
        expect_parse_error("{\"a\": \"\\u0000\"}", strlen("{\"a\": \"\\u0000\"}"), NULL);
}

/* ---- validation against the real policies ---- */

static void expect_valid(const struct body_policy *policy, const char *text) {
        struct body_error err;
        _cleanup_json_ json_t *v = NULL;
        if (parse(text, &v, &err) < 0)
                fail_msg("parse(%s): %s", text, err.message);
        if (body_validate(v, policy, &err) != 0)
                fail_msg("validate(%s): '%s' %s", text, err.field, err.message);
}

static void expect_invalid(const struct body_policy *policy, const char *text, const char *field,
                           const char *message_part) {
        struct body_error err;
        _cleanup_json_ json_t *v = NULL;
        if (parse(text, &v, &err) < 0)
                fail_msg("parse(%s): %s", text, err.message);
        memset(&err, 'X', sizeof err);
        if (body_validate(v, policy, &err) != -EINVAL)
                fail_msg("validate(%s) should fail on '%s'", text, field);
        if (strcmp(err.field, field) != 0)
                fail_msg("validate(%s): field '%s', want '%s' (%s)", text, err.field, field, err.message);
        assert_true(strlen(err.message) > 0);
        if (message_part && !strstr(err.message, message_part))
                fail_msg("validate(%s): message '%s' lacks '%s'", text, err.message, message_part);
}

static void test_login_body(void **state) {
        (void)state;
        const struct body_policy *p = &login_body;
        expect_valid(p, "{\"username\": \"admin\", \"password\": \"x\"}");
        expect_valid(p, "{\"password\": \"p w d \\\"quoted\\\"\", \"username\": \"Anyone At All\"}");
        expect_invalid(p, "{}", "username", "is required");
        expect_invalid(p, "{\"username\": \"admin\"}", "password", "is required");
        expect_invalid(p, "{\"password\": \"x\"}", "username", "is required");
        expect_invalid(p, "{\"username\": \"admin\", \"password\": \"x\", \"remember\": true}", "remember",
                       "is not a known field");
        expect_invalid(p, "{\"username\": 1, \"password\": \"x\"}", "username", "must be a string");
        expect_invalid(p, "{\"username\": null, \"password\": \"x\"}", "username", "must be a string");
        expect_invalid(p, "{\"username\": [\"admin\"], \"password\": \"x\"}", "username", "must be a string");
        expect_invalid(p, "{\"username\": \"admin\", \"password\": {}}", "password", "must be a string");
        expect_invalid(p, "{\"username\": \"admin\", \"password\": \"\"}", "password", NULL);
        expect_invalid(p, "{\"username\": \"\", \"password\": \"x\"}", "username", NULL);
        expect_invalid(p, "{\"username\": \"ad\\nmin\", \"password\": \"x\"}", "username", NULL);
        expect_invalid(p, "{\"username\": \"admin\", \"password\": \"a\\tb\"}", "password", NULL);
        /* Field names are exact. */
        expect_invalid(p, "{\"Username\": \"admin\", \"password\": \"x\"}", "Username", "is not a known field");
        expect_invalid(p, "{\"username \": \"admin\", \"password\": \"x\"}", "username ", "is not a known field");
}

static void test_user_create_body(void **state) {
        (void)state;
        const struct body_policy *p = &user_create_body;
        expect_valid(p, "{\"username\": \"bob\", \"password\": \"longenough\", \"role\": \"user\"}");
        expect_valid(p, "{\"username\": \"b.o_b-2\", \"password\": \"longenough\", \"role\": \"admin\"}");
        expect_invalid(p, "{\"username\": \"Bob\", \"password\": \"longenough\", \"role\": \"user\"}", "username", NULL);
        expect_invalid(p, "{\"username\": \"../bob\", \"password\": \"longenough\", \"role\": \"user\"}", "username",
                       NULL);
        expect_invalid(p, "{\"username\": \"bob\\\"\", \"password\": \"longenough\", \"role\": \"user\"}", "username",
                       NULL);
        expect_invalid(p, "{\"username\": \"bob\", \"password\": \"short\", \"role\": \"user\"}", "password", NULL);
        expect_invalid(p, "{\"username\": \"bob\", \"password\": \"longenough\", \"role\": \"root\"}", "role",
                       "'admin' or 'user'");
        expect_invalid(p, "{\"username\": \"bob\", \"password\": \"longenough\"}", "role", "is required");
        expect_invalid(p, "{\"username\": \"bob\", \"password\": \"longenough\", \"role\": \"user\", \"admin\": true}",
                       "admin", "is not a known field");
        expect_invalid(p, "{\"username\": \"bob\", \"password\": 12345678, \"role\": \"user\"}", "password",
                       "must be a string");
}

static void test_user_update_body(void **state) {
        (void)state;
        const struct body_policy *p = &user_update_body;
        expect_valid(p, "{}");
        expect_valid(p, "{\"role\": \"admin\"}");
        expect_valid(p, "{\"password\": \"longenough\"}");
        expect_invalid(p, "{\"username\": \"eve\"}", "username", "is not a known field");
        expect_invalid(p, "{\"role\": \"superuser\"}", "role", NULL);
        expect_invalid(p, "{\"password\": null}", "password", "must be a string");
        expect_invalid(p, "{\"role\": true}", "role", "must be a string");
}

static void test_token_create_body(void **state) {
        (void)state;
        const struct body_policy *p = &token_create_body;
        expect_valid(p, "{\"name\": \"ci\", \"scope\": \"read\"}");
        expect_valid(p, "{\"name\": \"ci\", \"scope\": \"admin\", \"expires_in_days\": 1}");
        expect_valid(p, "{\"name\": \"ci\", \"scope\": \"write\", \"expires_in_days\": 3650, \"username\": \"bob\"}");
        expect_invalid(p, "{\"scope\": \"read\"}", "name", "is required");
        expect_invalid(p, "{\"name\": \"ci\"}", "scope", "is required");
        expect_invalid(p, "{\"name\": \"CI\", \"scope\": \"read\"}", "name", NULL);
        expect_invalid(p, "{\"name\": \"ci token\", \"scope\": \"read\"}", "name", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"superuser\"}", "scope", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": 0}", "expires_in_days", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": -1}", "expires_in_days", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": 3651}", "expires_in_days", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": 9223372036854775807}",
                       "expires_in_days", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": \"10\"}", "expires_in_days",
                       "must be an integer");
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": 1.5}", "expires_in_days",
                       "must be an integer");
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"expires_in_days\": true}", "expires_in_days",
                       "must be an integer");
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"username\": \"Bad\"}", "username", NULL);
        expect_invalid(p, "{\"name\": \"ci\", \"scope\": \"read\", \"id\": \"x\"}", "id", "is not a known field");
}

static void test_config_put_body(void **state) {
        (void)state;
        const struct body_policy *p = &config_put_body;
        expect_valid(p, "{}");
        expect_valid(p, "{\"ports\": {\"dns\": 53}}");
        expect_valid(p, "{\"ports\": {\"dhcp\": 0}}");
        expect_valid(p, "{\"ports\": {}}");
        expect_valid(p, "{\"domain\": \"example.org\", \"public_endpoint\": \"\", \"cell_name\": \"home\"}");
        expect_valid(p, "{\"vpn_address\": \"10.8.0.1/24\", \"ip_range\": \"172.21.0.0/24\"}");
        expect_invalid(p, "{\"ports\": {\"bogus\": 1}}", "ports.bogus", "is not a known field");
        expect_invalid(p, "{\"ports\": {\"dns\": \"53\"}}", "ports.dns", "must be an integer");
        expect_invalid(p, "{\"ports\": {\"dns\": 0}}", "ports.dns", NULL);
        expect_invalid(p, "{\"ports\": {\"dns\": 65536}}", "ports.dns", NULL);
        expect_invalid(p, "{\"ports\": {\"dhcp\": -1}}", "ports.dhcp", NULL);
        expect_invalid(p, "{\"ports\": {\"dns\": 53, \"https\": 70000}}", "ports.https", NULL);
        expect_invalid(p, "{\"ports\": 5}", "ports", "must be an object");
        expect_invalid(p, "{\"ports\": [53]}", "ports", "must be an object");
        expect_invalid(p, "{\"ports.dns\": 53}", "ports.dns", "is not a known field");
        expect_invalid(p, "{\"domain\": \"Bad\"}", "domain", NULL);
        expect_invalid(p, "{\"domain\": \"a.b\\n\"}", "domain", NULL);
        expect_invalid(p, "{\"cell_name\": \"home}\"}", "cell_name", NULL);
        expect_invalid(p, "{\"vpn_address\": \"10.0.0.0/24\"}", "vpn_address", NULL);
        expect_invalid(p, "{\"ip_range\": \"8.8.8.0/24\"}", "ip_range", NULL);
        expect_invalid(p, "{\"public_endpoint\": \"a b\"}", "public_endpoint", NULL);
        expect_invalid(p, "{\"profile\": \"system\"}", "profile", "is not a known field");
        expect_invalid(p, "{\"revision\": 3}", "revision", "is not a known field");
        expect_invalid(p, "{\"service_ips\": {}}", "service_ips", "is not a known field");

        /* dns: forwarders (a list, each item checked and named) and forward_tls. */
        expect_valid(p, "{\"dns\": {}}");
        expect_valid(p, "{\"dns\": {\"forwarders\": []}}");
        expect_valid(p, "{\"dns\": {\"forwarders\": [\"192.0.2.53\", \"192.0.2.54@5353\", "
                        "\"192.0.2.55@853#dns.example.net\"], \"forward_tls\": true}}");
        expect_valid(p, "{\"dns\": {\"forwarders\": [\"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", \"1.1.1.4\", "
                        "\"1.1.1.5\", \"1.1.1.6\", \"1.1.1.7\", \"1.1.1.8\"]}}");
        expect_invalid(p, "{\"dns\": {\"forwarders\": [\"1.1.1.1\", \"1.1.1.2\", \"1.1.1.3\", \"1.1.1.4\", "
                          "\"1.1.1.5\", \"1.1.1.6\", \"1.1.1.7\", \"1.1.1.8\", \"1.1.1.9\"]}}",
                       "dns.forwarders", "at most 8 items");
        expect_invalid(p, "{\"dns\": {\"forwarders\": \"192.0.2.53\"}}", "dns.forwarders",
                       "must be an array of strings");
        expect_invalid(p, "{\"dns\": {\"forwarders\": {}}}", "dns.forwarders", "must be an array of strings");
        expect_invalid(p, "{\"dns\": {\"forwarders\": [\"192.0.2.53\", 53]}}", "dns.forwarders[1]",
                       "must be a string");
        expect_invalid(p, "{\"dns\": {\"forwarders\": [null]}}", "dns.forwarders[0]", "must be a string");
        expect_invalid(p, "{\"dns\": {\"forwarders\": [[\"192.0.2.53\"]]}}", "dns.forwarders[0]",
                       "must be a string");
        expect_invalid(p, "{\"dns\": {\"forwarders\": [\"192.0.2.53\", \"dns.example.net\"]}}",
                       "dns.forwarders[1]", NULL);
        expect_invalid(p, "{\"dns\": {\"forwarders\": [\"192.0.2.53\\n\"]}}", "dns.forwarders[0]", NULL);
        expect_invalid(p, "{\"dns\": {\"forwarders\": [\"192.0.2.53#x\"]}}", "dns.forwarders[0]", NULL);
        expect_invalid(p, "{\"dns\": {\"forward_tls\": 1}}", "dns.forward_tls", "must be a boolean");
        expect_invalid(p, "{\"dns\": {\"forward_tls\": \"true\"}}", "dns.forward_tls", "must be a boolean");
        expect_invalid(p, "{\"dns\": {\"tls\": true}}", "dns.tls", "is not a known field");
        expect_invalid(p, "{\"dns\": []}", "dns", "must be an object");
        expect_invalid(p, "{\"dns.forwarders\": []}", "dns.forwarders", "is not a known field");
}

static void test_dns_record_body(void **state) {
        (void)state;
        const struct body_policy *p = &dns_record_body;
        expect_valid(p, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\"}");
        expect_valid(p, "{\"name\": \"@\", \"type\": \"MX\", \"value\": \"mail\", \"priority\": 10, \"ttl\": 0}");
        expect_valid(p, "{\"name\": \"_sip._tcp\", \"type\": \"SRV\", \"value\": \"sip\", \"priority\": 0, "
                        "\"weight\": 65535, \"port\": 5060, \"ttl\": 86400}");
        expect_invalid(p, "{\"type\": \"A\", \"value\": \"192.0.2.1\"}", "name", "is required");
        expect_invalid(p, "{\"name\": \"www\", \"value\": \"192.0.2.1\"}", "type", "is required");
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"A\"}", "value", "is required");
        expect_invalid(p, "{\"name\": \"WWW\", \"type\": \"A\", \"value\": \"192.0.2.1\"}", "name", NULL);
        expect_invalid(p, "{\"name\": \"../x\", \"type\": \"A\", \"value\": \"192.0.2.1\"}", "name", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"a\", \"value\": \"192.0.2.1\"}", "type", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"PTR\", \"value\": \"x\"}", "type", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"TXT\", \"value\": \"a\\nb\"}", "value", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"TXT\", \"value\": \"\"}", "value", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": 86401}", "ttl", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": -1}", "ttl", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"ttl\": \"300\"}", "ttl",
                       "must be an integer");
        expect_invalid(p, "{\"name\": \"x\", \"type\": \"MX\", \"value\": \"m\", \"priority\": 65536}", "priority", NULL);
        expect_invalid(p, "{\"name\": \"_a._b\", \"type\": \"SRV\", \"value\": \"m\", \"priority\": 1, \"weight\": 1, "
                          "\"port\": 0}", "port", NULL);
        expect_invalid(p, "{\"name\": \"www\", \"type\": \"A\", \"value\": \"192.0.2.1\", \"id\": 3}", "id",
                       "is not a known field");
}

static void test_config_apply_body(void **state) {
        (void)state;
        const struct body_policy *p = &config_apply_body;
        expect_valid(p, "{}");
        expect_valid(p, "{\"timeout_s\": 5}");
        expect_valid(p, "{\"timeout_s\": 3600}");
        expect_invalid(p, "{\"timeout_s\": 4}", "timeout_s", NULL);
        expect_invalid(p, "{\"timeout_s\": 3601}", "timeout_s", NULL);
        expect_invalid(p, "{\"timeout_s\": -9223372036854775807}", "timeout_s", NULL);
        expect_invalid(p, "{\"timeout_s\": \"60\"}", "timeout_s", "must be an integer");
        expect_invalid(p, "{\"confirm\": true}", "confirm", "is not a known field");
}

/* A policy of our own, for the paths the real ones do not reach. */
static const char *check_even(json_t *v) {
        return json_integer_value(v) % 2 ? "must be even" : NULL;
}
static const char *check_short(json_t *v) {
        return strlen(json_string_value(v)) <= 3 ? NULL : "must be short";
}
static const struct field_policy list_fields[] = {
        {"none", FIELD_STRING_ARRAY, false, NULL, NULL, 0},
        {"some", FIELD_STRING_ARRAY, true, check_short, NULL, 2},
};
static const struct body_policy list_body = {list_fields, sizeof list_fields / sizeof list_fields[0]};

static void test_string_array_policy(void **state) {
        (void)state;
        expect_valid(&list_body, "{\"some\": []}");
        expect_valid(&list_body, "{\"some\": [\"a\", \"abc\"], \"none\": []}");
        expect_valid(&list_body, "{\"some\": [\"\", \"\"]}"); /* duplicates are the check's business */
        expect_invalid(&list_body, "{}", "some", "is required");
        expect_invalid(&list_body, "{\"some\": [\"a\", \"b\", \"c\"]}", "some", "must have at most 2 items");
        expect_invalid(&list_body, "{\"some\": [\"a\", \"abcd\"]}", "some[1]", "must be short");
        expect_invalid(&list_body, "{\"some\": [\"a\", true]}", "some[1]", "must be a string");
        expect_invalid(&list_body, "{\"some\": [{}]}", "some[0]", "must be a string");
        expect_invalid(&list_body, "{\"some\": \"a\"}", "some", "must be an array of strings");
        expect_invalid(&list_body, "{\"some\": null}", "some", "must be an array of strings");
        expect_invalid(&list_body, "{\"some\": [], \"none\": [\"x\"]}", "none", "must have at most 0 items");
}
static const struct field_policy inner_fields[] = {
        {"n", FIELD_INTEGER, true, check_even, NULL},
        {"flag", FIELD_BOOLEAN, false, NULL, NULL},
};
static const struct body_policy inner_body = {inner_fields, sizeof inner_fields / sizeof inner_fields[0]};
static const struct field_policy outer_fields[] = {
        {"inner", FIELD_OBJECT, false, NULL, &inner_body},
        {"free", FIELD_OBJECT, false, NULL, NULL},
};
static const struct body_policy outer_body = {outer_fields, sizeof outer_fields / sizeof outer_fields[0]};

static void test_nested_policy(void **state) {
        (void)state;
        expect_valid(&outer_body, "{\"inner\": {\"n\": 2, \"flag\": false}}");
        /* An object without a policy takes anything. */
        expect_valid(&outer_body, "{\"free\": {\"x\": [1, 2], \"y\": {}}}");
        expect_invalid(&outer_body, "{\"inner\": {}}", "inner.n", "is required");
        expect_invalid(&outer_body, "{\"inner\": {\"n\": 3}}", "inner.n", "must be even");
        expect_invalid(&outer_body, "{\"inner\": {\"n\": 2, \"flag\": 1}}", "inner.flag", "must be a boolean");
        expect_invalid(&outer_body, "{\"inner\": {\"n\": 2, \"x\": 1}}", "inner.x", "is not a known field");

        /* A long unknown field name is cut, not overflowed. */
        char text[600], name[400];
        memset(name, 'k', sizeof name - 1);
        name[sizeof name - 1] = 0;
        snprintf(text, sizeof text, "{\"inner\": {\"n\": 2, \"%s\": 1}}", name);
        struct body_error err;
        _cleanup_json_ json_t *v = NULL;
        assert_int_equal(parse(text, &v, &err), 0);
        assert_int_equal(body_validate(v, &outer_body, &err), -EINVAL);
        assert_int_equal(strlen(err.field), sizeof err.field - 1);
        assert_memory_equal(err.field, "inner.kkk", 9);
}

/* True when s is well-formed UTF-8 (no truncated or overlong sequences). */
static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                size_t n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : 9;
                if (n == 9 || (n == 1 && *p < 0xc2))
                        return false;
                p++;
                for (size_t i = 0; i < n; i++, p++)
                        if ((*p & 0xc0) != 0x80)
                                return false;
        }
        return true;
}

/* The field name goes back to the client inside a JSON error, so a long
 * non-ASCII name must be cut on a character boundary: half a character is
 * not UTF-8, and jansson refuses to build the error response from it. */
static void test_error_field_utf8(void **state) {
        (void)state;
        char text[600];
        size_t n = (size_t)snprintf(text, sizeof text, "{\"");
        for (int i = 0; i < 100; i++)
                n += (size_t)snprintf(text + n, sizeof text - n, "\xc3\xa9"); /* é */
        snprintf(text + n, sizeof text - n, "\": 1}");
        struct body_error err;
        json_t *v = NULL;
        assert_int_equal(parse(text, &v, &err), 0);
        int r = body_validate(v, &login_body, &err);
        json_decref(v);
        assert_int_equal(r, -EINVAL);
        if (!utf8_valid(err.field))
                fail_msg("err.field (%zu bytes) is cut inside a UTF-8 character: last byte 0x%02x", strlen(err.field),
                         (unsigned char)err.field[strlen(err.field) - 1]);
        assert_true(utf8_valid(err.message));

        /* The same under a nested prefix. */
        n = (size_t)snprintf(text, sizeof text, "{\"ports\": {\"x");
        for (int i = 0; i < 100; i++)
                n += (size_t)snprintf(text + n, sizeof text - n, "\xe2\x82\xac"); /* € */
        snprintf(text + n, sizeof text - n, "\": 1}}");
        assert_int_equal(parse(text, &v, &err), 0);
        r = body_validate(v, &config_put_body, &err);
        json_decref(v);
        assert_int_equal(r, -EINVAL);
        assert_true(strncmp(err.field, "ports.x", 7) == 0);
        if (!utf8_valid(err.field))
                fail_msg("nested err.field (%zu bytes) is cut inside a UTF-8 character", strlen(err.field));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_ok),          cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_not_object),  cmocka_unit_test(test_parse_duplicates),
                cmocka_unit_test(test_parse_depth),       cmocka_unit_test(test_parse_nul_escape),
                cmocka_unit_test(test_login_body),        cmocka_unit_test(test_user_create_body),
                cmocka_unit_test(test_user_update_body),  cmocka_unit_test(test_token_create_body),
                cmocka_unit_test(test_config_put_body),   cmocka_unit_test(test_config_apply_body),
                cmocka_unit_test(test_nested_policy),     cmocka_unit_test(test_error_field_utf8),
                cmocka_unit_test(test_dns_record_body),   cmocka_unit_test(test_string_array_policy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
