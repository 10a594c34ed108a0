/* The store: one SQLite database, the single source of truth of a cell.
 * WAL mode, synchronous=FULL, foreign keys on. Every mutation runs in a
 * transaction (struct txn) that appends a revision with a JSON diff.
 * Functions return 0 or a negative errno; outputs (ret_*) are untouched on
 * failure. Nothing here logs. */
#pragma once

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

/* Opens an existing store and migrates it to the newest schema.
 * -ENOENT: no such file; -EPROTONOSUPPORT: its schema is newer than this
 * build knows; -EBADMSG: not a PIC store. */
int store_open(const char *path, struct store **ret);
/* Creates a new store (-EEXIST if the file exists) with the full schema. */
int store_create(const char *path, struct store **ret);
struct store *store_close(struct store *s);
static inline void store_closep(struct store **s) { *s = store_close(*s); }
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

/* The schema version this build writes. */
unsigned store_schema_version(void);
sqlite3 *store_db(struct store *s);

/* A prepared statement for a static SQL string, cached by the string's
 * address: pass string literals only. The statement comes back reset with
 * its bindings cleared; the store owns it. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret);
/* Maps a SQLite result code to a negative errno. */
int store_errno(int sqlite_rc);

/* A counter that changes with every committed revision of this
 * connection: caches of derived data compare it to know they are current.
 * picd is the only writer while it runs, so this sees every change. */
uint64_t store_generation(struct store *s);
/* peers.c's next-fit hint: the host number after the last address it
 * handed out (0 after open). Memory only: a wrong hint costs time, never
 * a wrong answer. */
uint64_t *store_peer_ip_next(struct store *s);

/* The number of the newest revision (0 when there is none). */
int64_t store_latest_revision(struct store *s);

/* One mutation. txn_begin starts BEGIN IMMEDIATE; txn_record adds a change
 * to the diff (stealing both references; NULL means "absent");
 * txn_commit appends the revision and commits. txn_abort rolls back when
 * the transaction is still open and is safe to call twice. */
struct txn {
        struct store *store;
        json_t *changes;
        bool open;
};

int txn_begin(struct store *s, struct txn *t);
int txn_record(struct txn *t, const char *entity, const char *key, json_t *before, json_t *after);
int txn_commit(struct txn *t, const char *actor, const char *summary, int64_t *ret_revision);
void txn_abort(struct txn *t);
#define _cleanup_txn_ __attribute__((cleanup(txn_abort)))

/* Run-of-the-mill helpers for single statements. */
int store_exec(struct store *s, const char *sql);
/* The one integer a query without parameters answers (SELECT COUNT(*) ...). */
int store_query_int64(struct store *s, const char *sql, int64_t *ret);
