/* Deadline-bounded socket I/O; see sockio.h. */
#include "sockio.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

int sockio_connect_unix(const char *path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A unix socket connect completes at once or fails at once. */
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int sockio_send_all(int fd, const char *data, size_t len, uint64_t deadline) {
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

int sockio_read_to_eof(int fd, struct buf *out, uint64_t deadline) {
        for (;;) {
                int r = wait_fd(fd, POLLIN, deadline);
                if (r < 0)
                        return r;
                char chunk[8192];
                ssize_t n = recv(fd, chunk, sizeof chunk, 0);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                if ((r = buf_append(out, chunk, (size_t)n)) < 0)
                        return r;
        }
}
