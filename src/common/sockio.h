/* Blocking-with-a-deadline I/O on a non-blocking stream socket, for the
 * short request/answer exchanges picd has with daemons' local control
 * sockets (Caddy's admin API, Unbound's remote control). Times are
 * CLOCK_MONOTONIC microseconds (now_monotonic_usec). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A non-blocking, close-on-exec stream socket connected to a unix socket
 * path. Returns the fd or a negative errno. */
int sockio_connect_unix(const char *path);
/* Sends everything before the deadline; -ETIMEDOUT otherwise. */
int sockio_send_all(int fd, const char *data, size_t len, uint64_t deadline);
/* Appends what arrives until the peer closes (out's limit bounds it). */
int sockio_read_to_eof(int fd, struct buf *out, uint64_t deadline);
