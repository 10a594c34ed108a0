/* The HTTP client of `pic`: JSON requests to picd over DIR/run/control.sock,
 * with libcurl. It does not print; the caller reports failures once. */
#pragma once

#include <curl/curl.h>
#include <jansson.h>

#define CLIENT_TIMEOUT_S 30L
/* A stream has no overall timeout; only connecting has one, and a stream
 * that sends nothing at all (not even a keepalive) for this long is dead. */
#define CLIENT_CONNECT_TIMEOUT_S 10L
#define CLIENT_STREAM_STALL_S 60L
/* A response larger than this is refused (-E2BIG). */
#define CLIENT_MAX_RESPONSE ((size_t)16 << 20)

struct client {
        char *socket_path; /* owned */
        char *token;       /* owned; NULL: rely on peer credentials */
        char error[CURL_ERROR_SIZE];
};

/* Sets the socket path from the cell dir, and the Bearer token from env
 * PIC_TOKEN when set. Returns 0 or -ENOMEM. */
int client_init(struct client *c, const char *dir);
void client_release(struct client *c);

/* Sends METHOD path with body (NULL: no body, and no Content-Type) and waits
 * at most CLIENT_TIMEOUT_S. On 0, *ret_status is the HTTP status and
 * *ret_body the parsed JSON body (NULL when the response had none); the
 * caller owns it. Errors, with c->error saying more when not empty:
 *   -ENOENT, -ECONNREFUSED  nobody listens on the socket
 *   -EACCES                 the socket may not be opened
 *   -ETIMEDOUT              no answer in time
 *   -EBADMSG                the body is not JSON
 *   -E2BIG, -ENOMEM, -EIO   anything else */
int client_request(struct client *c, const char *method, const char *path, const json_t *body,
                   long *ret_status, json_t **ret_body);

/* Called with each piece of a 2xx response body as it arrives. Returning a
 * negative errno aborts the transfer, and client_stream returns it. */
typedef int (*client_chunk_fn)(const char *data, size_t len, void *userdata);

/* GET path, for a response that may go on for ever (an event stream). The
 * body of a 2xx response must have Content-Type content_type (also sent as
 * Accept) and goes to fn piece by piece; the body of any other status is
 * collected and parsed as JSON, as client_request does. The transfer stops
 * when the server ends it, when fn fails, or when stop_fd (-1: none) becomes
 * readable, e.g. a signalfd.
 * Returns 1 when stopped by stop_fd. Returns 0 when the server ended the
 * response, with *ret_status and *ret_body (NULL for a 2xx) set. Errors, with
 * c->error saying more when not empty: those of client_request, and
 *   -ECONNRESET  the connection broke after a 2xx response began
 *   -ETIME       nothing arrived for CLIENT_STREAM_STALL_S after it began
 *   -EBADMSG     a 2xx response of another Content-Type
 *   fn's negative return. */
int client_stream(struct client *c, const char *path, const char *content_type, int stop_fd, client_chunk_fn fn,
                  void *userdata, long *ret_status, json_t **ret_body);

/* A path segment with every reserved byte percent-encoded; caller frees. */
char *client_escape(const char *segment);
