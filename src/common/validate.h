/* The grammars every value must match before it is stored, and so before it
 * can ever reach a rendered config file or a command line. Each returns true
 * when the whole string matches; none accepts a newline, quote, brace, space,
 * slash or NUL. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_LEN 32
#define DOMAIN_MAX_LEN 253
#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 256

/* A DNS-safe name: [a-z0-9-]{1,32}, not starting or ending with '-'.
 * Used for cell names, peer names, service names, token names. */
bool valid_name(const char *s);
/* A user name: [a-z0-9_.-]{1,32}, starting with a letter or digit. */
bool valid_username(const char *s);
/* A domain: dot-separated labels of [a-z0-9-]{1,63} (no leading or trailing
 * '-'), at most 253 characters, no trailing dot. */
bool valid_domain(const char *s);
/* A host for the public endpoint: a domain as above or a dotted quad. */
bool valid_host(const char *s);
/* Well-formed UTF-8 without control characters (C0, DEL, C1, U+2028/9),
 * length in bytes between min and max. For passwords and free text. */
bool valid_text(const char *s, size_t min, size_t max);
bool valid_port(long long port);
/* One DNS label: [a-z0-9-]{1,63}, not starting or ending with '-'. For host
 * names under lan. and the names of DHCP reservations. */
bool valid_host_label(const char *s);
/* A network interface name as the kernel allows it, narrowed to
 * [A-Za-z0-9_.-]{1,15} and not "." or "..". */
bool valid_ifname(const char *s);
/* A MAC address: six pairs of hex digits joined by ':'. With out (18 bytes)
 * it is written there in lower case. */
bool valid_mac(const char *s, char *out);

/* Replaces every byte that is not part of a well-formed UTF-8 sequence
 * (including a sequence cut short at the end) with '?', in place, so that
 * text built from client input can always go into JSON. */
void utf8_repair(char *s);
