/* QR codes: libqrencode makes the module bitmap; the SVG, the PNG (zlib
 * stream of stored deflate blocks, no image library) and the terminal
 * half blocks are drawn here. See qr.h for the contract. */
#include "qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

int qr_encode(const char *text, struct qr **ret) {
        size_t len = strlen(text);
        if (len == 0)
                return -EINVAL;
        if (len > QR_TEXT_MAX)
                return -EMSGSIZE;

        /* 8-bit mode for every byte: libqrencode's automatic mode split
         * would also keep the bytes, but 8-bit is the one whose round trip
         * we test, and a config is mostly base64 anyway. */
        /* The most error correction that still gives a code an 80-column
         * terminal can show (version QR_TERMINAL_VERSION_MAX): M, else L
         * (7%, what qrencode uses by default, ample on a screen). Past
         * that, M at whatever size it takes, else L. */
        static const struct {
                QRecLevel level;
                char name;
                bool small;
        } tries[] = {{QR_ECLEVEL_M, 'M', true}, {QR_ECLEVEL_L, 'L', true}, {QR_ECLEVEL_M, 'M', false},
                     {QR_ECLEVEL_L, 'L', false}};
        QRcode *code = NULL;
        char name = 0;
        for (size_t i = 0; i < ELEMENTSOF(tries) && !code; i++) {
                errno = 0;
                code = QRcode_encodeData((int)len, (const unsigned char *)text, 0, tries[i].level);
                if (!code && errno != ERANGE)
                        return errno == ENOMEM ? -ENOMEM : -EINVAL;
                if (code && tries[i].small && code->version > QR_TERMINAL_VERSION_MAX) {
                        QRcode_free(code);
                        code = NULL;
                }
                name = tries[i].name;
        }
        if (!code)
                return -EMSGSIZE;

        size_t w = (size_t)code->width;
        struct qr *q = malloc(sizeof(*q) + w * w);
        if (!q) {
                QRcode_free(code);
                return -ENOMEM;
        }
        q->version = (unsigned)code->version;
        q->width = (unsigned)w;
        q->level = name;
        /* libqrencode packs flags in each byte (function pattern, format,
         * ...); bit 0 alone says dark. */
        for (size_t i = 0; i < w * w; i++)
                q->modules[i] = code->data[i] & 1;
        QRcode_free(code);
        *ret = q;
        return 0;
}

struct qr *qr_free(struct qr *q) {
        free(q);
        return NULL;
}

/* Light outside the symbol: (x, y) are in the margin-padded frame, where
 * the symbol starts at (margin, margin). */
static int padded_dark(const struct qr *q, unsigned margin, unsigned x, unsigned y) {
        if (x < margin || y < margin || x >= margin + q->width || y >= margin + q->width)
                return 0;
        return qr_dark(q, x - margin, y - margin);
}

/* ---- SVG ---- */

int qr_svg(const struct qr *q, unsigned margin, struct buf *out) {
        if (margin > QR_MARGIN_MAX)
                return -EINVAL;
        unsigned size = q->width + 2 * margin;
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r = buf_printf(&b,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" "
                           "shape-rendering=\"crispEdges\">\n"
                           "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>\n"
                           "<path fill=\"#000\" d=\"",
                           size, size, size, size);
        /* One closed rectangle per horizontal run of dark modules: a few
         * KB for a config-sized code, where one square per module would be
         * several times that. */
        for (unsigned y = 0; y < q->width && r >= 0; y++)
                for (unsigned x = 0; x < q->width && r >= 0;) {
                        if (!qr_dark(q, x, y)) {
                                x++;
                                continue;
                        }
                        unsigned run = 0;
                        while (x + run < q->width && qr_dark(q, x + run, y))
                                run++;
                        r = buf_printf(&b, "M%u %uh%uv1h-%uz", x + margin, y + margin, run, run);
                        x += run;
                }
        if (r >= 0)
                r = buf_puts(&b, "\"/>\n</svg>\n");
        if (r < 0)
                return r;
        return buf_append(out, b.data, b.len);
}

/* ---- PNG ---- */

/* The CRC-32 of ISO 3309 that PNG puts after every chunk (reflected,
 * polynomial 0xEDB88320). Bit by bit: the images are small, a table buys
 * nothing worth its lines. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
        crc = ~crc;
        while (n--) {
                crc ^= *p++;
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
        }
        return ~crc;
}

/* The Adler-32 that ends a zlib stream (RFC 1950), over the raw bytes. */
static uint32_t adler32(const uint8_t *p, size_t n) {
        uint32_t a = 1, b = 0;
        while (n--) {
                a = (a + *p++) % 65521;
                b = (b + a) % 65521;
        }
        return (b << 16) | a;
}

static int put_be32(struct buf *b, uint32_t v) {
        uint8_t x[4] = {v >> 24, v >> 16, v >> 8, v};
        return buf_append(b, x, sizeof(x));
}

/* length, type, data, CRC of type + data (PNG spec §5.3). */
static int png_chunk(struct buf *b, const char type[4], const uint8_t *data, size_t len) {
        if (len > 0x7fffffff)
                return -E2BIG;
        uint32_t crc = crc32_update(0, (const uint8_t *)type, 4);
        crc = crc32_update(crc, data, len);
        int r = put_be32(b, (uint32_t)len);
        if (r >= 0)
                r = buf_append(b, type, 4);
        if (r >= 0)
                r = buf_append(b, data, len);
        if (r >= 0)
                r = put_be32(b, crc);
        return r;
}

/* A zlib stream holding raw as it is: header, stored deflate blocks (RFC
 * 1951 §3.2.4, at most 65535 bytes each), Adler-32. Bigger than deflated,
 * but a QR code is a few KB of scanlines and this needs no zlib. */
static int zlib_stored(struct buf *z, const uint8_t *raw, size_t n) {
        /* CMF 0x78: deflate, 32K window; FLG 0x01: no dictionary, and
         * 0x7801 is a multiple of 31 as the header check requires. */
        int r = buf_append(z, "\x78\x01", 2);
        size_t off = 0;
        do {
                size_t len = n - off > 65535 ? 65535 : n - off;
                int final = off + len == n;
                /* BFINAL in bit 0, BTYPE 00 (stored); then LEN and its
                 * one's complement NLEN, little-endian, byte-aligned. */
                uint8_t hdr[5] = {final, len & 0xff, len >> 8, ~len & 0xff, (~len >> 8) & 0xff};
                if (r >= 0)
                        r = buf_append(z, hdr, sizeof(hdr));
                if (r >= 0)
                        r = buf_append(z, raw + off, len);
                off += len;
        } while (off < n && r >= 0);
        if (r >= 0)
                r = put_be32(z, adler32(raw, n));
        return r;
}

int qr_png(const struct qr *q, unsigned scale, unsigned margin, struct buf *out) {
        if (scale < 1 || scale > QR_SCALE_MAX || margin > QR_MARGIN_MAX)
                return -EINVAL;
        unsigned modules = q->width + 2 * margin;
        uint32_t px = modules * scale; /* at most (177 + 32) * 32 = 6688 */
        size_t stride = 1 + (px + 7) / 8; /* filter type byte, then 8 pixels a byte */

        /* The scanlines. Filter 0 (none) on every line; 1-bit grayscale
         * has 1 = white, so light modules (and the padding bits past the
         * last pixel) are ones. Each module row is the same scanline
         * repeated scale times. */
        _cleanup_free_ uint8_t *raw = malloc(stride * px);
        if (!raw)
                return -ENOMEM;
        for (unsigned my = 0; my < modules; my++) {
                uint8_t *line = raw + (size_t)my * scale * stride;
                line[0] = 0;
                memset(line + 1, 0xff, stride - 1);
                for (uint32_t x = 0; x < px; x++)
                        if (padded_dark(q, margin, x / scale, my))
                                line[1 + x / 8] &= ~(0x80 >> (x % 8));
                for (unsigned k = 1; k < scale; k++)
                        memcpy(line + k * stride, line, stride);
        }

        _cleanup_buf_ struct buf z = BUF_INIT;
        int r = zlib_stored(&z, raw, stride * px);
        if (r < 0)
                return r;

        _cleanup_buf_ struct buf png = BUF_INIT;
        /* The signature: a high bit, "PNG", CR LF, ^Z, LF, so that a
         * transfer that mangles line ends or bit 7 shows. */
        r = buf_append(&png, "\x89PNG\r\n\x1a\n", 8);
        /* IHDR: width, height, bit depth 1, colour type 0 (grayscale),
         * compression 0 (zlib), filter method 0, interlace 0 (none). */
        uint8_t ihdr[13] = {px >> 24, px >> 16, px >> 8, px, px >> 24, px >> 16, px >> 8, px, 1, 0, 0, 0, 0};
        if (r >= 0)
                r = png_chunk(&png, "IHDR", ihdr, sizeof(ihdr));
        if (r >= 0)
                r = png_chunk(&png, "IDAT", (const uint8_t *)z.data, z.len);
        if (r >= 0)
                r = png_chunk(&png, "IEND", NULL, 0);
        if (r < 0)
                return r;
        return buf_append(out, png.data, png.len);
}

/* ---- terminal ---- */

int qr_terminal(const struct qr *q, struct buf *out) {
        /* Indexed by (top light) << 1 | (bottom light): the glyph that
         * paints the light halves in the terminal's foreground colour. */
        static const char *const glyph[4] = {" ", "\u2584", "\u2580", "\u2588"};
        const unsigned m = QR_TERMINAL_MARGIN;
        unsigned size = q->width + 2 * m;
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r = 0;
        for (unsigned y = 0; y < size && r >= 0; y += 2) {
                for (unsigned x = 0; x < size && r >= 0; x++) {
                        int top = !padded_dark(q, m, x, y);
                        /* Past the last row is the terminal's own dark
                         * background, not part of the quiet zone. */
                        int bottom = y + 1 < size && !padded_dark(q, m, x, y + 1);
                        r = buf_puts(&b, glyph[top << 1 | bottom]);
                }
                if (r >= 0)
                        r = buf_puts(&b, "\n");
        }
        if (r < 0)
                return r;
        return buf_append(out, b.data, b.len);
}
