/* Secret files; see secretfile.h. */
#include "common/secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

static int fsync_parent(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        _cleanup_close_ int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int secret_file_write(const char *path, const char *text) {
        _cleanup_free_ char *temp = NULL;
        if (asprintf(&temp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        /* mkostemp creates the file 0600 already. */
        int fd = mkostemp(temp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = strlen(text);
        int r = 0;
        if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
                r = errno ? -errno : -EIO;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(temp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(temp);
                return r;
        }
        return fsync_parent(path);
}

int secret_file_read(const char *path, char *out, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (size == 0)
                return -EMSGSIZE;
        ssize_t n = read(fd, out, size);
        if (n < 0)
                return -errno;
        const char *nl = memchr(out, '\n', (size_t)n);
        size_t len = nl ? (size_t)(nl - out) : (size_t)n;
        if (len >= size)
                return -EMSGSIZE;
        out[len] = 0;
        return 0;
}

int secret_dir_make(const char *dir) {
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}
