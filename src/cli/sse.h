/* An incremental parser for server-sent events (text/event-stream, as in the
 * WHATWG HTML standard, section "Interpreting an event stream"): feed it the
 * body in pieces of any size, and it calls back once per complete event.
 * It does no I/O and keeps no state beyond the unfinished line and event. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* One dispatched event. type is "message" when the stream named none; data
 * is the data lines joined with '\n' (NUL-terminated, but may hold NULs:
 * use data_len); id is the last id seen on the stream so far ("" if none).
 * All three are valid only during the callback. */
struct sse_event {
        const char *type;
        const char *data;
        size_t data_len;
        const char *id;
};

/* Returns 0 to go on; a negative errno stops the parse, and sse_parser_feed
 * returns it. */
typedef int (*sse_event_fn)(const struct sse_event *ev, void *userdata);

struct sse_parser {
        struct buf line;  /* the line read so far, without its terminator */
        struct buf type;  /* "event:" of the event being built */
        struct buf data;  /* "data:" lines, each followed by '\n' */
        struct buf id;    /* last event id: it persists across events */
        bool after_cr;    /* the last byte fed was a CR: an LF right after it belongs to it */
        bool first_line;  /* one UTF-8 BOM at the very start is skipped */
        sse_event_fn fn;
        void *userdata;
};

/* max_event bounds one line and the data of one event (the parse fails with
 * -E2BIG past it): a server cannot make the client grow without end. */
void sse_parser_init(struct sse_parser *p, size_t max_event, sse_event_fn fn, void *userdata);
void sse_parser_release(struct sse_parser *p);

/* Parses the next piece of the stream. Returns 0, -ENOMEM, -E2BIG, or the
 * callback's negative return. After an error the parser must not be fed
 * again. An event is dispatched only when its terminating blank line has
 * arrived; a stream that ends in the middle of one drops it, as the
 * standard says. */
int sse_parser_feed(struct sse_parser *p, const char *data, size_t len);

static inline void sse_parser_releasep(struct sse_parser *p) { sse_parser_release(p); }
#define _cleanup_sse_parser_ __attribute__((cleanup(sse_parser_releasep)))
