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
                        return true;
                p = dot + 1;
        }
}

bool valid_host(const char *s) {
        uint32_t addr;
        return s && (ipv4_parse(s, &addr) == 0 || valid_domain(s));
}

bool valid_text(const char *s, size_t min, size_t max) {
        if (!s)
                return false;
        size_t len = strlen(s);
        if (len < min || len > max)
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == 0x7f)
                        return false;
        }
        return true;
}

bool valid_port(long long port) {
        return port >= 1 && port <= 65535;
}
