/* The golden tests' files (read whole, or written for UPDATE_GOLDEN=1) and
 * their report of a mismatch: a unified-diff-like excerpt
 * around the first line that differs, on stderr as TAP comments. Shared by
 * the renderers' golden tests; header-only, like testutil.h. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"

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

static inline char *read_file_or_null(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rbe");
        if (!f)
                return NULL;
        struct buf b = BUF_INIT;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                assert_int_equal(buf_append(&b, chunk, n), 0);
        assert_false(ferror(f));
        fclose(f);
        *ret_len = b.len;
        return buf_steal(&b);
}

static inline void write_file(const char *path, const char *data, size_t len) {
        _cleanup_free_ char *tmp = NULL;
        assert_true(asprintf(&tmp, "%s.tmp", path) > 0);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                fail_msg("cannot write '%s': %s", tmp, strerror(errno));
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(close(fd), 0);
        assert_int_equal(rename(tmp, path), 0);
}
