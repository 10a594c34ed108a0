/* The managed services: status, restart, logs (also live), and what the
 * last reconcile did. /api/containers is the seed's name for the same list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "store/apply_log.h"

#define LOG_LINES_DEFAULT 100
#define LOG_LINES_MAX 1000
#define STREAM_BACKLOG_DEFAULT 20

static json_t *services_array(struct api_context *ctx) {
        json_t *list = json_array();
        struct supervisor *sup = ctx->runtime ? runtime_supervisor(ctx->runtime) : NULL;
        for (unsigned i = 0; sup && list && i < supervisor_count(sup); i++)
                json_array_append_new(list, supervised_to_json(supervisor_get(sup, i)));
        return list;
}

int services_status_handler(struct request *req, struct response *resp) {
        return api_reply(resp, 200, json_pack("{s:o}", "services", services_array(req->ctx)));
}

int containers_list_handler(struct request *req, struct response *resp) {
        return api_reply(resp, 200, json_pack("{s:o}", "containers", services_array(req->ctx)));
}

static struct supervised *find_service(struct request *req, struct response *resp) {
        struct supervised *svc = req->ctx->runtime ? supervisor_find(runtime_supervisor(req->ctx->runtime), req->params[0])
                                                   : NULL;
        if (!svc)
                api_error(resp, 404, NULL, "no service '%s'", req->params[0]);
        return svc;
}

int containers_restart_handler(struct request *req, struct response *resp) {
        struct supervised *svc = find_service(req, resp);
        if (!svc)
                return 0;
        if (supervised_disabled(svc))
                return api_error(resp, 409, NULL, "service '%s' is disabled in the config; enable it first",
                                 supervised_name(svc));
        char actor[64];
        request_actor(req, actor, sizeof actor);
        supervised_note(svc, "restart requested by %s", actor);
        supervised_event(svc, EVENT_RESTART);
        return api_reply(resp, 200, supervised_to_json(svc));
}

/* lines=N; min 0 lets a live stream start with new lines only (tail -n 0 -f). */
static int parse_lines(struct request *req, struct response *resp, unsigned min, unsigned def, unsigned *ret) {
        const char *q = request_query(req, "lines");
        if (!q) {
                *ret = def;
                return 0;
        }
        char *end;
        errno = 0;
        long v = strtol(q, &end, 10);
        if (errno || *end || end == q || v < (long)min || v > LOG_LINES_MAX) {
                api_error(resp, 400, "lines", "lines must be a number from %u to %d", min, LOG_LINES_MAX);
                return 1;
        }
        *ret = (unsigned)v;
        return 0;
}

int services_logs_handler(struct request *req, struct response *resp) {
        struct supervised *svc = find_service(req, resp);
        unsigned n;
        if (!svc || parse_lines(req, resp, 1, LOG_LINES_DEFAULT, &n))
                return 0;
        struct logring *ring = supervised_log(svc);
        json_t *lines = json_array();
        for (uint64_t seq = logring_tail_start(ring, n); lines && seq < ring->next_seq; seq++) {
                const struct logring_line *l = logring_get(ring, seq);
                if (l)
                        json_array_append_new(lines, logring_line_to_json(l));
        }
        return api_reply(resp, 200, json_pack("{s:s, s:o}", "service", supervised_name(svc), "lines", lines));
}

int services_logs_stream_handler(struct request *req, struct response *resp) {
        struct supervised *svc = find_service(req, resp);
        unsigned n;
        if (!svc || parse_lines(req, resp, 0, STREAM_BACKLOG_DEFAULT, &n))
                return 0;
        int r = logstream_open(req->ctx->logstreams, svc, n, resp);
        if (r == -EBUSY) {
                /* A closed stream's slot is freed at the latest at the next
                 * keepalive. */
                api_error(resp, 429, NULL, "too many live log streams are open");
                return api_add_header(resp, "Retry-After", "15");
        }
        return r;
}

int apply_status_handler(struct request *req, struct response *resp) {
        json_t *outcome;
        int r = apply_log_latest(req->ctx->store, &outcome);
        if (r == -ENOENT)
                outcome = json_pack("{s:n, s:n, s:b, s:[], s:[]}", "revision", "time", "ok", 1, "files", "services");
        else if (r < 0)
                return api_error_errno(resp, r, "apply status");
        uint64_t writes = 0, reloads = 0;
        if (req->ctx->runtime)
                runtime_counters(req->ctx->runtime, &writes, &reloads);
        if (outcome)
                json_object_set_new(outcome, "totals",
                                    json_pack("{s:I, s:I}", "writes", (json_int_t)writes, "reloads", (json_int_t)reloads));
        return api_reply(resp, 200, outcome);
}
