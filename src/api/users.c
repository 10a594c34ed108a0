/* /api/users: accounts. Admins manage everyone; a user may change only
 * their own password. The last admin can be neither removed nor demoted,
 * and a password change ends that user's sessions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "common/cleanup.h"
#include "common/secret.h"
#include "common/validate.h"
#include "store/sessions.h"

static const char *check_username(json_t *v) {
        return valid_username(json_string_value(v)) ? NULL
                                                    : "must be 1-32 of a-z, 0-9, '_', '.' and '-', starting with a letter or digit";
}

static const char *check_password(json_t *v) {
        return valid_text(json_string_value(v), PASSWORD_MIN_LEN, PASSWORD_MAX_LEN)
                       ? NULL
                       : "must be 8-256 characters without control characters";
}

static const char *check_role(json_t *v) {
        return valid_role(json_string_value(v)) ? NULL : "must be 'admin' or 'user'";
}

static const struct field_policy user_create_fields[] = {
        {"username", FIELD_STRING, true, check_username, NULL},
        {"password", FIELD_STRING, true, check_password, NULL},
        {"role", FIELD_STRING, true, check_role, NULL},
};
const struct body_policy user_create_body = {user_create_fields, ELEMENTSOF(user_create_fields)};

static const struct field_policy user_update_fields[] = {
        {"password", FIELD_STRING, false, check_password, NULL},
        {"role", FIELD_STRING, false, check_role, NULL},
};
const struct body_policy user_update_body = {user_update_fields, ELEMENTSOF(user_update_fields)};

static bool is_admin(const struct request *req) {
        return streq(req->who.user.role, "admin");
}

int users_list_handler(struct request *req, struct response *resp) {
        json_t *list;
        int r = users_list(req->ctx->store, &list);
        if (r < 0)
                return api_error_errno(resp, r, "users");
        return api_reply(resp, 200, json_pack("{s:o}", "users", list));
}

int users_get_handler(struct request *req, struct response *resp) {
        struct user u;
        int r = users_get(req->ctx->store, req->params[0], &u, NULL);
        if (r == -ENOENT)
                return api_error(resp, 404, NULL, "no user '%s'", req->params[0]);
        if (r < 0)
                return r;
        return api_reply(resp, 200, user_to_json(&u));
}

int users_create_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *username = json_string_value(json_object_get(req->body, "username"));
        const char *password = json_string_value(json_object_get(req->body, "password"));
        const char *role = json_string_value(json_object_get(req->body, "role"));

        struct user u;
        if (users_get(s, username, &u, NULL) == 0)
                return api_error(resp, 409, "username", "user '%s' already exists", username);
        char hash[SECRET_PASSWORD_HASH_MAX];
        int r = secret_hash_password(password, hash);
        if (r < 0)
                return r;

        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "user '%s' created (%s)", username, role);
        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0 || (r = users_create(&t, username, role, hash)) < 0 ||
            (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return r == -EEXIST ? api_error(resp, 409, "username", "user '%s' already exists", username)
                                    : api_error_errno(resp, r, "user");
        if ((r = users_get(s, username, &u, NULL)) < 0)
                return r;
        return api_reply(resp, 201, user_to_json(&u));
}

/* Refuses to leave the cell without an admin. Call inside the transaction. */
static int would_remove_last_admin(struct store *s, const struct user *target, const char *new_role) {
        if (!streq(target->role, "admin") || (new_role && streq(new_role, "admin")))
                return 0;
        int64_t admins;
        int r = users_count_admins(s, &admins);
        if (r < 0)
                return r;
        return admins <= 1;
}

int users_update_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *username = req->params[0];
        const char *password = json_string_value(json_object_get(req->body, "password"));
        const char *role = json_string_value(json_object_get(req->body, "role"));
        bool self = streq(username, req->who.user.username);

        if (!is_admin(req) && (!self || role))
                return api_error(resp, 403, role ? "role" : NULL, "only admins change roles or other users");
        if (!password && !role)
                return api_error(resp, 400, NULL, "give a password, a role, or both");

        char hash[SECRET_PASSWORD_HASH_MAX];
        int r;
        if (password && (r = secret_hash_password(password, hash)) < 0)
                return r;

        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0)
                return api_error_errno(resp, r, "user");
        struct user u;
        r = users_get(s, username, &u, NULL);
        if (r == -ENOENT)
                return api_error(resp, 404, NULL, "no user '%s'", username);
        if (r < 0)
                return r;
        if (role && (r = would_remove_last_admin(s, &u, role)) != 0)
                return r < 0 ? r : api_error(resp, 409, "role", "'%s' is the last admin", username);

        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "user '%s' changed:%s%s", username, role ? " role" : "",
                 password ? " password" : "");
        if ((r = users_update(&t, username, role, password ? hash : NULL)) < 0)
                return api_error_errno(resp, r, "user");
        /* A new password ends every session that the old one opened. */
        if (password && (r = sessions_delete_user(s, username)) < 0)
                return api_error_errno(resp, r, "user");
        if ((r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "user");
        if ((r = users_get(s, username, &u, NULL)) < 0)
                return r;
        return api_reply(resp, 200, user_to_json(&u));
}

int users_delete_handler(struct request *req, struct response *resp) {
        struct store *s = req->ctx->store;
        const char *username = req->params[0];
        _cleanup_txn_ struct txn t = {0};
        int r = txn_begin(s, &t);
        if (r < 0)
                return api_error_errno(resp, r, "user");
        struct user u;
        r = users_get(s, username, &u, NULL);
        if (r == -ENOENT)
                return api_error(resp, 404, NULL, "no user '%s'", username);
        if (r < 0)
                return r;
        if ((r = would_remove_last_admin(s, &u, NULL)) != 0)
                return r < 0 ? r : api_error(resp, 409, NULL, "'%s' is the last admin", username);

        char actor[64], summary[128];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "user '%s' deleted", username);
        /* Sessions and tokens go with the user (ON DELETE CASCADE). */
        if ((r = users_delete(&t, username)) < 0 || (r = txn_commit(&t, actor, summary, NULL)) < 0)
                return api_error_errno(resp, r, "user");
        return api_reply(resp, 204, NULL);
}
