/* Matching a path against the route table's patterns. */
#include "api/route.h"

#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"

const char *role_to_string(enum role role) {
        switch (role) {
        case ROLE_USER:
                return "user";
        case ROLE_ADMIN:
                return "admin";
        default:
                return "none";
        }
}

/* Matches one pattern against the path without copying it: {x} matches
 * one non-empty segment. On success the segments' offsets and lengths are
 * in starts/lens. */
static bool match_pattern(const char *pattern, const char *path, size_t starts[ROUTE_MAX_PARAMS],
                          size_t lens[ROUTE_MAX_PARAMS], unsigned *ret_n) {
        unsigned n = 0;
        const char *p = pattern, *s = path;
        while (*p && *s) {
                if (*p == '{') {
                        const char *close = strchr(p, '}');
                        size_t len = strcspn(s, "/");
                        if (!close || len == 0 || n >= ROUTE_MAX_PARAMS)
                                return false;
                        starts[n] = (size_t)(s - path);
                        lens[n++] = len;
                        p = close + 1;
                        s += len;
                        continue;
                }
                if (*p != *s)
                        return false;
                p++;
                s++;
        }
        *ret_n = n;
        return *p == 0 && *s == 0;
}

const struct route *route_match(const char *method, const char *path, const char *params[ROUTE_MAX_PARAMS],
                                char *storage, size_t size, bool *ret_path_known) {
        *ret_path_known = false;
        size_t path_len = strlen(path);
        if (path_len >= size)
                return NULL;
        for (unsigned i = 0; i < api_routes_count; i++) {
                const struct route *r = &api_routes[i];
                size_t starts[ROUTE_MAX_PARAMS], lens[ROUTE_MAX_PARAMS];
                unsigned n;
                if (!match_pattern(r->pattern, path, starts, lens, &n))
                        continue;
                if (!streq(r->method, method)) {
                        *ret_path_known = true;
                        continue;
                }
                /* The params point into storage: the path's copy with each
                 * parameter's end NUL-terminated. */
                memcpy(storage, path, path_len + 1);
                for (unsigned k = 0; k < n; k++) {
                        storage[starts[k] + lens[k]] = 0;
                        params[k] = storage + starts[k];
                }
                return r;
        }
        return NULL;
}
