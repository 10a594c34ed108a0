/* IPv4 forwarding, which the VPN needs to route a full-tunnel peer out of
 * the uplink and one peer to another. It is the setting of the network
 * namespace the calling thread is in (/proc/sys/net is per namespace):
 * the host's when picd runs on it, only the test's inside a namespace. */
#pragma once

#include <stdbool.h>

#define IP_FORWARD_PATH "/proc/sys/net/ipv4/ip_forward"

/* Writes 1 to net.ipv4.ip_forward through /proc/sys (no sysctl program,
 * no shell); *ret_was_on says whether it already was 1, in which case
 * nothing is written. A negative errno when /proc/sys cannot be read or
 * written (not root, /proc/sys read-only in a container). */
int ip_forward_enable(bool *ret_was_on);
