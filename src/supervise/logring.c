/* Log ring; see logring.h. */
#include "logring.h"

#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "common/validate.h"

void logring_init(struct logring *r) {
        memset(r, 0, sizeof *r);
        r->next_seq = 1;
}

void logring_release(struct logring *r) {
        for (unsigned i = 0; i < LOGRING_LINES; i++)
                free(r->lines[i].text);
        memset(r, 0, sizeof *r);
        r->next_seq = 1;
}

void logring_push(struct logring *r, enum log_stream stream, int64_t time, const char *text, size_t len) {
        if (len > LOGRING_LINE_MAX)
                len = LOGRING_LINE_MAX;
        char *copy = strndup(text, len);
        if (!copy)
                return;
        utf8_repair(copy); /* daemons may print anything; the API speaks JSON */
        struct logring_line *slot = &r->lines[r->next_seq % LOGRING_LINES];
        free(slot->text);
        *slot = (struct logring_line){.seq = r->next_seq++, .time = time, .stream = stream, .text = copy};
}

uint64_t logring_tail_start(const struct logring *r, unsigned n) {
        uint64_t oldest = r->next_seq > LOGRING_LINES ? r->next_seq - LOGRING_LINES : 1;
        uint64_t start = r->next_seq > n ? r->next_seq - n : 1;
        return start < oldest ? oldest : start;
}

const struct logring_line *logring_get(const struct logring *r, uint64_t seq) {
        if (seq == 0 || seq >= r->next_seq || r->next_seq - seq > LOGRING_LINES)
                return NULL;
        const struct logring_line *l = &r->lines[seq % LOGRING_LINES];
        return l->seq == seq ? l : NULL;
}

json_t *logring_line_to_json(const struct logring_line *l) {
        static const char *const streams[] = {"stdout", "stderr", "picd"};
        char when[ISO8601_LEN];
        format_iso8601(l->time, when);
        return json_pack("{s:s, s:s, s:s}", "time", when, "stream", streams[l->stream], "text", l->text);
}
