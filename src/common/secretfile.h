/* Secrets in files of mode 0600 (DESIGN §2): the cell's WireGuard key,
 * each peer's private and preshared keys. Written whole or not at all
 * (temp file, fsync, rename, fsync of the directory), read back bounded. */
#pragma once

#include <stddef.h>

/* Writes text and a newline to path with mode 0600. */
int secret_file_write(const char *path, const char *text);
/* The same for n files of one directory, with one sync of the directory
 * for all. On failure, the files renamed before it stay (each whole). */
#define SECRET_FILES_MAX 4
int secret_files_write(const char *const *paths, const char *const *texts, size_t n);
/* Reads the first line of path into out (size bytes, NUL-terminated,
 * without the newline). -ENOENT when missing; -EMSGSIZE when longer. */
int secret_file_read(const char *path, char *out, size_t size);
/* Creates dir with mode 0700 if missing. */
int secret_dir_make(const char *dir);
