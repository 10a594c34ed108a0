/* Where `pic` gets a password from: a file (--password-file), stdin when it
 * is not a terminal, a prompt with echo off, or a generated one. Every
 * password is returned in memory the caller frees with password_free, which
 * wipes it first. */
#pragma once

#include <stddef.h>

#define PASSWORD_READ_MAX 4096
#define PASSWORD_GENERATED_LEN 20

/* The first line of the file, its "\n" (and a "\r" before it) stripped.
 * -errno from open/read, -E2BIG for a first line past PASSWORD_READ_MAX. */
int password_from_file(const char *path, char **ret);
/* The first line of stdin when it is not a terminal; otherwise prompts
 * twice on the terminal with echo off (prompt names what it is for).
 * -EKEYREJECTED when the two entries differ, -ENODATA on end of input. */
int password_from_stdin(const char *what, char **ret);
/* The same kind of password `pic init` generates: PASSWORD_GENERATED_LEN
 * characters from secret_random_text's 32-letter alphabet (100 bits). */
int password_generate(char **ret);

void password_free(char *p);
static inline void password_freep(char **p) { password_free(*p); }
#define _cleanup_password_ __attribute__((cleanup(password_freep)))
