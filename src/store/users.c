/* Accounts; see users.h. */
#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/timeutil.h"

bool valid_role(const char *s) {
        return s && (streq(s, "admin") || streq(s, "user"));
}

int users_get(struct store *s, const char *username, struct user *ret, char ret_hash[SECRET_PASSWORD_HASH_MAX]) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT username, role, created_at, updated_at, password_hash FROM users WHERE username = ?",
                              &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
                struct user u = {.created_at = sqlite3_column_int64(stmt, 2), .updated_at = sqlite3_column_int64(stmt, 3)};
                snprintf(u.username, sizeof u.username, "%s", (const char *)sqlite3_column_text(stmt, 0));
                snprintf(u.role, sizeof u.role, "%s", (const char *)sqlite3_column_text(stmt, 1));
                if (ret_hash)
                        snprintf(ret_hash, SECRET_PASSWORD_HASH_MAX, "%s", (const char *)sqlite3_column_text(stmt, 4));
                *ret = u;
        }
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

json_t *user_to_json(const struct user *u) {
        char created[ISO8601_LEN], updated[ISO8601_LEN];
        format_iso8601(u->created_at, created);
        format_iso8601(u->updated_at, updated);
        return json_pack("{s:s, s:s, s:s, s:s}", "username", u->username, "role", u->role, "created_at", created,
                         "updated_at", updated);
}

int users_list(struct store *s, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT username, role, created_at, updated_at FROM users ORDER BY username", &stmt);
        if (r < 0)
                return r;
        json_t *list = json_array();
        if (!list)
                return -ENOMEM;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                struct user u = {.created_at = sqlite3_column_int64(stmt, 2), .updated_at = sqlite3_column_int64(stmt, 3)};
                snprintf(u.username, sizeof u.username, "%s", (const char *)sqlite3_column_text(stmt, 0));
                snprintf(u.role, sizeof u.role, "%s", (const char *)sqlite3_column_text(stmt, 1));
                json_array_append_new(list, user_to_json(&u));
        }
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
                json_decref(list);
                return store_errno(rc);
        }
        *ret = list;
        return 0;
}

int users_count_admins(struct store *s, int64_t *ret) {
        return store_query_int64(s, "SELECT COUNT(*) FROM users WHERE role = 'admin'", ret);
}

int users_create(struct txn *t, const char *username, const char *role, const char *password_hash) {
        sqlite3_stmt *stmt;
        int r = store_prepare(t->store, "INSERT INTO users (username, role, password_hash, created_at, updated_at) "
                                        "VALUES (?, ?, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        int64_t now = now_unix();
        sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, password_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, now);
        sqlite3_bind_int64(stmt, 5, now);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        return txn_record(t, "user", username, NULL, json_pack("{s:s}", "role", role));
}

int users_update(struct txn *t, const char *username, const char *role, const char *password_hash) {
        struct user old;
        int r = users_get(t->store, username, &old, NULL);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        r = store_prepare(t->store, "UPDATE users SET role = COALESCE(?, role), password_hash = COALESCE(?, password_hash), "
                                    "updated_at = ? WHERE username = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, role, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, password_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, now_unix());
        sqlite3_bind_text(stmt, 4, username, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);

        /* The diff says that the password changed, never what it is. */
        json_t *before = json_pack("{s:s}", "role", old.role);
        json_t *after = json_pack("{s:s}", "role", role ? role : old.role);
        if (password_hash) {
                json_object_set_new(before, "password", json_string("(set)"));
                json_object_set_new(after, "password", json_string("(changed)"));
        }
        return txn_record(t, "user", username, before, after);
}

int users_delete(struct txn *t, const char *username) {
        struct user old;
        int r = users_get(t->store, username, &old, NULL);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        r = store_prepare(t->store, "DELETE FROM users WHERE username = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        return txn_record(t, "user", username, json_pack("{s:s}", "role", old.role), NULL);
}
