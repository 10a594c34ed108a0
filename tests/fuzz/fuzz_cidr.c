/* libFuzzer harness for the value grammars: ipv4_parse and cidr4_parse (each
 * accepted text must print back identically: one spelling per address), the
 * CIDR arithmetic checked against first principles, and validate.h, whose
 * accepted strings must stay inside their alphabets. Input "A|B" also
 * checks cidr4_overlaps on the pair. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/validate.h"

#define CHECK(cond)                                                                                                \
        do {                                                                                                       \
                if (!(cond)) {                                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                   \
                        abort();                                                                                   \
                }                                                                                                  \
        } while (0)

#define INPUT_MAX 600

/* Never in a name, user name, domain or host (validate.h). */
static const char forbidden[] = "\n\r\t \"'{}/\\;$`";

static bool only(const char *s, const char *allowed) {
        return strspn(s, allowed) == strlen(s);
}

static void check_ipv4(const char *s) {
        uint32_t a = 0x12345678;
        if (ipv4_parse(s, &a) != 0) {
                CHECK(a == 0x12345678);
                return;
        }
        char back[16];
        ipv4_format(a, back);
        CHECK(strcmp(back, s) == 0);
}

static bool in_block(uint32_t addr, uint32_t net, unsigned prefix) {
        return (addr >> (32 - prefix)) == (net >> (32 - prefix));
}

static void check_cidr(const char *s, struct cidr4 *ret, bool *ok) {
        struct cidr4 c = {0x12345678, 99};
        *ok = false;
        if (cidr4_parse(s, &c) != 0) {
                CHECK(c.addr == 0x12345678 && c.prefix == 99);
                return;
        }
        *ok = true;
        *ret = c;
        char back[CIDR4_STRLEN];
        cidr4_format(&c, back);
        CHECK(strcmp(back, s) == 0);
        CHECK(c.prefix <= 32);

        uint64_t size = (uint64_t)1 << (32 - c.prefix);
        uint32_t net = cidr4_network(&c), bc = cidr4_broadcast(&c);
        CHECK(net <= c.addr && c.addr <= bc);
        CHECK((uint64_t)bc - net + 1 == size);
        CHECK(net % size == 0);
        CHECK(cidr4_contains(&c, net) && cidr4_contains(&c, bc) && cidr4_contains(&c, c.addr));
        if (net > 0)
                CHECK(!cidr4_contains(&c, net - 1));
        if (bc < UINT32_MAX)
                CHECK(!cidr4_contains(&c, bc + 1));
        CHECK(cidr4_is_network(&c) == (c.addr == net));
        CHECK(cidr4_overlaps(&c, &c));

        uint64_t count = cidr4_host_count(&c);
        CHECK(count == (c.prefix <= 30 ? size - 2 : size));
        uint32_t first = 0, last = 0, h = 0xdeadbeef;
        CHECK(cidr4_host(&c, 0, &first) == 0);
        CHECK(cidr4_host(&c, count - 1, &last) == 0);
        CHECK(cidr4_contains(&c, first) && cidr4_contains(&c, last) && first <= last);
        CHECK((uint64_t)last - first + 1 == count);
        if (c.prefix <= 30)
                CHECK(first == net + 1 && last == bc - 1);
        CHECK(cidr4_host(&c, count, &h) == -ERANGE && h == 0xdeadbeef);
        CHECK(cidr4_host(&c, UINT64_MAX, &h) == -ERANGE);

        bool private = (c.prefix >= 8 && in_block(c.addr, 0x0A000000u, 8)) ||
                       (c.prefix >= 12 && in_block(c.addr, 0xAC100000u, 12)) ||
                       (c.prefix >= 16 && in_block(c.addr, 0xC0A80000u, 16));
        CHECK(cidr4_is_rfc1918(&c) == private);
}

static void check_grammars(const char *s) {
        size_t len = strlen(s);
        if (valid_name(s)) {
                CHECK(len >= 1 && len <= NAME_MAX_LEN);
                CHECK(only(s, "abcdefghijklmnopqrstuvwxyz0123456789-"));
                CHECK(s[0] != '-' && s[len - 1] != '-');
        }
        if (valid_username(s)) {
                CHECK(len >= 1 && len <= NAME_MAX_LEN);
                CHECK(only(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-"));
                CHECK(strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]));
        }
        if (valid_domain(s)) {
                CHECK(len >= 1 && len <= DOMAIN_MAX_LEN);
                CHECK(only(s, "abcdefghijklmnopqrstuvwxyz0123456789.-"));
                CHECK(s[0] != '.' && s[len - 1] != '.' && !strstr(s, ".."));
                CHECK(s[0] != '-' && s[len - 1] != '-' && !strstr(s, "-.") && !strstr(s, ".-"));
                size_t label = 0;
                for (const char *p = s; *p; p++) {
                        label = *p == '.' ? 0 : label + 1;
                        CHECK(label <= 63);
                }
        }
        if (valid_host(s)) {
                uint32_t a;
                CHECK(ipv4_parse(s, &a) == 0 || valid_domain(s));
                CHECK(only(s, "abcdefghijklmnopqrstuvwxyz0123456789.-"));
        }
        if (valid_name(s) || valid_username(s) || valid_domain(s) || valid_host(s))
                CHECK(strpbrk(s, forbidden) == NULL);
        if (valid_text(s, 0, INPUT_MAX))
                for (const char *p = s; *p; p++)
                        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
        CHECK(valid_text(s, len, len) == valid_text(s, 0, INPUT_MAX));
        if (len > 0)
                CHECK(!valid_text(s, len + 1, INPUT_MAX) && !valid_text(s, 0, len - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > INPUT_MAX)
                return 0;
        char s[INPUT_MAX + 1];
        memcpy(s, data, size);
        s[size] = 0; /* a NUL inside the input ends the string, as in C callers */

        check_ipv4(s);
        struct cidr4 a;
        bool ok;
        check_cidr(s, &a, &ok);
        check_grammars(s);

        char *bar = strchr(s, '|');
        if (bar) {
                *bar = 0;
                struct cidr4 x, y;
                bool okx, oky;
                check_cidr(s, &x, &okx);
                check_cidr(bar + 1, &y, &oky);
                check_grammars(bar + 1);
                if (okx && oky) {
                        bool brute = cidr4_network(&x) <= cidr4_broadcast(&y) && cidr4_network(&y) <= cidr4_broadcast(&x);
                        CHECK(cidr4_overlaps(&x, &y) == brute);
                        CHECK(cidr4_overlaps(&y, &x) == brute);
                }
        }
        return 0;
}
