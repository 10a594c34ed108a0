/* Request accessors and response builders; the one errno -> HTTP map. */
#include "api/request.h"
#include "common/validate.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *request_header(struct request *req, const char *name) {
        return req->connection ? MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name) : NULL;
}

const char *request_query(struct request *req, const char *name) {
        return req->connection ? MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

const char *request_cookie(struct request *req, const char *name) {
        return req->connection ? MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name) : NULL;
}

int api_reply(struct response *resp, unsigned status, json_t *body) {
        resp->status = status;
        json_decref(resp->body);
        resp->body = body;
        free(resp->raw);
        resp->raw = NULL;
        resp->raw_type = NULL;
        if (status != 204 && !body)
                return -ENOMEM;
        return 0;
}

int api_reply_bytes(struct response *resp, unsigned status, const char *content_type, char *data, size_t len) {
        json_decref(resp->body);
        resp->body = NULL;
        free(resp->raw);
        resp->raw = data;
        resp->raw_len = len;
        resp->raw_type = content_type;
        resp->status = status;
        return 0;
}

int api_reply_text(struct response *resp, unsigned status, const char *json_text, size_t len) {
        json_decref(resp->body);
        resp->body = NULL;
        free(resp->raw);
        resp->raw_type = NULL;
        resp->raw = strndup(json_text, len);
        resp->status = status;
        return resp->raw ? 0 : -ENOMEM;
}

static const char *code_for(unsigned status) {
        switch (status) {
        case 400:
                return "invalid_argument";
        case 401:
                return "unauthenticated";
        case 403:
                return "permission_denied";
        case 404:
                return "not_found";
        case 405:
                return "method_not_allowed";
        case 409:
                return "conflict";
        case 413:
                return "payload_too_large";
        case 415:
                return "unsupported_media_type";
        case 422:
                return "failed_precondition";
        case 429:
                return "rate_limited";
        case 503:
                return "unavailable";
        default:
                return "internal";
        }
}

int api_error(struct response *resp, unsigned status, const char *field, const char *fmt, ...) {
        char message[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        /* Messages and fields quote client input, which need not be UTF-8. */
        utf8_repair(message);
        json_t *err = json_pack("{s:s, s:s}", "code", code_for(status), "message", message);
        if (err && field && *field) {
                char copy[256];
                snprintf(copy, sizeof copy, "%s", field);
                utf8_repair(copy);
                json_object_set_new(err, "field", json_string(copy));
        }
        return api_reply(resp, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

int api_error_errno(struct response *resp, int r, const char *what) {
        switch (r) {
        case -ENOENT:
                return api_error(resp, 404, NULL, "%s not found", what);
        case -EEXIST:
                return api_error(resp, 409, NULL, "%s already exists", what);
        case -EBUSY:
                return api_error(resp, 503, NULL, "the store is busy; try again");
        case -ENOSPC:
                return api_error(resp, 503, NULL, "the disk is full; nothing was changed");
        default:
                return r; /* unexpected: the server answers 500 and logs it */
        }
}

int api_add_header(struct response *resp, const char *name, const char *value) {
        if (resp->n_headers >= RESPONSE_MAX_HEADERS)
                return -E2BIG;
        char *n = strdup(name), *v = strdup(value);
        if (!n || !v) {
                free(n);
                free(v);
                return -ENOMEM;
        }
        resp->headers[resp->n_headers++] = (struct response_header){n, v};
        return 0;
}

void response_release(struct response *resp) {
        json_decref(resp->body);
        resp->body = NULL;
        free(resp->raw);
        resp->raw = NULL;
        for (unsigned i = 0; i < resp->n_headers; i++) {
                free(resp->headers[i].name);
                free(resp->headers[i].value);
        }
        resp->n_headers = 0;
}

void request_actor(const struct request *req, char *out, size_t size) {
        switch (req->who.kind) {
        case AUTH_PEERCRED:
                snprintf(out, size, "root (control socket)");
                break;
        case AUTH_TOKEN:
                snprintf(out, size, "%s (token)", req->who.user.username);
                break;
        default:
                snprintf(out, size, "%s", req->who.user.username);
        }
}
