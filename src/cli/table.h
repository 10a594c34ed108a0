/* Aligned columns for readable output: collect the rows, then print them
 * with each column as wide as its widest cell (the last is not padded). */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLUMNS 8

struct table {
        size_t n_columns;
        char **cells; /* n_rows * n_columns, row-major, owned */
        size_t n_rows;
        size_t cap_rows;
};

/* header: n_columns titles, or NULL for a table without a header row. */
int table_init(struct table *t, size_t n_columns, const char *const *header);
void table_release(struct table *t);
/* Appends a row of n_columns strings (NULL prints as "-"); copies them.
 * Returns 0 or -ENOMEM. */
int table_add(struct table *t, ...);
void table_print(const struct table *t, FILE *f);

static inline void table_releasep(struct table *t) { table_release(t); }
#define _cleanup_table_ __attribute__((cleanup(table_releasep)))
