/* loadgen: an HTTP/1.1 load generator over a unix socket (wrk speaks only TCP).
 *
 * Single thread, epoll-driven, N keep-alive connections with one request in
 * flight on each. Responses completed during the warm-up are checked but not
 * counted; then every response within --duration is counted and its latency
 * recorded. A response that is not 2xx, or that cannot be framed (no
 * Content-Length), is an error. Prints one JSON line ("connects" above
 * "connections" means the server did not keep connections alive; "total"
 * counts the warm-up's responses too, to divide the server's CPU time); exits
 * non-zero on any error or when nothing was measured. Every loop is bounded by
 * the deadline. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 1024
#define MAX_HEADERS     16
#define MAX_SAMPLES     ((size_t) 10 * 1000 * 1000)
#define HEAD_LIMIT      16384 /* a response head larger than this is an error */
#define MAX_ERRORS      1000  /* give up early rather than spin on a broken server */
#define MAX_ERROR_LINES 5     /* error messages printed to stderr */
#define MAX_DURATION_S  3600.0

struct conn {
        int fd;            /* -1 when closed */
        bool want_out;     /* EPOLLOUT is armed */
        bool busy;         /* a request is in flight */
        bool in_body;      /* the head is parsed; body_left bytes remain */
        bool close_after;  /* the server said Connection: close */
        bool failed;       /* not 2xx: read to the end, but not counted */
        size_t sent;       /* bytes of the request written so far */
        uint64_t start_ns; /* when the request was started */
        uint64_t body_left;
        size_t head_len;
        char head[HEAD_LIMIT];
};

static struct {
        const char *socket_path;
        const char *path;
        const char *headers[MAX_HEADERS];
        int n_headers;
        int connections;
        double duration;
        double warmup;
        double timeout;
} opt = { .path = "/", .connections = 16, .duration = 5, .warmup = 1, .timeout = 5 };

static struct sockaddr_un server;
static char *request;
static size_t request_len;
static int epfd = -1;
static struct conn *conns;

static uint32_t *samples; /* latency in microseconds, clamped to UINT32_MAX */
static size_t n_samples, cap_samples;
static uint64_t n_requests, n_errors, n_connects;
static uint64_t n_total; /* 2xx responses including the warm-up, for CPU per request */
static bool measuring, stopping;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Errors during the warm-up count too: a broken server must not pass. */
static void error_seen(const char *fmt, ...) {
        va_list ap;

        n_errors++;
        if (n_errors > MAX_ERROR_LINES)
                return;
        fputs("loadgen: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void record(uint64_t ns) {
        uint64_t us = ns / 1000;

        n_requests++;
        if (n_samples == cap_samples) {
                size_t cap = cap_samples ? cap_samples * 2 : 65536;
                uint32_t *p;

                if (cap > MAX_SAMPLES)
                        cap = MAX_SAMPLES;
                if (cap == cap_samples)
                        return; /* full: counting goes on, percentiles use the first 10M */
                p = realloc(samples, cap * sizeof(*p));
                if (!p)
                        return;
                samples = p;
                cap_samples = cap;
        }
        samples[n_samples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t) us;
}

static void conn_close(struct conn *c) {
        if (c->fd >= 0)
                close(c->fd); /* also leaves the epoll set */
        c->fd = -1;
        c->busy = false;
}

static int conn_open(struct conn *c) {
        struct timeval tv = { .tv_sec = 5 };
        struct epoll_event ev;
        int fd, r;

        conn_close(c);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* A unix connect blocks while the backlog is full; bound that wait. */
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *) &server, sizeof(server)) < 0 ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
                goto fail;
        ev = (struct epoll_event) { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                goto fail;
        c->fd = fd;
        c->want_out = false;
        n_connects++;
        return 0;
fail:
        r = -errno;
        close(fd);
        return r;
}

static void conn_arm_out(struct conn *c, bool on) {
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0),
                                  .data.ptr = c };

        if (c->want_out == on)
                return;
        if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
                error_seen("epoll_ctl: %s", strerror(errno));
                conn_close(c);
                return;
        }
        c->want_out = on;
}

/* Writes what remains of the request; arms EPOLLOUT only if the socket is full. */
static void conn_send(struct conn *c) {
        while (c->sent < request_len) {
                ssize_t n = send(c->fd, request + c->sent, request_len - c->sent, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                conn_arm_out(c, true);
                                return;
                        }
                        error_seen("send: %s", strerror(errno));
                        conn_close(c);
                        return;
                }
                c->sent += (size_t) n;
        }
        conn_arm_out(c, false);
}

static void conn_start(struct conn *c) {
        int r;

        if (stopping)
                return;
        if (c->fd < 0 && (r = conn_open(c)) < 0) {
                error_seen("connect to '%s': %s", opt.socket_path, strerror(-r));
                return;
        }
        c->busy = true;
        c->sent = 0;
        c->head_len = 0;
        c->in_body = false;
        c->close_after = false;
        c->failed = false;
        c->start_ns = now_ns();
        conn_send(c);
}

static void conn_done(struct conn *c) {
        uint64_t t = now_ns();

        c->busy = false;
        if (!c->failed)
                n_total++;
        if (measuring && !c->failed)
                record(t - c->start_ns);
        if (c->close_after)
                conn_close(c);
        conn_start(c);
}

/* Header value of NAME in the head [p, end), or NULL. Lines end with CRLF. */
static const char *find_header(const char *p, const char *end, const char *name, size_t *ret_len) {
        size_t nlen = strlen(name);

        while (p < end) {
                const char *eol = memmem(p, (size_t) (end - p), "\r\n", 2);

                if (!eol)
                        eol = end;
                if ((size_t) (eol - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
                        const char *v = p + nlen + 1;

                        while (v < eol && (*v == ' ' || *v == '\t'))
                                v++;
                        *ret_len = (size_t) (eol - v);
                        return v;
                }
                p = eol + 2;
        }
        return NULL;
}

/* Parses a complete head (status line and headers, without the final CRLF).
 * Returns 0 and sets the body length, or -1 when the response cannot be used. */
static int parse_head(struct conn *c, size_t head_end) {
        const char *h = c->head, *end = c->head + head_end, *v, *lines;
        unsigned status;
        size_t vlen;
        char *num_end;

        if (head_end < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ' ||
            sscanf(h + 9, "%3u", &status) != 1) {
                error_seen("malformed status line: '%.40s'", h);
                return -1;
        }
        lines = memmem(h, head_end, "\r\n", 2);
        lines = lines ? lines + 2 : end;

        v = find_header(lines, end, "Connection", &vlen);
        c->close_after = (v && vlen == 5 && strncasecmp(v, "close", 5) == 0) ||
                         strncmp(h, "HTTP/1.0", 8) == 0;

        v = find_header(lines, end, "Content-Length", &vlen);
        if (!v) {
                if (status == 204 || status == 304) {
                        c->body_left = 0;
                        goto check_status;
                }
                error_seen("status %u without Content-Length", status);
                return -1;
        }
        errno = 0;
        c->body_left = strtoull(v, &num_end, 10);
        if (errno != 0 || num_end == v || num_end != v + vlen) {
                error_seen("bad Content-Length '%.*s'", (int) vlen, v);
                return -1;
        }
check_status:
        if (status < 200 || status > 299) {
                /* Read the body so the connection stays usable, but count it. */
                error_seen("status %u", status);
                c->failed = true;
                c->close_after = true;
        }
        return 0;
}

static void conn_readable(struct conn *c) {
        char scratch[65536];

        /* Bounded: each pass either consumes bytes or returns. */
        for (;;) {
                char *dst;
                size_t room;
                ssize_t n;

                if (c->in_body) {
                        dst = scratch;
                        room = sizeof(scratch);
                } else {
                        dst = c->head + c->head_len;
                        room = sizeof(c->head) - 1 - c->head_len;
                        if (room == 0) {
                                error_seen("response head over %d bytes", HEAD_LIMIT);
                                conn_close(c);
                                conn_start(c);
                                return;
                        }
                }
                n = recv(c->fd, dst, room, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return;
                        error_seen("recv: %s", strerror(errno));
                        conn_close(c);
                        conn_start(c);
                        return;
                }
                if (n == 0) {
                        /* Closing an idle keep-alive connection is the server's
                         * right; dropping one with a request in flight is not. */
                        if (c->busy)
                                error_seen("connection closed with a request in flight");
                        conn_close(c);
                        conn_start(c);
                        return;
                }
                if (!c->busy) {
                        error_seen("%zd bytes nobody asked for", n);
                        conn_close(c);
                        conn_start(c);
                        return;
                }

                if (c->in_body) {
                        if ((uint64_t) n > c->body_left) {
                                error_seen("%llu bytes past the response body",
                                           (unsigned long long) ((uint64_t) n - c->body_left));
                                conn_close(c);
                                conn_start(c);
                                return;
                        }
                        c->body_left -= (uint64_t) n;
                } else {
                        const char *sep;
                        size_t head_end, extra;

                        c->head_len += (size_t) n;
                        c->head[c->head_len] = 0;
                        sep = memmem(c->head, c->head_len, "\r\n\r\n", 4);
                        if (!sep)
                                continue;
                        head_end = (size_t) (sep - c->head);
                        if (parse_head(c, head_end) < 0) {
                                conn_close(c);
                                conn_start(c);
                                return;
                        }
                        extra = c->head_len - head_end - 4;
                        if (extra > c->body_left) {
                                error_seen("%zu bytes past the response body",
                                           extra - (size_t) c->body_left);
                                conn_close(c);
                                conn_start(c);
                                return;
                        }
                        c->body_left -= extra;
                        c->in_body = true;
                }
                if (c->body_left == 0) {
                        conn_done(c);
                        if (c->fd < 0 || !c->busy)
                                return;
                }
        }
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples, in milliseconds. */
static double percentile_ms(double p) {
        size_t rank;

        if (n_samples == 0)
                return 0;
        rank = (size_t) (p * (double) n_samples);
        if ((double) rank < p * (double) n_samples)
                rank++; /* ceil, without libm */
        if (rank < 1)
                rank = 1;
        if (rank > n_samples)
                rank = n_samples;
        return samples[rank - 1] / 1000.0;
}

static int build_request(void) {
        size_t len = 0;
        int n;

        for (const char *p = opt.path; *p; p++)
                if (*p == '\r' || *p == '\n' || *p == ' ')
                        return -1;
        for (int i = 0; i < opt.n_headers; i++) {
                if (strpbrk(opt.headers[i], "\r\n") || !strchr(opt.headers[i], ':'))
                        return -1;
                len += strlen(opt.headers[i]) + 2;
        }
        len += strlen(opt.path) + 64;
        request = malloc(len);
        if (!request)
                return -1;
        n = snprintf(request, len, "GET %s HTTP/1.1\r\nHost: localhost\r\n", opt.path);
        for (int i = 0; i < opt.n_headers; i++)
                n += snprintf(request + n, len - (size_t) n, "%s\r\n", opt.headers[i]);
        n += snprintf(request + n, len - (size_t) n, "\r\n");
        request_len = (size_t) n;
        return 0;
}

static void usage(FILE *f) {
        fprintf(f,
                "usage: loadgen --socket PATH [--path /url] [--header 'Name: value']...\n"
                "               [--connections 16] [--duration 5] [--warmup 1] [--timeout 5]\n"
                "HTTP/1.1 GET load over a unix socket; prints one JSON line of results.\n");
}

static int parse_args(int argc, char **argv) {
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "path", required_argument, NULL, 'p' },
                { "header", required_argument, NULL, 'H' },
                { "connections", required_argument, NULL, 'c' },
                { "duration", required_argument, NULL, 'd' },
                { "warmup", required_argument, NULL, 'w' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int ch;

        while ((ch = getopt_long(argc, argv, "s:p:H:c:d:w:t:h", longopts, NULL)) != -1) {
                char *end = NULL;

                switch (ch) {
                case 's': opt.socket_path = optarg; break;
                case 'p': opt.path = optarg; break;
                case 'H':
                        if (opt.n_headers == MAX_HEADERS) {
                                fprintf(stderr, "loadgen: at most %d headers\n", MAX_HEADERS);
                                return -1;
                        }
                        opt.headers[opt.n_headers++] = optarg;
                        break;
                case 'c':
                        opt.connections = (int) strtol(optarg, &end, 10);
                        if (*end || opt.connections < 1 || opt.connections > MAX_CONNECTIONS) {
                                fprintf(stderr, "loadgen: --connections must be 1..%d\n", MAX_CONNECTIONS);
                                return -1;
                        }
                        break;
                case 'd': case 'w': case 't': {
                        double v = strtod(optarg, &end);
                        double min = ch == 'w' ? 0 : 0.001;

                        if (*end || !(v >= min && v <= MAX_DURATION_S)) {
                                fprintf(stderr, "loadgen: bad value '%s'\n", optarg);
                                return -1;
                        }
                        *(ch == 'd' ? &opt.duration : ch == 'w' ? &opt.warmup : &opt.timeout) = v;
                        break;
                }
                case 'h': usage(stdout); exit(EXIT_SUCCESS);
                default: usage(stderr); return -1;
                }
        }
        if (optind != argc || !opt.socket_path || opt.path[0] != '/') {
                usage(stderr);
                return -1;
        }
        if (strlen(opt.socket_path) >= sizeof(server.sun_path)) {
                fprintf(stderr, "loadgen: socket path too long\n");
                return -1;
        }
        server.sun_family = AF_UNIX;
        strcpy(server.sun_path, opt.socket_path);
        if (build_request() < 0) {
                fprintf(stderr, "loadgen: bad --path or --header\n");
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        uint64_t t0, warm_end, end, timeout_ns, measure_start = 0, measure_end, next_scan;
        struct epoll_event events[64];
        double seconds;

        if (parse_args(argc, argv) < 0)
                return 2;
        signal(SIGPIPE, SIG_IGN);

        epfd = epoll_create1(EPOLL_CLOEXEC);
        conns = calloc((size_t) opt.connections, sizeof(*conns));
        if (epfd < 0 || !conns) {
                fprintf(stderr, "loadgen: setup: %s\n", strerror(errno));
                return 1;
        }

        t0 = now_ns();
        warm_end = t0 + (uint64_t) (opt.warmup * 1e9);
        end = warm_end + (uint64_t) (opt.duration * 1e9);
        timeout_ns = (uint64_t) (opt.timeout * 1e9);
        next_scan = t0 + 100000000u;

        for (int i = 0; i < opt.connections; i++) {
                conns[i].fd = -1;
                conn_start(&conns[i]);
        }

        for (;;) {
                uint64_t t = now_ns(), wake;
                int n, wait_ms;

                if (t >= end || n_errors >= MAX_ERRORS)
                        break;
                if (!measuring && t >= warm_end) {
                        measuring = true;
                        measure_start = t;
                }

                /* Every 100 ms: time out stuck requests, revive dead connections. */
                if (t >= next_scan) {
                        next_scan = t + 100000000u;
                        for (int i = 0; i < opt.connections; i++) {
                                struct conn *c = &conns[i];

                                if (c->busy && t - c->start_ns > timeout_ns) {
                                        error_seen("no response within %.1f s", opt.timeout);
                                        conn_close(c);
                                        conn_start(c);
                                } else if (!c->busy)
                                        conn_start(c);
                        }
                }

                wake = measuring ? end : warm_end;
                if (next_scan < wake)
                        wake = next_scan;
                wait_ms = wake > t ? (int) ((wake - t + 999999) / 1000000) : 0;

                n = epoll_wait(epfd, events, (int) (sizeof(events) / sizeof(events[0])), wait_ms);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "loadgen: epoll_wait: %s\n", strerror(errno));
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        struct conn *c = events[i].data.ptr;

                        if (c->fd < 0)
                                continue; /* closed earlier in this batch */
                        if (events[i].events & EPOLLOUT)
                                conn_send(c);
                        if (c->fd >= 0 && events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                                conn_readable(c);
                }
        }
        measure_end = now_ns();
        stopping = true;
        for (int i = 0; i < opt.connections; i++)
                conn_close(&conns[i]);

        if (!measuring)
                measure_start = measure_end;
        seconds = (double) (measure_end - measure_start) / 1e9;
        qsort(samples, n_samples, sizeof(*samples), cmp_u32);
        printf("{\"requests\":%llu,\"errors\":%llu,\"seconds\":%.3f,\"rps\":%.1f,"
               "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"connections\":%d,\"connects\":%llu,\"total\":%llu}\n",
               (unsigned long long) n_requests, (unsigned long long) n_errors, seconds,
               seconds > 0 ? (double) n_requests / seconds : 0.0,
               percentile_ms(0.50), percentile_ms(0.99),
               n_samples ? samples[n_samples - 1] / 1000.0 : 0.0, opt.connections,
               (unsigned long long) n_connects, (unsigned long long) n_total);
        if (n_errors > MAX_ERROR_LINES)
                fprintf(stderr, "loadgen: %llu errors in all\n", (unsigned long long) n_errors);

        free(samples);
        free(conns);
        free(request);
        close(epfd);
        return n_errors > 0 || n_requests == 0 ? 1 : 0;
}
