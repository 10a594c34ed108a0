/* Token authentication cache; see token_cache.h. */
#include "api/token_cache.h"

#include <errno.h>
#include <string.h>

#include "common/secret.h"

static unsigned slot_of(const char *id) {
        uint32_t h = 2166136261u; /* FNV-1a: ids are random already */
        for (; *id; id++)
                h = (h ^ (uint8_t)*id) * 16777619u;
        return h % TOKEN_CACHE_SLOTS;
}

int token_cache_authenticate(struct token_cache *c, struct store *s, const char *text, int64_t now,
                             struct token_info *ret) {
        char id[TOKEN_ID_LEN + 1];
        const char *secret;
        if (token_parse(text, id, &secret) < 0)
                return -ENOENT;
        uint8_t presented[SECRET_DIGEST_BYTES];
        secret_digest(secret, presented);

        /* Generations are stored +1 so that 0 can mean "empty". */
        uint64_t generation = store_generation(s) + 1;
        struct token_cache_entry *e = &c->slots[slot_of(id)];
        if (e->generation == generation && strcmp(e->info.id, id) == 0 &&
            secret_equal(e->digest, presented, sizeof presented)) {
                if (e->info.expires_at && e->info.expires_at <= now)
                        return -ENOENT;
                tokens_touch(s, &e->info, now); /* best effort, at most once a minute */
                *ret = e->info;
                return 0;
        }

        struct token_info info;
        int r = tokens_authenticate(s, text, now, &info);
        if (r < 0)
                return r;
        tokens_touch(s, &info, now);
        *e = (struct token_cache_entry){.generation = generation, .info = info};
        memcpy(e->digest, presented, sizeof presented);
        *ret = info;
        return 0;
}
