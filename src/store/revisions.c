/* Revision history; see revisions.h. */
#include "revisions.h"

#include <errno.h>

#include "common/cleanup.h"
#include "common/timeutil.h"
#include "store/config.h"

static json_t *row_to_json(sqlite3_stmt *stmt) {
        char when[ISO8601_LEN];
        format_iso8601(sqlite3_column_int64(stmt, 1), when);
        json_t *diff = json_loads((const char *)sqlite3_column_text(stmt, 4), 0, NULL);
        return json_pack("{s:I, s:s, s:s, s:s, s:o}", "number", (json_int_t)sqlite3_column_int64(stmt, 0), "time", when,
                         "actor", (const char *)sqlite3_column_text(stmt, 2), "summary",
                         (const char *)sqlite3_column_text(stmt, 3), "diff", diff ? diff : json_object());
}

int revisions_list(struct store *s, int64_t before, int limit, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT number, time, actor, summary, diff FROM revisions "
                                 "WHERE ?1 = 0 OR number < ?1 ORDER BY number DESC LIMIT ?2", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, before);
        sqlite3_bind_int(stmt, 2, limit);
        json_t *list = json_array();
        if (!list)
                return -ENOMEM;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
                json_array_append_new(list, row_to_json(stmt));
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
                json_decref(list);
                return store_errno(rc);
        }
        *ret = list;
        return 0;
}

int revisions_get(struct store *s, int64_t number, json_t **ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT number, time, actor, summary, diff FROM revisions WHERE number = ?", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, number);
        int rc = sqlite3_step(stmt);
        json_t *rev = rc == SQLITE_ROW ? row_to_json(stmt) : NULL;
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return store_errno(rc);
        if (!rev)
                return -ENOMEM;
        *ret = rev;
        return 0;
}

/* Calls fn for each change after revision `number`, newest first (within
 * a revision, last change first): undoing them in this order walks the
 * state back to right after `number`. */
static int walk_back(struct store *s, int64_t number,
                     void (*fn)(const char *entity, const char *key, json_t *before, void *userdata), void *userdata) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, "SELECT diff FROM revisions WHERE number > ? ORDER BY number DESC", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, number);
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                json_t *diff = json_loads((const char *)sqlite3_column_text(stmt, 0), 0, NULL);
                json_t *changes = json_object_get(diff, "changes");
                for (size_t i = json_array_size(changes); i-- > 0;) {
                        json_t *c = json_array_get(changes, i);
                        const char *entity = json_string_value(json_object_get(c, "entity"));
                        const char *key = json_string_value(json_object_get(c, "key"));
                        if (entity && key)
                                fn(entity, key, json_object_get(c, "before"), userdata);
                }
                json_decref(diff);
        }
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

static void undo_config(const char *entity, const char *key, json_t *before, void *userdata) {
        if (!streq(entity, "config"))
                return;
        if (!before || json_is_null(before))
                json_object_del(userdata, key);
        else
                json_object_set(userdata, key, before);
}

int revisions_config_at(struct store *s, int64_t number, json_t **ret) {
        json_t *probe;
        int r = revisions_get(s, number, &probe);
        if (r < 0)
                return r;
        json_decref(probe);
        json_t *flat;
        if ((r = config_load(s, &flat)) < 0)
                return r;
        if ((r = walk_back(s, number, undo_config, flat)) < 0) {
                json_decref(flat);
                return r;
        }
        *ret = flat;
        return 0;
}

struct entity_walk {
        const char *entity;
        json_t *rows;
};

/* Each "before" overwrites the last: what remains per key is the row
 * before the oldest change after `number`, that is, the row right after it. */
static void undo_entity(const char *entity, const char *key, json_t *before, void *userdata) {
        struct entity_walk *w = userdata;
        if (streq(entity, w->entity))
                json_object_set_new(w->rows, key, before ? json_incref(before) : json_null());
}

int revisions_entity_at(struct store *s, int64_t number, const char *entity, json_t **ret) {
        struct entity_walk w = {entity, json_object()};
        if (!w.rows)
                return -ENOMEM;
        int r = walk_back(s, number, undo_entity, &w);
        if (r < 0) {
                json_decref(w.rows);
                return r;
        }
        *ret = w.rows;
        return 0;
}
