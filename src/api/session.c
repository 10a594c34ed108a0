/* Login, logout and "who am I". Login is rate limited per source and per
 * user before any password is checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/handlers.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/timeutil.h"
#include "store/sessions.h"

static const char *check_password_text(json_t *v) {
        return valid_text(json_string_value(v), 1, PASSWORD_MAX_LEN) ? NULL : "must be 1-256 characters without control characters";
}

static const char *check_username_text(json_t *v) {
        return valid_text(json_string_value(v), 1, 64) ? NULL : "must be 1-64 characters without control characters";
}

static const struct field_policy login_fields[] = {
        {"username", FIELD_STRING, true, check_username_text, NULL},
        {"password", FIELD_STRING, true, check_password_text, NULL},
};
const struct body_policy login_body = {login_fields, ELEMENTSOF(login_fields)};

/* The client as the proxy saw it: the first X-Forwarded-For entry on
 * api.sock (only the proxy can reach it); everything else is "local". */
static void login_source(struct request *req, char *out, size_t size) {
        const char *xff = req->listener == LISTENER_API ? request_header(req, "X-Forwarded-For") : NULL;
        if (!xff) {
                snprintf(out, size, "local");
                return;
        }
        size_t n = strcspn(xff, ", ");
        if (n == 0 || n >= size)
                n = n >= size ? size - 1 : n;
        snprintf(out, size, "%.*s", (int)n, xff);
        if (!out[0])
                snprintf(out, size, "local");
}

static int rate_limited(struct response *resp, unsigned retry_after) {
        char value[16];
        snprintf(value, sizeof value, "%u", retry_after);
        api_error(resp, 429, NULL, "too many login attempts; try again in %u seconds", retry_after);
        return api_add_header(resp, "Retry-After", value);
}

int session_login(struct request *req, struct response *resp) {
        struct api_context *ctx = req->ctx;
        const char *username = json_string_value(json_object_get(req->body, "username"));
        const char *password = json_string_value(json_object_get(req->body, "password"));
        int64_t now = now_unix();

        char source[RATELIMIT_KEY_MAX];
        login_source(req, source, sizeof source);
        unsigned retry;
        if (ratelimit_blocked(ctx->login_by_source, source, now, &retry) ||
            ratelimit_blocked(ctx->login_by_user, username, now, &retry))
                return rate_limited(resp, retry);
        ratelimit_record(ctx->login_by_source, source, now);

        struct user user;
        char hash[SECRET_PASSWORD_HASH_MAX];
        int r = users_get(ctx->store, username, &user, hash);
        if (r < 0 && r != -ENOENT)
                return r;
        /* An unknown user costs the same hash as a known one, so timing does
         * not tell which names exist. */
        static char dummy[SECRET_PASSWORD_HASH_MAX];
        if (!dummy[0] && secret_hash_password("not a real password", dummy) < 0)
                return -ENOMEM;
        bool ok = secret_check_password(r == 0 ? hash : dummy, password) && r == 0;
        if (!ok) {
                ratelimit_record(ctx->login_by_user, username, now);
                log_warning("Failed login for user '%s' from '%s'", username, source);
                return api_error(resp, 401, NULL, "wrong username or password");
        }
        ratelimit_reset(ctx->login_by_user, username);

        char cookie[SECRET_TOKEN_STRLEN], csrf[SECRET_TOKEN_STRLEN];
        int64_t expires;
        sessions_prune(ctx->store, now);
        r = sessions_create(ctx->store, user.username, now, cookie, csrf, &expires);
        if (r < 0)
                return api_error_errno(resp, r, "session");

        char header[256], when[ISO8601_LEN];
        bool secure = req->listener == LISTENER_API && request_header(req, "X-Forwarded-Proto") &&
                      streq(request_header(req, "X-Forwarded-Proto"), "https");
        snprintf(header, sizeof header, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", SESSION_COOKIE, cookie,
                 SESSION_LIFETIME_SECONDS, secure ? "; Secure" : "");
        format_iso8601(expires, when);
        r = api_reply(resp, 200,
                      json_pack("{s:s, s:{s:s, s:s}, s:s}", "csrf_token", csrf, "user", "username", user.username, "role",
                                user.role, "expires_at", when));
        if (r < 0)
                return r;
        return api_add_header(resp, "Set-Cookie", header);
}

int session_logout(struct request *req, struct response *resp) {
        if (req->who.kind == AUTH_SESSION) {
                int r = sessions_delete(req->ctx->store, req->who.session_cookie);
                if (r < 0)
                        return api_error_errno(resp, r, "session");
        }
        api_reply(resp, 204, NULL);
        return api_add_header(resp, "Set-Cookie",
                              SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

int session_me(struct request *req, struct response *resp) {
        static const char *const kinds[] = {"none", "session", "token", "peercred"};
        json_t *me = json_pack("{s:s, s:s, s:s}", "username", req->who.user.username, "role", req->who.user.role, "auth",
                               kinds[req->who.kind]);
        if (me && req->who.kind == AUTH_TOKEN)
                json_object_set_new(me, "scope", json_string(token_scope_to_string(req->who.scope)));
        return api_reply(resp, 200, me);
}
