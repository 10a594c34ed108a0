/* Zone file differences; see zone_diff.h. */
#include "services/zone_diff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

/* A span of text: a record, its owner name, or its whole line. */
struct span {
        const char *p;
        size_t len;
};

static bool span_eq(struct span a, struct span b) {
        return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* The resource record inside a `local-data: "..."` (or '...') line, or
 * NULL for any other line. Returns a pointer into line; *ret_len its length. */
static const char *local_data_rr(const char *line, size_t len, size_t *ret_len) {
        static const char key[] = "local-data:";
        const char *p = line, *end = line + len;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if ((size_t)(end - p) < sizeof key - 1 || strncmp(p, key, sizeof key - 1) != 0)
                return NULL;
        p += sizeof key - 1;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if (p >= end || (*p != '"' && *p != '\''))
                return NULL;
        char quote = *p++;
        const char *close = end;
        while (close > p && close[-1] != quote)
                close--;
        if (close <= p)
                return NULL;
        *ret_len = (size_t)(close - 1 - p);
        return p;
}

/* The records of a file, in file order, with their lines. */
struct rr_list {
        struct span *rr, *line;
        size_t n;
};

static void rr_list_release(struct rr_list *l) {
        free(l->rr);
        free(l->line);
}

static int collect(const char *text, struct rr_list *ret) {
        size_t cap = 0;
        struct rr_list l = {0};
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                size_t rr_len;
                const char *rr = local_data_rr(line, len, &rr_len);
                if (rr) {
                        if (l.n == cap) {
                                cap = cap ? cap * 2 : 256;
                                struct span *a = reallocarray(l.rr, cap, sizeof *a);
                                if (a)
                                        l.rr = a;
                                struct span *b = a ? reallocarray(l.line, cap, sizeof *b) : NULL;
                                if (!b) {
                                        rr_list_release(&l);
                                        return -ENOMEM;
                                }
                                l.line = b;
                        }
                        l.rr[l.n] = (struct span){rr, rr_len};
                        l.line[l.n++] = (struct span){line, len};
                }
                if (!nl)
                        break;
                line = nl + 1;
        }
        *ret = l;
        return 0;
}

/* An open-addressing set of spans (FNV-1a), sized for n at creation. */
struct span_set {
        struct span *slots;
        size_t mask;
};

/* Eight bytes at a time: hashing every record of a large zone is most of
 * the diff's work. */
static uint64_t span_hash(struct span s) {
        uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.len;
        const char *p = s.p;
        size_t len = s.len;
        for (; len >= 8; p += 8, len -= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                h = (h ^ w) * 0xff51afd7ed558ccdULL;
                h ^= h >> 32;
        }
        uint64_t tail = 0;
        memcpy(&tail, p, len);
        h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
        return h ^ (h >> 29);
}

static int span_set_init(struct span_set *set, size_t n) {
        size_t cap = 16;
        while (cap < 2 * n + 1)
                cap *= 2;
        set->slots = calloc(cap, sizeof *set->slots);
        set->mask = cap - 1;
        return set->slots ? 0 : -ENOMEM;
}

/* Adds s; returns false when it was already there. */
static bool span_set_add(struct span_set *set, struct span s) {
        for (size_t i = span_hash(s) & set->mask;; i = (i + 1) & set->mask) {
                if (!set->slots[i].p) {
                        set->slots[i] = s;
                        return true;
                }
                if (span_eq(set->slots[i], s))
                        return false;
        }
}

static bool span_set_has(const struct span_set *set, struct span s) {
        for (size_t i = span_hash(s) & set->mask;; i = (i + 1) & set->mask) {
                if (!set->slots[i].p)
                        return false;
                if (span_eq(set->slots[i], s))
                        return true;
        }
}

static struct span owner_of(struct span rr) {
        size_t owner = strcspn(rr.p, " \t");
        return (struct span){rr.p, owner < rr.len ? owner : rr.len};
}

static int set_of(const struct rr_list *l, struct span_set *ret) {
        int r = span_set_init(ret, l->n);
        for (size_t i = 0; r == 0 && i < l->n; i++)
                span_set_add(ret, l->rr[i]);
        return r;
}

int zone_new_lines(const char *old_text, const char *new_text, struct buf *ret) {
        _cleanup_(rr_list_release) struct rr_list old_rrs = {0}, new_rrs = {0};
        struct span_set old_set = {0};
        int r;
        if ((r = collect(old_text, &old_rrs)) < 0 || (r = collect(new_text, &new_rrs)) < 0 ||
            (r = set_of(&old_rrs, &old_set)) < 0)
                goto out;
        for (size_t i = 0; i < new_rrs.n && r >= 0; i++)
                if (!span_set_has(&old_set, new_rrs.rr[i]) &&
                    (r = buf_append(ret, new_rrs.line[i].p, new_rrs.line[i].len)) == 0)
                        r = buf_puts(ret, "\n");
out:
        free(old_set.slots);
        return r < 0 ? r : 0;
}

int zone_commands(const char *old_text, const char *new_text, struct buf *ret_names, struct buf *ret_rrs) {
        _cleanup_(rr_list_release) struct rr_list old_rrs = {0}, new_rrs = {0};
        struct span_set old_set = {0}, new_set = {0}, touched = {0};
        int r;
        if ((r = collect(old_text, &old_rrs)) < 0 || (r = collect(new_text, &new_rrs)) < 0 ||
            (r = set_of(&old_rrs, &old_set)) < 0 || (r = set_of(&new_rrs, &new_set)) < 0 ||
            (r = span_set_init(&touched, old_rrs.n + new_rrs.n)) < 0)
                goto out;
        /* Each name whose records differ, once, in the order met. */
        for (size_t i = 0; i < old_rrs.n && r >= 0; i++)
                if (!span_set_has(&new_set, old_rrs.rr[i])) {
                        struct span owner = owner_of(old_rrs.rr[i]);
                        if (span_set_add(&touched, owner) && (r = buf_append(ret_names, owner.p, owner.len)) == 0)
                                r = buf_puts(ret_names, "\n");
                }
        for (size_t i = 0; i < new_rrs.n && r >= 0; i++)
                if (!span_set_has(&old_set, new_rrs.rr[i])) {
                        struct span owner = owner_of(new_rrs.rr[i]);
                        if (span_set_add(&touched, owner) && (r = buf_append(ret_names, owner.p, owner.len)) == 0)
                                r = buf_puts(ret_names, "\n");
                }
        /* Every record the new file has for a touched name. */
        for (size_t i = 0; i < new_rrs.n && r >= 0 && ret_names->len; i++)
                if (span_set_has(&touched, owner_of(new_rrs.rr[i])) &&
                    (r = buf_append(ret_rrs, new_rrs.rr[i].p, new_rrs.rr[i].len)) == 0)
                        r = buf_puts(ret_rrs, "\n");
out:
        free(old_set.slots);
        free(new_set.slots);
        free(touched.slots);
        return r < 0 ? r : 0;
}
