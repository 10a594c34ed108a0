/* The services' addresses on lo: one per service, taken from ip_range, so
 * that a peer's packets to them are delivered locally and pass the
 * firewall's input chain (where peer_service decides). The wireguard
 * adapter keeps them as a managed file, "service-addresses": written by
 * the render, put on lo at the VPN's bring-up, and changed in place (the
 * new ones added, then the old ones removed) when ip_range changes. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "render/render.h"

#define SERVICE_ADDRESSES_FILE "service-addresses"
#define SERVICE_ADDRESSES_MAX 64

/* One "A.B.C.D/32" line per service address, sorted, after a comment. */
int render_service_addresses(const struct cell_state *st, struct buf *out);
/* Reads exactly that: '#' lines, then addresses, each line ended by '\n';
 * at most SERVICE_ADDRESSES_MAX. Host-order addresses, sorted, into ret.
 * -EINVAL when a line fails. */
int service_addresses_parse(const char *text, uint32_t ret[SERVICE_ADDRESSES_MAX], size_t *ret_n);
/* Those of a that b lacks (both sorted). */
size_t service_addresses_missing(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                                 uint32_t out[SERVICE_ADDRESSES_MAX]);
