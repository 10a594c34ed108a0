/* IPv4 forwarding of picd's network namespace; see ip_forward.h. */
#include "services/ip_forward.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/cleanup.h"

int ip_forward_enable(bool *ret_was_on) {
        _cleanup_close_ int fd = open(IP_FORWARD_PATH, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char now[2];
        ssize_t n = pread(fd, now, sizeof now, 0);
        if (n < 0)
                return -errno;
        if (n >= 1 && now[0] == '1') {
                *ret_was_on = true;
                return 0;
        }
        n = pwrite(fd, "1\n", 2, 0);
        if (n < 0)
                return -errno;
        if (n != 2)
                return -EIO;
        *ret_was_on = false;
        return 0;
}
