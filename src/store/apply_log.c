/* Reconcile outcomes; see apply_log.h. */
#include "apply_log.h"

#include <errno.h>

#include "common/cleanup.h"

int apply_log_append(struct store *s, int64_t revision, int64_t time, bool ok, json_t *outcome) {
        _cleanup_free_ char *text = json_dumps(outcome, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "INSERT INTO apply_log (revision, time, ok, outcome) VALUES (?, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, revision);
        sqlite3_bind_int64(stmt, 2, time);
        sqlite3_bind_int(stmt, 3, ok);
        sqlite3_bind_text(stmt, 4, text, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        r = store_prepare(s, "DELETE FROM apply_log WHERE id <= (SELECT MAX(id) FROM apply_log) - ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int(stmt, 1, APPLY_LOG_KEEP);
        rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int apply_log_latest(struct store *s, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT outcome FROM apply_log ORDER BY id DESC LIMIT 1", &stmt);
        if (r < 0)
                return r;
        int rc = sqlite3_step(stmt);
        json_t *v = rc == SQLITE_ROW ? json_loads((const char *)sqlite3_column_text(stmt, 0), 0, NULL) : NULL;
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return store_errno(rc);
        if (!v)
                return -EBADMSG;
        *ret = v;
        return 0;
}
