/* API tokens; see tokens.h. */
#include "tokens.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/timeutil.h"

static const char *const scope_names[] = {"read", "write", "admin"};

int token_scope_from_string(const char *s, enum token_scope *ret) {
        for (unsigned i = 0; i < ELEMENTSOF(scope_names); i++)
                if (s && streq(s, scope_names[i])) {
                        *ret = (enum token_scope)i;
                        return 0;
                }
        return -EINVAL;
}

const char *token_scope_to_string(enum token_scope scope) {
        return scope_names[scope];
}

#define TOKEN_COLUMNS                                                                                      \
        "t.id, t.name, t.scope, t.created_at, COALESCE(t.expires_at, 0), COALESCE(t.last_used_at, 0), "  \
        "u.username, u.role, u.created_at, u.updated_at "

static void read_row(sqlite3_stmt *stmt, struct token_info *ret) {
        struct token_info info = {
                .created_at = sqlite3_column_int64(stmt, 3),
                .expires_at = sqlite3_column_int64(stmt, 4),
                .last_used_at = sqlite3_column_int64(stmt, 5),
        };
        snprintf(info.id, sizeof info.id, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(info.name, sizeof info.name, "%s", (const char *)sqlite3_column_text(stmt, 1));
        token_scope_from_string((const char *)sqlite3_column_text(stmt, 2), &info.scope);
        snprintf(info.user.username, sizeof info.user.username, "%s", (const char *)sqlite3_column_text(stmt, 6));
        snprintf(info.user.role, sizeof info.user.role, "%s", (const char *)sqlite3_column_text(stmt, 7));
        info.user.created_at = sqlite3_column_int64(stmt, 8);
        info.user.updated_at = sqlite3_column_int64(stmt, 9);
        *ret = info;
}

json_t *token_to_json(const struct token_info *info) {
        char created[ISO8601_LEN], expires[ISO8601_LEN], used[ISO8601_LEN];
        format_iso8601(info->created_at, created);
        format_iso8601(info->expires_at, expires);
        format_iso8601(info->last_used_at, used);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "id", info->id, "name", info->name, "username",
                         info->user.username, "scope", token_scope_to_string(info->scope), "created_at", created,
                         "expires_at", info->expires_at ? expires : NULL, "last_used_at",
                         info->last_used_at ? used : NULL);
}

int tokens_create(struct txn *t, const char *username, const char *name, enum token_scope scope, int64_t expires_at,
                  char ret_text[TOKEN_TEXT_LEN], struct token_info *ret) {
        char id[TOKEN_ID_LEN + 1], secret[SECRET_TOKEN_STRLEN], text[TOKEN_TEXT_LEN];
        uint8_t digest[SECRET_DIGEST_BYTES];
        secret_random_text(id, TOKEN_ID_LEN);
        secret_random_token(secret);
        snprintf(text, sizeof text, "pic_%s_%s", id, secret);
        secret_digest(secret, digest);

        sqlite3_stmt *stmt;
        int r = store_prepare(t->store, "INSERT INTO tokens (id, username, name, scope, digest, created_at, expires_at) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        int64_t now = now_unix();
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, username, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, token_scope_to_string(scope), -1, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 5, digest, sizeof digest, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, now);
        if (expires_at)
                sqlite3_bind_int64(stmt, 7, expires_at);
        else
                sqlite3_bind_null(stmt, 7);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);

        r = tokens_get(t->store, id, ret);
        if (r < 0)
                return r;
        r = txn_record(t, "token", id, NULL,
                       json_pack("{s:s, s:s, s:s}", "name", name, "username", username, "scope",
                                 token_scope_to_string(scope)));
        if (r < 0)
                return r;
        memcpy(ret_text, text, sizeof text);
        return 0;
}

int tokens_get(struct store *s, const char *id, struct token_info *ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " TOKEN_COLUMNS "FROM tokens t JOIN users u ON u.username = t.username WHERE t.id = ?",
                              &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                read_row(stmt, ret);
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

int token_parse(const char *text, char ret_id[TOKEN_ID_LEN + 1], const char **ret_secret) {
        /* pic_<12>_<43> */
        if (strlen(text) != TOKEN_TEXT_LEN - 1 || strncmp(text, "pic_", 4) != 0 || text[4 + TOKEN_ID_LEN] != '_')
                return -EINVAL;
        memcpy(ret_id, text + 4, TOKEN_ID_LEN);
        ret_id[TOKEN_ID_LEN] = 0;
        *ret_secret = text + 4 + TOKEN_ID_LEN + 1;
        return 0;
}

int tokens_authenticate(struct store *s, const char *text, int64_t now, struct token_info *ret) {
        char id[TOKEN_ID_LEN + 1];
        const char *secret;
        if (token_parse(text, id, &secret) < 0)
                return -ENOENT;

        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " TOKEN_COLUMNS ", t.digest FROM tokens t JOIN users u ON u.username = t.username "
                                 "WHERE t.id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(stmt);
                return rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
        }
        uint8_t presented[SECRET_DIGEST_BYTES];
        secret_digest(secret, presented);
        bool match = sqlite3_column_bytes(stmt, 10) == SECRET_DIGEST_BYTES &&
                     secret_equal(sqlite3_column_blob(stmt, 10), presented, SECRET_DIGEST_BYTES);
        struct token_info info;
        read_row(stmt, &info);
        sqlite3_reset(stmt);
        if (!match || (info.expires_at && info.expires_at <= now))
                return -ENOENT;
        *ret = info;
        return 0;
}

int tokens_list(struct store *s, const char *username, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT " TOKEN_COLUMNS "FROM tokens t JOIN users u ON u.username = t.username "
                                 "WHERE ?1 IS NULL OR t.username = ?1 ORDER BY t.created_at, t.id", &stmt);
        if (r < 0)
                return r;
        if (username)
                sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
        json_t *list = json_array();
        if (!list)
                return -ENOMEM;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                struct token_info info;
                read_row(stmt, &info);
                json_array_append_new(list, token_to_json(&info));
        }
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
                json_decref(list);
                return store_errno(rc);
        }
        *ret = list;
        return 0;
}

int tokens_delete(struct txn *t, const char *id) {
        struct token_info info;
        int r = tokens_get(t->store, id, &info);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        r = store_prepare(t->store, "DELETE FROM tokens WHERE id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        return txn_record(t, "token", id,
                          json_pack("{s:s, s:s, s:s}", "name", info.name, "username", info.user.username, "scope",
                                    token_scope_to_string(info.scope)),
                          NULL);
}

int tokens_touch(struct store *s, struct token_info *info, int64_t now) {
        if (info->last_used_at && now - info->last_used_at < TOKEN_TOUCH_INTERVAL)
                return 0;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "UPDATE tokens SET last_used_at = ? WHERE id = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, now);
        sqlite3_bind_text(stmt, 2, info->id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        info->last_used_at = now;
        return 0;
}
