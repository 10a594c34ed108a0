/* Authentication and authorisation; see auth.h. */
#include "api/auth.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "api/api.h"
#include "api/token_cache.h"
#include "common/cleanup.h"
#include "common/timeutil.h"
#include "store/sessions.h"
#include "store/tokens.h"

static bool peer_is_root(struct request *req) {
        if (!req->connection)
                return false;
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!info)
                return false;
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return false;
        return cred.uid == 0;
}

static int identify_peercred(struct request *req) {
        struct store *s = req->ctx->store;
        req->who.kind = AUTH_PEERCRED;
        /* root acts as the cell's admin account; if that account was removed
         * root is still an admin, under the same name. */
        if (users_get(s, "admin", &req->who.user, NULL) < 0 || !streq(req->who.user.role, "admin"))
                req->who.user = (struct user){.username = "admin", .role = "admin"};
        req->who.scope = SCOPE_ADMIN;
        return 0;
}

int auth_identify(struct request *req) {
        req->who = (struct principal){.kind = AUTH_NONE};
        struct store *s = req->ctx->store;
        int64_t now = now_unix();

        const char *authz = request_header(req, "Authorization");
        if (authz) {
                if (strncasecmp(authz, "Bearer ", 7) != 0)
                        return -EACCES;
                struct token_info info;
                if (token_cache_authenticate(&req->ctx->token_cache, s, authz + 7, now, &info) < 0)
                        return -EACCES;
                req->who.kind = AUTH_TOKEN;
                req->who.user = info.user;
                req->who.scope = info.scope;
                return 0;
        }

        const char *cookie = request_cookie(req, SESSION_COOKIE);
        if (cookie) {
                struct session sess;
                if (strlen(cookie) >= SECRET_TOKEN_STRLEN || sessions_lookup(s, cookie, now, &sess) < 0)
                        return -EACCES;
                req->who.kind = AUTH_SESSION;
                req->who.user = sess.user;
                req->who.scope = SCOPE_ADMIN; /* a session has its user's full role */
                memcpy(req->who.csrf_token, sess.csrf_token, sizeof sess.csrf_token);
                snprintf(req->who.session_cookie, sizeof req->who.session_cookie, "%s", cookie);
                return 0;
        }

        if (req->listener == LISTENER_CONTROL && peer_is_root(req))
                return identify_peercred(req);
        return 0;
}

static bool is_safe_method(const char *method) {
        return streq(method, "GET") || streq(method, "HEAD");
}

int auth_authorize(const struct route *route, struct request *req, struct response *resp) {
        if (route->role == ROLE_NONE)
                return 0;
        if (req->who.kind == AUTH_NONE) {
                api_error(resp, 401, NULL, "authentication required: log in, or send a Bearer token");
                return 1;
        }
        if (route->role == ROLE_ADMIN && !streq(req->who.user.role, "admin")) {
                api_error(resp, 403, NULL, "this needs the admin role");
                return 1;
        }
        if (req->who.kind == AUTH_TOKEN && !is_safe_method(req->method)) {
                enum token_scope need = route->role == ROLE_ADMIN ? SCOPE_ADMIN : SCOPE_WRITE;
                if (req->who.scope < need) {
                        api_error(resp, 403, NULL, "this token's scope '%s' does not allow this; it needs '%s'",
                                  token_scope_to_string(req->who.scope), token_scope_to_string(need));
                        return 1;
                }
        }
        if (req->who.kind == AUTH_SESSION && !is_safe_method(req->method)) {
                const char *csrf = request_header(req, "X-CSRF-Token");
                if (!csrf || !secret_streq(csrf, req->who.csrf_token)) {
                        api_error(resp, 403, NULL, "missing or wrong X-CSRF-Token header");
                        return 1;
                }
        }
        return 0;
}
