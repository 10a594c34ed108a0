/* dispatch_request without a server: the order of checks (route, auth, body)
 * and the status each failure maps to. With no connection there are no
 * headers, so every caller here is anonymous. */
#include "testutil.h"

#include <errno.h>

#include "api/api.h"
#include "api/dispatch.h"
#include "common/jsonutil.h"
#include "common/secret.h"
#include "common/timeutil.h"
#include "store/store.h"
#include "store/users.h"

struct fixture {
        char *dir;
        struct api_context ctx;
};

static int setup(void **state) {
        assert_int_equal(secret_init(), 0);
        struct fixture *f = calloc(1, sizeof *f);
        f->dir = test_tmpdir();
        char *db = test_path(f->dir, "cell.db");
        assert_int_equal(store_create(db, &f->ctx.store), 0);
        free(db);
        f->ctx.started_usec = now_monotonic_usec();
        f->ctx.login_by_source = ratelimit_new(10, 60, 64);
        f->ctx.login_by_user = ratelimit_new(3, 60, 64);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        ratelimit_free(f->ctx.login_by_source);
        ratelimit_free(f->ctx.login_by_user);
        store_close(f->ctx.store);
        test_rmdir(f->dir);
        free(f);
        return 0;
}

struct result {
        unsigned status;
        char code[32];
        char field[64];
        char message[256];
        bool has_body_field;
        json_t *body; /* the response body (owned) */
        char header_name[32], header_value[256];
};

enum body_kind { NO_BODY, JSON_BODY, TEXT_BODY, TOO_LARGE };

static struct result call(struct fixture *f, const char *method, const char *path, enum body_kind kind,
                          const char *data) {
        struct request req = {.ctx = &f->ctx, .listener = LISTENER_API, .method = method, .path = path,
                              .request_id = "test"};
        struct incoming_body in = {0};
        if (kind != NO_BODY) {
                in.present = true;
                in.json_type = kind != TEXT_BODY;
                in.too_large = kind == TOO_LARGE;
                in.data = data ? data : "";
                in.len = data ? strlen(data) : 0;
        }
        struct response resp = {0};
        int r = dispatch_request(&req, &in, &resp);
        if (r < 0)
                fail_msg("%s %s: dispatch returned %d", method, path, r);
        struct result out = {.status = resp.status};
        json_t *err = json_object_get(resp.body, "error");
        if (err) {
                snprintf(out.code, sizeof out.code, "%s", json_string_value(json_object_get(err, "code")));
                snprintf(out.message, sizeof out.message, "%s", json_string_value(json_object_get(err, "message")));
                const char *field = json_string_value(json_object_get(err, "field"));
                out.has_body_field = field != NULL;
                snprintf(out.field, sizeof out.field, "%s", field ? field : "");
        }
        if (resp.n_headers) {
                snprintf(out.header_name, sizeof out.header_name, "%s", resp.headers[0].name);
                snprintf(out.header_value, sizeof out.header_value, "%s", resp.headers[0].value);
        }
        out.body = json_incref(resp.body);
        response_release(&resp);
        json_decref(req.body);
        return out;
}

static void expect(struct fixture *f, const char *method, const char *path, enum body_kind kind, const char *data,
                   unsigned status, const char *field, const char *message_part) {
        struct result r = call(f, method, path, kind, data);
        if (r.status != status)
                fail_msg("%s %s %s: status %u, want %u (%s)", method, path, data ? data : "", r.status, status,
                         r.message);
        if (field && strcmp(r.field, field) != 0)
                fail_msg("%s %s %s: field '%s', want '%s'", method, path, data ? data : "", r.field, field);
        if (message_part && !strstr(r.message, message_part))
                fail_msg("%s %s %s: message '%s' lacks '%s'", method, path, data ? data : "", r.message, message_part);
        json_decref(r.body);
}

static void test_routing(void **state) {
        struct fixture *f = *state;
        expect(f, "GET", "/nope", NO_BODY, NULL, 404, NULL, "no such route");
        expect(f, "GET", "/api/users/bob/x", NO_BODY, NULL, 404, NULL, NULL);
        expect(f, "PATCH", "/health", NO_BODY, NULL, 405, NULL, "PATCH");
        expect(f, "GET", "/api/config/apply", NO_BODY, NULL, 405, NULL, NULL);
        /* 404 and 405 come before authentication. */
        expect(f, "DELETE", "/api/config", NO_BODY, NULL, 405, NULL, NULL);

        struct result r = call(f, "GET", "/nope", NO_BODY, NULL);
        assert_string_equal(r.code, "not_found");
        json_decref(r.body);
        r = call(f, "PUT", "/health", NO_BODY, NULL);
        assert_string_equal(r.code, "method_not_allowed");
        json_decref(r.body);
}

static void test_auth_required(void **state) {
        struct fixture *f = *state;
        static const char *const protected[][2] = {
                {"GET", "/api/auth/me"},      {"POST", "/api/auth/logout"},   {"GET", "/api/auth/tokens"},
                {"GET", "/api/users"},        {"DELETE", "/api/users/admin"}, {"GET", "/api/config"},
                {"PUT", "/api/config"},       {"POST", "/api/config/apply"},  {"GET", "/api/revisions"},
                {"POST", "/api/revisions/1/rollback"},
        };
        for (size_t i = 0; i < sizeof protected / sizeof protected[0]; i++) {
                struct result r = call(f, protected[i][0], protected[i][1], NO_BODY, NULL);
                if (r.status != 401)
                        fail_msg("%s %s: status %u, want 401", protected[i][0], protected[i][1], r.status);
                assert_string_equal(r.code, "unauthenticated");
                json_decref(r.body);
        }
        /* Authentication comes before the body: an anonymous caller learns
         * nothing about what the body should have been. */
        expect(f, "PUT", "/api/config", JSON_BODY, "{\"bogus\": 1}", 401, "", NULL);
        expect(f, "PUT", "/api/config", TOO_LARGE, "{}", 401, "", NULL);
}

static void test_health(void **state) {
        struct fixture *f = *state;
        struct result r = call(f, "GET", "/health", NO_BODY, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.body, "status")), "ok");
        assert_true(json_is_integer(json_object_get(r.body, "uptime_s")));
        json_decref(r.body);

        /* A route without a body accepts {} (and an empty body) only. */
        expect(f, "GET", "/health", JSON_BODY, "{}", 200, NULL, NULL);
        expect(f, "GET", "/health", JSON_BODY, "", 200, NULL, NULL);
        expect(f, "GET", "/health", JSON_BODY, "{\"x\": 1}", 400, "x", "takes no body");
        expect(f, "GET", "/health", JSON_BODY, "[]", 400, "", NULL);
        expect(f, "GET", "/health", TEXT_BODY, "hello", 415, NULL, NULL);
        expect(f, "GET", "/health", TOO_LARGE, "{}", 413, NULL, NULL);
}

static void test_login_body_checks(void **state) {
        struct fixture *f = *state;
        const char *login = "/api/auth/login";
        expect(f, "POST", login, NO_BODY, NULL, 400, "", "needs a JSON body");
        expect(f, "POST", login, JSON_BODY, "", 400, "", "needs a JSON body");
        expect(f, "POST", login, TOO_LARGE, "{}", 413, NULL, NULL);
        expect(f, "POST", login, TEXT_BODY, "{\"username\": \"a\", \"password\": \"b\"}", 415, NULL, "application/json");
        expect(f, "POST", login, JSON_BODY, "{", 400, "", "malformed JSON");
        expect(f, "POST", login, JSON_BODY, "[1]", 400, "", "JSON object");
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"a\", \"username\": \"b\", \"password\": \"x\"}", 400, "",
               NULL);
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"a\"}", 400, "password", "password is required");
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"a\", \"password\": \"b\", \"x\": 1}", 400, "x",
               "is not a known field");
        expect(f, "POST", login, JSON_BODY, "{\"username\": 7, \"password\": \"b\"}", 400, "username",
               "must be a string");
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"a\\u0000b\", \"password\": \"b\"}", 400, "", NULL);

        struct result r = call(f, "POST", login, JSON_BODY, "{\"username\": \"a\"}");
        assert_string_equal(r.code, "invalid_argument");
        assert_true(r.has_body_field);
        json_decref(r.body);
}

static void test_login_flow(void **state) {
        struct fixture *f = *state;
        char hash[SECRET_PASSWORD_HASH_MAX];
        assert_int_equal(secret_hash_password("correct horse", hash), 0);
        struct txn t;
        assert_int_equal(txn_begin(f->ctx.store, &t), 0);
        assert_int_equal(users_create(&t, "alice", "admin", hash), 0);
        assert_int_equal(txn_commit(&t, "tester", "user", NULL), 0);

        const char *login = "/api/auth/login";
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"alice\", \"password\": \"wrong horse\"}", 401, NULL,
               "wrong username or password");
        /* An unknown user gets the same answer. */
        expect(f, "POST", login, JSON_BODY, "{\"username\": \"nobody\", \"password\": \"correct horse\"}", 401, NULL,
               "wrong username or password");

        struct result r = call(f, "POST", login, JSON_BODY, "{\"username\": \"alice\", \"password\": \"correct horse\"}");
        assert_int_equal(r.status, 200);
        const char *csrf = json_string_value(json_object_get(r.body, "csrf_token"));
        assert_non_null(csrf);
        assert_int_equal(strlen(csrf), SECRET_TOKEN_STRLEN - 1);
        assert_string_equal(json_string_value(json_object_get(json_object_get(r.body, "user"), "role")), "admin");
        assert_string_equal(r.header_name, "Set-Cookie");
        assert_true(strncmp(r.header_value, "pic_session=", 12) == 0);
        assert_non_null(strstr(r.header_value, "HttpOnly"));
        assert_non_null(strstr(r.header_value, "SameSite=Strict"));
        assert_null(strstr(r.header_value, "Secure")); /* no X-Forwarded-Proto: https */
        json_decref(r.body);

        /* Per-user limit: three failures, then 429 even with the right
         * password, with Retry-After. */
        for (int i = 0; i < 3; i++)
                expect(f, "POST", login, JSON_BODY, "{\"username\": \"alice\", \"password\": \"wrong horse\"}", 401,
                       NULL, NULL);
        r = call(f, "POST", login, JSON_BODY, "{\"username\": \"alice\", \"password\": \"correct horse\"}");
        assert_int_equal(r.status, 429);
        assert_string_equal(r.code, "rate_limited");
        assert_string_equal(r.header_name, "Retry-After");
        int retry = atoi(r.header_value);
        assert_true(retry >= 1 && retry <= 60);
        json_decref(r.body);
}

/* A body whose unknown field has a long non-ASCII name is still a 400 that
 * names the field, not an internal error. */
static void test_unicode_unknown_field(void **state) {
        struct fixture *f = *state;
        char text[600];
        size_t n = (size_t)snprintf(text, sizeof text, "{\"username\": \"a\", \"password\": \"b\", \"");
        for (int i = 0; i < 100; i++)
                n += (size_t)snprintf(text + n, sizeof text - n, "\xc3\xa9"); /* é */
        snprintf(text + n, sizeof text - n, "\": 1}");
        struct result r = call(f, "POST", "/api/auth/login", JSON_BODY, text);
        json_decref(r.body);
        if (r.status != 400 || strcmp(r.code, "invalid_argument") != 0 || !r.has_body_field)
                fail_msg("status %u, error code '%s', field %s; want 400, 'invalid_argument' and the field", r.status,
                         r.code, r.has_body_field ? "present" : "missing");
}

/* libmicrohttpd 0.9.75 passes the request method through as sent, any bytes
 * at all ("G\xffT /health HTTP/1.1" reaches dispatch as method "G\xffT").
 * The answer is still a 405, not an internal error. */
static void test_method_not_utf8(void **state) {
        struct fixture *f = *state;
        struct request req = {.ctx = &f->ctx, .listener = LISTENER_API, .method = "G\xffT", .path = "/health",
                              .request_id = "test"};
        struct incoming_body in = {0};
        struct response resp = {0};
        int r = dispatch_request(&req, &in, &resp);
        unsigned status = resp.status;
        bool body = resp.body != NULL;
        response_release(&resp);
        if (r != 0 || status != 405 || !body)
                fail_msg("dispatch returned %d, status %u, body %s; want 0, 405 and an error body", r, status,
                         body ? "set" : "NULL");
}

/* api_error is the one way to answer a client; a message that carries
 * client bytes (a path parameter: "/api/users/%ff" reaches the handler as
 * "\xff"; or a long message cut at 512 bytes inside a character) must still
 * give that status, not -ENOMEM and so a 500. */
static void test_error_message_not_utf8(void **state) {
        (void)state;
        struct response resp = {0};
        int r = api_error(&resp, 404, NULL, "no user '%s'", "\xff");
        if (r != 0 || resp.status != 404 || !resp.body)
                fail_msg("api_error with a non-UTF-8 argument: returned %d, status %u, body %s", r, resp.status,
                         resp.body ? "set" : "NULL");
        response_release(&resp);

        char arg[600];
        size_t n = 0;
        for (int i = 0; i < 250; i++)
                n += (size_t)snprintf(arg + n, sizeof arg - n, "\xc3\xa9");
        resp = (struct response){0};
        r = api_error(&resp, 400, NULL, "x%s", arg); /* 1 + 500 bytes: cut at 511, inside a character */
        if (r != 0 || resp.status != 400 || !resp.body)
                fail_msg("api_error with a long UTF-8 message: returned %d, status %u, body %s", r, resp.status,
                         resp.body ? "set" : "NULL");
        response_release(&resp);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_routing), T(test_auth_required), T(test_health), T(test_login_body_checks), T(test_login_flow),
                T(test_unicode_unknown_field), T(test_method_not_utf8), cmocka_unit_test(test_error_message_not_utf8),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
