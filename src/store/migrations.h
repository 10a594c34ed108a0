/* The schema migrations, embedded at build time from migrations/NNN_*.sql.
 * store_migrations[i].number == i + 1; the schema version is the number of
 * the last migration applied (PRAGMA user_version). */
#pragma once

struct migration {
        unsigned number;
        const char *name;
        const char *sql;
};

extern const struct migration store_migrations[];
extern const unsigned store_migrations_count;
