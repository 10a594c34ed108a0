/* The HTTP client of `pic`: JSON requests to picd over DIR/run/control.sock,
 * with libcurl. It does not print; the caller reports failures once. */
#pragma once

#include <curl/curl.h>
#include <jansson.h>

#define CLIENT_TIMEOUT_S 30L
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

/* A path segment with every reserved byte percent-encoded; caller frees. */
char *client_escape(const char *segment);
