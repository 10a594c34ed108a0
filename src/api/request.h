/* One API request as handlers see it, and the response they fill in.
 * Handlers never touch libmicrohttpd; server.c translates both ways.
 * A handler returns 0 after filling the response (api_reply or api_error);
 * a negative errno means "unexpected", which server.c answers with a 500. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/tokens.h"
#include "store/users.h"

struct api_context;

enum role { ROLE_NONE, ROLE_USER, ROLE_ADMIN };

enum auth_kind { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN, AUTH_PEERCRED };

enum listener { LISTENER_API, LISTENER_CONTROL };

#define ROUTE_MAX_PARAMS 2
#define RESPONSE_MAX_HEADERS 4

struct principal {
        enum auth_kind kind;
        struct user user;
        enum token_scope scope; /* for tokens */
        char csrf_token[SECRET_TOKEN_STRLEN]; /* for sessions */
        char session_cookie[SECRET_TOKEN_STRLEN];
};

struct request {
        struct api_context *ctx;
        enum listener listener;
        const char *method;
        const char *path;
        const char *request_id;
        /* Filled by the server from the connection. */
        void *connection;
        char source[64]; /* the client: X-Forwarded-For on api.sock, else "local" */
        bool forwarded_https;
        json_t *body; /* validated against the route's policy; NULL without one */
        const char *params[ROUTE_MAX_PARAMS];
        struct principal who;
};

struct response_header {
        char *name;
        char *value;
};

/* A response whose body is produced as it goes (server-sent events). */
struct response_stream {
        /* Fills up to max bytes and returns how many; 0 when nothing is
         * ready yet (the connection then sleeps until api_stream_wake), or
         * -1 to end the response. */
        long (*read)(void *cls, char *buf, size_t max);
        /* Called once when the connection is done with the stream. */
        void (*release)(void *cls);
        void *cls;
        const char *content_type;
};

/* Handed to a stream's owner so that it can wake a sleeping connection. */
struct api_stream_waker;
void api_stream_wake(struct api_stream_waker *w);

struct response {
        unsigned status;
        json_t *body; /* NULL: no body (204), unless raw is set */
        char *raw;    /* pre-serialised JSON, owned; used when body is NULL */
        /* Not JSON (a config file, an image): raw_len bytes of raw with
         * this Content-Type. */
        const char *raw_type;
        size_t raw_len;
        struct response_stream stream; /* used when stream.read is set */
        /* Set by the server before the handler runs, for streams. */
        struct api_stream_waker *waker;
        struct response_header headers[RESPONSE_MAX_HEADERS];
        unsigned n_headers;
};

/* A request header, or NULL. */
const char *request_header(struct request *req, const char *name);
/* A query argument, or NULL. */
const char *request_query(struct request *req, const char *name);
/* A cookie value, or NULL. */
const char *request_cookie(struct request *req, const char *name);

/* Steals body. */
int api_reply(struct response *resp, unsigned status, json_t *body);
/* Replies with bytes of another type (a download); takes data (malloc'd). */
int api_reply_bytes(struct response *resp, unsigned status, const char *content_type, char *data, size_t len);
/* Replies with already serialised JSON (copied). */
int api_reply_text(struct response *resp, unsigned status, const char *json_text, size_t len);
/* {"error": {"code", "message", "field"?}} with the code for the status. */
int api_error(struct response *resp, unsigned status, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Maps a negative errno from a lower layer to an error response; the
 * single place where errnos become HTTP statuses. */
int api_error_errno(struct response *resp, int r, const char *what);
int api_add_header(struct response *resp, const char *name, const char *value);
void response_release(struct response *resp);

/* The actor recorded in revisions: "admin", "root (control socket)"... */
void request_actor(const struct request *req, char *out, size_t size);
