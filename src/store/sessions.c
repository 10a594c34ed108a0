/* Login sessions; see sessions.h. */
#include "sessions.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int sessions_create(struct store *s, const char *username, int64_t now, char ret_cookie[SECRET_TOKEN_STRLEN],
                    char ret_csrf[SECRET_TOKEN_STRLEN], int64_t *ret_expires_at) {
        char cookie[SECRET_TOKEN_STRLEN], csrf[SECRET_TOKEN_STRLEN];
        uint8_t digest[SECRET_DIGEST_BYTES];
        secret_random_token(cookie);
        secret_random_token(csrf);
        secret_digest(cookie, digest);

        sqlite3_stmt *stmt;
        int r = store_prepare(s, "INSERT INTO sessions (digest, username, csrf_token, created_at, expires_at) "
                                 "VALUES (?, ?, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        int64_t expires = now + SESSION_LIFETIME_SECONDS;
        sqlite3_bind_blob(stmt, 1, digest, sizeof digest, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, username, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, now);
        sqlite3_bind_int64(stmt, 5, expires);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        memcpy(ret_cookie, cookie, sizeof cookie);
        memcpy(ret_csrf, csrf, sizeof csrf);
        *ret_expires_at = expires;
        return 0;
}

int sessions_lookup(struct store *s, const char *cookie, int64_t now, struct session *ret) {
        uint8_t digest[SECRET_DIGEST_BYTES];
        secret_digest(cookie, digest);
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT u.username, u.role, u.created_at, u.updated_at, s.csrf_token, s.expires_at "
                                 "FROM sessions s JOIN users u ON u.username = s.username WHERE s.digest = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_blob(stmt, 1, digest, sizeof digest, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW && sqlite3_column_int64(stmt, 5) > now) {
                struct session out = {.expires_at = sqlite3_column_int64(stmt, 5)};
                snprintf(out.user.username, sizeof out.user.username, "%s", (const char *)sqlite3_column_text(stmt, 0));
                snprintf(out.user.role, sizeof out.user.role, "%s", (const char *)sqlite3_column_text(stmt, 1));
                out.user.created_at = sqlite3_column_int64(stmt, 2);
                out.user.updated_at = sqlite3_column_int64(stmt, 3);
                snprintf(out.csrf_token, sizeof out.csrf_token, "%s", (const char *)sqlite3_column_text(stmt, 4));
                *ret = out;
                sqlite3_reset(stmt);
                return 0;
        }
        sqlite3_reset(stmt);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
}

int sessions_delete(struct store *s, const char *cookie) {
        uint8_t digest[SECRET_DIGEST_BYTES];
        secret_digest(cookie, digest);
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "DELETE FROM sessions WHERE digest = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_blob(stmt, 1, digest, sizeof digest, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int sessions_delete_user(struct store *s, const char *username) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "DELETE FROM sessions WHERE username = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_text(stmt, 1, username, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int sessions_prune(struct store *s, int64_t now) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "DELETE FROM sessions WHERE expires_at <= ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, now);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}
