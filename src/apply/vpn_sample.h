/* One sample of wireguard-go's numbers, read from its UAPI socket without
 * ever waiting on picd's loop: "get=1" is sent, the answer comes in as
 * the socket becomes readable, and is parsed (wg_uapi_dump_parse) when
 * its last line is in. A kernel interface has no such socket: starting
 * fails with -ENOENT or -ECONNREFUSED, and the caller runs `wg show dump`
 * instead. The answer holds the private and preshared keys: it is wiped
 * before its memory goes. */
#pragma once

#include <systemd/sd-event.h>

#include "services/wg_dump.h"

/* 100,000 peers at some 400 bytes each. */
#define VPN_SAMPLE_ANSWER_MAX ((size_t)48 << 20)

struct vpn_sample;

/* done runs once, on the loop, with the dump (NULL when the answer did not
 * parse or the socket failed); the sample is freed after it returns. */
typedef void (*vpn_sample_done_cb)(const struct wg_dump *d, void *userdata);

int vpn_sample_start(sd_event *event, const char *uapi_dir, const char *iface, vpn_sample_done_cb done,
                     void *userdata, struct vpn_sample **ret);
/* Abandons a sample in flight (done is not called). NULL is fine. */
void vpn_sample_free(struct vpn_sample *s);

/* wireguard-go holds its configuration lock while it writes an answer, so
 * while one is unread every other UAPI call (and `wg` itself) waits, and
 * picd waiting on one would never read it. Before picd talks to
 * wireguard-go it settles a sample in flight: reads the rest of its
 * answer at once (done is called), or drops it after
 * VPN_SAMPLE_SETTLE_TIMEOUT_MS. The sample is gone after. NULL is fine. */
#define VPN_SAMPLE_SETTLE_TIMEOUT_MS 5000
void vpn_sample_settle(struct vpn_sample *s);
