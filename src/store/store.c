/* The store's connection, schema migrations, statement cache and the
 * transaction that appends a revision. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/timeutil.h"
#include "store/migrations.h"

#define STMT_CACHE_MAX 64

struct cached_stmt {
        const char *sql;
        sqlite3_stmt *stmt;
};

struct store {
        sqlite3 *db;
        struct cached_stmt cache[STMT_CACHE_MAX];
        unsigned n_cached;
        uint64_t generation; /* bumped by every committed revision */
        uint64_t peer_ip_next; /* where the search for a free VPN address starts */
};

int store_errno(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
                return -EBADMSG;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        default:
                return -EIO;
        }
}

unsigned store_schema_version(void) {
        return store_migrations_count;
}

sqlite3 *store_db(struct store *s) {
        return s->db;
}

int store_exec(struct store *s, const char *sql) {
        return store_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret) {
        for (unsigned i = 0; i < s->n_cached; i++)
                if (s->cache[i].sql == sql) {
                        sqlite3_reset(s->cache[i].stmt);
                        sqlite3_clear_bindings(s->cache[i].stmt);
                        *ret = s->cache[i].stmt;
                        return 0;
                }
        if (s->n_cached >= STMT_CACHE_MAX)
                return -ENOBUFS; /* a programming error: raise the limit */
        sqlite3_stmt *stmt;
        int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK)
                return store_errno(rc);
        s->cache[s->n_cached++] = (struct cached_stmt){sql, stmt};
        *ret = stmt;
        return 0;
}

static int read_user_version(struct store *s, unsigned *ret) {
        sqlite3_stmt *stmt;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &stmt, NULL);
        if (rc != SQLITE_OK)
                return store_errno(rc);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                *ret = (unsigned)sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

/* Applies migrations after `from`, each in its own transaction together
 * with the new user_version, so a crash never leaves a half-migrated file. */
static int migrate(struct store *s, unsigned from) {
        for (unsigned i = from; i < store_migrations_count; i++) {
                char pragma[64];
                int r = store_exec(s, "BEGIN IMMEDIATE");
                if (r < 0)
                        return r;
                r = store_exec(s, store_migrations[i].sql);
                if (r == 0) {
                        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %u", store_migrations[i].number);
                        r = store_exec(s, pragma);
                }
                if (r == 0)
                        r = store_exec(s, "COMMIT");
                if (r < 0) {
                        store_exec(s, "ROLLBACK");
                        return r;
                }
        }
        return 0;
}

static int store_connect(const char *path, int flags, struct store **ret) {
        _cleanup_free_ struct store *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        int rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                int r = store_errno(rc);
                sqlite3_close(s->db);
                return r;
        }
        sqlite3_busy_timeout(s->db, 5000);
        sqlite3_extended_result_codes(s->db, 0);
        /* journal_mode answers with a row; exec ignores it. */
        int r = store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        if (r < 0) {
                sqlite3_close(s->db);
                return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int store_open(const char *path, struct store **ret) {
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        struct store *s;
        int r = store_connect(path, SQLITE_OPEN_READWRITE, &s);
        if (r < 0)
                return r;
        unsigned version = 0;
        r = read_user_version(s, &version);
        if (r == 0 && version == 0)
                r = -EBADMSG; /* an SQLite file, but not one we created */
        if (r == 0 && version > store_migrations_count)
                r = -EPROTONOSUPPORT;
        if (r == 0)
                r = migrate(s, version);
        if (r < 0) {
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

int store_create(const char *path, struct store **ret) {
        struct stat st;
        if (stat(path, &st) == 0)
                return -EEXIST;
        struct store *s;
        int r = store_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s);
        if (r < 0)
                return r;
        r = migrate(s, 0);
        if (r < 0) {
                store_close(s);
                unlink(path);
                return r;
        }
        *ret = s;
        return 0;
}

struct store *store_close(struct store *s) {
        if (!s)
                return NULL;
        for (unsigned i = 0; i < s->n_cached; i++)
                sqlite3_finalize(s->cache[i].stmt);
        sqlite3_close(s->db);
        free(s);
        return NULL;
}

uint64_t *store_peer_ip_next(struct store *s) {
        return &s->peer_ip_next;
}

uint64_t store_generation(struct store *s) {
        return s->generation;
}

int64_t store_latest_revision(struct store *s) {
        sqlite3_stmt *stmt;
        if (store_prepare(s, "SELECT COALESCE(MAX(number), 0) FROM revisions", &stmt) < 0)
                return 0;
        int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_reset(stmt);
        return n;
}

int txn_begin(struct store *s, struct txn *t) {
        *t = (struct txn){.store = s};
        t->changes = json_array();
        if (!t->changes)
                return -ENOMEM;
        int r = store_exec(s, "BEGIN IMMEDIATE");
        if (r < 0) {
                json_decref(t->changes);
                t->changes = NULL;
                return r;
        }
        t->open = true;
        return 0;
}

int txn_record(struct txn *t, const char *entity, const char *key, json_t *before, json_t *after) {
        json_t *change = json_pack("{s:s, s:s, s:o, s:o}", "entity", entity, "key", key, "before",
                                   before ? before : json_null(), "after", after ? after : json_null());
        if (!change || json_array_append_new(t->changes, change) < 0)
                return -ENOMEM;
        return 0;
}

int txn_commit(struct txn *t, const char *actor, const char *summary, int64_t *ret_revision) {
        if (!t->open)
                return -EINVAL;
        _cleanup_free_ char *diff = NULL;
        json_t *wrapper = json_pack("{s:O}", "changes", t->changes);
        if (wrapper) {
                diff = json_dumps(wrapper, JSON_COMPACT);
                json_decref(wrapper);
        }
        if (!diff)
                return -ENOMEM;

        sqlite3_stmt *stmt;
        int r = store_prepare(t->store, "INSERT INTO revisions (time, actor, summary, diff) VALUES (?, ?, ?, ?)", &stmt);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, now_unix());
        sqlite3_bind_text(stmt, 2, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, summary, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, diff, -1, SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
                return store_errno(rc);
        int64_t number = sqlite3_last_insert_rowid(store_db(t->store));

        r = store_exec(t->store, "COMMIT");
        if (r < 0)
                return r; /* still open: txn_abort rolls back */
        t->open = false;
        t->store->generation++;
        json_decref(t->changes);
        t->changes = NULL;
        if (ret_revision)
                *ret_revision = number;
        return 0;
}

void txn_abort(struct txn *t) {
        if (t->open) {
                store_exec(t->store, "ROLLBACK");
                t->open = false;
        }
        json_decref(t->changes);
        t->changes = NULL;
}

int store_query_int64(struct store *s, const char *sql, int64_t *ret) {
        sqlite3_stmt *stmt;
        int r = store_prepare(s, sql, &stmt);
        if (r < 0)
                return r;
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int64(stmt, 0);
        sqlite3_reset(stmt);
        return rc == SQLITE_ROW ? 0 : store_errno(rc);
}
