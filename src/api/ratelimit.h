/* A fixed-size table of fixed-window counters, keyed by string: the login
 * rate limit per source and per user. Bounded memory: when the table is
 * full, an expired entry, else the oldest one, makes room. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 96

struct ratelimit;

struct ratelimit *ratelimit_new(unsigned max_events, unsigned window_seconds, unsigned capacity);
struct ratelimit *ratelimit_free(struct ratelimit *rl);

/* True when key has used up its events in the current window; then
 * *ret_retry_after is the number of seconds until the window ends. */
bool ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now, unsigned *ret_retry_after);
/* Counts one event for key. */
void ratelimit_record(struct ratelimit *rl, const char *key, int64_t now);
void ratelimit_reset(struct ratelimit *rl, const char *key);
