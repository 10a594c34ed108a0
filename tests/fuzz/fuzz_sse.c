/* libFuzzer harness for the CLI's server-sent events parser (src/cli/sse.c):
 * the first byte picks a split size; the stream parsed whole and parsed in
 * pieces of that size must dispatch the same events, byte for byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/sse.h"

#define CHECK(cond)                                                                                                \
        do {                                                                                                       \
                if (!(cond)) {                                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                   \
                        abort();                                                                                   \
                }                                                                                                  \
        } while (0)

static int record(const struct sse_event *ev, void *userdata) {
        struct buf *out = userdata;
        CHECK(ev->type && ev->data && ev->id && ev->data[ev->data_len] == 0);
        CHECK(buf_printf(out, "%zu:%s|%zu:", strlen(ev->type), ev->type, ev->data_len) == 0);
        CHECK(buf_append(out, ev->data, ev->data_len) == 0);
        CHECK(buf_printf(out, "|%s;", ev->id) == 0);
        return 0;
}

static int parse(const uint8_t *data, size_t size, size_t piece, struct buf *out) {
        struct sse_parser p;
        int r = 0;

        sse_parser_init(&p, 4096, record, out);
        for (size_t i = 0; i < size && r == 0; i += piece)
                r = sse_parser_feed(&p, (const char *)data + i, size - i < piece ? size - i : piece);
        sse_parser_release(&p);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct buf whole = BUF_INIT, split = BUF_INIT;

        if (size < 1)
                return 0;
        size_t piece = 1 + data[0] % 16;
        data++, size--;
        int r1 = parse(data, size, size ? size : 1, &whole);
        int r2 = parse(data, size, piece, &split);
        CHECK(r1 == r2);
        /* On -E2BIG the split parse may have dispatched fewer events first. */
        if (r1 == 0)
                CHECK(whole.len == split.len && memcmp(buf_str(&whole), buf_str(&split), whole.len) == 0);
        buf_release(&whole);
        buf_release(&split);
        return 0;
}
