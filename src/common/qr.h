/* QR codes for peer configs: text in, module bitmap out (libqrencode), and
 * that bitmap drawn as SVG, PNG or UTF-8 half blocks for a terminal. Pure:
 * no I/O, no clock; the same text always gives the same bytes. The PNG is
 * written here without an image library (stored deflate blocks). */
#pragma once

#include <stdint.h>

#include "common/buf.h"

/* The largest payload any QR symbol holds: version 40, level L, 8-bit mode. */
#define QR_TEXT_MAX 2953
#define QR_SCALE_MAX 32
#define QR_MARGIN_MAX 16
/* The quiet zone the standard asks for, in modules. */
#define QR_MARGIN_DEFAULT 4

struct qr {
        unsigned version; /* 1..40 */
        unsigned width;   /* modules per side: 17 + 4 * version */
        char level;       /* error correction actually used: 'M', or 'L' when M was too small */
        uint8_t modules[]; /* width * width, row-major; 1 = dark, 0 = light */
};

static inline int qr_dark(const struct qr *q, unsigned x, unsigned y) {
        return q->modules[(size_t)y * q->width + x];
}

/* Encodes text (NUL-terminated, encoded as its bytes in 8-bit mode, so a
 * config with its newlines comes back byte for byte) at level M, or L when
 * it does not fit M. Returns 0 and *ret (free with qr_free), -EINVAL for an
 * empty text, -EMSGSIZE when it fits no version (more than QR_TEXT_MAX bytes
 * never does), -ENOMEM. *ret is untouched on failure. */
int qr_encode(const char *text, struct qr **ret);
/* Accepts NULL; returns NULL. */
struct qr *qr_free(struct qr *q);
static inline void qr_freep(struct qr **q) { qr_free(*q); }
#define _cleanup_qr_ __attribute__((cleanup(qr_freep)))

/* The renderers append to out and leave it as it was on failure: -EINVAL
 * for a margin over QR_MARGIN_MAX or a scale outside 1..QR_SCALE_MAX,
 * -E2BIG / -ENOMEM from the buffer. */

/* A standalone SVG document: a white rect and one <path> of the dark
 * modules, the viewBox in modules (quiet zone included) and no fixed size,
 * so it scales to whatever box shows it. */
int qr_svg(const struct qr *q, unsigned margin, struct buf *out);

/* A 1-bit grayscale PNG, scale pixels per module. */
int qr_png(const struct qr *q, unsigned scale, unsigned margin, struct buf *out);

/* Lines of UTF-8 half blocks, two module rows per line, each line ending in
 * '\n', with a quiet zone of QR_TERMINAL_MARGIN modules. The LIGHT modules
 * are drawn (█ ▀ ▄) and the dark ones left as blank, like `qrencode -t
 * UTF8`: on the usual dark terminal, light glyphs on a dark background give
 * the dark-on-light code scanners expect. On a light-background terminal the
 * code comes out inverted, which many phone scanners do not read. */
#define QR_TERMINAL_MARGIN 2 /* not 4: a version 14 code then still fits 80 columns */
#define QR_TERMINAL_VERSION_MAX 14
int qr_terminal(const struct qr *q, struct buf *out);
