/* IPv4 and CIDR arithmetic; see cidr.h. */
#include "cidr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ipv4_parse(const char *s, uint32_t *ret) {
        uint32_t addr = 0;
        for (int i = 0; i < 4; i++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                unsigned v = 0;
                int digits = 0;
                const char *start = s;
                while (*s >= '0' && *s <= '9') {
                        v = v * 10 + (unsigned)(*s - '0');
                        if (++digits > 3)
                                return -EINVAL;
                        s++;
                }
                if (v > 255 || (digits > 1 && *start == '0'))
                        return -EINVAL;
                addr = addr << 8 | v;
                if (i < 3 && *s++ != '.')
                        return -EINVAL;
        }
        if (*s)
                return -EINVAL;
        *ret = addr;
        return 0;
}

void ipv4_format(uint32_t addr, char out[16]) {
        snprintf(out, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
}

int cidr4_parse(const char *s, struct cidr4 *ret) {
        const char *slash = strchr(s, '/');
        if (!slash || slash - s > 15)
                return -EINVAL;
        char host[16];
        memcpy(host, s, (size_t)(slash - s));
        host[slash - s] = 0;
        uint32_t addr;
        if (ipv4_parse(host, &addr) < 0)
                return -EINVAL;
        const char *p = slash + 1;
        if (!*p || strlen(p) > 2 || (p[0] == '0' && p[1]))
                return -EINVAL;
        unsigned prefix = 0;
        for (; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > 32)
                return -EINVAL;
        *ret = (struct cidr4){.addr = addr, .prefix = (uint8_t)prefix};
        return 0;
}

void cidr4_format(const struct cidr4 *c, char out[CIDR4_STRLEN]) {
        char a[16];
        ipv4_format(c->addr, a);
        snprintf(out, CIDR4_STRLEN, "%s/%u", a, c->prefix);
}

uint32_t cidr4_netmask(uint8_t prefix) {
        return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

uint32_t cidr4_network(const struct cidr4 *c) {
        return c->addr & cidr4_netmask(c->prefix);
}

uint32_t cidr4_broadcast(const struct cidr4 *c) {
        return cidr4_network(c) | ~cidr4_netmask(c->prefix);
}

bool cidr4_contains(const struct cidr4 *c, uint32_t addr) {
        return (addr & cidr4_netmask(c->prefix)) == cidr4_network(c);
}

bool cidr4_overlaps(const struct cidr4 *a, const struct cidr4 *b) {
        uint8_t p = a->prefix < b->prefix ? a->prefix : b->prefix;
        uint32_t m = cidr4_netmask(p);
        return (a->addr & m) == (b->addr & m);
}

bool cidr4_is_network(const struct cidr4 *c) {
        return c->addr == cidr4_network(c);
}

bool cidr4_is_rfc1918(const struct cidr4 *c) {
        static const struct cidr4 private_nets[] = {
                {0x0A000000u, 8},  /* 10.0.0.0/8 */
                {0xAC100000u, 12}, /* 172.16.0.0/12 */
                {0xC0A80000u, 16}, /* 192.168.0.0/16 */
        };
        for (size_t i = 0; i < sizeof private_nets / sizeof private_nets[0]; i++)
                if (c->prefix >= private_nets[i].prefix && cidr4_contains(&private_nets[i], c->addr))
                        return true;
        return false;
}

uint64_t cidr4_host_count(const struct cidr4 *c) {
        uint64_t size = (uint64_t)1 << (32 - c->prefix);
        return c->prefix <= 30 ? size - 2 : size;
}

int cidr4_host(const struct cidr4 *c, uint64_t n, uint32_t *ret) {
        if (n >= cidr4_host_count(c))
                return -ERANGE;
        uint32_t first = cidr4_network(c) + (c->prefix <= 30 ? 1 : 0);
        *ret = first + (uint32_t)n;
        return 0;
}
