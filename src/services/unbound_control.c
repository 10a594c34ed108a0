/* Unbound's remote control protocol; see unbound_control.h. */
#include "unbound_control.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/timeutil.h"

static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                uint64_t now = now_monotonic_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = fd, .events = events};
                int n = poll(&p, 1, (int)((deadline - now + 999) / 1000));
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
}

static int send_all(int fd, const char *data, size_t len, uint64_t deadline) {
        while (len) {
                int r = wait_fd(fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
                ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

int unbound_control(const char *socket_path, const char *command, const char *data, char **ret_answer) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(socket_path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, socket_path);
        uint64_t deadline = now_monotonic_usec() + (uint64_t)UNBOUND_CONTROL_TIMEOUT_MS * 1000;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                return -errno;

        _cleanup_buf_ struct buf out = BUF_INIT;
        buf_printf(&out, "UBCT1 %s\n", command);
        if (data) {
                buf_puts(&out, data);
                /* The end of the bulk lines: EOT on a line of its own. */
                buf_append(&out, "\x04\n", 2);
        }
        int r = send_all(fd, buf_str(&out), out.len, deadline);
        if (r < 0)
                return r;

        _cleanup_buf_ struct buf answer = BUF_INIT;
        buf_init(&answer, UNBOUND_CONTROL_ANSWER_MAX);
        for (;;) {
                if ((r = wait_fd(fd, POLLIN, deadline)) < 0)
                        return r;
                char chunk[4096];
                ssize_t n = recv(fd, chunk, sizeof chunk, 0);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if ((r = buf_append(&answer, chunk, (size_t)n)) < 0)
                        return r;
        }
        bool failed = strncmp(buf_str(&answer), "error", 5) == 0;
        *ret_answer = buf_steal(&answer);
        return failed ? -EPROTO : 0;
}
