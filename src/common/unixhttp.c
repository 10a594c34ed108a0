/* Minimal HTTP over unix sockets; see unixhttp.h. */
#include "unixhttp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/sockio.h"
#include "common/timeutil.h"

/* Decodes a chunked body in place; returns its length or -EBADMSG. */
static long dechunk(char *body, size_t len) {
        char *in = body, *out = body, *end = body + len;
        for (;;) {
                char *eol = memmem(in, (size_t)(end - in), "\r\n", 2);
                if (!eol)
                        return -EBADMSG;
                char *stop;
                unsigned long size = strtoul(in, &stop, 16);
                if (stop == in)
                        return -EBADMSG;
                in = eol + 2;
                if (size == 0)
                        return out - body;
                if (size > (size_t)(end - in))
                        return -EBADMSG;
                memmove(out, in, size);
                out += size;
                in += size;
                if (end - in < 2 || memcmp(in, "\r\n", 2) != 0)
                        return -EBADMSG;
                in += 2;
        }
}

static int parse_response(struct buf *raw, int *ret_status, char **ret_body) {
        char *text = raw->data;
        if (!text || raw->len < 12 || strncmp(text, "HTTP/1.", 7) != 0)
                return -EBADMSG;
        char *head_end = memmem(text, raw->len, "\r\n\r\n", 4);
        if (!head_end)
                return -EBADMSG;
        int status = atoi(text + 9);
        if (status < 100 || status > 599)
                return -EBADMSG;
        *head_end = 0;
        bool chunked = false;
        for (char *line = strstr(text, "\r\n"); line; line = strstr(line + 2, "\r\n"))
                if (strncasecmp(line + 2, "Transfer-Encoding:", 18) == 0 && strcasestr(line + 20, "chunked"))
                        chunked = true;
        char *body = head_end + 4;
        size_t len = raw->len - (size_t)(body - text);
        if (chunked) {
                long n = dechunk(body, len);
                if (n < 0)
                        return (int)n;
                len = (size_t)n;
        }
        char *copy = strndup(body, len);
        if (!copy)
                return -ENOMEM;
        *ret_status = status;
        *ret_body = copy;
        return 0;
}

int unixhttp_request(const struct unixhttp_request *req, int *ret_status, char **ret_body) {
        uint64_t deadline = now_monotonic_usec() + (uint64_t)req->timeout_ms * 1000;
        _cleanup_close_ int fd = sockio_connect_unix(req->socket_path);
        if (fd < 0)
                return fd;

        _cleanup_buf_ struct buf head = BUF_INIT;
        buf_printf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", req->method, req->path, req->host);
        if (req->content_type)
                buf_printf(&head, "Content-Type: %s\r\nContent-Length: %zu\r\n", req->content_type, req->body_len);
        int r = buf_puts(&head, "\r\n");
        if (r < 0)
                return r;
        if ((r = sockio_send_all(fd, buf_str(&head), head.len, deadline)) < 0)
                return r;
        if (req->content_type && (r = sockio_send_all(fd, req->body, req->body_len, deadline)) < 0)
                return r;

        /* Connection: close: the answer is complete when the peer closes. */
        _cleanup_buf_ struct buf raw = BUF_INIT;
        buf_init(&raw, UNIXHTTP_RESPONSE_MAX);
        if ((r = sockio_read_to_eof(fd, &raw, deadline)) < 0)
                return r;
        return parse_response(&raw, ret_status, ret_body);
}
