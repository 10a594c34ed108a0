/* The golden tests' report of a mismatch: a unified-diff-like excerpt
 * around the first line that differs, on stderr as TAP comments. Shared by
 * the renderers' golden tests; header-only, like testutil.h. */
#pragma once

#include <stdio.h>
#include <string.h>

/* Start of line n (0-based) of s, or NULL past the end. */
static inline const char *line_at(const char *s, size_t len, size_t n) {
        const char *p = s, *end = s + len;
        for (; n > 0 && p < end; n--) {
                const char *nl = memchr(p, '\n', end - p);
                if (!nl)
                        return NULL;
                p = nl + 1;
        }
        return p < end ? p : NULL;
}

static inline void print_lines(char sign, const char *s, size_t len, size_t from, size_t count) {
        for (size_t i = from; i < from + count; i++) {
                const char *p = line_at(s, len, i);
                if (!p)
                        break;
                const char *nl = memchr(p, '\n', s + len - p);
                int n = (int)((nl ? nl : s + len) - p);
                fprintf(stderr, "# %c%.*s%s\n", sign, n, p, nl ? "" : "  (no newline at end)");
        }
}

/* A unified-diff-like report around the first differing line; returns the
 * 1-based line number, or 0 when the texts are equal. */
static inline size_t report_diff(const char *label, const char *want, size_t want_len, const char *got, size_t got_len) {
        if (want_len == got_len && memcmp(want, got, want_len) == 0)
                return 0;
        size_t off = 0, line = 0;
        while (off < want_len && off < got_len && want[off] == got[off]) {
                if (want[off] == '\n')
                        line++;
                off++;
        }
        size_t ctx = line < 3 ? line : 3;
        fprintf(stderr, "# --- %s (expected)\n# +++ rendered\n# @@ line %zu @@\n", label, line + 1);
        print_lines(' ', want, want_len, line - ctx, ctx);
        print_lines('-', want, want_len, line, 4);
        print_lines('+', got, got_len, line, 4);
        return line + 1;
}
