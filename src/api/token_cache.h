/* A small cache in front of token authentication, so a request with a
 * Bearer token costs one digest and no SQLite lookup. An entry is trusted
 * only while the store's generation is the one it was filled at: any
 * committed revision (a revoked token, a deleted or demoted user) empties
 * it in effect. Only successful checks are cached. */
#pragma once

#include <stdint.h>

#include "store/store.h"
#include "store/tokens.h"

#define TOKEN_CACHE_SLOTS 256

struct token_cache_entry {
        uint64_t generation; /* 0: empty (the store's generation starts at 0, entries at >= 1) */
        uint8_t digest[SECRET_DIGEST_BYTES];
        struct token_info info;
};

struct token_cache {
        struct token_cache_entry slots[TOKEN_CACHE_SLOTS];
};

/* Same contract as tokens_authenticate(). */
int token_cache_authenticate(struct token_cache *c, struct store *s, const char *text, int64_t now,
                             struct token_info *ret);
