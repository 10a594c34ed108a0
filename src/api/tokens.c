/* /api/auth/tokens: create, list and revoke API tokens. A token never
 * exceeds its owner's role, and its secret is shown once, at creation. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "common/validate.h"

#define TOKEN_MAX_DAYS 3650

static const char *check_name(json_t *v) {
        return valid_name(json_string_value(v)) ? NULL : "must be 1-32 of a-z, 0-9 and '-', not starting or ending with '-'";
}

static const char *check_scope(json_t *v) {
        enum token_scope s;
        return token_scope_from_string(json_string_value(v), &s) == 0 ? NULL : "must be 'read', 'write' or 'admin'";
}

static const char *check_days(json_t *v) {
        json_int_t d = json_integer_value(v);
        return d >= 1 && d <= TOKEN_MAX_DAYS ? NULL : "must be between 1 and 3650";
}

static const char *check_owner(json_t *v) {
        return valid_username(json_string_value(v)) ? NULL : "must be a user name";
}

static const struct field_policy token_create_fields[] = {
        {"name", FIELD_STRING, true, check_name, NULL},
        {"scope", FIELD_STRING, true, check_scope, NULL},
        {"expires_in_days", FIELD_INTEGER, false, check_days, NULL},
        {"username", FIELD_STRING, false, check_owner, NULL},
};
const struct body_policy token_create_body = {token_create_fields, ELEMENTSOF(token_create_fields)};

static bool is_admin(const struct request *req) {
        return streq(req->who.user.role, "admin");
}

int tokens_list_handler(struct request *req, struct response *resp) {
        const char *all = request_query(req, "all");
        bool everyone = all && (streq(all, "1") || streq(all, "true"));
        if (everyone && !is_admin(req))
                return api_error(resp, 403, NULL, "listing everyone's tokens needs the admin role");
        json_t *list;
        int r = tokens_list(req->ctx->store, everyone ? NULL : req->who.user.username, &list);
        if (r < 0)
                return api_error_errno(resp, r, "tokens");
        return api_reply(resp, 200, json_pack("{s:o}", "tokens", list));
}

int tokens_create_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *name = json_string_value(json_object_get(req->body, "name"));
        enum token_scope scope;
        token_scope_from_string(json_string_value(json_object_get(req->body, "scope")), &scope);
        const char *owner = json_string_value(json_object_get(req->body, "username"));
        json_t *days = json_object_get(req->body, "expires_in_days");

        if (owner && !streq(owner, req->who.user.username) && !is_admin(req))
                return api_error(resp, 403, "username", "only admins create tokens for other users");
        if (!owner)
                owner = req->who.user.username;

        struct user user;
        int r = users_get(s, owner, &user, NULL);
        if (r == -ENOENT)
                return api_error(resp, 400, "username", "no user '%s'", owner);
        if (r < 0)
                return r;
        /* Neither the owner's role nor the caller's may be exceeded. */
        if (scope == SCOPE_ADMIN && (!streq(user.role, "admin") || !is_admin(req)))
                return api_error(resp, 403, "scope", "an admin-scoped token needs an admin owner and an admin caller");
        if (req->who.kind == AUTH_TOKEN && scope > req->who.scope)
                return api_error(resp, 403, "scope", "a token cannot create a token with a wider scope than its own");

        int64_t expires = days ? now_unix() + (int64_t)json_integer_value(days) * 86400 : 0;
        char actor[64], summary[128], text[TOKEN_TEXT_LEN];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "token '%s' created for '%s'", name, owner);

        _cleanup_txn_ struct txn t = {0};
        struct token_info info;
        if ((r = txn_begin(s, &t)) < 0 || (r = tokens_create(&t, owner, name, scope, expires, text, &info)) < 0 ||
            (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "token");

        json_t *out = token_to_json(&info);
        if (out)
                json_object_set_new(out, "token", json_string(text));
        return api_reply(resp, 201, out);
}

int tokens_delete_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *id = req->params[0];
        struct token_info info;
        int r = tokens_get(s, id, &info);
        /* Someone else's token reads as absent to a non-admin. */
        if (r == -ENOENT || (r == 0 && !is_admin(req) && !streq(info.user.username, req->who.user.username)))
                return api_error(resp, 404, NULL, "no token '%s'", id);
        if (r < 0)
                return r;

        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "token '%s' of '%s' revoked", info.name, info.user.username);
        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0 || (r = tokens_delete(&t, id)) < 0 || (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "token");
        return api_reply(resp, 204, NULL);
}
