/* The runtime's VPN side: the status samples of wireguard-go (read as
 * they come, vpn_sample.h), expired peers, and a peer's change applied
 * live (peer_live.h) with the managed files following once changes
 * pause. See runtime.h for what callers see. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "apply/peer_live.h"
#include "apply/runtime_private.h"
#include "apply/vpn_sample.h"
#include "common/cleanup.h"
#include "common/exec.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "services/wg_apply.h"
#include "services/wg_uapi.h"
#include "store/peers.h"

/* Longer than a crashed daemon's first backoff (1 s), so that a restart
 * in that window goes through catch_up_files, which the tests rely on. */
#define FILES_QUIET_USEC (2000ULL * 1000)
#define FILES_LAG_MAX_USEC (10ULL * 1000 * 1000)

#define WG_DUMP_TIMEOUT_MS 5000u
#define WG_DUMP_OUTPUT_MAX ((size_t)32 << 20) /* about 200 bytes a peer: 100,000 peers and more */

static void on_vpn_sampled(const struct wg_dump *d, void *userdata) {
        struct runtime *rt = userdata;
        rt->vpn_sample = NULL; /* freed by vpn_sample after this returns */
        if (d && vpn_stats_update(&rt->vpn_stats, d, now_unix()) >= 0)
                rt->vpn_sampled_usec = now_monotonic_usec();
}

/* Before picd itself talks to wireguard-go, a sample in flight must go
 * (vpn_sample_settle says why). Dropping it costs nothing; reading the
 * rest at once costs the change that waits some 15 ms at 10,000 peers. So
 * it is dropped, unless the last sample that came through is one and a
 * half intervals old: under steady changes every other sample still
 * comes through. */
void runtime_settle_vpn_sample(struct runtime *rt) {
        struct vpn_sample *s = TAKE_PTR(rt->vpn_sample);
        if (!s)
                return;
        if (now_monotonic_usec() - rt->vpn_sampled_usec < VPN_STATS_INTERVAL * 1500000ULL)
                vpn_sample_free(s);
        else
                vpn_sample_settle(s);
}

/* One sample of the VPN's numbers: from wireguard-go's socket as it
 * answers, never waited for (vpn_sample.h). Shortcut, named: a kernel
 * interface has no such socket, so there `wg show dump` runs as a child
 * and the loop waits for it (about 69 ms at 10,000 peers, once every
 * VPN_STATS_INTERVAL seconds). */
static void sample_vpn(struct runtime *rt) {
        struct runtime_service *wg = runtime_find_service(rt, "wireguard");
        if (!wg || supervised_state(wg->supervised) != SERVICE_READY)
                return;
        /* One not answered within a whole interval is given up. */
        vpn_sample_free(TAKE_PTR(rt->vpn_sample));
        int r = vpn_sample_start(rt->event, WG_UAPI_DIR, rt->state.wg_interface, on_vpn_sampled, rt, &rt->vpn_sample);
        if (r != -ENOENT && r != -ECONNREFUSED)
                return;
        char *argv[] = {WG_BINARY, "show", (char *)rt->state.wg_interface, "dump", NULL};
        struct exec_result res;
        if (exec_run_limit(argv, NULL, WG_DUMP_TIMEOUT_MS, WG_DUMP_OUTPUT_MAX, &res) < 0)
                return;
        struct wg_dump d = WG_DUMP_INIT;
        if (res.exit_code == 0 && !res.timed_out && wg_dump_parse(res.output, strlen(res.output), &d) == 0 &&
            vpn_stats_update(&rt->vpn_stats, &d, now_unix()) >= 0)
                rt->vpn_sampled_usec = now_monotonic_usec();
        wg_dump_release(&d);
        /* The dump holds the private and preshared keys. */
        sodium_memzero(res.output, strlen(res.output));
        exec_result_release(&res);
}

/* A peer whose expiry passed since the last reconcile loses its entry
 * now, not at the next change. */
static bool a_peer_expired(struct runtime *rt, int64_t now) {
        for (unsigned i = 0; i < rt->vpn.n; i++)
                if (rt->vpn.views[i].enabled && peer_expired(&rt->vpn.peers[i], now))
                        return true;
        return false;
}

int runtime_on_vpn_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        struct runtime *rt = userdata;
        sample_vpn(rt);
        if (a_peer_expired(rt, now_unix()))
                runtime_schedule_reconcile(rt);
        sd_event_source_set_time(s, usec + VPN_STATS_INTERVAL * 1000000ULL);
        sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

const struct vpn_stats *runtime_vpn_stats(struct runtime *rt) {
        return &rt->vpn_stats;
}

static int on_files_later(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        struct runtime *rt = userdata;
        uint64_t t0 = now_monotonic_usec();
        int r = runtime_reconcile_all(rt, false, NULL);
        if (r < 0) {
                log_error_errno(r, "Writing the files behind live peer changes failed; reconciling");
                runtime_schedule_reconcile(rt);
        } else
                log_info("Files caught up with the live peer changes in %llu ms",
                         (unsigned long long)((now_monotonic_usec() - t0) / 1000));
        return 0;
}

static void schedule_files(struct runtime *rt) {
        uint64_t now;
        if (sd_event_now(rt->event, CLOCK_MONOTONIC, &now) < 0) {
                runtime_schedule_reconcile(rt);
                return;
        }
        if (!rt->files_behind) {
                rt->files_behind = true;
                rt->behind_since = now;
        }
        uint64_t when = now + FILES_QUIET_USEC;
        if (when > rt->behind_since + FILES_LAG_MAX_USEC)
                when = rt->behind_since + FILES_LAG_MAX_USEC;
        if (!rt->files_later &&
            sd_event_add_time(rt->event, &rt->files_later, CLOCK_MONOTONIC, when, 100 * 1000, on_files_later, rt) < 0) {
                runtime_schedule_reconcile(rt);
                return;
        }
        sd_event_source_set_time(rt->files_later, when);
        sd_event_source_set_enabled(rt->files_later, SD_EVENT_ONESHOT);
}

static bool service_ready(struct runtime *rt, const char *name) {
        struct runtime_service *s = runtime_find_service(rt, name);
        return s && supervised_state(s->supervised) == SERVICE_READY;
}

/* A record of the zone that has the peer's name would share its owner
 * with the live change: such a rare zone goes the whole way. */
static bool name_has_records(struct runtime *rt, const struct peer *p) {
        char owner[48];
        snprintf(owner, sizeof owner, "%s.peers", p->name);
        for (unsigned i = 0; i < rt->records.n; i++)
                if (strcasecmp(rt->records.views[i].name, owner) == 0)
                        return true;
        return false;
}

int runtime_peer_changed(struct runtime *rt, const struct peer *before, const struct peer *after) {
        runtime_settle_vpn_sample(rt);
        const struct peer *p = after ? after : before;
        struct runtime_service *wg = runtime_find_service(rt, "wireguard");
        bool vpn_on = wg && (!wg->adapter->enabled || wg->adapter->enabled(&rt->state));
        int r = -EAGAIN;
        _cleanup_free_ char *why = NULL;
        /* Live only onto daemons that are up: one starting reads its files,
         * which a whole reconcile writes first. */
        /* A new peer whose address makes Unbound's views grow (a block at
         * a time) needs unbound.conf reloaded: the whole way too. */
        bool views_grow = after && !before && render_unbound_views_grow(&rt->state, after->ip);
        if (p && service_ready(rt, "unbound") && (!vpn_on || service_ready(rt, "wireguard")) &&
            !name_has_records(rt, p) && !views_grow) {
                struct peer_live l = {
                        .st = &rt->state,
                        .wg_tmp_dir = vpn_on ? wg->env.run_dir : NULL,
                        .secrets_dir = rt->secrets_dir,
                        .now = now_unix(),
                };
                r = peer_live_apply(&l, before, after, &why);
        }
        if (r < 0) {
                if (r != -EAGAIN)
                        log_warning("Peer %s: the live change failed (%s), reconciling the whole", p ? p->name : "?",
                                    why ? why : strerror(-r));
                runtime_schedule_reconcile(rt);
                return r;
        }
        rt->live_generation = store_generation(rt->store);
        schedule_files(rt);
        return 0;
}

void runtime_committed(struct runtime *rt) {
        if (store_generation(rt->store) != rt->live_generation)
                runtime_schedule_reconcile(rt);
}
