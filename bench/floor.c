/* floor: the cheapest libmicrohttpd responder we can write, used as the floor
 * that picd's request rate is compared against in `make bench`.
 *
 * It runs libmicrohttpd the way picd does: MHD_USE_EPOLL without an internal
 * thread, driven from an outer epoll loop that waits on MHD's epoll fd, calls
 * MHD_run() and honours MHD_get_timeout(). Every request gets 200 and the same
 * ~400-byte JSON body. Usage: floor SOCKET_PATH; SIGTERM or SIGINT stops it. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

/* Shaped like a GET /api/config answer, so both servers send a similar size. */
static const char body[] =
    "{\"cell_name\":\"bench\",\"domain\":\"cell\",\"vpn_address\":\"10.0.0.1/24\","
    "\"ip_range\":\"172.20.0.0/24\",\"public_endpoint\":\"\",\"profile\":\"dev\","
    "\"ports\":{\"ui\":8081,\"api\":3000,\"dns\":5353,\"dhcp\":0,\"ntp\":11123,"
    "\"wireguard\":51820,\"smtp\":2525,\"submission\":2587,\"imaps\":2993,"
    "\"http\":8080,\"https\":8443},\"service_ips\":{\"webui\":\"172.20.0.1\","
    "\"dns\":\"172.20.0.2\",\"ntp\":\"172.20.0.3\",\"mail\":\"172.20.0.4\","
    "\"calendar\":\"172.20.0.5\",\"files\":\"172.20.0.6\"},\"revision\":1}";

static struct MHD_Response *response;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
        (void) cls; (void) url; (void) method; (void) version; (void) upload_data;
        static int seen;

        /* libmicrohttpd answers a response queued on the first call (before it
         * knows the request is complete) with Connection: close, so the first
         * call only marks the request, as every MHD server does. */
        if (!*req_cls) {
                *req_cls = &seen;
                return MHD_YES;
        }
        /* A request body, if any, is drained and ignored. */
        if (*upload_data_size != 0) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        return MHD_queue_response(c, MHD_HTTP_OK, response);
}

static int listen_unix(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        strcpy(sa.sun_path, path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -1;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
                int saved = errno;
                close(fd);
                errno = saved;
                return -1;
        }
        return fd;
}

int main(int argc, char **argv) {
        struct MHD_Daemon *d;
        const union MHD_DaemonInfo *info;
        struct epoll_event ev;
        sigset_t mask;
        int lfd, sfd, efd, mhd_fd, r = EXIT_FAILURE;

        if (argc != 2) {
                fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
                return 2;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                fprintf(stderr, "floor: signalfd: %s\n", strerror(errno));
                return EXIT_FAILURE;
        }

        lfd = listen_unix(argv[1]);
        if (lfd < 0) {
                fprintf(stderr, "floor: cannot listen on '%s': %s\n", argv[1], strerror(errno));
                return EXIT_FAILURE;
        }

        response = MHD_create_response_from_buffer(sizeof(body) - 1, (void *) body,
                                                   MHD_RESPMEM_PERSISTENT);
        if (!response || MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                                 "application/json") != MHD_YES) {
                fprintf(stderr, "floor: cannot build the response\n");
                return EXIT_FAILURE;
        }

        /* The same flags and limits as picd's listeners (src/api/server.c). */
        d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL,
                             on_request, NULL,
                             MHD_OPTION_LISTEN_SOCKET, lfd,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned) 256,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 30,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 16 * 1024, /* as picd */
                             MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "floor: MHD_start_daemon failed\n");
                return EXIT_FAILURE;
        }
        info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info) {
                fprintf(stderr, "floor: no epoll fd from libmicrohttpd\n");
                goto out;
        }
        mhd_fd = info->epoll_fd;

        /* The outer loop owns its own epoll set, as picd's event loop does. */
        efd = epoll_create1(EPOLL_CLOEXEC);
        if (efd < 0)
                goto out;
        ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = mhd_fd };
        if (epoll_ctl(efd, EPOLL_CTL_ADD, mhd_fd, &ev) < 0)
                goto out;
        ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = sfd };
        if (epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev) < 0)
                goto out;

        for (;;) {
                struct epoll_event events[2];
                MHD_UNSIGNED_LONG_LONG to;
                int timeout_ms = -1, n;

                if (MHD_get_timeout(d, &to) == MHD_YES)
                        timeout_ms = to > 60000 ? 60000 : (int) to;

                n = epoll_wait(efd, events, 2, timeout_ms);
                if (n < 0 && errno != EINTR) {
                        fprintf(stderr, "floor: epoll_wait: %s\n", strerror(errno));
                        goto out;
                }
                for (int i = 0; i < n; i++)
                        if (events[i].data.fd == sfd) {
                                r = EXIT_SUCCESS;
                                goto out;
                        }
                /* Also on timeout: MHD needs the call to expire idle connections
                 * and to serve connections it already knows are ready. */
                MHD_run(d);
        }

out:
        MHD_stop_daemon(d);
        MHD_destroy_response(response);
        (void) unlink(argv[1]);
        return r;
}
