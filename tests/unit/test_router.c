/* route_match: every route in the table, its parameters, 405 against 404,
 * and paths that must not match (trailing garbage, empty segments). */
#include "testutil.h"

#include "api/handlers.h"
#include "api/route.h"

struct match {
        const struct route *route;
        bool path_known;
        const char *params[ROUTE_MAX_PARAMS];
        char storage[512];
};

static const struct route *match(struct match *m, const char *method, const char *path) {
        memset(m, 0, sizeof *m);
        m->path_known = true; /* must be reset by route_match */
        m->route = route_match(method, path, m->params, m->storage, sizeof m->storage, &m->path_known);
        return m->route;
}

static void expect_route(const char *method, const char *path, const char *pattern, route_handler handler,
                         const char *param0) {
        struct match m;
        if (!match(&m, method, path))
                fail_msg("%s %s: no route, want %s", method, path, pattern);
        assert_string_equal(m.route->method, method);
        assert_string_equal(m.route->pattern, pattern);
        assert_ptr_equal(m.route->handler, handler);
        if (param0) {
                assert_non_null(m.params[0]);
                assert_string_equal(m.params[0], param0);
        }
}

static void expect_405(const char *method, const char *path) {
        struct match m;
        if (match(&m, method, path))
                fail_msg("%s %s matched %s %s, want 405", method, path, m.route->method, m.route->pattern);
        if (!m.path_known)
                fail_msg("%s %s: path should be known (405)", method, path);
}

static void expect_404(const char *method, const char *path) {
        struct match m;
        if (match(&m, method, path))
                fail_msg("%s '%s' matched %s %s, want 404", method, path, m.route->method, m.route->pattern);
        if (m.path_known)
                fail_msg("%s '%s': path should be unknown (404)", method, path);
}

static void test_every_route(void **state) {
        (void)state;
        expect_route("GET", "/health", "/health", health_get, NULL);
        expect_route("POST", "/api/auth/login", "/api/auth/login", session_login, NULL);
        expect_route("POST", "/api/auth/logout", "/api/auth/logout", session_logout, NULL);
        expect_route("GET", "/api/auth/me", "/api/auth/me", session_me, NULL);
        expect_route("GET", "/api/auth/tokens", "/api/auth/tokens", tokens_list_handler, NULL);
        expect_route("POST", "/api/auth/tokens", "/api/auth/tokens", tokens_create_handler, NULL);
        expect_route("DELETE", "/api/auth/tokens/abcdefghjkmn", "/api/auth/tokens/{id}", tokens_delete_handler,
                     "abcdefghjkmn");
        expect_route("GET", "/api/users", "/api/users", users_list_handler, NULL);
        expect_route("POST", "/api/users", "/api/users", users_create_handler, NULL);
        expect_route("GET", "/api/users/alice", "/api/users/{username}", users_get_handler, "alice");
        expect_route("PUT", "/api/users/alice", "/api/users/{username}", users_update_handler, "alice");
        expect_route("DELETE", "/api/users/alice", "/api/users/{username}", users_delete_handler, "alice");
        expect_route("GET", "/api/config", "/api/config", config_get_handler, NULL);
        expect_route("PUT", "/api/config", "/api/config", config_put_handler, NULL);
        expect_route("GET", "/api/config/pending", "/api/config/pending", config_pending_handler, NULL);
        expect_route("DELETE", "/api/config/pending", "/api/config/pending", config_discard_handler, NULL);
        expect_route("POST", "/api/config/apply", "/api/config/apply", config_apply_handler, NULL);
        expect_route("POST", "/api/config/confirm", "/api/config/confirm", config_confirm_handler, NULL);
        expect_route("GET", "/api/dns/records", "/api/dns/records", dns_records_list_handler, NULL);
        expect_route("POST", "/api/dns/records", "/api/dns/records", dns_records_create_handler, NULL);
        expect_route("GET", "/api/dns/records/42", "/api/dns/records/{id}", dns_records_get_handler, "42");
        expect_route("PUT", "/api/dns/records/42", "/api/dns/records/{id}", dns_records_update_handler, "42");
        expect_route("DELETE", "/api/dns/records/42", "/api/dns/records/{id}", dns_records_delete_handler, "42");
        expect_405("PATCH", "/api/dns/records/42");
        expect_405("DELETE", "/api/dns/records");
        expect_404("GET", "/api/dns/records/42/x");
        expect_404("GET", "/api/dns/records/");
        expect_route("GET", "/api/services/status", "/api/services/status", services_status_handler, NULL);
        expect_route("GET", "/api/services/caddy/logs", "/api/services/{name}/logs", services_logs_handler, "caddy");
        expect_route("GET", "/api/services/caddy/logs/stream", "/api/services/{name}/logs/stream",
                     services_logs_stream_handler, "caddy");
        expect_route("GET", "/api/containers", "/api/containers", containers_list_handler, NULL);
        expect_route("POST", "/api/containers/caddy/restart", "/api/containers/{name}/restart",
                     containers_restart_handler, "caddy");
        expect_route("GET", "/api/apply/status", "/api/apply/status", apply_status_handler, NULL);
        expect_route("GET", "/api/dhcp/interfaces", "/api/dhcp/interfaces", dhcp_interfaces_handler, NULL);
        expect_route("POST", "/api/dhcp/reservations", "/api/dhcp/reservations", dhcp_reservations_create_handler,
                     NULL);
        expect_route("PUT", "/api/dhcp/reservations/02:00:00:00:00:01", "/api/dhcp/reservations/{mac}",
                     dhcp_reservations_update_handler, "02:00:00:00:00:01");
        expect_route("GET", "/api/dhcp/leases", "/api/dhcp/leases", dhcp_leases_handler, NULL);
        expect_route("GET", "/api/ntp/status", "/api/ntp/status", ntp_status_handler, NULL);
        expect_route("GET", "/api/revisions", "/api/revisions", revisions_list_handler, NULL);
        expect_route("GET", "/api/revisions/12", "/api/revisions/{n}", revisions_get_handler, "12");
        expect_route("POST", "/api/revisions/12/rollback", "/api/revisions/{n}/rollback", revisions_rollback_handler,
                     "12");
}

/* Every line of the table is reachable and is the first match for its own
 * method and pattern (no entry is shadowed by an earlier one). */
static void test_table_self_match(void **state) {
        (void)state;
        assert_int_equal(api_routes_count, 48);
        for (unsigned i = 0; i < api_routes_count; i++) {
                const struct route *r = &api_routes[i];
                char path[256];
                size_t n = 0;
                unsigned params = 0;
                for (const char *p = r->pattern; *p;) {
                        if (*p == '{') {
                                n += (size_t)snprintf(path + n, sizeof path - n, "param%u", params++);
                                p = strchr(p, '}') + 1;
                        } else {
                                path[n++] = *p++;
                        }
                }
                path[n] = 0;
                struct match m;
                if (match(&m, r->method, path) != r)
                        fail_msg("%s %s does not match its own entry %u", r->method, path, i);
                for (unsigned k = 0; k < params; k++) {
                        char want[16];
                        snprintf(want, sizeof want, "param%u", k);
                        assert_string_equal(m.params[k], want);
                }
                /* Policy and role sanity: body routes change things. */
                if (r->body)
                        assert_string_not_equal(r->method, "GET");
                assert_non_null(r->handler);
        }
}

static void test_roles_and_bodies(void **state) {
        (void)state;
        struct match m;
        assert_non_null(match(&m, "GET", "/health"));
        assert_int_equal(m.route->role, ROLE_NONE);
        assert_non_null(match(&m, "POST", "/api/auth/login"));
        assert_int_equal(m.route->role, ROLE_NONE);
        assert_ptr_equal(m.route->body, &login_body);
        assert_non_null(match(&m, "POST", "/api/users"));
        assert_int_equal(m.route->role, ROLE_ADMIN);
        assert_ptr_equal(m.route->body, &user_create_body);
        assert_non_null(match(&m, "PUT", "/api/users/bob"));
        assert_int_equal(m.route->role, ROLE_USER); /* a user may change their own password */
        assert_ptr_equal(m.route->body, &user_update_body);
        assert_non_null(match(&m, "PUT", "/api/config"));
        assert_int_equal(m.route->role, ROLE_ADMIN);
        assert_ptr_equal(m.route->body, &config_put_body);
        assert_non_null(match(&m, "POST", "/api/config/apply"));
        assert_ptr_equal(m.route->body, &config_apply_body);
        assert_true(m.route->body_optional);
        assert_non_null(match(&m, "POST", "/api/auth/tokens"));
        assert_ptr_equal(m.route->body, &token_create_body);
        assert_non_null(match(&m, "GET", "/api/dns/records"));
        assert_int_equal(m.route->role, ROLE_USER);
        assert_non_null(match(&m, "POST", "/api/dns/records"));
        assert_int_equal(m.route->role, ROLE_ADMIN);
        assert_ptr_equal(m.route->body, &dns_record_body);
        assert_non_null(match(&m, "PUT", "/api/dns/records/1"));
        assert_int_equal(m.route->role, ROLE_ADMIN);
        assert_ptr_equal(m.route->body, &dns_record_body);
        assert_non_null(match(&m, "DELETE", "/api/dns/records/1"));
        assert_int_equal(m.route->role, ROLE_ADMIN);
        assert_null(m.route->body);

        /* Only /health and login are open. */
        for (unsigned i = 0; i < api_routes_count; i++)
                if (api_routes[i].role == ROLE_NONE)
                        assert_true(!strcmp(api_routes[i].pattern, "/health") ||
                                    !strcmp(api_routes[i].pattern, "/api/auth/login"));

        assert_string_equal(role_to_string(ROLE_NONE), "none");
        assert_string_equal(role_to_string(ROLE_USER), "user");
        assert_string_equal(role_to_string(ROLE_ADMIN), "admin");
}

static void test_params(void **state) {
        (void)state;
        struct match m;
        assert_non_null(match(&m, "GET", "/api/users/a.b_c-d"));
        assert_string_equal(m.params[0], "a.b_c-d");
        /* The router passes any non-empty segment; handlers validate it. */
        assert_non_null(match(&m, "GET", "/api/users/.."));
        assert_string_equal(m.params[0], "..");
        assert_non_null(match(&m, "GET", "/api/users/%2e%2e"));
        assert_string_equal(m.params[0], "%2e%2e");
        assert_non_null(match(&m, "GET", "/api/revisions/-1"));
        assert_string_equal(m.params[0], "-1");
        assert_non_null(match(&m, "POST", "/api/revisions/999999999999999999999/rollback"));
        assert_string_equal(m.params[0], "999999999999999999999");
        assert_string_equal(m.route->pattern, "/api/revisions/{n}/rollback");

        /* Params point into the caller's storage, never into the path. */
        char path[] = "/api/users/alice";
        assert_non_null(match(&m, "GET", path));
        assert_true(m.params[0] >= m.storage && m.params[0] < m.storage + sizeof m.storage);
        path[11] = 'X';
        assert_string_equal(m.params[0], "alice");
}

static void test_405(void **state) {
        (void)state;
        expect_405("POST", "/health");
        expect_405("HEAD", "/health");
        expect_405("GET", "/api/auth/login");
        expect_405("GET", "/api/auth/logout");
        expect_405("DELETE", "/api/auth/tokens");
        expect_405("GET", "/api/auth/tokens/abc");
        expect_405("PATCH", "/api/users/bob");
        expect_405("POST", "/api/users/bob");
        expect_405("DELETE", "/api/users");
        expect_405("DELETE", "/api/config");
        expect_405("POST", "/api/config");
        expect_405("PUT", "/api/config/pending");
        expect_405("GET", "/api/config/apply");
        expect_405("GET", "/api/config/confirm");
        expect_405("DELETE", "/api/revisions/3");
        expect_405("GET", "/api/revisions/3/rollback");
        /* Methods are case-sensitive (RFC 9110). */
        expect_405("get", "/health");
}

static void test_404(void **state) {
        (void)state;
        static const char *const paths[] = {
                "",
                "/",
                "health",
                "/health/",
                "/healthz",
                "/health?x=1",
                "//health",
                "/api",
                "/api/",
                "/api/users/",
                "/api/users//",
                "/api/userss",
                "/api/users/bob/",
                "/api/users/bob/extra",
                "/api/users//bob",
                "/api/auth/tokens/",
                "/api/auth/tokens/abc/",
                "/api/config/",
                "/api/config/pending/x",
                "/api/config/applyx",
                "/api/revisions/",
                "/api/revisions//rollback",
                "/api/revisions/1/rollback/",
                "/api/revisions/1/rollbackx",
                "/api/revisions/1/roll",
                "/api/revisions/1/x/rollback",
                "/API/users",
                "/api/Users",
                "/api/users\n",
        };
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
                expect_404("GET", paths[i]);
                expect_404("POST", paths[i]);
                expect_404("DELETE", paths[i]);
        }
}

static void test_storage_limits(void **state) {
        (void)state;
        const char *params[ROUTE_MAX_PARAMS] = {0};
        bool known = true;

        /* Storage that cannot hold the path: no match, no overflow. */
        char small[8];
        assert_null(route_match("GET", "/api/users/alice", params, small, sizeof small, &known));
        assert_false(known);
        char exact[sizeof "/health"];
        assert_non_null(route_match("GET", "/health", params, exact, sizeof exact, &known));
        char one_short[sizeof "/health" - 1];
        assert_null(route_match("GET", "/health", params, one_short, sizeof one_short, &known));

        /* A very long path. */
        size_t n = 5000;
        char *path = malloc(n + 1);
        assert_non_null(path);
        memcpy(path, "/api/users/", 11);
        memset(path + 11, 'a', n - 11);
        path[n] = 0;
        char storage[512];
        assert_null(route_match("GET", path, params, storage, sizeof storage, &known));
        assert_false(known);
        /* Fits: one long parameter. */
        path[500] = 0;
        assert_non_null(route_match("GET", path, params, storage, sizeof storage, &known));
        assert_int_equal(strlen(params[0]), 500 - 11);
        free(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_route), cmocka_unit_test(test_table_self_match),
                cmocka_unit_test(test_roles_and_bodies), cmocka_unit_test(test_params),
                cmocka_unit_test(test_405),         cmocka_unit_test(test_404),
                cmocka_unit_test(test_storage_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
