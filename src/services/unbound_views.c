/* The views of the VPN's addresses in a running Unbound; see
 * unbound_views.h. */
#include "services/unbound_views.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "services/unbound_control.h"

#define DELTA_TEXT_MAX ((size_t)64 << 20)
#define TOKEN_MAX_LEN 255 /* a name in presentation form and then some */
#define DENIED_MAX 1024u

struct span {
        const char *p;
        size_t len;
};

static bool span_eq(struct span a, struct span b) {
        return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static bool blank(char c) {
        return c == ' ' || c == '\t';
}

/* What a view's or a zone's name may hold on a command line: a blank
 * would split it, a newline end the command. */
static bool token_ok(const char *p, size_t len) {
        if (len == 0 || len > TOKEN_MAX_LEN)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = p[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_'))
                        return false;
        }
        return true;
}

int unbound_view_name(const char *ip, char buf[static UNBOUND_VIEW_NAME_SIZE]) {
        return render_unbound_view_name(ip, buf);
}

/* ---- reading a rendered unbound.conf ---- */

/* One local-zone line of a view. */
struct view_zone {
        struct span view, zone, type;
        bool first; /* the first time the file has it */
};

struct zone_list {
        struct view_zone *v;
        size_t n, cap;
};

static int zone_list_add(struct zone_list *l, struct view_zone z) {
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 256;
                struct view_zone *v = reallocarray(l->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = z;
        return 0;
}

/* Where a file is read: the next line, and the view it is in. */
struct cursor {
        const char *pos; /* NULL past the end */
        bool in_view;
        struct span view; /* empty before the view's name: line */
};

/* The text after `key` and the blanks that follow it, when the line (from
 * its first non-blank p) starts with key; else NULL. */
static const char *after_key(const char *p, const char *end, const char *key) {
        size_t n = strlen(key);
        if ((size_t)(end - p) < n || memcmp(p, key, n) != 0)
                return NULL;
        for (p += n; p < end && blank(*p);)
                p++;
        return p;
}

/* "TEXT" at p: the span of TEXT, and where the rest starts. */
static int quoted(const char *p, const char *end, struct span *ret, const char **ret_rest) {
        if (p >= end || *p != '"')
                return -EINVAL;
        const char *close = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (!close)
                return -EINVAL;
        *ret = (struct span){p + 1, (size_t)(close - p - 1)};
        *ret_rest = close + 1;
        return 0;
}

/* A view's `local-zone: "NAME" TYPE`, from the text after the key. */
static int parse_view_zone(const char *p, const char *end, struct span view, struct view_zone *ret) {
        struct span zone;
        const char *rest;
        if (view.len == 0 || quoted(p, end, &zone, &rest) < 0 || rest >= end || !blank(*rest))
                return -EINVAL;
        while (rest < end && blank(*rest))
                rest++;
        const char *type_end = end;
        while (type_end > rest && blank(type_end[-1]))
                type_end--;
        if (!token_ok(zone.p, zone.len) || !token_ok(rest, (size_t)(type_end - rest)))
                return -EINVAL;
        *ret = (struct view_zone){view, zone, {rest, (size_t)(type_end - rest)}, false};
        return 0;
}

/* The next line that is not a view's local zone (those go to zones):
 * 1 and the line, 0 at the end, or a negative errno. */
static int next_line(struct cursor *c, struct zone_list *zones, struct span *ret) {
        for (;;) {
                if (!c->pos || !*c->pos)
                        return 0;
                const char *line = c->pos, *nl = strchr(line, '\n');
                const char *end = nl ? nl : line + strlen(line);
                c->pos = nl ? nl + 1 : NULL;
                *ret = (struct span){line, (size_t)(end - line)};
                const char *p = line;
                while (p < end && blank(*p))
                        p++;
                if (p == end || *p == '#')
                        return 1;
                if (p == line) {
                        /* A clause: server:, view:, remote-control: ... */
                        const char *e = end;
                        while (e > line && blank(e[-1]))
                                e--;
                        c->in_view = (size_t)(e - line) == 5 && memcmp(line, "view:", 5) == 0;
                        c->view = (struct span){0};
                        return 1;
                }
                if (!c->in_view)
                        return 1;
                const char *v;
                if ((v = after_key(p, end, "name:"))) {
                        const char *rest;
                        if (quoted(v, end, &c->view, &rest) < 0 || !token_ok(c->view.p, c->view.len))
                                return -EINVAL;
                        return 1;
                }
                if (!(v = after_key(p, end, "local-zone:")))
                        return 1;
                struct view_zone z;
                int r = parse_view_zone(v, end, c->view, &z);
                if (r < 0 || (r = zone_list_add(zones, z)) < 0)
                        return r;
        }
}

/* ---- sets of view zones ---- */

/* An open-addressing set of (view, zone, type), FNV-1a, sized at creation. */
struct zone_set {
        const struct view_zone **slots;
        size_t mask;
};

static uint64_t hash_span(uint64_t h, struct span s) {
        for (size_t i = 0; i < s.len; i++)
                h = (h ^ (unsigned char)s.p[i]) * 0x100000001b3ULL;
        return (h ^ 0xff) * 0x100000001b3ULL; /* a separator: ("ab","c") is not ("a","bc") */
}

/* FNV's low bits, those the table uses, mix poorly: the high ones are
 * folded in. */
static uint64_t zone_hash(const struct view_zone *z) {
        uint64_t h = hash_span(hash_span(hash_span(0xcbf29ce484222325ULL, z->view), z->zone), z->type);
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ULL;
        return h ^ (h >> 32);
}

static bool zone_eq(const struct view_zone *a, const struct view_zone *b) {
        return span_eq(a->view, b->view) && span_eq(a->zone, b->zone) && span_eq(a->type, b->type);
}

static int zone_set_init(struct zone_set *s, size_t n) {
        size_t cap = 16;
        while (cap < 2 * n + 1)
                cap *= 2;
        s->slots = calloc(cap, sizeof *s->slots);
        s->mask = cap - 1;
        return s->slots ? 0 : -ENOMEM;
}

/* Adds z; false when it was there already. */
static bool zone_set_add(struct zone_set *s, const struct view_zone *z) {
        for (size_t i = zone_hash(z) & s->mask;; i = (i + 1) & s->mask) {
                if (!s->slots[i]) {
                        s->slots[i] = z;
                        return true;
                }
                if (zone_eq(s->slots[i], z))
                        return false;
        }
}

static bool zone_set_has(const struct zone_set *s, const struct view_zone *z) {
        for (size_t i = zone_hash(z) & s->mask;; i = (i + 1) & s->mask) {
                if (!s->slots[i])
                        return false;
                if (zone_eq(s->slots[i], z))
                        return true;
        }
}

static int set_of(struct zone_list *l, struct zone_set *ret) {
        int r = zone_set_init(ret, l->n);
        for (size_t i = 0; r == 0 && i < l->n; i++)
                l->v[i].first = zone_set_add(ret, &l->v[i]);
        return r;
}

/* ---- the delta ---- */

void unbound_view_delta_release(struct unbound_view_delta *d) {
        buf_release(&d->remove);
        buf_release(&d->add);
        *d = (struct unbound_view_delta){0};
}

static int append_line(struct buf *b, const struct view_zone *z, bool with_type) {
        if (with_type)
                return buf_printf(b, "%.*s %.*s %.*s\n", (int)z->view.len, z->view.p, (int)z->zone.len, z->zone.p,
                                  (int)z->type.len, z->type.p);
        return buf_printf(b, "%.*s %.*s\n", (int)z->view.len, z->view.p, (int)z->zone.len, z->zone.p);
}

/* Every line but the views' local zones, equal and in order; the local
 * zones of each file collected on the way. */
static int compare_rest(const char *old_text, const char *new_text, struct zone_list *old_zones,
                        struct zone_list *new_zones, bool *ret_differs) {
        struct cursor a = {.pos = old_text}, b = {.pos = new_text};
        for (;;) {
                struct span x, y;
                int ra = next_line(&a, old_zones, &x);
                if (ra < 0)
                        return ra;
                int rb = next_line(&b, new_zones, &y);
                if (rb < 0)
                        return rb;
                if (ra == 0 && rb == 0) {
                        *ret_differs = false;
                        return 0;
                }
                if (ra != rb || !span_eq(x, y)) {
                        *ret_differs = true;
                        return 0;
                }
        }
}

int unbound_view_delta_compute(const char *old_text, const char *new_text, struct unbound_view_delta *ret) {
        struct unbound_view_delta d = {0};
        buf_init(&d.remove, DELTA_TEXT_MAX);
        buf_init(&d.add, DELTA_TEXT_MAX);
        struct zone_list old_zones = {0}, new_zones = {0};
        struct zone_set old_set = {0}, new_set = {0};
        int r = compare_rest(old_text ? old_text : "", new_text ? new_text : "", &old_zones, &new_zones,
                             &d.rest_differs);
        if (r < 0 || d.rest_differs)
                goto out;
        if ((r = set_of(&old_zones, &old_set)) < 0 || (r = set_of(&new_zones, &new_set)) < 0)
                goto out;
        for (size_t i = 0; i < old_zones.n && r >= 0; i++) {
                const struct view_zone *z = &old_zones.v[i];
                if (z->first && !zone_set_has(&new_set, z) && (r = append_line(&d.remove, z, false)) == 0)
                        d.n_remove++;
        }
        for (size_t i = 0; i < new_zones.n && r >= 0; i++) {
                const struct view_zone *z = &new_zones.v[i];
                if (z->first && !zone_set_has(&old_set, z) && (r = append_line(&d.add, z, true)) == 0)
                        d.n_add++;
        }
out:
        free(old_zones.v);
        free(new_zones.v);
        free(old_set.slots);
        free(new_set.slots);
        if (r < 0) {
                unbound_view_delta_release(&d);
                return r;
        }
        *ret = d;
        return 0;
}

/* ---- talking to Unbound ---- */

/* One command that answers "ok" when it worked. Unbound says other
 * things without the word "error" ("no view with name: ..."): anything
 * but ok is a refusal. */
static int command_ok(const char *sock, const char *command, char **ret_message) {
        _cleanup_free_ char *answer = NULL;
        int r = unbound_control(sock, command, NULL, &answer);
        if (r >= 0 && !streq(answer, "ok\n"))
                r = -EPROTO;
        if (r < 0 && ret_message) {
                size_t n = answer ? strcspn(answer, "\n") : 0;
                if (asprintf(ret_message, "%s: %.*s", command, (int)n, answer ? answer : strerror(-r)) < 0)
                        *ret_message = NULL;
        }
        return r;
}

/* Each line of lines, after verb, one command each. */
static int send_lines(const char *sock, const char *verb, const struct buf *lines, char **ret_message) {
        for (const char *p = lines->len ? buf_str(lines) : ""; *p;) {
                size_t n = strcspn(p, "\n");
                char command[3 * TOKEN_MAX_LEN + 64];
                int w = snprintf(command, sizeof command, "%s %.*s", verb, (int)n, p);
                if (w < 0 || (size_t)w >= sizeof command)
                        return -E2BIG;
                int r = command_ok(sock, command, ret_message);
                if (r < 0)
                        return r;
                p += n + (p[n] == '\n');
        }
        return 0;
}

int unbound_view_delta_apply(const char *control_socket, const struct unbound_view_delta *d, char **ret_message) {
        int r = send_lines(control_socket, "view_local_zone_remove", &d->remove, ret_message);
        return r < 0 ? r : send_lines(control_socket, "view_local_zone", &d->add, ret_message);
}

static bool listed(const char *name, const char *const *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(name, v[i]))
                        return true;
        return false;
}

static bool names_ok(const char *const *v, size_t n) {
        if (n > 0 && !v)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!v[i] || !token_ok(v[i], strlen(v[i])))
                        return false;
        return true;
}

int unbound_view_denies_apply(const char *control_socket, const char *view, const char *const *old_denied,
                              size_t n_old, const char *const *new_denied, size_t n_new, char **ret_message) {
        if (n_old > DENIED_MAX || n_new > DENIED_MAX)
                return -E2BIG;
        if (!control_socket || !view || !token_ok(view, strlen(view)) || !names_ok(old_denied, n_old) ||
            !names_ok(new_denied, n_new))
                return -EINVAL;
        char command[3 * TOKEN_MAX_LEN + 64];
        for (size_t i = 0; i < n_old; i++) {
                if (listed(old_denied[i], new_denied, n_new))
                        continue;
                snprintf(command, sizeof command, "view_local_zone_remove %s %s", view, old_denied[i]);
                int r = command_ok(control_socket, command, ret_message);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_new; i++) {
                if (listed(new_denied[i], old_denied, n_old))
                        continue;
                snprintf(command, sizeof command, "view_local_zone %s %s " UNBOUND_VIEW_DENY, view, new_denied[i]);
                int r = command_ok(control_socket, command, ret_message);
                if (r < 0)
                        return r;
        }
        return 0;
}
