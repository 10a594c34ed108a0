/* Login sessions. The cookie value is a random token; the store keeps only
 * its digest, with the session's CSRF token and expiry. Sessions are
 * runtime state, not configuration: they append no revision. */
#pragma once

#include <stdint.h>

#include "common/secret.h"
#include "store/store.h"
#include "store/users.h"

#define SESSION_LIFETIME_SECONDS (12 * 3600)

struct session {
        struct user user;
        char csrf_token[SECRET_TOKEN_STRLEN];
        int64_t expires_at;
};

/* Creates a session for username; ret_cookie and ret_csrf receive the
 * secrets to hand to the client. */
int sessions_create(struct store *s, const char *username, int64_t now, char ret_cookie[SECRET_TOKEN_STRLEN],
                    char ret_csrf[SECRET_TOKEN_STRLEN], int64_t *ret_expires_at);
/* -ENOENT for an unknown or expired session. */
int sessions_lookup(struct store *s, const char *cookie, int64_t now, struct session *ret);
int sessions_delete(struct store *s, const char *cookie);
/* Within a transaction: revoke every session of a user. */
int sessions_delete_user(struct store *s, const char *username);
int sessions_prune(struct store *s, int64_t now);
