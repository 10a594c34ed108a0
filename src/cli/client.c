/* HTTP over a unix socket with libcurl: one easy handle per request, JSON
 * in and out, a 30 s budget; or a stream, handed on as it arrives, with no
 * budget but a stall limit. Transport errors become a -errno. */
#include "cli/client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
static struct curl_slist *make_headers(const struct client *c, const char *accept, bool has_body) {
        struct curl_slist *h = NULL, *t;
        _cleanup_free_ char *accept_line = NULL, *auth = NULL;

        if (asprintf(&accept_line, "Accept: %s", accept) < 0) {
                accept_line = NULL;
                return NULL;
        }
        if (c->token && asprintf(&auth, "Authorization: Bearer %s", c->token) < 0) {
                auth = NULL;
                return NULL;
        }
        const char *lines[] = {
                accept_line,
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

/* An easy handle with what every request shares: the socket, the URL for
 * path, the headers (owned by the caller, who keeps them alive). */
static CURL *new_handle(struct client *c, const char *url, struct curl_slist *headers) {
        CURL *h = curl_easy_init();

        if (!h)
                return NULL;
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
        curl_easy_setopt(h, CURLOPT_URL, url);
        /* Send the path as given: no dot-segment squashing of "/users/..". */
        curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error);
        return h;
}

static int parse_body(struct client *c, long status, const struct buf *body, json_t **ret) {
        json_error_t err;

        *ret = NULL;
        if (body->len == 0)
                return 0;
        *ret = json_loadb(body->data, body->len, JSON_REJECT_DUPLICATES, &err);
        if (!*ret) {
                snprintf(c->error, sizeof c->error, "HTTP %ld with a body that is not JSON: %s", status, err.text);
                return -EBADMSG;
        }
        return 0;
}

int client_request(struct client *c, const char *method, const char *path, const json_t *body,
                   long *ret_status, json_t **ret_body) {
        _cleanup_(curl_easy_cleanupp) CURL *h = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL, *payload = NULL;
        _cleanup_buf_ struct buf response = BUF_INIT;
        long status = 0;
        CURLcode code;
        int r;

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
        headers = make_headers(c, "application/json", body != NULL);
        if (!headers)
                return -ENOMEM;
        h = new_handle(c, url, headers);
        if (!h)
                return -ENOMEM;

        curl_easy_setopt(h, CURLOPT_TIMEOUT, CLIENT_TIMEOUT_S);
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

        json_t *parsed;
        if ((r = parse_body(c, status, &response, &parsed)) < 0)
                return r;
        *ret_status = status;
        *ret_body = parsed;
        return 0;
}

/* ---- streams */

struct stream {
        struct client *client;
        CURL *h;
        const char *content_type;
        client_chunk_fn fn;
        void *userdata;
        bool checked;        /* the status and Content-Type were looked at */
        long status;         /* set when checked */
        int error;           /* what made on_stream_data abort the transfer */
        uint64_t last_usec;  /* when anything last arrived (or the start) */
        struct buf error_body;
};

static void stream_release(struct stream *s) {
        buf_release(&s->error_body);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool is_2xx(long status) {
        return status >= 200 && status < 300;
}

/* "text/event-stream; charset=utf-8" is "text/event-stream". */
static bool media_type_is(const char *header, const char *want) {
        size_t n = strlen(want);

        return header && strncasecmp(header, want, n) == 0 &&
               (header[n] == 0 || header[n] == ';' || header[n] == ' ' || header[n] == '\t');
}

static size_t on_stream_data(char *data, size_t size, size_t n, void *userdata) {
        struct stream *s = userdata;
        size_t len = size * n;
        int r;

        s->last_usec = now_usec();
        if (!s->checked) {
                /* The headers are complete by the first piece of the body. */
                const char *type = NULL;
                s->checked = true;
                curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
                curl_easy_getinfo(s->h, CURLINFO_CONTENT_TYPE, &type);
                if (is_2xx(s->status) && !media_type_is(type, s->content_type)) {
                        snprintf(s->client->error, sizeof s->client->error,
                                 "HTTP %ld with Content-Type '%s', expected '%s'", s->status, type ?: "",
                                 s->content_type);
                        s->error = -EBADMSG;
                        return 0; /* less than given: curl fails with CURLE_WRITE_ERROR */
                }
        }
        if (!is_2xx(s->status)) {
                if ((r = buf_append(&s->error_body, data, len)) < 0) {
                        s->error = r;
                        return 0;
                }
                return len;
        }
        if ((r = s->fn(data, len, s->userdata)) < 0) {
                s->error = r;
                return 0;
        }
        return len;
}

static void curl_multi_cleanupp(CURLM **p) {
        if (*p)
                curl_multi_cleanup(*p);
}

/* Runs h until it is done (returns 0, with *ret_code), stop_fd is readable
 * (returns 1) or nothing arrived for CLIENT_STREAM_STALL_S (returns -ETIME).
 * Leaves h out of any multi handle. */
static int run_stream(struct stream *s, int stop_fd, CURLcode *ret_code) {
        _cleanup_(curl_multi_cleanupp) CURLM *m = curl_multi_init();
        int running = 1, r = 0;

        if (!m || curl_multi_add_handle(m, s->h) != CURLM_OK)
                return -ENOMEM;
        for (;;) {
                if (curl_multi_perform(m, &running) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
                if (!running)
                        break;
                struct curl_waitfd w = {.fd = stop_fd, .events = CURL_WAIT_POLLIN};
                if (curl_multi_poll(m, &w, stop_fd >= 0 ? 1 : 0, 1000, NULL) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
                if (w.revents & CURL_WAIT_POLLIN) {
                        r = 1;
                        break;
                }
                if (now_usec() - s->last_usec > (uint64_t)CLIENT_STREAM_STALL_S * 1000000u) {
                        r = -ETIME;
                        break;
                }
        }
        if (r == 0) {
                int left;
                CURLMsg *msg;
                *ret_code = CURLE_RECV_ERROR;
                while ((msg = curl_multi_info_read(m, &left)))
                        if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->h)
                                *ret_code = msg->data.result;
        }
        curl_multi_remove_handle(m, s->h);
        return r;
}

int client_stream(struct client *c, const char *path, const char *content_type, int stop_fd, client_chunk_fn fn,
                  void *userdata, long *ret_status, json_t **ret_body) {
        _cleanup_(curl_easy_cleanupp) CURL *h = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL;
        _cleanup_(stream_release) struct stream s = {
                .client = c, .content_type = content_type, .fn = fn, .userdata = userdata};
        long status = 0;
        CURLcode code = CURLE_OK;
        int r;

        c->error[0] = 0;
        buf_init(&s.error_body, CLIENT_MAX_RESPONSE);
        if (asprintf(&url, "http://localhost%s", path) < 0) {
                url = NULL;
                return -ENOMEM;
        }
        headers = make_headers(c, content_type, false);
        if (!headers)
                return -ENOMEM;
        h = new_handle(c, url, headers);
        if (!h)
                return -ENOMEM;
        s.h = h;
        /* No CURLOPT_TIMEOUT: a stream lasts as long as the server keeps it. */
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CLIENT_CONNECT_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);

        s.last_usec = now_usec();
        r = run_stream(&s, stop_fd, &code);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (r == 1)
                return 1;
        if (r == -ETIME)
                return status == 0 ? -ETIMEDOUT : -ETIME;
        if (r < 0)
                return r;
        if (code == CURLE_WRITE_ERROR && s.error < 0)
                return s.error;
        if (code != CURLE_OK) {
                /* Once a 2xx stream began, losing it means picd went away. */
                if (is_2xx(status) && code != CURLE_OUT_OF_MEMORY)
                        return -ECONNRESET;
                return errno_from_curl(h, code);
        }

        json_t *parsed = NULL;
        if (!is_2xx(status) && (r = parse_body(c, status, &s.error_body, &parsed)) < 0)
                return r;
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
