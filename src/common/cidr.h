/* IPv4 addresses and CIDR prefixes: parsing, formatting and the arithmetic
 * the cell needs (membership, overlap, RFC 1918, the n-th host).
 * Addresses are kept in host byte order. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cidr4 {
        uint32_t addr; /* the address as written, e.g. 10.0.0.1 in 10.0.0.1/24 */
        uint8_t prefix;
};

#define CIDR4_STRLEN 20 /* "255.255.255.255/32" + NUL, with room for the compiler's worst case */

/* Strict dotted quad: four decimal octets, no leading zeros, nothing else. */
int ipv4_parse(const char *s, uint32_t *ret);
void ipv4_format(uint32_t addr, char out[16]);

/* "a.b.c.d/n" with 0 <= n <= 32. Returns 0 or -EINVAL. */
int cidr4_parse(const char *s, struct cidr4 *ret);
void cidr4_format(const struct cidr4 *c, char out[CIDR4_STRLEN]);

uint32_t cidr4_netmask(uint8_t prefix);
uint32_t cidr4_network(const struct cidr4 *c);
uint32_t cidr4_broadcast(const struct cidr4 *c);
bool cidr4_contains(const struct cidr4 *c, uint32_t addr);
bool cidr4_overlaps(const struct cidr4 *a, const struct cidr4 *b);
/* True when the address is the network's own address (host bits all zero). */
bool cidr4_is_network(const struct cidr4 *c);
/* True when the whole prefix lies inside 10/8, 172.16/12 or 192.168/16. */
bool cidr4_is_rfc1918(const struct cidr4 *c);
/* Number of usable host addresses (excludes network and broadcast for
 * prefixes up to /30). */
uint64_t cidr4_host_count(const struct cidr4 *c);
/* The n-th usable host (n from 0). Returns 0 or -ERANGE. */
int cidr4_host(const struct cidr4 *c, uint64_t n, uint32_t *ret);
