/* Live service logs as server-sent events: each open stream is a
 * subscriber that sleeps until its service prints a line (or a keepalive
 * is due), then wakes its connection. Bounded: at most LOGSTREAM_MAX open
 * streams. */
#pragma once

#include <systemd/sd-event.h>

#include "api/request.h"
#include "supervise/supervisor.h"

#define LOGSTREAM_MAX 64
#define LOGSTREAM_KEEPALIVE_USEC (15ULL * 1000000)

struct logstream_hub;

int logstream_hub_new(sd_event *event, struct logstream_hub **ret);
struct logstream_hub *logstream_hub_free(struct logstream_hub *hub);
/* The supervisor's line callback (userdata: the hub). */
void logstream_on_line(struct supervised *svc, const struct logring_line *line, void *userdata);
/* Fills resp->stream for a stream of svc's log, starting with its last
 * `backlog` lines. -EBUSY when too many streams are open. */
int logstream_open(struct logstream_hub *hub, struct supervised *svc, unsigned backlog, struct response *resp);
/* Ends every stream (picd is shutting down). */
void logstream_close_all(struct logstream_hub *hub);
