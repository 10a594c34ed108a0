/* struct buf: appending, formatting, the size limit (a failed append leaves
 * the buffer exactly as it was) and handing the string out. */
#include "testutil.h"

#include <errno.h>

#include "common/buf.h"

static void test_append_and_puts(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b = BUF_INIT;
        assert_string_equal(buf_str(&b), "");
        assert_null(b.data);

        assert_int_equal(buf_append(&b, "abc", 3), 0);
        assert_int_equal(buf_puts(&b, "def"), 0);
        assert_int_equal(b.len, 6);
        assert_string_equal(b.data, "abcdef");
        assert_int_equal(b.data[b.len], 0);

        /* Zero-length appends are fine and keep the terminator. */
        assert_int_equal(buf_append(&b, "", 0), 0);
        assert_int_equal(b.len, 6);

        /* Binary data with an embedded NUL counts every byte. */
        assert_int_equal(buf_append(&b, "x\0y", 3), 0);
        assert_int_equal(b.len, 9);
        assert_memory_equal(b.data, "abcdefx\0y", 10);
}

static void test_growth(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b = BUF_INIT;
        for (int i = 0; i < 1000; i++)
                assert_int_equal(buf_puts(&b, "0123456789"), 0);
        assert_int_equal(b.len, 10000);
        assert_true(b.cap > b.len);
        for (size_t i = 0; i < b.len; i++)
                assert_int_equal(b.data[i], '0' + (int)(i % 10));
        assert_int_equal(b.data[b.len], 0);
}

static void test_printf(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b = BUF_INIT;
        assert_int_equal(buf_printf(&b, "%s=%d", "port", 53), 0);
        assert_int_equal(buf_printf(&b, ", %05.1f%%", 2.5), 0);
        assert_string_equal(buf_str(&b), "port=53, 002.5%");
        assert_int_equal(b.len, strlen("port=53, 002.5%"));

        /* Longer than the first allocation, so the formatter must reserve. */
        char big[300];
        memset(big, 'q', sizeof big - 1);
        big[sizeof big - 1] = 0;
        assert_int_equal(buf_printf(&b, "[%s]", big), 0);
        assert_int_equal(b.len, strlen("port=53, 002.5%") + 2 + 299);
        assert_int_equal(b.data[b.len - 1], ']');

        /* An empty format appends nothing. */
        size_t before = b.len;
        assert_int_equal(buf_printf(&b, "%s", ""), 0);
        assert_int_equal(b.len, before);
}

static void test_clear_keeps_memory(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b = BUF_INIT;
        assert_int_equal(buf_puts(&b, "hello"), 0);
        char *mem = b.data;
        size_t cap = b.cap;
        buf_clear(&b);
        assert_int_equal(b.len, 0);
        assert_string_equal(buf_str(&b), "");
        assert_ptr_equal(b.data, mem);
        assert_int_equal(b.cap, cap);
        assert_int_equal(buf_puts(&b, "again"), 0);
        assert_string_equal(buf_str(&b), "again");

        /* Clearing a buffer that never held anything is harmless. */
        struct buf empty = BUF_INIT;
        buf_clear(&empty);
        assert_null(empty.data);
        buf_release(&empty);
}

static void test_limit(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b;
        buf_init(&b, 10);
        assert_int_equal(buf_puts(&b, "12345"), 0);

        /* One byte too many: refused, the contents untouched. */
        assert_int_equal(buf_puts(&b, "678901"), -E2BIG);
        assert_int_equal(b.len, 5);
        assert_string_equal(buf_str(&b), "12345");

        assert_int_equal(buf_printf(&b, "%s", "abcdefghijk"), -E2BIG);
        assert_int_equal(b.len, 5);
        assert_string_equal(buf_str(&b), "12345");

        /* Exactly up to the limit is allowed. */
        assert_int_equal(buf_puts(&b, "67890"), 0);
        assert_int_equal(b.len, 10);
        assert_string_equal(buf_str(&b), "1234567890");
        assert_int_equal(buf_puts(&b, "x"), -E2BIG);
        assert_int_equal(buf_printf(&b, "%c", 'x'), -E2BIG);
        assert_string_equal(buf_str(&b), "1234567890");
        /* ...and nothing at all still fits. */
        assert_int_equal(buf_append(&b, "", 0), 0);

        /* A length that would wrap size_t arithmetic is refused, not wrapped. */
        assert_int_equal(buf_append(&b, "", SIZE_MAX), -E2BIG);
        assert_int_equal(buf_append(&b, "", SIZE_MAX - 3), -E2BIG);
        assert_string_equal(buf_str(&b), "1234567890");
}

static void test_limit_on_empty(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b;
        buf_init(&b, 4);
        assert_int_equal(buf_puts(&b, "abcde"), -E2BIG);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_string_equal(buf_str(&b), "");
}

static void test_default_limit(void **state) {
        (void)state;
        _cleanup_buf_ struct buf b = BUF_INIT;
        assert_int_equal(buf_append(&b, "", BUF_DEFAULT_LIMIT + 1), -E2BIG);
        assert_null(b.data);
}

static void test_steal(void **state) {
        (void)state;
        struct buf b = BUF_INIT;
        assert_int_equal(buf_puts(&b, "owned"), 0);
        char *s = buf_steal(&b);
        assert_string_equal(s, "owned");
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_int_equal(b.cap, 0);
        free(s);

        /* The emptied buffer can be used again. */
        assert_int_equal(buf_puts(&b, "second"), 0);
        s = buf_steal(&b);
        assert_string_equal(s, "second");
        free(s);
        buf_release(&b);
}

static void test_steal_empty(void **state) {
        (void)state;
        struct buf b = BUF_INIT;
        char *s = buf_steal(&b);
        assert_non_null(s);
        assert_string_equal(s, "");
        free(s);

        /* Cleared but allocated: still "" and still owned by the caller. */
        assert_int_equal(buf_puts(&b, "gone"), 0);
        buf_clear(&b);
        s = buf_steal(&b);
        assert_string_equal(s, "");
        free(s);
        buf_release(&b);
}

static void test_release_twice(void **state) {
        (void)state;
        struct buf b = BUF_INIT;
        assert_int_equal(buf_puts(&b, "x"), 0);
        buf_release(&b);
        buf_release(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append_and_puts), cmocka_unit_test(test_growth),
                cmocka_unit_test(test_printf),          cmocka_unit_test(test_clear_keeps_memory),
                cmocka_unit_test(test_limit),           cmocka_unit_test(test_limit_on_empty),
                cmocka_unit_test(test_default_limit),   cmocka_unit_test(test_steal),
                cmocka_unit_test(test_steal_empty),     cmocka_unit_test(test_release_twice),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
