/* From a parsed HTTP request to a response: routing, authentication,
 * authorisation, CSRF, body checks, then the handler. Knows nothing of
 * libmicrohttpd, so tests and fuzzers can drive it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "api/request.h"

struct incoming_body {
        bool present;
        bool too_large;
        bool json_type; /* Content-Type is application/json */
        const char *data;
        size_t len;
};

int dispatch_request(struct request *req, const struct incoming_body *in, struct response *resp);
