/* /api/revisions: the history of every mutation, and rollback of the
 * cell's configuration to any revision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/config_change.h"
#include "store/revisions.h"

/* A positive decimal number with nothing after it. */
static int parse_number(const char *s, long long max, int64_t *ret) {
        if (!s || !*s || *s == '-' || *s == '+')
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < 1 || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int revisions_list_handler(struct request *req, struct response *resp) {
        int64_t limit = 100, before = 0;
        const char *q = request_query(req, "limit");
        if (q && parse_number(q, REVISIONS_LIST_MAX, &limit) < 0)
                return api_error(resp, 400, "limit", "limit must be a number from 1 to %d", REVISIONS_LIST_MAX);
        q = request_query(req, "before");
        if (q && parse_number(q, INT64_MAX, &before) < 0)
                return api_error(resp, 400, "before", "before must be a revision number");
        json_t *list;
        int r = revisions_list(req->ctx->store, before, (int)limit, &list);
        if (r < 0)
                return api_error_errno(resp, r, "revisions");
        return api_reply(resp, 200, json_pack("{s:o}", "revisions", list));
}

int revisions_get_handler(struct request *req, struct response *resp) {
        int64_t n;
        if (parse_number(req->params[0], INT64_MAX, &n) < 0)
                return api_error(resp, 404, NULL, "no revision '%s'", req->params[0]);
        json_t *rev;
        int r = revisions_get(req->ctx->store, n, &rev);
        if (r < 0)
                return api_error_errno(resp, r, "revision");
        return api_reply(resp, 200, rev);
}

int revisions_rollback_handler(struct request *req, struct response *resp) {
        int64_t n;
        if (parse_number(req->params[0], INT64_MAX, &n) < 0)
                return api_error(resp, 404, NULL, "no revision '%s'", req->params[0]);
        char actor[64], summary[96];
        request_actor(req, actor, sizeof actor);
        snprintf(summary, sizeof summary, "rollback to revision %lld", (long long)n);
        int64_t revision;
        int r = config_rollback(req->ctx->store, n, actor, summary, &revision);
        if (r < 0)
                return api_error_errno(resp, r, "revision");
        if (req->ctx->confirm_window_changed)
                req->ctx->confirm_window_changed(req->ctx);
        return api_reply(resp, 200, json_pack("{s:I}", "revision", (json_int_t)revision));
}
