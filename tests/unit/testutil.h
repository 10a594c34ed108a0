/* Helpers shared by the unit tests: a private temporary directory that is
 * removed with everything in it, and a JSON literal parser that fails the
 * test instead of returning NULL. Header-only, so each test stays one file. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

static inline char *test_tmpdir(void) {
        char tmpl[] = "/tmp/pic-unit-XXXXXX";
        char *dir = mkdtemp(tmpl);
        assert_non_null(dir);
        char *copy = strdup(dir);
        assert_non_null(copy);
        return copy;
}

static inline int test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

/* rm -rf dir, then frees the string. */
static inline void test_rmdir(char *dir) {
        if (!dir)
                return;
        nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
}

static inline char *test_path(const char *dir, const char *name) {
        char *p;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

/* A JSON value from a literal; the test fails when it does not parse. */
static inline json_t *test_json(const char *text) {
        json_error_t err;
        json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
        if (!v)
                fail_msg("bad JSON literal in test: %s: %s", text, err.text);
        return v;
}
