/* HTTP over a unix socket with libcurl: one easy handle per request, JSON
 * in and out, a 30 s budget. Transport errors become a -errno. */
#include "cli/client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"

int client_init(struct client *c, const char *dir) {
        *c = (struct client){};
        if (asprintf(&c->socket_path, "%s/run/control.sock", dir) < 0) {
                c->socket_path = NULL;
                return -ENOMEM;
        }
        const char *token = getenv("PIC_TOKEN");
        if (token && *token) {
                c->token = strdup(token);
                if (!c->token)
                        return -ENOMEM;
        }
        return 0;
}

void client_release(struct client *c) {
        free(c->socket_path);
        c->socket_path = NULL;
        if (c->token) {
                explicit_bzero(c->token, strlen(c->token));
                free(c->token);
                c->token = NULL;
        }
}

static size_t on_data(char *data, size_t size, size_t n, void *userdata) {
        struct buf *b = userdata;
        /* Returning less than given makes curl fail with CURLE_WRITE_ERROR. */
        if (buf_append(b, data, size * n) < 0)
                return 0;
        return size * n;
}

static void curl_easy_cleanupp(CURL **p) {
        if (*p)
                curl_easy_cleanup(*p);
}

static void curl_slist_free_allp(struct curl_slist **p) {
        curl_slist_free_all(*p);
}

static int errno_from_curl(CURL *h, CURLcode code) {
        long os_errno = 0;

        switch (code) {
        case CURLE_COULDNT_CONNECT:
                curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
                if (os_errno == EACCES || os_errno == EPERM)
                        return -EACCES;
                if (os_errno == ENOENT)
                        return -ENOENT;
                return -ECONNREFUSED;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_WRITE_ERROR:
                return -E2BIG;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -EIO;
        }
}

/* Header list: Accept always; Content-Type only with a body, and explicitly
 * removed otherwise (curl would add a form type to a bodiless POST). */
static struct curl_slist *make_headers(const struct client *c, bool has_body) {
        struct curl_slist *h = NULL, *t;
        _cleanup_free_ char *auth = NULL;

        if (c->token && asprintf(&auth, "Authorization: Bearer %s", c->token) < 0) {
                auth = NULL;
                return NULL;
        }
        const char *lines[] = {
                "Accept: application/json",
                has_body ? "Content-Type: application/json" : "Content-Type:",
                "Expect:",
                auth,
        };
        for (size_t i = 0; i < ELEMENTSOF(lines) && lines[i]; i++) {
                t = curl_slist_append(h, lines[i]);
                if (!t) {
                        curl_slist_free_all(h);
                        return NULL;
                }
                h = t;
        }
        if (auth)
                explicit_bzero(auth, strlen(auth));
        return h;
}

int client_request(struct client *c, const char *method, const char *path, const json_t *body,
                   long *ret_status, json_t **ret_body) {
        _cleanup_(curl_easy_cleanupp) CURL *h = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL, *payload = NULL;
        _cleanup_buf_ struct buf response = BUF_INIT;
        long status = 0;
        CURLcode code;

        c->error[0] = 0;
        buf_init(&response, CLIENT_MAX_RESPONSE);

        if (body) {
                payload = json_dumps(body, JSON_COMPACT);
                if (!payload)
                        return -ENOMEM;
        }
        if (asprintf(&url, "http://localhost%s", path) < 0) {
                url = NULL;
                return -ENOMEM;
        }
        headers = make_headers(c, body != NULL);
        h = curl_easy_init();
        if (!h || !headers)
                return -ENOMEM;

        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
        curl_easy_setopt(h, CURLOPT_URL, url);
        /* Send the path as given: no dot-segment squashing of "/users/..". */
        curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, CLIENT_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
        if (payload || streq(method, "POST")) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload ? payload : "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                 (curl_off_t)(payload ? strlen(payload) : 0));
        }
        if (!streq(method, "GET") && !streq(method, "POST"))
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);

        code = curl_easy_perform(h);
        if (code != CURLE_OK)
                return errno_from_curl(h, code);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);

        json_t *parsed = NULL;
        if (response.len > 0) {
                json_error_t err;
                parsed = json_loadb(response.data, response.len, JSON_REJECT_DUPLICATES, &err);
                if (!parsed) {
                        snprintf(c->error, sizeof c->error, "HTTP %ld with a body that is not JSON: %s",
                                 status, err.text);
                        return -EBADMSG;
                }
        }
        *ret_status = status;
        *ret_body = parsed;
        return 0;
}

char *client_escape(const char *segment) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(segment);
        char *out = malloc(3 * n + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *s = (const unsigned char *)segment; *s; s++) {
                if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                    strchr("-._~", *s))
                        *o++ = (char)*s;
                else {
                        *o++ = '%';
                        *o++ = hex[*s >> 4];
                        *o++ = hex[*s & 15];
                }
        }
        *o = 0;
        return out;
}
