/* Accounts: a user name, a role and an argon2id password hash.
 * The hash never leaves this file except to the password check. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/secret.h"
#include "common/validate.h"
#include "store/store.h"

struct user {
        char username[NAME_MAX_LEN + 1];
        char role[8]; /* "admin" or "user" */
        int64_t created_at;
        int64_t updated_at;
};

bool valid_role(const char *s);

/* -ENOENT when there is no such user. ret_hash may be NULL. */
int users_get(struct store *s, const char *username, struct user *ret, char ret_hash[SECRET_PASSWORD_HASH_MAX]);
int users_list(struct store *s, json_t **ret);
int users_count_admins(struct store *s, int64_t *ret);
/* -EEXIST when the name is taken. */
int users_create(struct txn *t, const char *username, const char *role, const char *password_hash);
/* role and password_hash may each be NULL (unchanged). -ENOENT. */
int users_update(struct txn *t, const char *username, const char *role, const char *password_hash);
/* Also removes the user's sessions and tokens. -ENOENT. */
int users_delete(struct txn *t, const char *username);

json_t *user_to_json(const struct user *u);
