/* A growable byte buffer, always NUL-terminated, with a hard size limit.
 * Modelled on git's strbuf: buf_init, buf_release, buf_<verb>.
 * Invariant: b->data is NULL until the first append, then data[len] == 0. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
        char *data;
        size_t len;
        size_t cap;
        size_t limit; /* 0 means BUF_DEFAULT_LIMIT */
};

#define BUF_DEFAULT_LIMIT ((size_t)64 << 20)
#define BUF_INIT {0}

void buf_init(struct buf *b, size_t limit);
/* Frees the memory; the buffer may be reused after buf_init. */
void buf_release(struct buf *b);
/* Empties the buffer but keeps its memory. */
void buf_clear(struct buf *b);

/* All appenders return 0, or -ENOMEM / -E2BIG (past the limit), leaving the
 * buffer as it was on failure. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Appends the whole file at path (up to the buffer's limit: -ENOBUFS
 * past it). */
int buf_read_file(struct buf *b, const char *path);

/* Takes the string out of the buffer; the caller frees it. Never NULL on
 * success (an empty buffer gives ""). */
char *buf_steal(struct buf *b);

/* The contents as a C string ("" when empty). */
static inline const char *buf_str(const struct buf *b) { return b->data ? b->data : ""; }

static inline void buf_releasep(struct buf *b) { buf_release(b); }
#define _cleanup_buf_ __attribute__((cleanup(buf_releasep)))
