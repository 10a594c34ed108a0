/* See vpn_sample.h. */
#include "apply/vpn_sample.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/timeutil.h"

#define READ_CHUNK 65536

struct vpn_sample {
        int fd;
        sd_event_source *io;
        struct buf answer;
        vpn_sample_done_cb done;
        void *userdata;
        bool settling; /* read by vpn_sample_settle: the struct outlives finish() */
        bool finished;
};

void vpn_sample_free(struct vpn_sample *s) {
        if (!s)
                return;
        sd_event_source_disable_unref(s->io);
        if (s->fd >= 0)
                close(s->fd);
        if (s->answer.data)
                sodium_memzero(s->answer.data, s->answer.len);
        buf_release(&s->answer);
        free(s);
}

/* The answer is whole once it ends with its "errno=N" line and the empty
 * line after it. */
static bool answer_complete(const struct buf *b) {
        if (b->len < 2 || memcmp(b->data + b->len - 2, "\n\n", 2) != 0)
                return false;
        size_t i = b->len - 2;
        while (i > 0 && b->data[i - 1] != '\n')
                i--;
        return b->len - 2 - i >= 6 && memcmp(b->data + i, "errno=", 6) == 0;
}

/* Reports the sample and lets its resources go; the struct itself goes
 * too unless vpn_sample_settle is reading, which frees it after. */
static void finish(struct vpn_sample *s, bool ok) {
        struct wg_dump d = WG_DUMP_INIT;
        bool parsed = ok && wg_uapi_dump_parse(buf_str(&s->answer), s->answer.len, &d) == 0;
        s->done(parsed ? &d : NULL, s->userdata);
        wg_dump_release(&d);
        if (!s->settling) {
                vpn_sample_free(s);
                return;
        }
        s->io = sd_event_source_disable_unref(s->io);
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
        if (s->answer.data)
                sodium_memzero(s->answer.data, s->answer.len);
        buf_release(&s->answer);
        s->finished = true;
}

static int on_readable(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        (void)source;
        (void)revents;
        struct vpn_sample *s = userdata;
        for (;;) {
                char chunk[READ_CHUNK];
                ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return 0; /* more to come */
                if (n <= 0 || buf_append(&s->answer, chunk, (size_t)n) < 0) {
                        sodium_memzero(chunk, sizeof chunk);
                        finish(s, false); /* closed early, failed, or past the limit */
                        return 0;
                }
                sodium_memzero(chunk, (size_t)n);
                if (answer_complete(&s->answer)) {
                        finish(s, true);
                        return 0;
                }
        }
}

void vpn_sample_settle(struct vpn_sample *s) {
        if (!s)
                return;
        int64_t left = VPN_SAMPLE_SETTLE_TIMEOUT_MS;
        for (;;) {
                struct pollfd p = {.fd = s->fd, .events = POLLIN};
                uint64_t t0 = now_monotonic_usec();
                int n = poll(&p, 1, (int)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        finish(s, false); /* wireguard-go gave no more in time: drop it */
                        return;
                }
                /* Reads what is there; finishes the sample (and frees it)
                 * once its answer is whole or the socket fails. */
                s->settling = true;
                on_readable(NULL, s->fd, POLLIN, s);
                if (s->finished) {
                        free(s);
                        return;
                }
                s->settling = false;
                left -= (int64_t)((now_monotonic_usec() - t0) / 1000);
                if (left <= 0) {
                        finish(s, false);
                        return;
                }
        }
}

int vpn_sample_start(sd_event *event, const char *uapi_dir, const char *iface, vpn_sample_done_cb done,
                     void *userdata, struct vpn_sample **ret) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s.sock", uapi_dir, iface) >= (int)sizeof sa.sun_path)
                return -ENAMETOOLONG;
        struct vpn_sample *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        *s = (struct vpn_sample){.fd = -1, .done = done, .userdata = userdata};
        buf_init(&s->answer, VPN_SAMPLE_ANSWER_MAX);
        int r;
        s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0)
                r = -errno;
        /* A unix stream connect does not wait: it is taken or refused. */
        else if (connect(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                r = -errno;
        else if (send(s->fd, "get=1\n\n", 7, MSG_NOSIGNAL | MSG_DONTWAIT) != 7)
                r = -EIO;
        else
                r = sd_event_add_io(event, &s->io, s->fd, EPOLLIN, on_readable, s);
        if (r < 0) {
                vpn_sample_free(s);
                return r;
        }
        *ret = s;
        return 0;
}
