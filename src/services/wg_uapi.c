/* See wg_uapi.h. */
#include "services/wg_uapi.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/timeutil.h"
#include "common/validate.h"
#include "common/wgkey.h"

#define KEY_BYTES 32
#define KEY_HEX (2 * KEY_BYTES + 1)
#define KEEPALIVE_MAX 65535u
#define ANSWER_MAX 4096

static int set_message(char **ret, int r, const char *fmt, ...) {
        if (ret) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(ret, fmt, ap) < 0)
                        *ret = NULL;
                va_end(ap);
        }
        return r;
}

static int key_hex(const char *b64, char hex[KEY_HEX]) {
        unsigned char bin[KEY_BYTES];
        size_t len = 0;
        if (!wgkey_valid(b64) ||
            sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            len != KEY_BYTES)
                return -EINVAL;
        sodium_bin2hex(hex, KEY_HEX, bin, sizeof bin);
        sodium_memzero(bin, sizeof bin);
        return 0;
}

/* One "set=1" exchange; the answer is "errno=N" and an empty line. */
static int uapi_set(const char *uapi_dir, const char *iface, const char *request, size_t len, char **ret_message) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s.sock", uapi_dir, iface) >= (int)sizeof sa.sun_path)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                return -errno;
        for (size_t off = 0; off < len;) {
                ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return set_message(ret_message, -errno, "wireguard-go socket: %s", strerror(errno));
                off += (size_t)n;
        }
        char answer[ANSWER_MAX];
        size_t got = 0;
        int64_t end = (int64_t)(now_monotonic_usec() / 1000) + WG_UAPI_TIMEOUT_MS;
        while (got < sizeof answer - 1 && !(got >= 2 && answer[got - 1] == '\n' && answer[got - 2] == '\n')) {
                int64_t left = end - (int64_t)(now_monotonic_usec() / 1000);
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (left <= 0 || poll(&p, 1, (int)left) == 0)
                        return set_message(ret_message, -ETIMEDOUT, "wireguard-go did not answer in %d ms",
                                           WG_UAPI_TIMEOUT_MS);
                ssize_t n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        answer[got] = 0;
        const char *e = strstr(answer, "errno=");
        if (!e)
                return set_message(ret_message, -EIO, "wireguard-go gave no answer");
        int code = atoi(e + strlen("errno="));
        if (code != 0)
                return set_message(ret_message, -EIO, "wireguard-go refused the change: errno %d", code);
        return 0;
}

int wg_uapi_peer_remove(const char *uapi_dir, const char *iface, const char *public_key, char **ret_message) {
        char pub[KEY_HEX], request[160];
        if (!valid_ifname(iface) || key_hex(public_key, pub) < 0)
                return set_message(ret_message, -EINVAL, "invalid interface name or public key");
        int len = snprintf(request, sizeof request, "set=1\npublic_key=%s\nremove=true\n\n", pub);
        return uapi_set(uapi_dir, iface, request, (size_t)len, ret_message);
}

int wg_uapi_peer_upsert(const char *uapi_dir, const char *iface, const struct wg_peer_view *p, char **ret_message) {
        if (!p || !valid_ifname(iface))
                return set_message(ret_message, -EINVAL, "invalid interface name");
        if (!p->enabled)
                return wg_uapi_peer_remove(uapi_dir, iface, p->public_key, ret_message);
        char pub[KEY_HEX], psk[KEY_HEX], ip[16];
        uint32_t addr;
        if (key_hex(p->public_key, pub) < 0)
                return set_message(ret_message, -EINVAL, "invalid public key");
        if (!p->ip || ipv4_parse(p->ip, &addr) < 0)
                return set_message(ret_message, -EINVAL, "invalid peer address");
        if (p->keepalive > KEEPALIVE_MAX)
                return set_message(ret_message, -EINVAL, "invalid keepalive");
        /* All zeros: no preshared key, so one the peer no longer has goes. */
        if (!p->preshared_key || !p->preshared_key[0])
                memset(psk, '0', KEY_HEX - 1), psk[KEY_HEX - 1] = 0;
        else if (key_hex(p->preshared_key, psk) < 0)
                return set_message(ret_message, -EINVAL, "invalid preshared key");
        ipv4_format(addr, ip);
        char request[512];
        int len = snprintf(request, sizeof request,
                           "set=1\npublic_key=%s\npreshared_key=%s\nreplace_allowed_ips=true\nallowed_ip=%s/32\n"
                           "persistent_keepalive_interval=%u\n\n",
                           pub, psk, ip, p->keepalive);
        int r = uapi_set(uapi_dir, iface, request, (size_t)len, ret_message);
        sodium_memzero(psk, sizeof psk);
        sodium_memzero(request, sizeof request);
        return r;
}
