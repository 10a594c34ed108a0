/* See text.h. */
#include "render/text.h"

#include <stdarg.h>
#include <string.h>

#include "common/validate.h"

void text_emit(struct text *t, const char *fmt, ...) {
        if (t->error)
                return;
        va_list ap;
        va_start(ap, fmt);
        int r = buf_vprintf(&t->buf, fmt, ap);
        va_end(ap);
        if (r < 0)
                t->error = r;
}

void text_emit_bytes(struct text *t, const char *s, size_t len) {
        if (t->error)
                return;
        int r = buf_append(&t->buf, s, len);
        if (r < 0)
                t->error = r;
}

int text_finish(struct text *t, struct buf *out) {
        int r = t->error;
        if (r == 0 && out->len == 0 && !out->data && t->buf.len <= (out->limit ? out->limit : BUF_DEFAULT_LIMIT)) {
                /* An empty out takes the text's own memory: a render of
                 * megabytes is never held twice. */
                size_t limit = out->limit;
                *out = t->buf;
                out->limit = limit;
                t->buf = (struct buf)BUF_INIT;
                return 0;
        }
        if (r == 0)
                r = buf_append(out, buf_str(&t->buf), t->buf.len);
        buf_release(&t->buf);
        return r;
}

bool render_plain_path_ok(const char *p) {
        return p && p[0] == '/' && valid_text(p, 1, RENDER_PATH_MAX) && !strpbrk(p, " \"'\\#,");
}
