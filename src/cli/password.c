/* Reading and generating passwords: see password.h. The terminal's echo is
 * restored on every path out, including SIGINT while the prompt waits. */
#include "cli/password.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/secret.h"

void password_free(char *p) {
        if (!p)
                return;
        explicit_bzero(p, strlen(p));
        free(p);
}

/* Takes the first line of data[0..n) as a new string. */
static int first_line(const char *data, size_t n, char **ret) {
        const char *nl = memchr(data, '\n', n);

        if (nl)
                n = (size_t)(nl - data);
        if (n > 0 && data[n - 1] == '\r')
                n--;
        char *p = strndup(data, n);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Reads up to PASSWORD_READ_MAX bytes, or to the first newline. */
static int read_line(int fd, char **ret) {
        char data[PASSWORD_READ_MAX + 1];
        size_t n = 0;
        int r;

        while (n < sizeof data) {
                ssize_t k = read(fd, data + n, sizeof data - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        goto out;
                }
                if (k == 0)
                        break;
                if (memchr(data + n, '\n', (size_t)k)) {
                        n += (size_t)k;
                        break;
                }
                n += (size_t)k;
        }
        if (n == sizeof data && !memchr(data, '\n', n)) {
                r = -E2BIG;
                goto out;
        }
        r = first_line(data, n, ret);
out:
        explicit_bzero(data, sizeof data);
        return r;
}

int password_from_file(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_line(fd, ret);
}

static struct termios saved_termios;
static volatile sig_atomic_t echo_off;

static void restore_and_reraise(int sig) {
        if (echo_off)
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
        signal(sig, SIG_DFL);
        raise(sig);
}

static int prompt_once(const char *prompt, char **ret) {
        struct termios quiet;
        struct sigaction sa = {.sa_handler = restore_and_reraise}, old_int, old_term, old_hup;
        int r;

        if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
                return -errno;
        quiet = saved_termios;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;

        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
                r = -errno;
        else {
                echo_off = 1;
                r = read_line(STDIN_FILENO, ret);
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
                echo_off = 0;
        }
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        return r;
}

int password_from_stdin(const char *what, char **ret) {
        _cleanup_password_ char *first = NULL, *second = NULL;
        _cleanup_free_ char *prompt = NULL, *again = NULL;
        int r;

        if (!isatty(STDIN_FILENO)) {
                r = read_line(STDIN_FILENO, &first);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(first);
                return 0;
        }
        if (asprintf(&prompt, "New password for %s: ", what) < 0) {
                prompt = NULL;
                return -ENOMEM;
        }
        if (asprintf(&again, "Retype the password for %s: ", what) < 0) {
                again = NULL;
                return -ENOMEM;
        }
        r = prompt_once(prompt, &first);
        if (r < 0)
                return r;
        r = prompt_once(again, &second);
        if (r < 0)
                return r;
        if (!streq(first, second))
                return -EKEYREJECTED;
        *ret = TAKE_PTR(first);
        return 0;
}

int password_generate(char **ret) {
        char *p = malloc(PASSWORD_GENERATED_LEN + 1);

        if (!p)
                return -ENOMEM;
        if (secret_init() < 0) {
                free(p);
                return -EIO;
        }
        secret_random_text(p, PASSWORD_GENERATED_LEN);
        *ret = p;
        return 0;
}
