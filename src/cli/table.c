/* Aligned columns: see table.h. */
#include "cli/table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int add_row(struct table *t, const char *const *row) {
        if (t->n_rows == t->cap_rows) {
                size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
                char **p = reallocarray(t->cells, cap * t->n_columns, sizeof *p);
                if (!p)
                        return -ENOMEM;
                t->cells = p;
                t->cap_rows = cap;
        }
        char **cells = t->cells + t->n_rows * t->n_columns;
        for (size_t i = 0; i < t->n_columns; i++) {
                cells[i] = strdup(row[i] ? row[i] : "-");
                if (!cells[i]) {
                        while (i-- > 0)
                                free(cells[i]);
                        return -ENOMEM;
                }
        }
        t->n_rows++;
        return 0;
}

int table_init(struct table *t, size_t n_columns, const char *const *header) {
        *t = (struct table){.n_columns = n_columns};
        if (n_columns == 0 || n_columns > TABLE_MAX_COLUMNS)
                return -EINVAL;
        return header ? add_row(t, header) : 0;
}

void table_release(struct table *t) {
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        *t = (struct table){};
}

int table_add(struct table *t, ...) {
        const char *row[TABLE_MAX_COLUMNS];
        va_list ap;

        va_start(ap, t);
        for (size_t i = 0; i < t->n_columns; i++)
                row[i] = va_arg(ap, const char *);
        va_end(ap);
        return add_row(t, row);
}

void table_print(const struct table *t, FILE *f) {
        size_t width[TABLE_MAX_COLUMNS] = {};

        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t n = strlen(t->cells[r * t->n_columns + c]);
                        if (n > width[c])
                                width[c] = n;
                }
        for (size_t r = 0; r < t->n_rows; r++) {
                char *const *row = t->cells + r * t->n_columns;
                size_t last = t->n_columns - 1;
                /* No padding after the last non-empty cell: no trailing blanks. */
                while (last > 0 && !*row[last])
                        last--;
                for (size_t c = 0; c < last; c++)
                        fprintf(f, "%-*s  ", (int)width[c], row[c]);
                fprintf(f, "%s\n", row[last]);
        }
}
