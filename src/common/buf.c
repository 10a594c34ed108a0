/* Growable buffer: see buf.h for the invariants. */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

void buf_init(struct buf *b, size_t limit) {
        *b = (struct buf){.limit = limit};
}

void buf_release(struct buf *b) {
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

void buf_clear(struct buf *b) {
        b->len = 0;
        if (b->data)
                b->data[0] = 0;
}

static size_t buf_limit(const struct buf *b) {
        return b->limit ? b->limit : BUF_DEFAULT_LIMIT;
}

static int buf_reserve(struct buf *b, size_t extra) {
        if (extra > buf_limit(b) || b->len > buf_limit(b) - extra)
                return -E2BIG;
        size_t need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->cap = cap;
        return 0;
}

int buf_append(struct buf *b, const void *data, size_t len) {
        int r = buf_reserve(b, len);
        if (r < 0)
                return r;
        if (len)
                memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = 0;
        return 0;
}

int buf_puts(struct buf *b, const char *s) {
        return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap) {
        va_list copy;
        va_copy(copy, ap);
        int n = vsnprintf(NULL, 0, fmt, copy);
        va_end(copy);
        if (n < 0)
                return -EINVAL;
        int r = buf_reserve(b, (size_t)n);
        if (r < 0)
                return r;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
        return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

char *buf_steal(struct buf *b) {
        char *s = b->data ? b->data : strdup("");
        b->data = NULL;
        b->len = b->cap = 0;
        return s;
}

int buf_read_file(struct buf *b, const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char chunk[65536];
        int r = 0;
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0 || (r = buf_append(b, chunk, (size_t)n)) < 0)
                        break;
        }
        close(fd);
        return r;
}
