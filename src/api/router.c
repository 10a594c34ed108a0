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

/* Matches one pattern; on success the params point into storage, which
 * holds the path's copy with segment ends NUL-terminated. */
static bool match_pattern(const char *pattern, const char *path, const char *params[ROUTE_MAX_PARAMS], char *storage,
                          size_t size) {
        if (strlen(path) >= size)
                return false;
        strcpy(storage, path);
        unsigned n = 0;
        const char *p = pattern;
        char *s = storage;
        while (*p && *s) {
                if (*p == '{') {
                        const char *close = strchr(p, '}');
                        char *end = strchrnul(s, '/');
                        if (!close || end == s || n >= ROUTE_MAX_PARAMS)
                                return false;
                        bool last = *end == 0;
                        *end = 0;
                        params[n++] = s;
                        p = close + 1;
                        s = last ? end : end + 1;
                        if (!last) {
                                if (*p != '/')
                                        return false;
                                p++;
                        }
                        continue;
                }
                if (*p != *s)
                        return false;
                p++;
                s++;
        }
        return *p == 0 && *s == 0;
}

const struct route *route_match(const char *method, const char *path, const char *params[ROUTE_MAX_PARAMS],
                                char *storage, size_t size, bool *ret_path_known) {
        *ret_path_known = false;
        for (unsigned i = 0; i < api_routes_count; i++) {
                const struct route *r = &api_routes[i];
                if (!match_pattern(r->pattern, path, params, storage, size))
                        continue;
                if (streq(r->method, method))
                        return r;
                *ret_path_known = true;
        }
        return NULL;
}
