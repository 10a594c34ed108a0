/* dnsmasq's lease file, read: one line per lease, "EXPIRY MAC IP HOSTNAME
 * CLIENT-ID" (EXPIRY 0 for an infinite lease, "*" for no host name). The
 * file is written by dnsmasq from what clients sent, so every field is
 * checked here; a line that fails is skipped, and the host name is kept
 * only when it is a valid DNS label (lower-cased). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DHCP_LEASES_MAX 65536

struct dhcp_lease {
        int64_t expires; /* unix seconds, 0: never */
        char mac[18];    /* lower case */
        char ip[16];
        char hostname[64]; /* "" when none or not a valid label */
};

/* Leases sorted by address; *ret is malloc'd (NULL when none). A missing
 * file is no leases. *ret_skipped counts the malformed lines. */
int dhcp_leases_read(const char *path, struct dhcp_lease **ret, size_t *ret_n, size_t *ret_skipped);
