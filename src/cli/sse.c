/* Server-sent events, parsed incrementally: see sse.h. Lines end in CRLF,
 * LF or CR, and a terminator may be split across two feeds. */
#include "cli/sse.h"

#include <string.h>

void sse_parser_init(struct sse_parser *p, size_t max_event, sse_event_fn fn, void *userdata) {
        *p = (struct sse_parser){.first_line = true, .fn = fn, .userdata = userdata};
        buf_init(&p->line, max_event);
        buf_init(&p->type, max_event);
        buf_init(&p->data, max_event);
        buf_init(&p->id, max_event);
}

void sse_parser_release(struct sse_parser *p) {
        buf_release(&p->line);
        buf_release(&p->type);
        buf_release(&p->data);
        buf_release(&p->id);
}

static int dispatch(struct sse_parser *p) {
        int r = 0;

        /* No data line since the last event: nothing to dispatch. */
        if (p->data.len > 0) {
                p->data.data[--p->data.len] = 0; /* the '\n' after the last data line */
                struct sse_event ev = {
                        .type = p->type.len > 0 ? buf_str(&p->type) : "message",
                        .data = buf_str(&p->data),
                        .data_len = p->data.len,
                        .id = buf_str(&p->id),
                };
                r = p->fn(&ev, p->userdata);
        }
        buf_clear(&p->data);
        buf_clear(&p->type);
        return r;
}

static bool field_is(const char *field, size_t n, const char *name) {
        return n == strlen(name) && memcmp(field, name, n) == 0;
}

static int process_line(struct sse_parser *p) {
        const char *line = buf_str(&p->line);
        size_t n = p->line.len;
        int r;

        if (p->first_line) {
                p->first_line = false;
                if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
                        line += 3, n -= 3;
        }
        if (n == 0)
                return dispatch(p);
        if (line[0] == ':') /* a comment, such as picd's ": keepalive" */
                return 0;

        const char *colon = memchr(line, ':', n);
        size_t name_len = colon ? (size_t)(colon - line) : n;
        const char *value = colon ? colon + 1 : line + n;
        size_t value_len = colon ? n - name_len - 1 : 0;
        if (value_len > 0 && value[0] == ' ')
                value++, value_len--;

        if (field_is(line, name_len, "event")) {
                buf_clear(&p->type);
                return buf_append(&p->type, value, value_len);
        }
        if (field_is(line, name_len, "data")) {
                if ((r = buf_append(&p->data, value, value_len)) < 0)
                        return r;
                return buf_append(&p->data, "\n", 1);
        }
        if (field_is(line, name_len, "id") && !memchr(value, 0, value_len)) {
                buf_clear(&p->id);
                return buf_append(&p->id, value, value_len);
        }
        return 0; /* "retry" and unknown fields are ignored */
}

int sse_parser_feed(struct sse_parser *p, const char *data, size_t len) {
        size_t i = 0;
        int r;

        while (i < len) {
                if (p->after_cr) {
                        p->after_cr = false;
                        if (data[i] == '\n') {
                                i++;
                                continue;
                        }
                }
                size_t j = i;
                while (j < len && data[j] != '\r' && data[j] != '\n')
                        j++;
                if (j > i && (r = buf_append(&p->line, data + i, j - i)) < 0)
                        return r;
                if (j == len)
                        break; /* the line goes on in the next feed */
                p->after_cr = data[j] == '\r';
                i = j + 1;
                r = process_line(p);
                buf_clear(&p->line);
                if (r < 0)
                        return r;
        }
        return 0;
}
