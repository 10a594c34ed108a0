/* Routing, auth and body checks before a handler runs; see dispatch.h. */
#include "api/dispatch.h"

#include <errno.h>
#include <string.h>

#include "api/auth.h"
#include "api/route.h"

#define PATH_MAX_LEN 512

static int check_body(const struct route *route, struct request *req, const struct incoming_body *in,
                      struct response *resp) {
        if (in->too_large)
                return api_error(resp, 413, NULL, "the body is larger than %zu bytes", BODY_MAX_BYTES), 1;
        bool empty = !in->present || in->len == 0;
        if (empty) {
                if (route->body && !route->body_optional)
                        return api_error(resp, 400, NULL, "this request needs a JSON body"), 1;
                return 0;
        }
        if (!in->json_type)
                return api_error(resp, 415, NULL, "the body must be sent as Content-Type: application/json"), 1;

        struct body_error err;
        json_t *body;
        if (body_parse(in->data, in->len, &body, &err) < 0)
                return api_error(resp, 400, err.field, "%s", err.message), 1;
        if (!route->body) {
                /* A route without a body accepts {} for clients that always
                 * send one, and nothing else. */
                if (json_object_size(body) == 0) {
                        json_decref(body);
                        return 0;
                }
                const char *first = json_object_iter_key(json_object_iter(body));
                api_error(resp, 400, first, "is not a known field: this request takes no body");
                json_decref(body);
                return 1;
        }
        if (body_validate(body, route->body, &err) < 0) {
                json_decref(body);
                return api_error(resp, 400, err.field, "%s %s", err.field, err.message), 1;
        }
        req->body = body;
        return 0;
}

int dispatch_request(struct request *req, const struct incoming_body *in, struct response *resp) {
        char storage[PATH_MAX_LEN];
        bool path_known;
        const struct route *route = route_match(req->method, req->path, req->params, storage, sizeof storage, &path_known);
        if (!route) {
                if (path_known)
                        return api_error(resp, 405, NULL, "method %s is not allowed here", req->method);
                return api_error(resp, 404, NULL, "no such route");
        }

        /* Invalid credentials on a public route are ignored; on a protected
         * route they are a 401, never a silent downgrade. */
        if (auth_identify(req) < 0 && route->role != ROLE_NONE)
                return api_error(resp, 401, NULL, "the session or token is not valid (expired or revoked?)");
        if (auth_authorize(route, req, resp))
                return 0;
        if (check_body(route, req, in, resp))
                return 0;
        return route->handler(req, resp);
}
