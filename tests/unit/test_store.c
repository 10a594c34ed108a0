/* The store: creation, reopening, schema versions and what store_open
 * refuses, the connection's pragmas, and transactions that append exactly
 * one revision (or nothing, when aborted). */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>

#include "common/jsonutil.h"
#include "store/migrations.h"
#include "store/revisions.h"
#include "store/store.h"

struct fixture {
        char *dir;
        char *db;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof *f);
        f->dir = test_tmpdir();
        f->db = test_path(f->dir, "cell.db");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        test_rmdir(f->dir);
        free(f->db);
        free(f);
        return 0;
}

static long long pragma_int(sqlite3 *db, const char *sql) {
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        long long v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return v;
}

static char *pragma_text(sqlite3 *db, const char *sql) {
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        char *v = strdup((const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        return v;
}

/* Writes a file with raw SQLite, outside the store. */
static void raw_sqlite(const char *path, const char *sql) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_migration_table(void **state) {
        (void)state;
        assert_true(store_migrations_count >= 1);
        assert_int_equal(store_schema_version(), store_migrations_count);
        for (unsigned i = 0; i < store_migrations_count; i++) {
                assert_int_equal(store_migrations[i].number, i + 1);
                assert_non_null(store_migrations[i].name);
                assert_non_null(store_migrations[i].sql);
                assert_true(strlen(store_migrations[i].sql) > 0);
        }
}

static void test_create_and_reopen(void **state) {
        struct fixture *f = *state;
        struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);
        assert_non_null(s);
        assert_int_equal(pragma_int(store_db(s), "PRAGMA user_version"), store_schema_version());
        assert_int_equal(store_latest_revision(s), 0);
        /* The schema is there. */
        assert_int_equal(pragma_int(store_db(s), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                                 "('config', 'pending_config', 'confirm_window', 'users', 'sessions', "
                                                 "'tokens', 'revisions')"),
                         7);
        s = store_close(s);
        assert_null(s);

        /* Creating over an existing file is refused and leaves it alone. */
        struct store *other = (struct store *)0x1;
        assert_int_equal(store_create(f->db, &other), -EEXIST);
        assert_ptr_equal(other, (struct store *)0x1);

        assert_int_equal(store_open(f->db, &s), 0);
        assert_int_equal(pragma_int(store_db(s), "PRAGMA user_version"), store_schema_version());
        store_close(s);
        /* store_close accepts NULL, so the cleanup attribute always works. */
        assert_null(store_close(NULL));
}

static void test_pragmas(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);
        char *mode = pragma_text(store_db(s), "PRAGMA journal_mode");
        assert_string_equal(mode, "wal");
        free(mode);
        assert_int_equal(pragma_int(store_db(s), "PRAGMA synchronous"), 2); /* FULL */
        assert_int_equal(pragma_int(store_db(s), "PRAGMA foreign_keys"), 1);
        s = store_close(s);

        /* Per-connection settings are set again on open. */
        assert_int_equal(store_open(f->db, &s), 0);
        mode = pragma_text(store_db(s), "PRAGMA journal_mode");
        assert_string_equal(mode, "wal");
        free(mode);
        assert_int_equal(pragma_int(store_db(s), "PRAGMA synchronous"), 2);
        assert_int_equal(pragma_int(store_db(s), "PRAGMA foreign_keys"), 1);
}

static void test_open_missing(void **state) {
        struct fixture *f = *state;
        struct store *s = (struct store *)0x1;
        assert_int_equal(store_open(f->db, &s), -ENOENT);
        assert_ptr_equal(s, (struct store *)0x1);
        /* Opening must not have created it. */
        assert_int_equal(access(f->db, F_OK), -1);
}

static void test_open_newer_schema(void **state) {
        struct fixture *f = *state;
        struct store *s;
        assert_int_equal(store_create(f->db, &s), 0);
        store_close(s);
        raw_sqlite(f->db, "PRAGMA user_version = 9999");

        s = (struct store *)0x1;
        assert_int_equal(store_open(f->db, &s), -EPROTONOSUPPORT);
        assert_ptr_equal(s, (struct store *)0x1);
        /* Refusing did not downgrade the file. */
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        assert_int_equal(pragma_int(db, "PRAGMA user_version"), 9999);
        sqlite3_close(db);
}

static void test_open_foreign_sqlite(void **state) {
        struct fixture *f = *state;
        raw_sqlite(f->db, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')");
        struct store *s = (struct store *)0x1;
        assert_int_equal(store_open(f->db, &s), -EBADMSG);
        assert_ptr_equal(s, (struct store *)0x1);
        /* Nothing was migrated into someone else's database. */
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        assert_int_equal(pragma_int(db, "PRAGMA user_version"), 0);
        assert_int_equal(pragma_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'revisions'"), 0);
        sqlite3_close(db);
}

static void test_open_not_sqlite(void **state) {
        struct fixture *f = *state;
        int fd = open(f->db, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        static const char junk[] = "this is not an SQLite database, just some text that is long enough\n"
                                   "to cover the 100-byte header SQLite reads first..................\n";
        assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
        close(fd);
        struct store *s = (struct store *)0x1;
        assert_int_equal(store_open(f->db, &s), -EBADMSG);
        assert_ptr_equal(s, (struct store *)0x1);
}

static void test_open_empty_file(void **state) {
        struct fixture *f = *state;
        int fd = open(f->db, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        struct store *s = (struct store *)0x1;
        /* SQLite treats an empty file as an empty database: user_version 0. */
        assert_int_equal(store_open(f->db, &s), -EBADMSG);
        assert_ptr_equal(s, (struct store *)0x1);
}

static void test_txn_commit(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);

        struct txn t;
        assert_int_equal(txn_begin(s, &t), 0);
        assert_true(t.open);
        assert_int_equal(store_exec(s, "INSERT INTO config (key, value) VALUES ('domain', '\"cell\"')"), 0);
        assert_int_equal(txn_record(&t, "config", "domain", NULL, json_string("cell")), 0);
        assert_int_equal(txn_record(&t, "config", "ports.dns", json_integer(53), json_integer(5353)), 0);
        int64_t rev = 0;
        assert_int_equal(txn_commit(&t, "tester", "first change", &rev), 0);
        assert_int_equal(rev, 1);
        assert_false(t.open);
        assert_null(t.changes);
        assert_int_equal(store_latest_revision(s), 1);
        txn_abort(&t); /* after a commit: a no-op */

        _cleanup_json_ json_t *r1 = NULL;
        assert_int_equal(revisions_get(s, 1, &r1), 0);
        assert_int_equal(json_integer_value(json_object_get(r1, "number")), 1);
        assert_string_equal(json_string_value(json_object_get(r1, "actor")), "tester");
        assert_string_equal(json_string_value(json_object_get(r1, "summary")), "first change");
        assert_non_null(json_string_value(json_object_get(r1, "time")));
        _cleanup_json_ json_t *want = test_json(
                "{\"changes\": [{\"entity\": \"config\", \"key\": \"domain\", \"before\": null, \"after\": \"cell\"},"
                "{\"entity\": \"config\", \"key\": \"ports.dns\", \"before\": 53, \"after\": 5353}]}");
        assert_true(json_equal(json_object_get(r1, "diff"), want));

        /* The next one is 2, with ret_revision optional. */
        assert_int_equal(txn_begin(s, &t), 0);
        assert_int_equal(txn_record(&t, "user", "bob", NULL, NULL), 0);
        assert_int_equal(txn_commit(&t, "tester", "second", NULL), 0);
        assert_int_equal(store_latest_revision(s), 2);

        _cleanup_json_ json_t *list = NULL;
        assert_int_equal(revisions_list(s, 0, 10, &list), 0);
        assert_int_equal(json_array_size(list), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "number")), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "number")), 1);
        json_decref(list);
        assert_int_equal(revisions_list(s, 2, 10, &list), 0);
        assert_int_equal(json_array_size(list), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "number")), 1);
        json_decref(list);
        assert_int_equal(revisions_list(s, 0, 1, &list), 0);
        assert_int_equal(json_array_size(list), 1);

        json_t *none = (json_t *)0x1;
        assert_int_equal(revisions_get(s, 3, &none), -ENOENT);
        assert_int_equal(revisions_get(s, 0, &none), -ENOENT);
        assert_ptr_equal(none, (json_t *)0x1);

        /* Survives a reopen. */
        s = store_close(s);
        assert_int_equal(store_open(f->db, &s), 0);
        assert_int_equal(store_latest_revision(s), 2);
}

static void test_txn_abort(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);

        struct txn t;
        assert_int_equal(txn_begin(s, &t), 0);
        assert_int_equal(store_exec(s, "INSERT INTO config (key, value) VALUES ('domain', '\"cell\"')"), 0);
        assert_int_equal(txn_record(&t, "config", "domain", NULL, json_string("cell")), 0);
        txn_abort(&t);
        assert_false(t.open);
        assert_null(t.changes);
        txn_abort(&t); /* safe twice */
        assert_int_equal(txn_commit(&t, "tester", "too late", NULL), -EINVAL);

        assert_int_equal(store_latest_revision(s), 0);
        /* (A new store holds only the rows its migrations put there.) */
        assert_int_equal(pragma_int(store_db(s), "SELECT COUNT(*) FROM config WHERE key = 'domain'"), 0);
        assert_int_equal(pragma_int(store_db(s), "SELECT COUNT(*) FROM revisions"), 0);

        /* The connection is usable again: a new transaction commits as 1. */
        assert_int_equal(txn_begin(s, &t), 0);
        int64_t rev = 0;
        assert_int_equal(txn_commit(&t, "tester", "empty", &rev), 0);
        assert_int_equal(rev, 1);
}

static void test_txn_cleanup_attribute(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);
        {
                _cleanup_txn_ struct txn t = {0};
                assert_int_equal(txn_begin(s, &t), 0);
                assert_int_equal(store_exec(s, "INSERT INTO config (key, value) VALUES ('k', '1')"), 0);
                /* leaves scope without a commit */
        }
        assert_int_equal(pragma_int(store_db(s), "SELECT COUNT(*) FROM config WHERE key = 'k'"), 0);
        {
                /* A zeroed txn that was never begun is fine to clean up. */
                _cleanup_txn_ struct txn t = {0};
                (void)t;
        }
}

static void test_txn_busy(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *a = NULL;
        _cleanup_store_ struct store *b = NULL;
        assert_int_equal(store_create(f->db, &a), 0);
        assert_int_equal(store_open(f->db, &b), 0);
        /* Don't wait five seconds for the lock in a unit test. */
        sqlite3_busy_timeout(store_db(b), 10);

        struct txn ta, tb;
        assert_int_equal(txn_begin(a, &ta), 0);
        assert_int_equal(txn_begin(b, &tb), -EBUSY);
        assert_false(tb.open);
        assert_null(tb.changes);
        txn_abort(&tb);
        assert_int_equal(txn_commit(&ta, "a", "holds the lock", NULL), 0);
        assert_int_equal(txn_begin(b, &tb), 0);
        int64_t rev;
        assert_int_equal(txn_commit(&tb, "b", "after a", &rev), 0);
        assert_int_equal(rev, 2);
}

static void test_prepare_cache(void **state) {
        struct fixture *f = *state;
        _cleanup_store_ struct store *s = NULL;
        assert_int_equal(store_create(f->db, &s), 0);
        static const char sql[] = "SELECT ?";
        sqlite3_stmt *a, *b;
        assert_int_equal(store_prepare(s, sql, &a), 0);
        sqlite3_bind_int(a, 1, 42);
        assert_int_equal(sqlite3_step(a), SQLITE_ROW);
        assert_int_equal(store_prepare(s, sql, &b), 0);
        assert_ptr_equal(a, b);
        /* Comes back reset, with the bindings cleared. */
        assert_int_equal(sqlite3_step(b), SQLITE_ROW);
        assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
        sqlite3_reset(b);

        sqlite3_stmt *bad = (sqlite3_stmt *)0x1;
        assert_true(store_prepare(s, "SELECT FROM nowhere", &bad) < 0);
        assert_ptr_equal(bad, (sqlite3_stmt *)0x1);
}

static void test_store_errno(void **state) {
        (void)state;
        assert_int_equal(store_errno(SQLITE_OK), 0);
        assert_int_equal(store_errno(SQLITE_DONE), 0);
        assert_int_equal(store_errno(SQLITE_ROW), 0);
        assert_int_equal(store_errno(SQLITE_BUSY), -EBUSY);
        assert_int_equal(store_errno(SQLITE_BUSY_SNAPSHOT), -EBUSY); /* extended codes map by their base */
        assert_int_equal(store_errno(SQLITE_CONSTRAINT_UNIQUE), -EEXIST);
        assert_int_equal(store_errno(SQLITE_FULL), -ENOSPC);
        assert_int_equal(store_errno(SQLITE_NOTADB), -EBADMSG);
        assert_int_equal(store_errno(SQLITE_CANTOPEN), -ENOENT);
        assert_int_equal(store_errno(SQLITE_READONLY), -EACCES);
        assert_int_equal(store_errno(SQLITE_IOERR), -EIO);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_migration_table), T(test_create_and_reopen), T(test_pragmas),
                T(test_open_missing),                   T(test_open_newer_schema), T(test_open_foreign_sqlite),
                T(test_open_not_sqlite),                T(test_open_empty_file),   T(test_txn_commit),
                T(test_txn_abort),                      T(test_txn_cleanup_attribute), T(test_txn_busy),
                T(test_prepare_cache),                  cmocka_unit_test(test_store_errno),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
