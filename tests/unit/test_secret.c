/* Tokens, digests, constant-time comparison and password hashing. Hashing
 * costs about 35 ms, so it happens once here. */
#include "testutil.h"

#include "common/secret.h"

static int setup(void **state) {
        (void)state;
        return secret_init();
}

static bool is_base64url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void test_random_token(void **state) {
        (void)state;
        char a[SECRET_TOKEN_STRLEN], b[SECRET_TOKEN_STRLEN];
        memset(a, 'X', sizeof a);
        secret_random_token(a);
        secret_random_token(b);
        assert_int_equal(strlen(a), SECRET_TOKEN_STRLEN - 1);
        assert_int_equal(strlen(a), 43);
        for (size_t i = 0; i < strlen(a); i++)
                if (!is_base64url(a[i]))
                        fail_msg("token has '%c' at %zu", a[i], i);
        assert_string_not_equal(a, b);
}

static void test_random_text(void **state) {
        (void)state;
        static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
        char a[21], b[21];
        memset(a, 'X', sizeof a);
        secret_random_text(a, 20);
        secret_random_text(b, 20);
        assert_int_equal(strlen(a), 20);
        for (size_t i = 0; i < 20; i++)
                if (!strchr(alphabet, a[i]))
                        fail_msg("random text has '%c' (ambiguous or out of alphabet)", a[i]);
        assert_string_not_equal(a, b);

        char empty[1] = {'X'};
        secret_random_text(empty, 0);
        assert_string_equal(empty, "");
}

static void test_digest(void **state) {
        (void)state;
        uint8_t d1[SECRET_DIGEST_BYTES], d2[SECRET_DIGEST_BYTES], d3[SECRET_DIGEST_BYTES];
        secret_digest("token-one", d1);
        secret_digest("token-one", d2);
        secret_digest("token-onf", d3);
        assert_memory_equal(d1, d2, sizeof d1);
        assert_memory_not_equal(d1, d3, sizeof d1);

        /* BLAKE2b-256, unkeyed: known answers. */
        static const uint8_t empty[SECRET_DIGEST_BYTES] = {
                0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e, 0xb0, 0x60, 0x99, 0xda, 0xa1,
                0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f, 0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd, 0xf1, 0x2f, 0xe3, 0xa8,
        };
        static const uint8_t abc[SECRET_DIGEST_BYTES] = {
                0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef, 0x3f, 0xee, 0x98, 0x57, 0x9b,
                0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb, 0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0, 0x68, 0xd5, 0x23, 0x19,
        };
        secret_digest("", d1);
        assert_memory_equal(d1, empty, sizeof empty);
        secret_digest("abc", d1);
        assert_memory_equal(d1, abc, sizeof abc);
}

static void test_equal(void **state) {
        (void)state;
        uint8_t a[32], b[32];
        memset(a, 0x5a, sizeof a);
        memset(b, 0x5a, sizeof b);
        assert_true(secret_equal(a, b, sizeof a));
        b[31] ^= 1;
        assert_false(secret_equal(a, b, sizeof a));
        b[31] ^= 1;
        b[0] ^= 0x80;
        assert_false(secret_equal(a, b, sizeof a));
        assert_true(secret_equal(a, b, 0));
}

static void test_streq(void **state) {
        (void)state;
        assert_true(secret_streq("", ""));
        assert_true(secret_streq("csrf-token", "csrf-token"));
        assert_false(secret_streq("csrf-token", "csrf-tokem"));
        assert_false(secret_streq("csrf-token", "csrf-token2"));
        assert_false(secret_streq("csrf-token", "csrf"));
        assert_false(secret_streq("", "x"));
        assert_false(secret_streq("x", ""));
        assert_false(secret_streq("Csrf", "csrf"));
}

static void test_password(void **state) {
        (void)state;
        char hash[SECRET_PASSWORD_HASH_MAX];
        assert_int_equal(secret_hash_password("correct horse battery", hash), 0);
        assert_true(strlen(hash) < SECRET_PASSWORD_HASH_MAX);
        assert_true(strncmp(hash, "$argon2id$", 10) == 0);
        assert_non_null(strstr(hash, "m=19456,t=2"));
        assert_null(strstr(hash, "correct"));

        assert_true(secret_check_password(hash, "correct horse battery"));
        assert_false(secret_check_password(hash, "correct horse batterY"));
        assert_false(secret_check_password(hash, "correct horse battery "));
        assert_false(secret_check_password(hash, ""));

        /* A damaged or foreign hash never verifies. */
        assert_false(secret_check_password("", "x"));
        assert_false(secret_check_password("not a hash", "not a hash"));
        assert_false(secret_check_password("$argon2id$v=19$m=19456,t=2,p=1$garbage", "x"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_random_token), cmocka_unit_test(test_random_text), cmocka_unit_test(test_digest),
                cmocka_unit_test(test_equal),        cmocka_unit_test(test_streq),       cmocka_unit_test(test_password),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
