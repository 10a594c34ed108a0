/* The login rate limit: blocking after max events in a window, the window's
 * end, Retry-After, and a full table that keeps working. */
#include "testutil.h"

#include "api/ratelimit.h"

static void test_blocks_after_max(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(3, 60, 16);
        assert_non_null(rl);
        unsigned retry = 12345;
        assert_false(ratelimit_blocked(rl, "1.2.3.4", 100, &retry));
        assert_int_equal(retry, 12345); /* untouched when not blocked */

        ratelimit_record(rl, "1.2.3.4", 100);
        ratelimit_record(rl, "1.2.3.4", 101);
        assert_false(ratelimit_blocked(rl, "1.2.3.4", 102, &retry));
        ratelimit_record(rl, "1.2.3.4", 102);
        assert_true(ratelimit_blocked(rl, "1.2.3.4", 102, &retry));

        /* Other keys are independent. */
        assert_false(ratelimit_blocked(rl, "1.2.3.5", 102, &retry));
        assert_false(ratelimit_blocked(rl, "1.2.3.", 102, &retry));
        assert_false(ratelimit_blocked(rl, "1.2.3.44", 102, &retry));
        ratelimit_free(rl);
}

static void test_retry_after(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(2, 60, 4);
        ratelimit_record(rl, "k", 1000);
        ratelimit_record(rl, "k", 1010);
        unsigned retry = 0;
        /* The window runs from the first event: 1000..1059. */
        assert_true(ratelimit_blocked(rl, "k", 1010, &retry));
        assert_int_equal(retry, 50);
        assert_true(ratelimit_blocked(rl, "k", 1030, &retry));
        assert_int_equal(retry, 30);
        assert_true(ratelimit_blocked(rl, "k", 1059, &retry));
        assert_int_equal(retry, 1);
        assert_false(ratelimit_blocked(rl, "k", 1060, &retry));
        ratelimit_free(rl);
}

static void test_window_expiry_resets(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(2, 60, 4);
        unsigned retry;
        ratelimit_record(rl, "k", 0);
        ratelimit_record(rl, "k", 1);
        assert_true(ratelimit_blocked(rl, "k", 59, &retry));
        assert_false(ratelimit_blocked(rl, "k", 60, &retry));

        /* A new window starts at the next event, with a fresh count. */
        ratelimit_record(rl, "k", 70);
        assert_false(ratelimit_blocked(rl, "k", 71, &retry));
        ratelimit_record(rl, "k", 71);
        assert_true(ratelimit_blocked(rl, "k", 71, &retry));
        assert_int_equal(retry, 59);
        assert_false(ratelimit_blocked(rl, "k", 130, &retry));

        /* Attempts while blocked still count, but do not extend the window. */
        ratelimit_record(rl, "k", 200);
        ratelimit_record(rl, "k", 201);
        ratelimit_record(rl, "k", 202);
        assert_true(ratelimit_blocked(rl, "k", 259, &retry));
        assert_false(ratelimit_blocked(rl, "k", 260, &retry));
        ratelimit_free(rl);
}

static void test_reset(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(1, 60, 4);
        unsigned retry;
        ratelimit_record(rl, "alice", 10);
        ratelimit_record(rl, "bob", 10);
        assert_true(ratelimit_blocked(rl, "alice", 10, &retry));
        ratelimit_reset(rl, "alice");
        assert_false(ratelimit_blocked(rl, "alice", 10, &retry));
        assert_true(ratelimit_blocked(rl, "bob", 10, &retry));
        ratelimit_reset(rl, "nobody"); /* harmless */
        ratelimit_record(rl, "alice", 11);
        assert_true(ratelimit_blocked(rl, "alice", 11, &retry));
        ratelimit_free(rl);
}

static void test_capacity_eviction(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(1, 60, 2);
        unsigned retry;
        ratelimit_record(rl, "a", 0);
        ratelimit_record(rl, "b", 1);
        assert_true(ratelimit_blocked(rl, "a", 2, &retry));
        assert_true(ratelimit_blocked(rl, "b", 2, &retry));

        /* Full, nothing expired: the oldest entry makes room. */
        ratelimit_record(rl, "c", 2);
        assert_true(ratelimit_blocked(rl, "c", 2, &retry));
        assert_true(ratelimit_blocked(rl, "b", 2, &retry));
        assert_false(ratelimit_blocked(rl, "a", 2, &retry));

        /* An expired entry is taken before a live one, even if newer. */
        struct ratelimit *rl2 = ratelimit_new(1, 10, 2);
        ratelimit_record(rl2, "old", 0);   /* expires at 10 */
        ratelimit_record(rl2, "young", 5); /* expires at 15 */
        ratelimit_record(rl2, "new", 12);
        assert_true(ratelimit_blocked(rl2, "young", 12, &retry));
        assert_true(ratelimit_blocked(rl2, "new", 12, &retry));
        assert_false(ratelimit_blocked(rl2, "old", 12, &retry));
        ratelimit_free(rl2);

        /* Many more keys than slots: it keeps working, and the newest key is
         * always tracked. */
        char key[32];
        for (int i = 0; i < 10000; i++) {
                snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
                ratelimit_record(rl, key, 100 + i / 100);
                assert_true(ratelimit_blocked(rl, key, 100 + i / 100, &retry));
        }
        ratelimit_free(rl);
}

static void test_long_keys(void **state) {
        (void)state;
        struct ratelimit *rl = ratelimit_new(1, 60, 8);
        unsigned retry;
        char a[200], b[200];
        memset(a, 'x', sizeof a - 1);
        a[sizeof a - 1] = 0;
        memcpy(b, a, sizeof b);
        ratelimit_record(rl, a, 0);
        assert_true(ratelimit_blocked(rl, a, 0, &retry));
        /* Keys are compared on their first RATELIMIT_KEY_MAX - 1 bytes, so a
         * key is never stored truncated and then missed. */
        b[sizeof b - 2] = 'y';
        assert_true(ratelimit_blocked(rl, b, 0, &retry));
        b[RATELIMIT_KEY_MAX - 2] = 'y';
        assert_false(ratelimit_blocked(rl, b, 0, &retry));
        ratelimit_free(rl);
}

static void test_free_null(void **state) {
        (void)state;
        assert_null(ratelimit_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_blocks_after_max),  cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_window_expiry_resets), cmocka_unit_test(test_reset),
                cmocka_unit_test(test_capacity_eviction), cmocka_unit_test(test_long_keys),
                cmocka_unit_test(test_free_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
