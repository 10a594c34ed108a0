/* Fixed-window rate limits; see ratelimit.h. */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
        char key[RATELIMIT_KEY_MAX];
        int64_t window_start;
        unsigned count;
};

struct ratelimit {
        unsigned max_events;
        unsigned window;
        unsigned capacity;
        struct entry *entries;
};

struct ratelimit *ratelimit_new(unsigned max_events, unsigned window_seconds, unsigned capacity) {
        if (capacity == 0)
                return NULL;
        struct ratelimit *rl = calloc(1, sizeof *rl);
        if (!rl)
                return NULL;
        rl->entries = calloc(capacity, sizeof *rl->entries);
        if (!rl->entries) {
                free(rl);
                return NULL;
        }
        rl->max_events = max_events;
        rl->window = window_seconds;
        rl->capacity = capacity;
        return rl;
}

struct ratelimit *ratelimit_free(struct ratelimit *rl) {
        if (rl) {
                free(rl->entries);
                free(rl);
        }
        return NULL;
}

static struct entry *find(struct ratelimit *rl, const char *key) {
        for (unsigned i = 0; i < rl->capacity; i++)
                if (rl->entries[i].key[0] && strncmp(rl->entries[i].key, key, RATELIMIT_KEY_MAX - 1) == 0)
                        return &rl->entries[i];
        return NULL;
}

bool ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now, unsigned *ret_retry_after) {
        struct entry *e = find(rl, key);
        if (!e || now >= e->window_start + rl->window || e->count < rl->max_events)
                return false;
        int64_t left = e->window_start + rl->window - now;
        *ret_retry_after = left > 0 ? (unsigned)left : 1;
        return true;
}

void ratelimit_record(struct ratelimit *rl, const char *key, int64_t now) {
        struct entry *e = find(rl, key);
        if (!e) {
                struct entry *victim = &rl->entries[0];
                for (unsigned i = 0; i < rl->capacity; i++) {
                        struct entry *c = &rl->entries[i];
                        if (!c->key[0] || now >= c->window_start + rl->window) {
                                victim = c;
                                break;
                        }
                        if (c->window_start < victim->window_start)
                                victim = c;
                }
                e = victim;
                snprintf(e->key, sizeof e->key, "%s", key);
                e->window_start = now;
                e->count = 0;
        } else if (now >= e->window_start + rl->window) {
                e->window_start = now;
                e->count = 0;
        }
        e->count++;
}

void ratelimit_reset(struct ratelimit *rl, const char *key) {
        struct entry *e = find(rl, key);
        if (e)
                memset(e, 0, sizeof *e);
}
