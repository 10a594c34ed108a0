/* A minimal HTTP/1.1 client for local admin sockets (Caddy's admin API):
 * one request per connection, a deadline for the whole exchange, bounded
 * answers. Not for the network: picd never talks HTTP to anything but
 * daemons it runs itself, over unix sockets. Keeping libcurl out of picd
 * saves it ~3 MiB of resident libraries (OpenSSL, Kerberos, ...). */
#pragma once

#include <stddef.h>

#define UNIXHTTP_RESPONSE_MAX ((size_t)1 << 20)

struct unixhttp_request {
        const char *socket_path;
        const char *method;
        const char *path;
        const char *host;         /* the Host header */
        const char *content_type; /* NULL: no body */
        const char *body;
        size_t body_len;
        unsigned timeout_ms;
};

/* Returns 0 with the status and the body (NUL-terminated, caller frees),
 * or a negative errno: -ETIMEDOUT, -EBADMSG for an answer that is not
 * HTTP/1.x, -E2BIG past UNIXHTTP_RESPONSE_MAX. */
int unixhttp_request(const struct unixhttp_request *req, int *ret_status, char **ret_body);
