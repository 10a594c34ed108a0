/* QR codes for peer configs: the PNG read back by zbarimg gives the text
 * byte for byte; the PNG taken apart here (chunks, CRCs, zlib, stored
 * blocks) gives the module bitmap; the SVG and the terminal glyphs drawn
 * back give it too; and the limits are refused. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>

#include "common/buf.h"
#include "common/exec.h"
#include "common/qr.h"

#define ZBARIMG_BIN "/usr/bin/zbarimg"
#define PYTHON_BIN "/usr/bin/python3"

/* What GET /api/peers/{name}/config hands out: newlines, '=', '+', '/'. */
static const char wg_config[] = "[Interface]\n"
                                "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
                                "Address = 10.77.1.2/32, fd77:77::2/128\n"
                                "DNS = 10.77.0.1, fd77:77::1\n"
                                "\n"
                                "[Peer]\n"
                                "PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
                                "PresharedKey = 0Wmg0mPzbcFpbLw5iYS4wBWPQvU4WCHgGfTcnT9Q1nM=\n"
                                "Endpoint = cell.example.net:51820\n"
                                "AllowedIPs = 0.0.0.0/0, ::/0\n"
                                "PersistentKeepalive = 25\n";

static struct qr *encode(const char *text) {
        struct qr *q = NULL;
        assert_int_equal(qr_encode(text, &q), 0);
        assert_non_null(q);
        assert_int_equal(q->width, 17 + 4 * q->version);
        return q;
}

/* ---- an independent PNG reader ---- */

/* Table-driven, unlike the bitwise one in qr.c, and itself checked
 * against the standard check value below. */
static uint32_t t_crc32(const uint8_t *p, size_t n) {
        static uint32_t table[256];
        if (!table[1])
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t c = i;
                        for (int k = 0; k < 8; k++)
                                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                        table[i] = c;
                }
        uint32_t c = 0xffffffffu;
        for (size_t i = 0; i < n; i++)
                c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
}

static uint32_t t_adler32(const uint8_t *p, size_t n) {
        uint32_t a = 1, b = 0;
        for (size_t i = 0; i < n; i++) {
                a = (a + p[i]) % 65521;
                b = (b + a) % 65521;
        }
        return b << 16 | a;
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct image {
        uint32_t w, h;
        uint8_t *dark; /* w * h, 1 = black */
        size_t blocks; /* stored deflate blocks seen */
};

/* Checks every rule the writer claims to follow and fails the test on the
 * first one broken. */
static void png_read(const struct buf *png, struct image *img) {
        const uint8_t *p = (const uint8_t *)png->data;
        size_t n = png->len;
        assert_true(n > 8);
        assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
        size_t off = 8;
        _cleanup_buf_ struct buf idat = BUF_INIT;
        bool ihdr = false, iend = false;
        while (off < n) {
                assert_true(n - off >= 12);
                uint32_t len = be32(p + off);
                assert_true(len <= n - off - 12);
                const uint8_t *type = p + off + 4, *data = p + off + 8;
                assert_int_equal(be32(data + len), t_crc32(type, 4 + len));
                assert_false(iend); /* nothing after IEND */
                if (memcmp(type, "IHDR", 4) == 0) {
                        assert_false(ihdr);
                        assert_int_equal(off, 8); /* IHDR comes first */
                        assert_int_equal(len, 13);
                        img->w = be32(data);
                        img->h = be32(data + 4);
                        assert_int_equal(data[8], 1);  /* bit depth */
                        assert_int_equal(data[9], 0);  /* grayscale */
                        assert_int_equal(data[10], 0); /* zlib */
                        assert_int_equal(data[11], 0); /* filter method */
                        assert_int_equal(data[12], 0); /* not interlaced */
                        ihdr = true;
                } else if (memcmp(type, "IDAT", 4) == 0) {
                        assert_true(ihdr);
                        assert_int_equal(buf_append(&idat, data, len), 0);
                } else if (memcmp(type, "IEND", 4) == 0) {
                        assert_int_equal(len, 0);
                        iend = true;
                } else {
                        fail_msg("unexpected chunk %.4s", (const char *)type);
                }
                off += 12 + len;
        }
        assert_true(iend);

        /* zlib: CMF/FLG, then stored blocks only, then Adler-32. */
        const uint8_t *z = (const uint8_t *)idat.data;
        size_t zn = idat.len;
        assert_true(zn >= 2 + 5 + 4);
        assert_int_equal(z[0] & 0x0f, 8); /* deflate */
        assert_int_equal((z[0] << 8 | z[1]) % 31, 0);
        assert_int_equal(z[1] & 0x20, 0); /* no preset dictionary */
        _cleanup_buf_ struct buf raw = BUF_INIT;
        size_t zo = 2;
        img->blocks = 0;
        for (bool final = false; !final;) {
                assert_true(zn - zo >= 5);
                assert_int_equal(z[zo] & 0x06, 0); /* BTYPE 00: stored */
                final = z[zo] & 1;
                unsigned len = z[zo + 1] | z[zo + 2] << 8, nlen = z[zo + 3] | z[zo + 4] << 8;
                assert_int_equal(len ^ 0xffff, nlen);
                assert_true(len <= zn - zo - 5);
                assert_int_equal(buf_append(&raw, z + zo + 5, len), 0);
                zo += 5 + len;
                img->blocks++;
        }
        assert_int_equal(zn - zo, 4);
        assert_int_equal(be32(z + zo), t_adler32((const uint8_t *)raw.data, raw.len));

        /* Scanlines: filter byte 0, then 8 pixels a byte, 1 = white. */
        size_t stride = 1 + (img->w + 7) / 8;
        assert_int_equal(raw.len, stride * img->h);
        img->dark = malloc((size_t)img->w * img->h);
        assert_non_null(img->dark);
        for (uint32_t y = 0; y < img->h; y++) {
                const uint8_t *line = (const uint8_t *)raw.data + y * stride;
                assert_int_equal(line[0], 0);
                for (uint32_t x = 0; x < img->w; x++)
                        img->dark[(size_t)y * img->w + x] = !(line[1 + x / 8] & (0x80 >> (x % 8)));
        }
}

/* Every pixel of the image is its module, the quiet zone light. */
static void assert_image_is(const struct image *img, const struct qr *q, unsigned scale, unsigned margin) {
        assert_int_equal(img->w, (q->width + 2 * margin) * scale);
        assert_int_equal(img->h, img->w);
        for (uint32_t y = 0; y < img->h; y++)
                for (uint32_t x = 0; x < img->w; x++) {
                        unsigned mx = x / scale, my = y / scale;
                        int want = mx >= margin && my >= margin && mx < margin + q->width && my < margin + q->width &&
                                   qr_dark(q, mx - margin, my - margin);
                        if (img->dark[(size_t)y * img->w + x] != want)
                                fail_msg("pixel (%u, %u) is %d, module says %d", x, y,
                                         img->dark[(size_t)y * img->w + x], want);
                }
}

static void test_reader_check_values(void **state) {
        (void)state;
        /* The standard check values: the reader's own sums are right. */
        assert_int_equal(t_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
        assert_int_equal(t_adler32((const uint8_t *)"Wikipedia", 9), 0x11E60398u);
}

static void test_png_structure_and_bitmap(void **state) {
        (void)state;
        static const struct {
                const char *text;
                unsigned scale, margin;
        } cases[] = {
                {"hi", 1, 0},
                {"hi", 3, 4},
                {wg_config, 8, 4},
                {wg_config, 16, 16}, /* past 65535 bytes: several stored blocks */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_qr_ struct qr *q = encode(cases[i].text);
                _cleanup_buf_ struct buf png = BUF_INIT;
                assert_int_equal(qr_png(q, cases[i].scale, cases[i].margin, &png), 0);
                struct image img = {0};
                png_read(&png, &img);
                assert_image_is(&img, q, cases[i].scale, cases[i].margin);
                size_t raw = (1 + (img.w + 7) / 8) * (size_t)img.h;
                assert_int_equal(img.blocks, (raw + 65534) / 65535);
                if (cases[i].text == wg_config && cases[i].scale == 8)
                        printf("# %zu-byte config: version %u-%c, %ux%u px at scale 8, PNG %zu bytes\n",
                               strlen(wg_config), q->version, q->level, img.w, img.h, png.len);
                if (cases[i].scale == 16)
                        assert_true(img.blocks > 1);
                free(img.dark);
        }
}

static void test_deterministic(void **state) {
        (void)state;
        _cleanup_qr_ struct qr *a = encode(wg_config);
        _cleanup_qr_ struct qr *b = encode(wg_config);
        assert_int_equal(a->width, b->width);
        assert_memory_equal(a->modules, b->modules, (size_t)a->width * a->width);
        _cleanup_buf_ struct buf pa = BUF_INIT, pb = BUF_INIT, sa = BUF_INIT, sb = BUF_INIT;
        assert_int_equal(qr_png(a, 4, 4, &pa), 0);
        assert_int_equal(qr_png(b, 4, 4, &pb), 0);
        assert_int_equal(pa.len, pb.len);
        assert_memory_equal(pa.data, pb.data, pa.len);
        assert_int_equal(qr_svg(a, 4, &sa), 0);
        assert_int_equal(qr_svg(b, 4, &sb), 0);
        assert_string_equal(buf_str(&sa), buf_str(&sb));
}

/* ---- zbarimg ---- */

/* The flags that give the payload byte for byte: --raw and -Sbinary for no
 * charset conversion and no newline added after the data (zbar 0.23.9x),
 * --oneshot so two symbols could never run together, --nodbus against
 * "Connection Error" on stderr, which exec_run mixes into the output. */
static char *zbar_decode(const char *path) {
        char *argv[] = {ZBARIMG_BIN, "--nodbus", "--raw", "-q", "--oneshot", "-Sdisable", "-Sqrcode.enable",
                        "-Sbinary", (char *)path, NULL};
        struct exec_result res = {0};
        assert_int_equal(exec_run(argv, NULL, 30000, &res), 0);
        assert_false(res.timed_out);
        if (res.exit_code != 0)
                fail_msg("zbarimg exited %d: %s", res.exit_code, res.output ? res.output : "");
        return TAKE_PTR(res.output);
}

static void zbar_round_trip(const char *text, unsigned scale) {
        _cleanup_free_ char *dir = test_tmpdir();
        _cleanup_free_ char *path = test_path(dir, "code.png");
        _cleanup_qr_ struct qr *q = encode(text);
        _cleanup_buf_ struct buf png = BUF_INIT;
        assert_int_equal(qr_png(q, scale, QR_MARGIN_DEFAULT, &png), 0);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(png.data, 1, png.len, f), png.len);
        assert_int_equal(fclose(f), 0);
        _cleanup_free_ char *got = zbar_decode(path);
        assert_int_equal(strlen(got), strlen(text));
        assert_string_equal(got, text);
        test_rmdir(TAKE_PTR(dir));
}

static void test_zbar_short_text(void **state) {
        (void)state;
        zbar_round_trip("PIC", 4);
}

static void test_zbar_wg_config(void **state) {
        (void)state;
        zbar_round_trip(wg_config, 8);
        zbar_round_trip(wg_config, 2);
}

static void test_zbar_beyond_level_m(void **state) {
        (void)state;
        /* 2400 bytes do not fit 40-M (2331): the L fallback, read back. */
        char text[2401];
        for (size_t i = 0; i < 2400; i++)
                text[i] = i % 61 == 60 ? '\n' : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="[i % 65];
        text[2400] = 0;
        _cleanup_qr_ struct qr *q = encode(text);
        assert_int_equal(q->level, 'L');
        zbar_round_trip(text, 3);
}

/* ---- SVG ---- */

/* Draws the path back: the writer's grammar only, "M x yh n v1h-n z",
 * and nothing else may appear in d. */
static void svg_draw(const char *svg, unsigned size, uint8_t *dark) {
        const char *d = strstr(svg, " d=\"");
        assert_non_null(d);
        d += 4;
        while (*d != '"') {
                unsigned x, y, h, h2;
                int used = 0;
                if (sscanf(d, "M%u %uh%uv1h-%uz%n", &x, &y, &h, &h2, &used) != 4 || used == 0)
                        fail_msg("unexpected path data at '%.20s'", d);
                assert_int_equal(h, h2);
                assert_true(h > 0 && x + h <= size && y < size);
                for (unsigned i = 0; i < h; i++) {
                        assert_int_equal(dark[y * size + x + i], 0); /* runs never overlap */
                        dark[y * size + x + i] = 1;
                }
                d += used;
        }
}

static void test_svg(void **state) {
        (void)state;
        _cleanup_qr_ struct qr *q = encode(wg_config);
        _cleanup_buf_ struct buf svg = BUF_INIT;
        assert_int_equal(qr_svg(q, 4, &svg), 0);
        const char *s = buf_str(&svg);
        unsigned size = q->width + 8;
        _cleanup_free_ char *head = NULL;
        assert_true(asprintf(&head,
                             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" "
                             "shape-rendering=\"crispEdges\">\n"
                             "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>\n"
                             "<path fill=\"#000\" d=\"M",
                             size, size, size, size) > 0);
        assert_memory_equal(s, head, strlen(head));
        static const char tail[] = "\"/>\n</svg>\n";
        assert_string_equal(s + svg.len - strlen(tail), tail);
        assert_null(strstr(strstr(s, "<path") + 1, "<path")); /* one path */
        printf("# SVG for the config: %zu bytes\n", svg.len);

        _cleanup_free_ uint8_t *dark = calloc(size, size);
        assert_non_null(dark);
        svg_draw(s, size, dark);
        for (unsigned y = 0; y < size; y++)
                for (unsigned x = 0; x < size; x++) {
                        int want = x >= 4 && y >= 4 && x < 4 + q->width && y < 4 + q->width && qr_dark(q, x - 4, y - 4);
                        assert_int_equal(dark[y * size + x], want);
                }

        /* No margin: the path starts at the origin (the finder pattern). */
        _cleanup_buf_ struct buf bare = BUF_INIT;
        assert_int_equal(qr_svg(q, 0, &bare), 0);
        _cleanup_free_ char *vb = NULL;
        assert_true(asprintf(&vb, "viewBox=\"0 0 %u %u\"", q->width, q->width) > 0);
        assert_non_null(strstr(buf_str(&bare), vb));
        assert_non_null(strstr(buf_str(&bare), "d=\"M0 0h7v1h-7z"));
}

/* A real XML parser (Python's, from the build dependencies) reads it. */
static void test_svg_parses_as_xml(void **state) {
        (void)state;
        _cleanup_free_ char *dir = test_tmpdir();
        _cleanup_free_ char *path = test_path(dir, "code.svg");
        _cleanup_qr_ struct qr *q = encode(wg_config);
        _cleanup_buf_ struct buf svg = BUF_INIT;
        assert_int_equal(qr_svg(q, 4, &svg), 0);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(svg.data, 1, svg.len, f), svg.len);
        assert_int_equal(fclose(f), 0);
        char *argv[] = {PYTHON_BIN, "-c",
                        "import sys, xml.etree.ElementTree as E\n"
                        "r = E.parse(sys.argv[1]).getroot()\n"
                        "ns = '{http://www.w3.org/2000/svg}'\n"
                        "print(r.tag == ns + 'svg', r.get('viewBox'), [c.tag[len(ns):] for c in r])\n",
                        path, NULL};
        struct exec_result res = {0};
        assert_int_equal(exec_run(argv, NULL, 30000, &res), 0);
        assert_int_equal(res.exit_code, 0);
        _cleanup_free_ char *want = NULL;
        assert_true(asprintf(&want, "True 0 0 %u %u ['rect', 'path']\n", q->width + 8, q->width + 8) > 0);
        assert_string_equal(res.output, want);
        exec_result_release(&res);
        test_rmdir(TAKE_PTR(dir));
}

/* ---- terminal ---- */

static void test_terminal(void **state) {
        (void)state;
        _cleanup_qr_ struct qr *q = encode("A");
        assert_int_equal(q->version, 1);
        _cleanup_buf_ struct buf t = BUF_INIT;
        assert_int_equal(qr_terminal(q, &t), 0);

        /* 21 modules + 2 * 2 of quiet zone = 25 columns, and 25 rows
         * folded two to a line = 13 lines. */
        const unsigned size = 21 + 2 * QR_TERMINAL_MARGIN, lines = (size + 1) / 2;
        static const char *const glyph[] = {"\u2588", "\u2580", "\u2584", " "};
        /* light (top, bottom) for each glyph above */
        static const int top_light[] = {1, 1, 0, 0}, bottom_light[] = {1, 0, 1, 0};
        const char *p = buf_str(&t);
        for (unsigned line = 0; line < lines; line++) {
                for (unsigned x = 0; x < size; x++) {
                        size_t g;
                        for (g = 0; g < ELEMENTSOF(glyph); g++)
                                if (strncmp(p, glyph[g], strlen(glyph[g])) == 0)
                                        break;
                        if (g == ELEMENTSOF(glyph))
                                fail_msg("line %u column %u: unexpected byte 0x%02x", line, x, (uint8_t)*p);
                        p += strlen(glyph[g]);
                        for (unsigned half = 0; half < 2; half++) {
                                unsigned y = 2 * line + half;
                                int light = half ? bottom_light[g] : top_light[g];
                                int want;
                                if (y >= size)
                                        want = 0; /* below the last row: the terminal's own background */
                                else
                                        want = !(x >= 2 && y >= 2 && x < 23 && y < 23 && qr_dark(q, x - 2, y - 2));
                                if (light != want)
                                        fail_msg("line %u column %u %s: light %d, want %d", line, x,
                                                 half ? "bottom" : "top", light, want);
                        }
                }
                assert_int_equal(*p, '\n');
                p++;
        }
        assert_int_equal(*p, 0);

        /* The quiet zone, whole: the first line light all through, the last
         * the upper halves only. */
        char first[3 * 25 + 2] = "", last[3 * 25 + 2] = "";
        for (unsigned x = 0; x < size; x++) {
                strcat(first, "\u2588");
                strcat(last, "\u2580");
        }
        strcat(first, "\n");
        strcat(last, "\n");
        assert_memory_equal(buf_str(&t), first, strlen(first));
        assert_string_equal(buf_str(&t) + t.len - strlen(last), last);
}

/* ---- refusals ---- */

static void test_limits(void **state) {
        (void)state;
        struct qr *q = (struct qr *)(uintptr_t)1; /* untouched on failure */
        assert_int_equal(qr_encode("", &q), -EINVAL);
        assert_ptr_equal(q, (struct qr *)(uintptr_t)1);

        _cleanup_free_ char *big = malloc(QR_TEXT_MAX + 2);
        assert_non_null(big);
        memset(big, 'x', QR_TEXT_MAX + 1);
        big[QR_TEXT_MAX + 1] = 0;
        assert_int_equal(qr_encode(big, &q), -EMSGSIZE);
        assert_ptr_equal(q, (struct qr *)(uintptr_t)1);

        /* The very largest: 2953 bytes, version 40 at level L. */
        big[QR_TEXT_MAX] = 0;
        _cleanup_qr_ struct qr *max = encode(big);
        assert_int_equal(max->version, 40);
        assert_int_equal(max->width, 177);
        assert_int_equal(max->level, 'L');

        /* 2331 bytes are the most 40-M holds: still M. */
        big[2331] = 0;
        _cleanup_qr_ struct qr *m = encode(big);
        assert_int_equal(m->level, 'M');
        assert_int_equal(m->version, 40);
        big[2332] = 0;
        big[2331] = 'x';
        _cleanup_qr_ struct qr *l = encode(big);
        assert_int_equal(l->level, 'L');

        /* Bad scale or margin leave out as it was. */
        _cleanup_qr_ struct qr *s = encode("hi");
        _cleanup_buf_ struct buf out = BUF_INIT;
        assert_int_equal(buf_puts(&out, "keep"), 0);
        assert_int_equal(qr_png(s, 0, 4, &out), -EINVAL);
        assert_int_equal(qr_png(s, QR_SCALE_MAX + 1, 4, &out), -EINVAL);
        assert_int_equal(qr_png(s, 1, QR_MARGIN_MAX + 1, &out), -EINVAL);
        assert_int_equal(qr_svg(s, QR_MARGIN_MAX + 1, &out), -EINVAL);
        assert_string_equal(buf_str(&out), "keep");

        /* A buffer limit hit mid-image leaves it as it was, too. */
        struct buf small;
        buf_init(&small, 100);
        assert_int_equal(buf_puts(&small, "keep"), 0);
        assert_int_equal(qr_png(s, 4, 4, &small), -E2BIG);
        assert_int_equal(qr_svg(s, 4, &small), -E2BIG);
        assert_int_equal(qr_terminal(s, &small), -E2BIG);
        assert_string_equal(buf_str(&small), "keep");
        buf_release(&small);

        /* The largest image allowed is drawn. */
        _cleanup_buf_ struct buf huge = BUF_INIT;
        assert_int_equal(qr_png(max, QR_SCALE_MAX, QR_MARGIN_MAX, &huge), 0);
        struct image img = {0};
        png_read(&huge, &img);
        assert_image_is(&img, max, QR_SCALE_MAX, QR_MARGIN_MAX);
        free(img.dark);
}

int main(void) {
        struct CMUnitTest tests[16];
        size_t n = 0;
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reader_check_values);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_png_structure_and_bitmap);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deterministic);
        /* Without zbarimg the decode tests are not registered at all:
         * cmocka 1.1.5 reports skip() as "not ok # SKIP", which meson's TAP
         * parser counts as a failure. */
        if (access(ZBARIMG_BIN, X_OK) == 0) {
                tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_zbar_short_text);
                tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_zbar_wg_config);
                tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_zbar_beyond_level_m);
        } else
                printf("# %s not installed: skipping the zbarimg round trips\n", ZBARIMG_BIN);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_svg);
        if (access(PYTHON_BIN, X_OK) == 0)
                tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_svg_parses_as_xml);
        else
                printf("# %s not installed: skipping the XML parse of the SVG\n", PYTHON_BIN);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_terminal);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limits);
        return _cmocka_run_group_tests("qr", tests, n, NULL, NULL);
}
