/* API tokens: "pic_<id>_<secret>". The id finds the row; the secret is kept
 * only as a digest and compared in constant time. Scopes are ordered:
 * read < write < admin. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "common/secret.h"
#include "store/store.h"
#include "store/users.h"

#define TOKEN_ID_LEN 12
/* "pic_" + id + "_" + secret + NUL */
#define TOKEN_TEXT_LEN (4 + TOKEN_ID_LEN + 1 + SECRET_TOKEN_STRLEN)
/* last_used_at is refreshed at most this often, so reads stay reads. */
#define TOKEN_TOUCH_INTERVAL 60

enum token_scope { SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN };

int token_scope_from_string(const char *s, enum token_scope *ret);
const char *token_scope_to_string(enum token_scope scope);

struct token_info {
        char id[TOKEN_ID_LEN + 1];
        char name[NAME_MAX_LEN + 1];
        struct user user; /* the owner, with its current role */
        enum token_scope scope;
        int64_t created_at;
        int64_t expires_at; /* 0: never */
        int64_t last_used_at; /* 0: never */
};

/* Splits "pic_<id>_<secret>"; -EINVAL when the text has another shape.
 * *ret_secret points into text. */
int token_parse(const char *text, char ret_id[TOKEN_ID_LEN + 1], const char **ret_secret);

/* ret_text receives the whole token, to be shown once. */
int tokens_create(struct txn *t, const char *username, const char *name, enum token_scope scope, int64_t expires_at,
                  char ret_text[TOKEN_TEXT_LEN], struct token_info *ret);
/* Checks a presented token. -ENOENT for a malformed, unknown, revoked,
 * expired or mismatching token (one answer, so nothing is learnt). */
int tokens_authenticate(struct store *s, const char *text, int64_t now, struct token_info *ret);
int tokens_get(struct store *s, const char *id, struct token_info *ret);
/* username NULL lists every token. */
int tokens_list(struct store *s, const char *username, json_t **ret);
int tokens_delete(struct txn *t, const char *id);
/* Records use, at most once per TOKEN_TOUCH_INTERVAL. */
int tokens_touch(struct store *s, struct token_info *info, int64_t now);

json_t *token_to_json(const struct token_info *info);
