/* The running cell: the supervised services, the state their configs are
 * rendered from, and the reconcile that brings disk and daemons in line
 * with the store (DESIGN §2). Owned by picd; the API reads it. */
#pragma once

#include <jansson.h>
#include <systemd/sd-event.h>

#include "services/service.h"
#include "store/store.h"
#include "supervise/supervisor.h"

struct runtime;

int runtime_new(sd_event *event, struct store *store, const char *cell_dir, struct runtime **ret);
struct runtime *runtime_free(struct runtime *rt);

/* Reconciles once, then starts every service in dependency order. */
int runtime_start(struct runtime *rt);
/* Stops every service in reverse order; cb runs when all are down. */
void runtime_stop(struct runtime *rt, supervisor_stopped_cb cb, void *userdata);

/* Runs a reconcile on the next turn of the loop (once, however often it is
 * asked before then): after every committed revision. */
void runtime_schedule_reconcile(struct runtime *rt);
/* After a committed revision: reconciles, unless runtime_peer_changed
 * already applied that revision live. */
void runtime_committed(struct runtime *rt);
/* A peer added (before NULL), changed, or removed (after NULL), as the
 * store has it after the commit: applied to the running daemons at once
 * (peer_live.h), and the managed files written once changes pause. Where
 * that cannot be done (a daemon not up, a daemon refusing) a whole
 * reconcile is scheduled instead, and a negative errno returned; the
 * store stays the truth either way. */
struct peer;
int runtime_peer_changed(struct runtime *rt, const struct peer *before, const struct peer *after);
/* Render everything, write what differs (checked, atomically), remove what
 * is stale, reload what changed. ret_outcome (may be NULL) is what
 * GET /api/apply/status shows. */
int runtime_reconcile(struct runtime *rt, json_t **ret_outcome);

struct supervisor *runtime_supervisor(struct runtime *rt);
/* The state last rendered (paths, zone, the DHCP and NTP settings). */
const struct cell_state *runtime_state(struct runtime *rt);
/* The VPN's numbers as last sampled. */
struct vpn_stats;
const struct vpn_stats *runtime_vpn_stats(struct runtime *rt);
/* DIR/secrets: the 0600 key files. */
const char *runtime_secrets_dir(struct runtime *rt);
/* Totals since picd started: files written or removed, and reloads or
 * restarts made by reconciles. A reconcile with nothing to do adds 0. */
void runtime_counters(struct runtime *rt, uint64_t *ret_writes, uint64_t *ret_reloads);
