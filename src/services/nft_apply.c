/* The VPN's firewall; see nft_apply.h. */
#include "services/nft_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "services/service.h"

#define NFT_BINARY "/usr/sbin/nft"
#define NFT_TIMEOUT_MS 20000u
#define SET_NAME_MAX 32
#define LINE_MAX_LEN 256

int nft_check(const char *path, char **ret_message) {
        char *argv[] = {NFT_BINARY, "-c", "-f", (char *)path, NULL};
        return service_run_checker(argv, NULL, NFT_TIMEOUT_MS, false, ret_message);
}

int nft_load(const char *path, char **ret_message) {
        char *argv[] = {NFT_BINARY, "-f", (char *)path, NULL};
        return service_run_checker(argv, NULL, NFT_TIMEOUT_MS, false, ret_message);
}

/* One element of a rendered table: the set it is in and its text. */
struct element {
        char set[SET_NAME_MAX];
        char text[LINE_MAX_LEN];
};

struct table {
        struct element *v;
        size_t n, cap;
        struct buf rules; /* every line that is not an element */
};

static void table_release(struct table *t) {
        free(t->v);
        buf_release(&t->rules);
}

/* Splits a rendered table into its set elements (one per line inside
 * `elements = { ... }`, as render_nftables writes them) and the rest. */
static int parse_table(const char *text, struct table *t) {
        char set[SET_NAME_MAX] = "";
        bool in_elements = false;
        buf_init(&t->rules, (size_t)64 << 20);
        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                char l[LINE_MAX_LEN];
                if (len >= sizeof l)
                        return -E2BIG;
                memcpy(l, line, len);
                l[len] = 0;
                const char *p = l + strspn(l, " \t");
                if (in_elements && streq(p, "}")) {
                        in_elements = false;
                } else if (in_elements) {
                        size_t n = strlen(p);
                        if (n && p[n - 1] == ',')
                                n--;
                        if (t->n == t->cap) {
                                size_t cap = t->cap ? t->cap * 2 : 256;
                                struct element *v = reallocarray(t->v, cap, sizeof *v);
                                if (!v)
                                        return -ENOMEM;
                                t->v = v;
                                t->cap = cap;
                        }
                        snprintf(t->v[t->n].set, SET_NAME_MAX, "%s", set);
                        snprintf(t->v[t->n].text, LINE_MAX_LEN, "%.*s", (int)n, p);
                        t->n++;
                } else if (sscanf(p, "set %31s {", set) != 1 && strncmp(p, "elements = {", 12) == 0) {
                        /* Not kept with the rules, like its closing brace: a
                         * set's first element, or its last one gone, is a
                         * change of elements too. */
                        in_elements = true;
                } else {
                        int r = buf_append(&t->rules, l, len);
                        if (r < 0 || (r = buf_puts(&t->rules, "\n")) < 0)
                                return r;
                }
                line += len;
                if (*line == '\n')
                        line++;
        }
        return 0;
}

static int element_cmp(const void *a, const void *b) {
        const struct element *x = a, *y = b;
        int c = strcmp(x->set, y->set);
        return c ? c : strcmp(x->text, y->text);
}

int nft_element_delta(const char *old_text, const char *new_text, struct buf *ret, bool *ret_rules_differ) {
        _cleanup_(table_release) struct table old = {0}, new = {0};
        int r;
        if ((r = parse_table(old_text, &old)) < 0 || (r = parse_table(new_text, &new)) < 0)
                return r;
        *ret_rules_differ = old.rules.len != new.rules.len ||
                            memcmp(buf_str(&old.rules), buf_str(&new.rules), old.rules.len) != 0;
        if (*ret_rules_differ)
                return 0;
        if (old.n)
                qsort(old.v, old.n, sizeof *old.v, element_cmp);
        if (new.n)
                qsort(new.v, new.n, sizeof *new.v, element_cmp);
        /* One merge of the sorted lists; deletions are written first (an
         * address may pass from one peer to another). */
        _cleanup_buf_ struct buf adds = BUF_INIT;
        buf_init(&adds, (size_t)64 << 20);
        size_t i = 0, j = 0;
        while (r >= 0 && (i < old.n || j < new.n)) {
                int c = i == old.n ? 1 : j == new.n ? -1 : element_cmp(&old.v[i], &new.v[j]);
                if (c < 0) {
                        r = buf_printf(ret, "delete element inet pic %s { %s }\n", old.v[i].set, old.v[i].text);
                        i++;
                } else if (c > 0) {
                        r = buf_printf(&adds, "add element inet pic %s { %s }\n", new.v[j].set, new.v[j].text);
                        j++;
                } else {
                        i++;
                        j++;
                }
        }
        if (r >= 0 && adds.len)
                r = buf_append(ret, adds.data, adds.len);
        return r < 0 ? r : 0;
}

int nft_apply_text(const char *dir, const struct buf *delta, char **ret_message) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/.nft-XXXXXX", dir) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write(fd, buf_str(delta), delta->len) == (ssize_t)delta->len ? 0 : -EIO;
        if (r == 0)
                r = nft_load(path, ret_message);
        unlink(path);
        return r;
}
