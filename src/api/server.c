/* libmicrohttpd on unix sockets, driven by sd-event: listening sockets,
 * body collection with limits, request ids, the access log, and the
 * translation between MHD and struct request/response. */
#include "api/api.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <time.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/body.h"
#include "api/dispatch.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/timeutil.h"

#define CONNECTION_LIMIT 256
#define CONNECTION_TIMEOUT_SECONDS 30
#define REQUEST_ID_MAX 64
/* MHD's per-connection pool holds headers and read/write buffers; bodies
 * stream through it in pieces, so it need not hold a whole one. */
#define CONNECTION_MEMORY_BYTES ((size_t)16 * 1024)
/* After a response this large, idle heap is handed back to the kernel: one
 * big listing must not raise picd's resident memory for good. */
#define LARGE_RESPONSE_BYTES ((size_t)256 * 1024)
/* At shutdown, live streams get this many turns of 2 ms to drain. */
#define STOP_DRAIN_TURNS 100

struct listener_state {
        struct api_server *server;
        enum listener kind;
        char *path;
        int fd;
        struct MHD_Daemon *daemon;
        sd_event_source *io;
        sd_event_source *timer;
};

/* One streaming response: the connection, and whether MHD has it
 * suspended while the stream has nothing to say. */
struct api_stream_waker {
        struct MHD_Connection *connection;
        struct listener_state *listener;
        struct response_stream stream;
        bool suspended;
        bool streaming; /* the stream was handed to MHD */
        struct api_stream_waker *prev, *next;
};

struct api_server {
        struct api_context *ctx;
        sd_event *event;
        struct listener_state listeners[2];
        struct api_stream_waker *streams;
};

/* Per request: MHD calls the handler several times while the body arrives. */
struct request_state {
        struct buf body;
        bool too_large;
        bool has_body;
        bool large_response;
        uint64_t started_usec;
        char request_id[REQUEST_ID_MAX + 1];
};

/* Request ids need to be unique, not secret: a random per-process prefix
 * and a counter, so that naming a request costs no system call. */
static void next_request_id(char out[REQUEST_ID_MAX + 1]) {
        static char prefix[9];
        static uint64_t counter;
        if (!prefix[0])
                secret_random_text(prefix, 8);
        snprintf(out, REQUEST_ID_MAX + 1, "%s%08llx", prefix, (unsigned long long)++counter);
}

static bool valid_request_id(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > REQUEST_ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '-' || s[i] == '_' || s[i] == '.'))
                        return false;
        return true;
}

static void rearm_timer(struct listener_state *l);

void api_stream_wake(struct api_stream_waker *w) {
        if (!w || !w->suspended)
                return;
        w->suspended = false;
        MHD_resume_connection(w->connection);
        /* Not MHD_run here: this may be called from inside an MHD callback.
         * The listener's timer, due now, runs MHD on the next turn. */
        sd_event_source_set_time(w->listener->timer, 1);
        sd_event_source_set_enabled(w->listener->timer, SD_EVENT_ONESHOT);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max) {
        (void)pos;
        struct api_stream_waker *w = cls;
        long n = w->stream.read(w->stream.cls, buf, max);
        if (n > 0)
                return n;
        if (n < 0)
                return MHD_CONTENT_READER_END_OF_STREAM;
        /* Nothing to say yet: sleep until api_stream_wake (MHD's documented
         * way to return 0 without spinning). */
        if (!w->suspended) {
                w->suspended = true;
                MHD_suspend_connection(w->connection);
        }
        return 0;
}

static void stream_free(void *cls) {
        struct api_stream_waker *w = cls;
        if (w->stream.release)
                w->stream.release(w->stream.cls);
        struct api_server *srv = w->listener->server;
        if (w->prev)
                w->prev->next = w->next;
        else
                srv->streams = w->next;
        if (w->next)
                w->next->prev = w->prev;
        free(w);
}

static enum MHD_Result queue_stream(struct MHD_Connection *c, struct request_state *st, struct response *resp) {
        struct api_stream_waker *w = resp->waker;
        w->stream = resp->stream;
        resp->waker = NULL;
        w->streaming = true;
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, w, stream_free);
        if (!r) {
                stream_free(w);
                return MHD_NO;
        }
        MHD_add_response_header(r, "Content-Type", resp->stream.content_type);
        MHD_add_response_header(r, "Cache-Control", "no-store");
        MHD_add_response_header(r, "X-Request-Id", st->request_id);
        MHD_add_response_header(r, "X-Accel-Buffering", "no");
        enum MHD_Result ret = MHD_queue_response(c, resp->status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct request_state *st, struct response *resp) {
        if (resp->stream.read && resp->waker)
                return queue_stream(c, st, resp);
        _cleanup_free_ char *text = NULL;
        if (resp->body)
                text = json_dumps(resp->body, JSON_COMPACT | JSON_ENSURE_ASCII);
        else if (resp->raw)
                text = TAKE_PTR(resp->raw);
        if ((resp->body || resp->raw) && !text)
                return MHD_NO;
        size_t len = text ? (resp->raw_type ? resp->raw_len : strlen(text)) : 0;
        if (len >= LARGE_RESPONSE_BYTES)
                st->large_response = true;
        /* MHD frees the text once the response is gone: no copy. */
        struct MHD_Response *r = text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE)
                                      : MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
        if (!r)
                return MHD_NO;
        if (text) {
                TAKE_PTR(text);
                MHD_add_response_header(r, "Content-Type", resp->raw_type ? resp->raw_type : "application/json");
        }
        MHD_add_response_header(r, "X-Request-Id", st->request_id);
        MHD_add_response_header(r, "Cache-Control", "no-store");
        for (unsigned i = 0; i < resp->n_headers; i++)
                MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
        enum MHD_Result ret = MHD_queue_response(c, resp->status, r);
        MHD_destroy_response(r);
        return ret;
}

static void access_log(const char *method, const char *url, unsigned status, struct request_state *st) {
        uint64_t usec = now_monotonic_usec() - st->started_usec;
        log_info("%s %s %u %llu.%03llums", method, url, status, (unsigned long long)(usec / 1000),
                 (unsigned long long)(usec % 1000));
}

static bool is_json_content_type(const char *ct) {
        if (!ct)
                return false;
        size_t n = strlen("application/json");
        if (strncasecmp(ct, "application/json", n) != 0)
                return false;
        return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
        (void)version;
        struct listener_state *l = cls;
        struct request_state *st = *con_cls;

        if (!st) {
                st = calloc(1, sizeof *st);
                if (!st)
                        return MHD_NO;
                buf_init(&st->body, BODY_MAX_BYTES);
                st->started_usec = now_monotonic_usec();
                const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
                if (given && valid_request_id(given))
                        snprintf(st->request_id, sizeof st->request_id, "%s", given);
                else
                        next_request_id(st->request_id);
                *con_cls = st;

                /* Refuse an announced oversized body before reading it. */
                const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
                if (cl && strtoull(cl, NULL, 10) > BODY_MAX_BYTES) {
                        struct response resp = {0};
                        api_error(&resp, 413, NULL, "the body is larger than %zu bytes", BODY_MAX_BYTES);
                        log_set_request_id(st->request_id);
                        access_log(method, url, resp.status, st);
                        log_set_request_id(NULL);
                        enum MHD_Result ret = queue(c, st, &resp);
                        response_release(&resp);
                        return ret;
                }
                return MHD_YES;
        }

        if (*upload_data_size > 0) {
                st->has_body = true;
                if (!st->too_large && buf_append(&st->body, upload_data, *upload_data_size) < 0) {
                        st->too_large = true;
                        buf_release(&st->body);
                }
                *upload_data_size = 0;
                return MHD_YES;
        }

        log_set_request_id(st->request_id);
        struct request req = {
                .ctx = l->server->ctx,
                .listener = l->kind,
                .method = method,
                .path = url,
                .request_id = st->request_id,
                .connection = c,
        };
        struct response resp = {0};
        /* Ready in case the handler answers with a stream. */
        struct api_stream_waker *w = calloc(1, sizeof *w);
        if (!w)
                return MHD_NO;
        w->connection = c;
        w->listener = l;
        struct api_server *srv = l->server;
        w->next = srv->streams;
        if (srv->streams)
                srv->streams->prev = w;
        srv->streams = w;
        resp.waker = w;
        uint64_t generation = store_generation(l->server->ctx->store);
        struct incoming_body in = {
                .present = st->has_body,
                .too_large = st->too_large,
                .json_type = is_json_content_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type")),
                .data = buf_str(&st->body),
                .len = st->body.len,
        };
        int r = dispatch_request(&req, &in, &resp);
        if (r < 0) {
                log_error_errno(r, "Request %s %s failed", method, url);
                response_release(&resp);
                resp = (struct response){0};
                api_error(&resp, 500, NULL, "internal error; see picd's log for request %s", st->request_id);
        }
        access_log(method, url, resp.status, st);
        enum MHD_Result ret = queue(c, st, &resp);
        if (resp.waker) {
                /* Not a stream: the waker was not needed. */
                resp.stream = (struct response_stream){0};
                stream_free(resp.waker);
                resp.waker = NULL;
        }
        response_release(&resp);
        json_decref(req.body);
        log_set_request_id(NULL);
        /* A committed revision: the daemons follow the store. */
        if (store_generation(l->server->ctx->store) != generation && l->server->ctx->on_commit)
                l->server->ctx->on_commit(l->server->ctx);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        (void)cls;
        (void)c;
        (void)toe;
        struct request_state *st = *con_cls;
        if (st) {
                bool trim = st->large_response;
                buf_release(&st->body);
                free(st);
                *con_cls = NULL;
                if (trim)
                        malloc_trim(0);
        }
}

/* libmicrohttpd's own messages (mostly clients that went away) join picd's
 * log in its format instead of going raw to stderr. */
static void mhd_logger(void *cls, const char *fmt, va_list ap) {
        (void)cls;
        char msg[512];
        vsnprintf(msg, sizeof msg, fmt, ap);
        msg[strcspn(msg, "\n")] = 0;
        log_info("libmicrohttpd: %s", msg);
}

static void drive(struct listener_state *l) {
        MHD_run(l->daemon);
        rearm_timer(l);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s;
        (void)fd;
        (void)revents;
        drive(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        drive(userdata);
        return 0;
}

/* MHD may have work pending without fd activity (timeouts, buffered
 * data): it says so through MHD_get_timeout, which a one-shot timer
 * honours. The timer's accuracy is 1 us: sd-event's default slack of
 * 250 ms would stall every body read that MHD continues on a timeout. */
static void rearm_timer(struct listener_state *l) {
        MHD_UNSIGNED_LONG_LONG ms;
        if (MHD_get_timeout(l->daemon, &ms) != MHD_YES) {
                sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
                return;
        }
        uint64_t now;
        sd_event_now(l->server->event, CLOCK_MONOTONIC, &now);
        sd_event_source_set_time(l->timer, now + ms * 1000);
        sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

/* A socket file that nobody answers on is stale (picd was killed); one that
 * answers belongs to a running server, which we must not steal. */
static int claim_socket_path(const char *path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
                return -EADDRINUSE;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static int listen_unix(const char *path, mode_t mode, int *ret_fd) {
        int r = claim_socket_path(path);
        if (r < 0)
                return r;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* Bind under a umask that already gives the final mode, so there is
         * no moment when the socket is open to more than it should be. */
        mode_t old = umask(0777 & ~mode);
        r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
        umask(old);
        if (r < 0)
                return -errno;
        if (chmod(path, mode) < 0 || listen(fd, 128) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int listener_start(struct api_server *srv, struct listener_state *l, enum listener kind, const char *run_dir,
                          const char *name, mode_t mode) {
        *l = (struct listener_state){.server = srv, .kind = kind, .fd = -1};
        if (asprintf(&l->path, "%s/%s", run_dir, name) < 0) {
                l->path = NULL;
                return -ENOMEM;
        }
        int r = listen_unix(l->path, mode, &l->fd);
        if (r < 0)
                return r;
        l->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, l,
                                     MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, l->fd, MHD_OPTION_CONNECTION_LIMIT,
                                     (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
                                     (unsigned)CONNECTION_TIMEOUT_SECONDS, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                     NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, MHD_OPTION_END);
        if (!l->daemon)
                return -EIO;
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return -EIO;
        r = sd_event_add_io(srv->event, &l->io, info->epoll_fd, EPOLLIN, on_io, l);
        if (r < 0)
                return r;
        r = sd_event_add_time(srv->event, &l->timer, CLOCK_MONOTONIC, 0, 1, on_timer, l);
        if (r < 0)
                return r;
        sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
        rearm_timer(l);
        return 0;
}

static void listener_stop(struct listener_state *l) {
        /* MHD refuses to stop with suspended connections: wake them; their
         * streams have been told to end (logstream_close_all). */
        if (l->daemon && l->server) {
                /* Let ending streams send what they hold: a bounded number
                 * of turns, until none of this listener's is left. */
                for (unsigned turn = 0; turn < STOP_DRAIN_TURNS; turn++) {
                        bool left = false;
                        for (struct api_stream_waker *w = l->server->streams; w; w = w->next)
                                if (w->listener == l && w->streaming) {
                                        left = true;
                                        if (w->suspended) {
                                                w->suspended = false;
                                                MHD_resume_connection(w->connection);
                                        }
                                }
                        if (!left)
                                break;
                        MHD_run(l->daemon);
                        struct timespec pause = {.tv_nsec = 2 * 1000 * 1000};
                        nanosleep(&pause, NULL);
                }
        }
        l->io = sd_event_source_unref(l->io);
        l->timer = sd_event_source_unref(l->timer);
        if (l->daemon) {
                MHD_stop_daemon(l->daemon);
                l->daemon = NULL;
        }
        if (l->fd >= 0) {
                close(l->fd);
                l->fd = -1;
        }
        if (l->path) {
                unlink(l->path);
                free(l->path);
                l->path = NULL;
        }
}

int api_server_start(struct api_context *ctx, sd_event *event, const char *run_dir, struct api_server **ret) {
        struct api_server *srv = calloc(1, sizeof *srv);
        if (!srv)
                return -ENOMEM;
        srv->ctx = ctx;
        srv->event = sd_event_ref(event);
        srv->listeners[0].fd = srv->listeners[1].fd = -1;
        int r = listener_start(srv, &srv->listeners[0], LISTENER_CONTROL, run_dir, "control.sock", 0600);
        if (r == 0)
                r = listener_start(srv, &srv->listeners[1], LISTENER_API, run_dir, "api.sock", 0660);
        if (r < 0) {
                /* Never unlink a socket that a live server owns. */
                for (unsigned i = 0; i < 2; i++)
                        if (srv->listeners[i].fd < 0) {
                                free(srv->listeners[i].path);
                                srv->listeners[i].path = NULL;
                        }
                api_server_stop(srv);
                return r;
        }
        *ret = srv;
        return 0;
}

struct api_server *api_server_stop(struct api_server *srv) {
        if (!srv)
                return NULL;
        for (unsigned i = 0; i < 2; i++)
                listener_stop(&srv->listeners[i]);
        sd_event_unref(srv->event);
        free(srv);
        return NULL;
}
