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

/* The text and a newline in a new 0600 temp file beside path, synced. */
static int write_temp(const char *path, const char *text, char **ret_temp) {
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
        if (r < 0) {
                unlink(temp);
                return r;
        }
        *ret_temp = TAKE_PTR(temp);
        return 0;
}

int secret_files_write(const char *const *paths, const char *const *texts, size_t n) {
        if (n == 0 || n > SECRET_FILES_MAX)
                return -EINVAL;
        char *temps[SECRET_FILES_MAX] = {0};
        int r = 0;
        size_t i;
        for (i = 0; i < n && r == 0; i++)
                r = write_temp(paths[i], texts[i], &temps[i]);
        for (i = 0; i < n && r == 0; i++)
                if (rename(temps[i], paths[i]) < 0)
                        r = -errno;
                else {
                        free(temps[i]);
                        temps[i] = NULL;
                }
        for (i = 0; i < n; i++) {
                if (temps[i])
                        unlink(temps[i]);
                free(temps[i]);
        }
        /* One directory sync makes every rename durable: they share it. */
        return r < 0 ? r : fsync_parent(paths[0]);
}

int secret_file_write(const char *path, const char *text) {
        return secret_files_write(&path, &text, 1);
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
