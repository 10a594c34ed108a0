/* The machine's network interfaces and their IPv4 addresses, as the
 * kernel reports them now (getifaddrs): what DHCP can serve, and the
 * subnet a DHCP range must lie in. Loopback is left out. */
#pragma once

#include <stddef.h>

#include "common/cidr.h"

#define NETIF_MAX 256

struct netif_addr {
        char name[16];
        struct cidr4 addr; /* the interface's address and prefix */
};

/* Every IPv4 address of every interface but loopback, sorted by name then
 * address; at most NETIF_MAX. *ret is malloc'd (NULL when none). */
int netif_ipv4_list(struct netif_addr **ret, size_t *ret_n);
/* The first IPv4 address of the named interface. -ENODEV: no such
 * interface; -EADDRNOTAVAIL: it has no IPv4 address. */
int netif_ipv4_find(const char *name, struct cidr4 *ret);
