/* Interfaces and addresses; see netif.h. */
#include "common/netif.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

static int compare(const void *a, const void *b) {
        const struct netif_addr *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        if (c)
                return c;
        return (x->addr.addr > y->addr.addr) - (x->addr.addr < y->addr.addr);
}

static uint8_t prefix_of(const struct sockaddr *mask) {
        uint32_t m = mask ? ntohl(((const struct sockaddr_in *)mask)->sin_addr.s_addr) : 0xffffffffu;
        uint8_t n = 0;
        while (n < 32 && (m & (0x80000000u >> n)))
                n++;
        return n;
}

int netif_ipv4_list(struct netif_addr **ret, size_t *ret_n) {
        struct ifaddrs *all;
        if (getifaddrs(&all) < 0)
                return -errno;
        size_t n = 0;
        struct netif_addr *v = calloc(NETIF_MAX, sizeof *v);
        if (!v) {
                freeifaddrs(all);
                return -ENOMEM;
        }
        for (struct ifaddrs *i = all; i && n < NETIF_MAX; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
                    strlen(i->ifa_name) >= sizeof v[n].name)
                        continue;
                strcpy(v[n].name, i->ifa_name);
                v[n].addr.addr = ntohl(((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
                v[n].addr.prefix = prefix_of(i->ifa_netmask);
                n++;
        }
        freeifaddrs(all);
        if (n == 0) {
                free(v);
                v = NULL;
        } else {
                qsort(v, n, sizeof *v, compare);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int netif_ipv4_find(const char *name, struct cidr4 *ret) {
        if (if_nametoindex(name) == 0)
                return -ENODEV;
        struct netif_addr *v;
        size_t n;
        int r = netif_ipv4_list(&v, &n);
        if (r < 0)
                return r;
        r = -EADDRNOTAVAIL;
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].name, name) == 0) {
                        *ret = v[i].addr;
                        r = 0;
                        break;
                }
        free(v);
        return r;
}
