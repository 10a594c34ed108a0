/* A bounded ring of a service's recent log lines, each with its time, its
 * stream and a sequence number that only grows, so a reader (the logs API,
 * a live stream) can ask for "what came after N". */
#pragma once

#include <jansson.h>
#include <stdint.h>

#define LOGRING_LINES 1000
#define LOGRING_LINE_MAX 2048

enum log_stream { LOG_STREAM_STDOUT, LOG_STREAM_STDERR, LOG_STREAM_PICD };

struct logring_line {
        uint64_t seq;
        int64_t time;
        enum log_stream stream;
        char *text;
};

struct logring {
        struct logring_line lines[LOGRING_LINES];
        uint64_t next_seq; /* the seq the next line gets; starts at 1 */
};

void logring_init(struct logring *r);
void logring_release(struct logring *r);
/* Copies text (cut at LOGRING_LINE_MAX bytes). */
void logring_push(struct logring *r, enum log_stream stream, int64_t time, const char *text, size_t len);
/* The sequence number of the oldest line that the last n lines start at. */
uint64_t logring_tail_start(const struct logring *r, unsigned n);
/* The line with this seq, or NULL when it is gone or not there yet. */
const struct logring_line *logring_get(const struct logring *r, uint64_t seq);
json_t *logring_line_to_json(const struct logring_line *l);
