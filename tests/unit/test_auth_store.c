/* Accounts, sessions and API tokens in the store. Password hashes here are
 * opaque strings: hashing is test_secret's business, and slow. */
#include "testutil.h"

#include <errno.h>

#include "common/jsonutil.h"
#include "common/secret.h"
#include "common/timeutil.h"
#include "store/revisions.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/tokens.h"
#include "store/users.h"

struct fixture {
        char *dir;
        struct store *s;
};

static int setup(void **state) {
        assert_int_equal(secret_init(), 0);
        struct fixture *f = calloc(1, sizeof *f);
        f->dir = test_tmpdir();
        char *db = test_path(f->dir, "cell.db");
        assert_int_equal(store_create(db, &f->s), 0);
        free(db);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        store_close(f->s);
        test_rmdir(f->dir);
        free(f);
        return 0;
}

/* One mutation in its own transaction, committed when it succeeds. */
#define IN_TXN(s, call)                                                                                            \
        ({                                                                                                         \
                struct txn _t;                                                                                     \
                assert_int_equal(txn_begin((s), &_t), 0);                                                          \
                struct txn *t = &_t;                                                                               \
                int _r = (call);                                                                                   \
                if (_r == 0)                                                                                       \
                        assert_int_equal(txn_commit(&_t, "tester", "test", NULL), 0);                              \
                else                                                                                               \
                        txn_abort(&_t);                                                                            \
                _r;                                                                                                \
        })

static long long count(struct store *s, const char *sql) {
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        long long v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return v;
}

static void add_user(struct store *s, const char *name, const char *role) {
        assert_int_equal(IN_TXN(s, users_create(t, name, role, "$fake$hash")), 0);
}

/* ---- users ---- */

static void test_users_crud(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        int64_t admins = -1;
        assert_int_equal(users_count_admins(s, &admins), 0);
        assert_int_equal(admins, 0);

        int64_t t0 = now_unix();
        assert_int_equal(IN_TXN(s, users_create(t, "alice", "admin", "hash-1")), 0);
        struct user u;
        char hash[SECRET_PASSWORD_HASH_MAX];
        assert_int_equal(users_get(s, "alice", &u, hash), 0);
        assert_string_equal(u.username, "alice");
        assert_string_equal(u.role, "admin");
        assert_string_equal(hash, "hash-1");
        assert_true(u.created_at >= t0 && u.created_at <= now_unix());
        assert_int_equal(u.updated_at, u.created_at);
        assert_int_equal(users_get(s, "alice", &u, NULL), 0); /* hash optional */

        /* Taken names and unknown users. */
        assert_int_equal(IN_TXN(s, users_create(t, "alice", "user", "hash-2")), -EEXIST);
        assert_int_equal(users_get(s, "alice", &u, hash), 0);
        assert_string_equal(hash, "hash-1");
        struct user untouched = {.username = "sentinel"};
        assert_int_equal(users_get(s, "bob", &untouched, NULL), -ENOENT);
        assert_string_equal(untouched.username, "sentinel");
        assert_int_equal(users_get(s, "Alice", &untouched, NULL), -ENOENT); /* names are exact */
        /* The schema refuses a role that is not one of the two. */
        assert_true(IN_TXN(s, users_create(t, "mallory", "root", "h")) < 0);
        assert_int_equal(users_get(s, "mallory", &u, NULL), -ENOENT);

        add_user(s, "bob", "user");
        add_user(s, "carol", "admin");
        assert_int_equal(users_count_admins(s, &admins), 0);
        assert_int_equal(admins, 2);

        _cleanup_json_ json_t *list = NULL;
        assert_int_equal(users_list(s, &list), 0);
        assert_int_equal(json_array_size(list), 3);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "username")), "alice");
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "username")), "carol");
        /* The hash never leaves the store in a listing. */
        _cleanup_free_ char *text = json_dumps(list, 0);
        assert_null(strstr(text, "hash"));

        /* Update: role only, password only, unknown user. */
        assert_int_equal(IN_TXN(s, users_update(t, "alice", "user", NULL)), 0);
        assert_int_equal(users_get(s, "alice", &u, hash), 0);
        assert_string_equal(u.role, "user");
        assert_string_equal(hash, "hash-1");
        assert_int_equal(IN_TXN(s, users_update(t, "alice", NULL, "hash-3")), 0);
        assert_int_equal(users_get(s, "alice", &u, hash), 0);
        assert_string_equal(u.role, "user");
        assert_string_equal(hash, "hash-3");
        assert_int_equal(IN_TXN(s, users_update(t, "nobody", "admin", NULL)), -ENOENT);
        assert_int_equal(users_count_admins(s, &admins), 0);
        assert_int_equal(admins, 1);

        /* The revision says a password changed, never what it is. */
        _cleanup_json_ json_t *rev = NULL;
        assert_int_equal(revisions_get(s, store_latest_revision(s), &rev), 0);
        _cleanup_free_ char *diff = json_dumps(json_object_get(rev, "diff"), 0);
        assert_null(strstr(diff, "hash-3"));
        assert_null(strstr(diff, "hash-1"));
        assert_non_null(strstr(diff, "\"password\""));

        /* Delete, then again. */
        assert_int_equal(IN_TXN(s, users_delete(t, "bob")), 0);
        assert_int_equal(users_get(s, "bob", &u, NULL), -ENOENT);
        assert_int_equal(IN_TXN(s, users_delete(t, "bob")), -ENOENT);
        json_decref(list);
        assert_int_equal(users_list(s, &list), 0);
        assert_int_equal(json_array_size(list), 2);
}

static void test_valid_role(void **state) {
        (void)state;
        assert_true(valid_role("admin"));
        assert_true(valid_role("user"));
        assert_false(valid_role("Admin"));
        assert_false(valid_role("root"));
        assert_false(valid_role(""));
        assert_false(valid_role("admin "));
        assert_false(valid_role(NULL));
}

static void test_user_to_json(void **state) {
        (void)state;
        struct user u = {.username = "alice", .role = "user", .created_at = 0, .updated_at = 86400};
        _cleanup_json_ json_t *j = user_to_json(&u);
        assert_string_equal(json_string_value(json_object_get(j, "username")), "alice");
        assert_string_equal(json_string_value(json_object_get(j, "created_at")), "1970-01-01T00:00:00Z");
        assert_string_equal(json_string_value(json_object_get(j, "updated_at")), "1970-01-02T00:00:00Z");
        assert_int_equal(json_object_size(j), 4);
}

/* ---- sessions ---- */

static void test_sessions(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        add_user(s, "bob", "user");
        int64_t revisions = store_latest_revision(s);

        char cookie[SECRET_TOKEN_STRLEN], csrf[SECRET_TOKEN_STRLEN];
        int64_t expires = 0;
        assert_int_equal(sessions_create(s, "alice", 1000, cookie, csrf, &expires), 0);
        assert_int_equal(expires, 1000 + SESSION_LIFETIME_SECONDS);
        assert_int_equal(strlen(cookie), SECRET_TOKEN_STRLEN - 1);
        assert_int_equal(strlen(csrf), SECRET_TOKEN_STRLEN - 1);
        assert_string_not_equal(cookie, csrf);
        /* Sessions are runtime state: no revision. */
        assert_int_equal(store_latest_revision(s), revisions);
        /* Only the digest is stored. */
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT COUNT(*) FROM sessions WHERE digest = ?1 OR csrf_token = ?1",
                                            -1, &stmt, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(stmt, 1, cookie, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(stmt, 0), 0);
        sqlite3_finalize(stmt);

        struct session sess;
        assert_int_equal(sessions_lookup(s, cookie, 1001, &sess), 0);
        assert_string_equal(sess.user.username, "alice");
        assert_string_equal(sess.user.role, "admin");
        assert_string_equal(sess.csrf_token, csrf);
        assert_int_equal(sess.expires_at, expires);
        assert_int_equal(sessions_lookup(s, cookie, expires - 1, &sess), 0);

        /* Expired at the instant of expiry, and after. */
        struct session untouched = {.expires_at = -7};
        assert_int_equal(sessions_lookup(s, cookie, expires, &untouched), -ENOENT);
        assert_int_equal(sessions_lookup(s, cookie, expires + 1000, &untouched), -ENOENT);
        assert_int_equal(untouched.expires_at, -7);

        /* Wrong cookies. */
        char wrong[SECRET_TOKEN_STRLEN];
        memcpy(wrong, cookie, sizeof wrong);
        wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
        assert_int_equal(sessions_lookup(s, wrong, 1001, &untouched), -ENOENT);
        assert_int_equal(sessions_lookup(s, "", 1001, &untouched), -ENOENT);
        assert_int_equal(sessions_lookup(s, csrf, 1001, &untouched), -ENOENT);

        /* The role is read live from the user. */
        assert_int_equal(IN_TXN(s, users_update(t, "alice", "user", NULL)), 0);
        assert_int_equal(sessions_lookup(s, cookie, 1001, &sess), 0);
        assert_string_equal(sess.user.role, "user");

        /* Logout removes exactly that session. */
        char cookie2[SECRET_TOKEN_STRLEN], csrf2[SECRET_TOKEN_STRLEN];
        assert_int_equal(sessions_create(s, "alice", 1000, cookie2, csrf2, &expires), 0);
        assert_int_equal(sessions_delete(s, cookie), 0);
        assert_int_equal(sessions_lookup(s, cookie, 1001, &sess), -ENOENT);
        assert_int_equal(sessions_lookup(s, cookie2, 1001, &sess), 0);
        assert_int_equal(sessions_delete(s, cookie), 0); /* idempotent */

        /* Revoking every session of one user leaves the others. */
        char bob_cookie[SECRET_TOKEN_STRLEN], bob_csrf[SECRET_TOKEN_STRLEN];
        assert_int_equal(sessions_create(s, "bob", 1000, bob_cookie, bob_csrf, &expires), 0);
        assert_int_equal(sessions_delete_user(s, "alice"), 0);
        assert_int_equal(sessions_lookup(s, cookie2, 1001, &sess), -ENOENT);
        assert_int_equal(sessions_lookup(s, bob_cookie, 1001, &sess), 0);
        assert_string_equal(sess.user.username, "bob");

        /* A session needs a real user. */
        assert_true(sessions_create(s, "ghost", 1000, cookie, csrf, &expires) < 0);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM sessions WHERE username = 'ghost'"), 0);
}

static void test_sessions_prune(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        char c1[SECRET_TOKEN_STRLEN], c2[SECRET_TOKEN_STRLEN], csrf[SECRET_TOKEN_STRLEN];
        int64_t e1, e2;
        assert_int_equal(sessions_create(s, "alice", 1000, c1, csrf, &e1), 0);
        assert_int_equal(sessions_create(s, "alice", 5000, c2, csrf, &e2), 0);
        assert_int_equal(sessions_prune(s, e1 - 1), 0);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM sessions"), 2);
        assert_int_equal(sessions_prune(s, e1), 0);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM sessions"), 1);
        struct session sess;
        assert_int_equal(sessions_lookup(s, c2, e1, &sess), 0);
        assert_int_equal(sessions_prune(s, e2), 0);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM sessions"), 0);
}

/* ---- tokens ---- */

static void create_token(struct store *s, const char *user, const char *name, enum token_scope scope, int64_t expires_at,
                         char text[TOKEN_TEXT_LEN], struct token_info *info) {
        assert_int_equal(IN_TXN(s, tokens_create(t, user, name, scope, expires_at, text, info)), 0);
}

static void test_token_scopes(void **state) {
        (void)state;
        enum token_scope sc = SCOPE_ADMIN;
        assert_int_equal(token_scope_from_string("read", &sc), 0);
        assert_int_equal(sc, SCOPE_READ);
        assert_int_equal(token_scope_from_string("write", &sc), 0);
        assert_int_equal(sc, SCOPE_WRITE);
        assert_int_equal(token_scope_from_string("admin", &sc), 0);
        assert_int_equal(sc, SCOPE_ADMIN);
        sc = SCOPE_READ;
        assert_int_equal(token_scope_from_string("Admin", &sc), -EINVAL);
        assert_int_equal(token_scope_from_string("", &sc), -EINVAL);
        assert_int_equal(token_scope_from_string(NULL, &sc), -EINVAL);
        assert_int_equal(sc, SCOPE_READ);
        assert_string_equal(token_scope_to_string(SCOPE_WRITE), "write");
        assert_true(SCOPE_READ < SCOPE_WRITE && SCOPE_WRITE < SCOPE_ADMIN);
}

static void test_tokens_create_authenticate(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");

        char text[TOKEN_TEXT_LEN];
        struct token_info info;
        int64_t before = store_latest_revision(s);
        create_token(s, "alice", "ci", SCOPE_WRITE, 0, text, &info);
        assert_int_equal(store_latest_revision(s), before + 1);

        /* pic_<12>_<43> */
        assert_int_equal(strlen(text), TOKEN_TEXT_LEN - 1);
        assert_int_equal(strlen(text), 4 + 12 + 1 + 43);
        assert_memory_equal(text, "pic_", 4);
        assert_int_equal(text[4 + TOKEN_ID_LEN], '_');
        assert_int_equal(strlen(info.id), TOKEN_ID_LEN);
        assert_memory_equal(text + 4, info.id, TOKEN_ID_LEN);
        assert_string_equal(info.name, "ci");
        assert_int_equal(info.scope, SCOPE_WRITE);
        assert_string_equal(info.user.username, "alice");
        assert_int_equal(info.expires_at, 0);
        assert_int_equal(info.last_used_at, 0);

        /* The secret is not in the store, nor in the revision. */
        const char *secret = text + 4 + TOKEN_ID_LEN + 1;
        _cleanup_json_ json_t *rev = NULL;
        assert_int_equal(revisions_get(s, store_latest_revision(s), &rev), 0);
        _cleanup_free_ char *diff = json_dumps(rev, 0);
        assert_null(strstr(diff, secret));
        assert_non_null(strstr(diff, info.id));

        struct token_info got;
        assert_int_equal(tokens_authenticate(s, text, now_unix(), &got), 0);
        assert_string_equal(got.id, info.id);
        assert_string_equal(got.user.username, "alice");
        assert_string_equal(got.user.role, "admin");
        assert_int_equal(got.scope, SCOPE_WRITE);

        /* Wrong secret: every position matters. */
        struct token_info untouched = {.id = "sentinel"};
        for (size_t i = 4 + TOKEN_ID_LEN + 1; i < strlen(text); i += 7) {
                char bad[TOKEN_TEXT_LEN];
                memcpy(bad, text, sizeof bad);
                bad[i] = bad[i] == 'a' ? 'b' : 'a';
                assert_int_equal(tokens_authenticate(s, bad, now_unix(), &untouched), -ENOENT);
        }
        /* Unknown id with the right secret. */
        char bad[TOKEN_TEXT_LEN];
        memcpy(bad, text, sizeof bad);
        bad[4] = bad[4] == 'a' ? 'b' : 'a';
        assert_int_equal(tokens_authenticate(s, bad, now_unix(), &untouched), -ENOENT);
        assert_string_equal(untouched.id, "sentinel");
}

static void test_tokens_malformed(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        char text[TOKEN_TEXT_LEN];
        struct token_info info;
        create_token(s, "alice", "ci", SCOPE_READ, 0, text, &info);

        char buf[256];
        const char *bad[16];
        unsigned n = 0;
        bad[n++] = "";
        bad[n++] = "pic_";
        bad[n++] = "pic__";
        bad[n++] = "Bearer";
        /* Without the prefix, with another prefix, with a wrong separator. */
        bad[n++] = text + 4;
        static char other_prefix[TOKEN_TEXT_LEN], wrong_sep[TOKEN_TEXT_LEN], truncated[TOKEN_TEXT_LEN],
                upper[TOKEN_TEXT_LEN];
        memcpy(other_prefix, text, sizeof text);
        memcpy(other_prefix, "pac_", 4);
        bad[n++] = other_prefix;
        memcpy(wrong_sep, text, sizeof text);
        wrong_sep[4 + TOKEN_ID_LEN] = '-';
        bad[n++] = wrong_sep;
        memcpy(truncated, text, sizeof text);
        truncated[strlen(truncated) - 1] = 0;
        bad[n++] = truncated;
        memcpy(upper, text, sizeof text);
        memcpy(upper, "PIC_", 4);
        bad[n++] = upper;
        /* One character too many. */
        snprintf(buf, sizeof buf, "%sx", text);
        bad[n++] = buf;
        for (unsigned i = 0; i < n; i++) {
                struct token_info untouched = {.id = "sentinel"};
                if (tokens_authenticate(s, bad[i], now_unix(), &untouched) != -ENOENT)
                        fail_msg("malformed token %u accepted: '%s'", i, bad[i]);
                assert_string_equal(untouched.id, "sentinel");
        }
}

static void test_tokens_expiry(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        char text[TOKEN_TEXT_LEN];
        struct token_info info;
        create_token(s, "alice", "short", SCOPE_ADMIN, 5000, text, &info);
        assert_int_equal(info.expires_at, 5000);
        struct token_info got;
        assert_int_equal(tokens_authenticate(s, text, 4999, &got), 0);
        assert_int_equal(got.expires_at, 5000);
        assert_int_equal(tokens_authenticate(s, text, 5000, &got), -ENOENT);
        assert_int_equal(tokens_authenticate(s, text, 9999, &got), -ENOENT);

        _cleanup_json_ json_t *j = token_to_json(&info);
        assert_string_equal(json_string_value(json_object_get(j, "expires_at")), "1970-01-01T01:23:20Z");
        assert_true(json_is_null(json_object_get(j, "last_used_at")));
        assert_null(json_object_get(j, "digest"));
        assert_null(json_object_get(j, "secret"));
}

static void test_tokens_touch(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        char text[TOKEN_TEXT_LEN];
        struct token_info info;
        create_token(s, "alice", "ci", SCOPE_READ, 0, text, &info);
        int64_t revisions = store_latest_revision(s);

        assert_int_equal(tokens_touch(s, &info, 1000), 0);
        assert_int_equal(info.last_used_at, 1000);
        struct token_info got;
        assert_int_equal(tokens_get(s, info.id, &got), 0);
        assert_int_equal(got.last_used_at, 1000);

        /* Within the interval: no write. */
        assert_int_equal(tokens_touch(s, &info, 1000 + TOKEN_TOUCH_INTERVAL - 1), 0);
        assert_int_equal(info.last_used_at, 1000);
        assert_int_equal(tokens_get(s, info.id, &got), 0);
        assert_int_equal(got.last_used_at, 1000);

        /* At the interval: written again. */
        assert_int_equal(tokens_touch(s, &info, 1000 + TOKEN_TOUCH_INTERVAL), 0);
        assert_int_equal(info.last_used_at, 1000 + TOKEN_TOUCH_INTERVAL);
        assert_int_equal(tokens_get(s, info.id, &got), 0);
        assert_int_equal(got.last_used_at, 1000 + TOKEN_TOUCH_INTERVAL);

        /* Use is runtime state: no revision. */
        assert_int_equal(store_latest_revision(s), revisions);

        /* authenticate reports the stored value. */
        assert_int_equal(tokens_authenticate(s, text, now_unix(), &got), 0);
        assert_int_equal(got.last_used_at, 1000 + TOKEN_TOUCH_INTERVAL);
}

static void test_tokens_list_delete(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        add_user(s, "bob", "user");
        char ta[TOKEN_TEXT_LEN], tb1[TOKEN_TEXT_LEN], tb2[TOKEN_TEXT_LEN];
        struct token_info ia, ib1, ib2;
        create_token(s, "alice", "a1", SCOPE_ADMIN, 0, ta, &ia);
        create_token(s, "bob", "b1", SCOPE_READ, 0, tb1, &ib1);
        create_token(s, "bob", "b2", SCOPE_WRITE, 0, tb2, &ib2);

        _cleanup_json_ json_t *all = NULL, *bobs = NULL, *nobody = NULL;
        assert_int_equal(tokens_list(s, NULL, &all), 0);
        assert_int_equal(json_array_size(all), 3);
        assert_int_equal(tokens_list(s, "bob", &bobs), 0);
        assert_int_equal(json_array_size(bobs), 2);
        size_t i;
        json_t *tok;
        json_array_foreach(bobs, i, tok) {
                assert_string_equal(json_string_value(json_object_get(tok, "username")), "bob");
                assert_null(json_object_get(tok, "digest"));
        }
        assert_int_equal(tokens_list(s, "nobody", &nobody), 0);
        assert_int_equal(json_array_size(nobody), 0);
        /* No secret in any listing. */
        _cleanup_free_ char *dump = json_dumps(all, 0);
        assert_null(strstr(dump, ta + 4 + TOKEN_ID_LEN + 1));
        assert_null(strstr(dump, tb1 + 4 + TOKEN_ID_LEN + 1));

        /* Deleting revokes at once. */
        assert_int_equal(IN_TXN(s, tokens_delete(t, ib1.id)), 0);
        struct token_info got;
        assert_int_equal(tokens_authenticate(s, tb1, now_unix(), &got), -ENOENT);
        assert_int_equal(tokens_get(s, ib1.id, &got), -ENOENT);
        assert_int_equal(IN_TXN(s, tokens_delete(t, ib1.id)), -ENOENT);
        assert_int_equal(IN_TXN(s, tokens_delete(t, "nosuchtoken1")), -ENOENT);
        assert_int_equal(tokens_authenticate(s, tb2, now_unix(), &got), 0);
        json_decref(bobs);
        assert_int_equal(tokens_list(s, "bob", &bobs), 0);
        assert_int_equal(json_array_size(bobs), 1);

        /* A token needs a real owner. */
        char tx[TOKEN_TEXT_LEN];
        struct token_info ix;
        assert_true(IN_TXN(s, tokens_create(t, "ghost", "g", SCOPE_READ, 0, tx, &ix)) < 0);
}

static void test_users_delete_cascades(void **state) {
        struct fixture *f = *state;
        struct store *s = f->s;
        add_user(s, "alice", "admin");
        add_user(s, "bob", "user");
        char cookie[SECRET_TOKEN_STRLEN], csrf[SECRET_TOKEN_STRLEN], alice_cookie[SECRET_TOKEN_STRLEN];
        int64_t exp;
        assert_int_equal(sessions_create(s, "bob", 1000, cookie, csrf, &exp), 0);
        assert_int_equal(sessions_create(s, "alice", 1000, alice_cookie, csrf, &exp), 0);
        char tb[TOKEN_TEXT_LEN], ta[TOKEN_TEXT_LEN];
        struct token_info ib, ia;
        create_token(s, "bob", "b", SCOPE_WRITE, 0, tb, &ib);
        create_token(s, "alice", "a", SCOPE_WRITE, 0, ta, &ia);

        assert_int_equal(IN_TXN(s, users_delete(t, "bob")), 0);
        struct session sess;
        struct token_info got;
        assert_int_equal(sessions_lookup(s, cookie, 1001, &sess), -ENOENT);
        assert_int_equal(tokens_authenticate(s, tb, now_unix(), &got), -ENOENT);
        assert_int_equal(tokens_get(s, ib.id, &got), -ENOENT);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM sessions WHERE username = 'bob'"), 0);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM tokens WHERE username = 'bob'"), 0);

        /* Alice keeps hers. */
        assert_int_equal(sessions_lookup(s, alice_cookie, 1001, &sess), 0);
        assert_int_equal(tokens_authenticate(s, ta, now_unix(), &got), 0);

        /* A user re-created under the same name inherits nothing. */
        add_user(s, "bob", "user");
        assert_int_equal(sessions_lookup(s, cookie, 1001, &sess), -ENOENT);
        assert_int_equal(tokens_authenticate(s, tb, now_unix(), &got), -ENOENT);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_users_crud),
                cmocka_unit_test(test_valid_role),
                cmocka_unit_test(test_user_to_json),
                T(test_sessions),
                T(test_sessions_prune),
                cmocka_unit_test(test_token_scopes),
                T(test_tokens_create_authenticate),
                T(test_tokens_malformed),
                T(test_tokens_expiry),
                T(test_tokens_touch),
                T(test_tokens_list_delete),
                T(test_users_delete_cascades),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
