/* Live log streams; see logstream.h. */
#include "api/logstream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

struct subscriber {
        struct logstream_hub *hub;
        struct supervised *svc;
        struct api_stream_waker *waker;
        uint64_t next_seq;
        bool keepalive_due;
        bool closing;
        char *pending; /* formatted, not yet handed to the connection */
        size_t pending_len, pending_off;
        struct subscriber *prev, *next;
};

struct logstream_hub {
        struct subscriber *head;
        unsigned count;
        sd_event_source *keepalive;
};

static int on_keepalive(sd_event_source *s, uint64_t usec, void *userdata) {
        struct logstream_hub *hub = userdata;
        for (struct subscriber *sub = hub->head; sub; sub = sub->next) {
                sub->keepalive_due = true;
                api_stream_wake(sub->waker);
        }
        sd_event_source_set_time(s, usec + LOGSTREAM_KEEPALIVE_USEC);
        return 0;
}

int logstream_hub_new(sd_event *event, struct logstream_hub **ret) {
        struct logstream_hub *hub = calloc(1, sizeof *hub);
        if (!hub)
                return -ENOMEM;
        uint64_t now;
        sd_event_now(event, CLOCK_MONOTONIC, &now);
        int r = sd_event_add_time(event, &hub->keepalive, CLOCK_MONOTONIC, now + LOGSTREAM_KEEPALIVE_USEC, 1000000,
                                  on_keepalive, hub);
        if (r < 0) {
                free(hub);
                return r;
        }
        sd_event_source_set_enabled(hub->keepalive, SD_EVENT_ON);
        *ret = hub;
        return 0;
}

struct logstream_hub *logstream_hub_free(struct logstream_hub *hub) {
        if (!hub)
                return NULL;
        /* Subscribers belong to their connections, which the server ends. */
        for (struct subscriber *sub = hub->head; sub; sub = sub->next)
                sub->hub = NULL;
        sd_event_source_disable_unref(hub->keepalive);
        free(hub);
        return NULL;
}

void logstream_on_line(struct supervised *svc, const struct logring_line *line, void *userdata) {
        (void)line;
        struct logstream_hub *hub = userdata;
        for (struct subscriber *sub = hub->head; sub; sub = sub->next)
                if (sub->svc == svc)
                        api_stream_wake(sub->waker);
}

void logstream_close_all(struct logstream_hub *hub) {
        for (struct subscriber *sub = hub->head; sub; sub = sub->next) {
                sub->closing = true;
                api_stream_wake(sub->waker);
        }
}

/* Formats the next line for sub, or a keepalive when one is due.
 * Returns 1 with sub->pending filled, 0 when there is nothing to send. */
static int format_next(struct subscriber *sub) {
        struct logring *ring = supervised_log(sub->svc);
        /* A reader that fell behind the ring skips what is gone. */
        uint64_t oldest = logring_tail_start(ring, LOGRING_LINES);
        if (sub->next_seq < oldest)
                sub->next_seq = oldest;
        const struct logring_line *line = logring_get(ring, sub->next_seq);
        free(sub->pending);
        sub->pending = NULL;
        sub->pending_len = sub->pending_off = 0;
        if (line) {
                json_t *j = logring_line_to_json(line);
                char *data = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
                json_decref(j);
                if (!data)
                        return -ENOMEM;
                int n = asprintf(&sub->pending, "id: %llu\nevent: line\ndata: %s\n\n", (unsigned long long)line->seq, data);
                free(data);
                if (n < 0) {
                        sub->pending = NULL;
                        return -ENOMEM;
                }
                sub->pending_len = (size_t)n;
                sub->next_seq++;
                return 1;
        }
        if (sub->keepalive_due) {
                sub->keepalive_due = false;
                sub->pending = strdup(": keepalive\n\n");
                if (!sub->pending)
                        return -ENOMEM;
                sub->pending_len = strlen(sub->pending);
                return 1;
        }
        return 0;
}

static long subscriber_read(void *cls, char *buf, size_t max) {
        struct subscriber *sub = cls;
        if (!sub->hub)
                return -1;
        if (sub->pending_off >= sub->pending_len) {
                /* Closing: what is in the ring still goes out, then the end. */
                if (sub->closing)
                        sub->keepalive_due = false;
                int r = format_next(sub);
                if (r < 0)
                        return -1;
                if (r == 0)
                        return sub->closing ? -1 : 0;
        }
        size_t n = sub->pending_len - sub->pending_off;
        if (n > max)
                n = max;
        memcpy(buf, sub->pending + sub->pending_off, n);
        sub->pending_off += n;
        return (long)n;
}

static void subscriber_release(void *cls) {
        struct subscriber *sub = cls;
        if (sub->hub) {
                if (sub->prev)
                        sub->prev->next = sub->next;
                else
                        sub->hub->head = sub->next;
                if (sub->next)
                        sub->next->prev = sub->prev;
                sub->hub->count--;
        }
        free(sub->pending);
        free(sub);
}

int logstream_open(struct logstream_hub *hub, struct supervised *svc, unsigned backlog, struct response *resp) {
        if (hub->count >= LOGSTREAM_MAX)
                return -EBUSY;
        struct subscriber *sub = calloc(1, sizeof *sub);
        if (!sub)
                return -ENOMEM;
        *sub = (struct subscriber){.hub = hub, .svc = svc, .waker = resp->waker};
        sub->next_seq = backlog ? logring_tail_start(supervised_log(svc), backlog) : supervised_log(svc)->next_seq;
        sub->next = hub->head;
        if (hub->head)
                hub->head->prev = sub;
        hub->head = sub;
        hub->count++;
        resp->status = 200;
        resp->stream = (struct response_stream){
                .read = subscriber_read,
                .release = subscriber_release,
                .cls = sub,
                .content_type = "text/event-stream",
        };
        return 0;
}
