/* Reconcile: render every managed file in memory, compare with disk, and
 * for each that differs write a temp file in the same directory, check it
 * with the daemon's own checker, fsync, rename, fsync the directory. Then
 * reload only the services whose files changed, the cheapest way each
 * allows, and remove files in managed directories that the render did not
 * produce. A checker's rejection leaves the old file, and the old config
 * running; the outcome says why. */
#include "apply/reconcile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/log.h"

/* Large enough for a zone of 100,000 records (about 6 MB); bounded so a
 * runaway render cannot take picd's memory. */
#define MANAGED_FILE_MAX ((size_t)64 << 20)

static int write_all(int fd, const char *data, size_t len) {
        while (len) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

static int fsync_dir(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/* A temp file beside the target: ".NAME.XXXXXX". Dot files in a managed
 * directory are ours in flight; stale ones are pruned like anything else. */
static int write_temp(const char *dir, const char *name, const struct buf *text, mode_t mode, char **ret_path) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/.%s.XXXXXX", dir, name) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, buf_str(text), text->len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                unlink(path);
                return r;
        }
        *ret_path = TAKE_PTR(path);
        return 0;
}

/* 1 when the file at path holds exactly text, 0 when not (or when there
 * is none: *ret_existed says which); read in pieces, so that a daemon
 * that is not running costs no second copy of a large file. */
static int file_equals(const char *path, const struct buf *text, bool *ret_existed) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        *ret_existed = fd >= 0;
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((size_t)st.st_size != text->len)
                return 0;
        char chunk[65536];
        for (size_t off = 0; off < text->len;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0 || (size_t)n > text->len - off || memcmp(chunk, buf_str(text) + off, (size_t)n) != 0)
                        return 0;
                off += (size_t)n;
        }
        return 1;
}

/* What one managed file was and is, kept for the adapter's reload. */
struct file_change {
        char *path;
        struct buf old_text;
        struct buf new_text;
        bool existed;
        bool written;
        bool applied_live; /* the running daemon already has it */
        bool secret;
};

static void file_change_release(struct file_change *c) {
        if (c->secret) {
                if (c->old_text.data)
                        explicit_bzero(c->old_text.data, c->old_text.len);
                if (c->new_text.data)
                        explicit_bzero(c->new_text.data, c->new_text.len);
        }
        free(c->path);
        buf_release(&c->old_text);
        buf_release(&c->new_text);
}

/* One managed file: render, compare, check, write. Returns 1 when it was
 * (re)written, 0 when unchanged. With the daemon running, an adapter that
 * can apply the change live does so first, its own parser being the
 * checker; the file follows. */
static int reconcile_file(const struct service_adapter *a, const struct service_env *env, bool running,
                          const struct managed_file *mf, struct file_change *c, char **ret_error) {
        buf_init(&c->new_text, MANAGED_FILE_MAX);
        buf_init(&c->old_text, MANAGED_FILE_MAX);
        int r = mf->render(env->state, &c->new_text);
        if (r < 0)
                return r;
        if (asprintf(&c->path, "%s/%s", env->config_dir, mf->name) < 0) {
                c->path = NULL;
                return -ENOMEM;
        }
        c->secret = mf->secret;
        bool same;
        if (running) {
                /* The adapter's live apply and reload read the old text. */
                r = buf_read_file(&c->old_text, c->path);
                c->existed = r == 0;
                same = c->existed && c->old_text.len == c->new_text.len &&
                       memcmp(buf_str(&c->old_text), buf_str(&c->new_text), c->new_text.len) == 0;
        } else {
                r = file_equals(c->path, &c->new_text, &c->existed);
                if (r < 0)
                        return r;
                same = r > 0;
        }
        if (same) {
                /* A secret left wider by an older picd is closed anyway. */
                if (mf->secret)
                        (void)chmod(c->path, 0600);
                return 0;
        }

        struct changed_file candidate = {
                .name = mf->name,
                .path = c->path,
                .old_text = c->existed ? buf_str(&c->old_text) : NULL,
                .new_text = buf_str(&c->new_text),
        };
        if (running && c->existed && a->apply_live) {
                r = a->apply_live(env, &candidate, ret_error);
                if (r < 0)
                        return r; /* refused, and the daemon left as it was */
                c->applied_live = r == 0;
        }
        _cleanup_free_ char *temp = NULL;
        if ((r = write_temp(env->config_dir, mf->name, &c->new_text, mf->secret ? 0600 : 0640, &temp)) < 0)
                return r;
        candidate.path = temp;
        if (!c->applied_live && a->check && (r = a->check(env, &candidate, ret_error)) < 0) {
                unlink(temp);
                return r;
        }
        if (rename(temp, c->path) < 0) {
                r = -errno;
                unlink(temp);
                return r;
        }
        r = fsync_dir(env->config_dir);
        if (r < 0)
                return r;
        c->written = true;
        return 1;
}

static bool is_managed(const struct service_adapter *a, const char *name) {
        for (unsigned i = 0; i < a->n_files; i++)
                if (streq(a->files[i].name, name))
                        return true;
        return false;
}

/* Removes what the render did not produce. Returns how many went. */
static int prune(const struct service_adapter *a, const struct service_env *env, json_t *files) {
        _cleanup_(closedirp) DIR *d = opendir(env->config_dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        int removed = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, "..") || is_managed(a, de->d_name))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                        continue; /* a directory someone made: not ours to recurse into */
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", env->config_dir, de->d_name);
                json_array_append_new(files, json_pack("{s:s, s:s, s:s}", "path", path, "service", a->name, "action",
                                                       "removed"));
                removed++;
        }
        if (removed)
                fsync_dir(env->config_dir);
        return removed;
}

#define MANAGED_FILES_MAX 8

int reconcile_service(const struct service_adapter *a, const struct service_env *env, bool running,
                      struct reconcile_counts *counts, json_t *files, json_t *services) {
        if (a->n_files > MANAGED_FILES_MAX)
                return -E2BIG;
        struct file_change changes[MANAGED_FILES_MAX] = {0};
        struct changed_file changed[MANAGED_FILES_MAX];
        unsigned n_changed = 0, live = 0;
        _cleanup_free_ char *error = NULL;
        int r = 0;
        for (unsigned i = 0; i < a->n_files && r >= 0; i++) {
                r = reconcile_file(a, env, running, &a->files[i], &changes[i], &error);
                if (r > 0 && changes[i].applied_live)
                        live++;
                if (r > 0 && !changes[i].applied_live) {
                        changed[n_changed++] = (struct changed_file){
                                .name = a->files[i].name,
                                .path = changes[i].path,
                                .old_text = changes[i].existed ? buf_str(&changes[i].old_text) : NULL,
                                .new_text = buf_str(&changes[i].new_text),
                        };
                }
                if (r > 0) {
                        counts->writes++;
                        json_array_append_new(files, json_pack("{s:s, s:s, s:s}", "path", changes[i].path, "service",
                                                               a->name, "action", "written"));
                }
                /* No reload follows for a daemon that is not running: its
                 * texts go now, not after the last file's are made too. */
                if (!running) {
                        file_change_release(&changes[i]);
                        changes[i] = (struct file_change){0};
                }
        }
        if (r < 0) {
                if (!error && asprintf(&error, "cannot write the config: %s", strerror(-r)) < 0)
                        error = NULL;
                log_error("Config of '%s' rejected, the old one stays: %s", a->name, error ? error : "?");
                json_array_append_new(services, json_pack("{s:s, s:s, s:b, s:s?}", "name", a->name, "action", "none",
                                                          "ok", 0, "error", error));
                /* Files written before the rejected one stay: each passed its
                 * check, and the next reconcile retries the rest. */
                for (unsigned i = 0; i < a->n_files; i++)
                        file_change_release(&changes[i]);
                return -EINVAL;
        }
        /* A stray file is removed, but the daemon never read it: no reload. */
        int removed = prune(a, env, files);
        if (removed > 0)
                counts->writes += (unsigned)removed;

        const char *action = "none";
        if (live > 0) {
                action = "reload";
                counts->reloads++;
        }
        if (n_changed > 0 && running) {
                if (a->reload) {
                        action = "reload";
                        counts->reloads++;
                        r = a->reload(env, changed, n_changed, &error);
                        if (r > 0) {
                                /* The adapter found only a restart will do. */
                                action = "restart";
                                counts->restart_wanted = true;
                                r = 0;
                        } else if (r < 0) {
                                log_error("Reload of '%s' failed: %s", a->name, error ? error : strerror(-r));
                                if (!error && asprintf(&error, "reload failed: %s", strerror(-r)) < 0)
                                        error = NULL;
                        }
                } else {
                        action = "restart";
                        counts->reloads++;
                        counts->restart_wanted = true;
                }
        }
        for (unsigned i = 0; i < a->n_files; i++)
                file_change_release(&changes[i]);
        json_array_append_new(services, json_pack("{s:s, s:s, s:b, s:s?}", "name", a->name, "action", action, "ok",
                                                  r >= 0, "error", r < 0 ? error : NULL));
        return r < 0 ? r : 0;
}
