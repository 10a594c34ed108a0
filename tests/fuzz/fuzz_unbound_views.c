/* The views' delta reads unbound.conf from disk, where anyone with root
 * may have edited it, and turns it into control commands. Input: old and
 * new file, split at the first NUL. Whatever they hold, nothing crashes
 * or leaks; every command line is two or three tokens of [A-Za-z0-9._-];
 * and a file compared with itself gives no command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/unbound_views.h"

static bool token_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == '_';
}

/* Each line: tokens of token_char, single spaces between, `tokens` of them. */
static void check_lines(const struct buf *b, size_t n_lines, int tokens) {
        const char *p = b->len ? b->data : "";
        size_t lines = 0;
        while (*p) {
                int seen = 0;
                for (;;) {
                        size_t n = 0;
                        while (token_char(p[n]))
                                n++;
                        if (n == 0)
                                abort();
                        seen++;
                        p += n;
                        if (*p == ' ') {
                                p++;
                                continue;
                        }
                        if (*p != '\n')
                                abort();
                        p++;
                        break;
                }
                if (seen != tokens)
                        abort();
                lines++;
        }
        if (lines != n_lines)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 2);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = text[size + 1] = 0;
        const char *old_text = text, *new_text = text + strlen(text) + 1;
        if (new_text > text + size)
                new_text = "";
        struct unbound_view_delta d;
        if (unbound_view_delta_compute(old_text, new_text, &d) == 0) {
                if (d.rest_differs && (d.remove.len || d.add.len))
                        abort();
                check_lines(&d.remove, d.n_remove, 2);
                check_lines(&d.add, d.n_add, 3);
                unbound_view_delta_release(&d);
        }
        if (unbound_view_delta_compute(old_text, old_text, &d) == 0) {
                if (d.rest_differs || d.n_remove || d.n_add)
                        abort();
                unbound_view_delta_release(&d);
        }
        free(text);
        return 0;
}
