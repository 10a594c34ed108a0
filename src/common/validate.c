/* Value grammars; see validate.h. */
#include "validate.h"

#include <stdint.h>
#include <string.h>

#include "cidr.h"

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool valid_label(const char *s, size_t len, size_t max) {
        if (len == 0 || len > max || s[0] == '-' || s[len - 1] == '-')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_lower_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

bool valid_name(const char *s) {
        return s && valid_label(s, strlen(s), NAME_MAX_LEN);
}

bool valid_username(const char *s) {
        if (!s || !is_lower_alnum(s[0]))
                return false;
        size_t len = strlen(s);
        if (len > NAME_MAX_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_lower_alnum(s[i]) && !strchr("_.-", s[i]))
                        return false;
        return true;
}

bool valid_domain(const char *s) {
        if (!s)
                return false;
        size_t len = strlen(s);
        if (len == 0 || len > DOMAIN_MAX_LEN)
                return false;
        const char *p = s;
        for (;;) {
                const char *dot = strchr(p, '.');
                size_t l = dot ? (size_t)(dot - p) : strlen(p);
                if (!valid_label(p, l, 63))
                        return false;
                if (!dot)
                        /* An all-digit last label would let resolvers read
                         * "2130706433" or "010.0.0.1" as an IPv4 address. */
                        return strspn(p, "0123456789") != l;
                p = dot + 1;
        }
}

bool valid_host(const char *s) {
        uint32_t addr;
        return s && (ipv4_parse(s, &addr) == 0 || valid_domain(s));
}

/* Length of the UTF-8 sequence at s, or 0 when it is malformed, overlong,
 * a surrogate, or beyond U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, uint32_t *ret_cp) {
        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        size_t n;
        uint32_t cp, min;
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, cp = s[0] & 0x1f, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, cp = s[0] & 0x0f, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, cp = s[0] & 0x07, min = 0x10000;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return n;
}

bool valid_text(const char *s, size_t min, size_t max) {
        if (!s)
                return false;
        size_t len = strlen(s);
        if (len < min || len > max)
                return false;
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                uint32_t cp;
                size_t n = utf8_sequence(p, &cp);
                /* C0 and C1 controls, DEL, and the line/paragraph separators. */
                if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
                        return false;
                p += n;
        }
        return true;
}

void utf8_repair(char *s) {
        unsigned char *p = (unsigned char *)s;
        while (*p) {
                uint32_t cp;
                size_t n = utf8_sequence(p, &cp);
                if (n == 0) {
                        *p++ = '?';
                        continue;
                }
                p += n;
        }
}

bool valid_port(long long port) {
        return port >= 1 && port <= 65535;
}

bool valid_host_label(const char *s) {
        return s && valid_label(s, strlen(s), 63);
}

bool valid_ifname(const char *s) {
        if (!s)
                return false;
        size_t len = strlen(s);
        if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && !strchr("_.-", c))
                        return false;
        }
        return true;
}

bool valid_mac(const char *s, char *out) {
        static const char hex[] = "0123456789abcdef";
        if (!s || strlen(s) != 17)
                return false;
        for (size_t i = 0; i < 17; i++) {
                char c = s[i];
                if (i % 3 == 2) {
                        if (c != ':')
                                return false;
                        continue;
                }
                if (c >= 'A' && c <= 'F')
                        c = (char)(c - 'A' + 'a');
                if (!memchr(hex, c, 16) || c == 0)
                        return false;
                if (out)
                        out[i] = c;
        }
        if (out) {
                for (size_t i = 2; i < 17; i += 3)
                        out[i] = ':';
                out[17] = 0;
        }
        return true;
}
