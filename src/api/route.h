/* The route table: method, path pattern, handler, the role it requires, and
 * the policy its JSON body must satisfy. One table drives routing, auth,
 * body validation and `picd --list-routes`. */
#pragma once

#include "api/body.h"
#include "api/request.h"

typedef int (*route_handler)(struct request *req, struct response *resp);

struct route {
        const char *method;
        const char *pattern; /* "/api/users/{username}": {x} matches one segment */
        route_handler handler;
        enum role role;
        const struct body_policy *body; /* NULL: the route takes no body */
        bool body_optional;
};

extern const struct route api_routes[];
extern const unsigned api_routes_count;

/* Finds the route for method and path, filling params. Returns the route,
 * or NULL with *ret_path_known set when the path exists under another
 * method (405 rather than 404). */
const struct route *route_match(const char *method, const char *path, const char *params[ROUTE_MAX_PARAMS],
                                char *param_storage, size_t storage_size, bool *ret_path_known);

const char *role_to_string(enum role role);
