/* Unbound's remote control protocol; see unbound_control.h. */
#include "unbound_control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/sockio.h"
#include "common/timeutil.h"

int unbound_control(const char *socket_path, const char *command, const char *data, char **ret_answer) {
        uint64_t deadline = now_monotonic_usec() + (uint64_t)UNBOUND_CONTROL_TIMEOUT_MS * 1000;
        _cleanup_close_ int fd = sockio_connect_unix(socket_path);
        if (fd < 0)
                return fd;

        _cleanup_buf_ struct buf out = BUF_INIT;
        buf_printf(&out, "UBCT1 %s\n", command);
        if (data) {
                buf_puts(&out, data);
                /* The end of the bulk lines: EOT on a line of its own. */
                buf_append(&out, "\x04\n", 2);
        }
        int r = sockio_send_all(fd, buf_str(&out), out.len, deadline);
        if (r < 0)
                return r;

        _cleanup_buf_ struct buf answer = BUF_INIT;
        buf_init(&answer, UNBOUND_CONTROL_ANSWER_MAX);
        if ((r = sockio_read_to_eof(fd, &answer, deadline)) < 0)
                return r;
        bool failed = strncmp(buf_str(&answer), "error", 5) == 0;
        *ret_answer = buf_steal(&answer);
        return failed ? -EPROTO : 0;
}
