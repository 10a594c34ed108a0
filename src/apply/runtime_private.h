/* The runtime's insides, shared by runtime.c (the services, snapshots and
 * the whole reconcile) and runtime_vpn.c (the VPN's samples and the live
 * path of peer changes). Not for anything outside src/apply. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "apply/lan.h"
#include "apply/runtime.h"
#include "apply/vpn.h"
#include "apply/vpn_stats.h"
#include "render/render.h"
#include "services/service.h"
#include "store/dns.h"
#include "supervise/supervisor.h"

#define SERVICE_IPS_MAX 16

/* The DNS records of a snapshot, sorted as the store gives them. Each
 * view's name and value share one allocation, which starts at name. */
struct record_set {
        const char *zone;
        struct dns_record_view *views;
        unsigned n, cap;
        unsigned skipped; /* failed their grammar or the zone's length, or past DNS_RECORDS_MAX */
};

struct runtime_service {
        struct runtime *rt;
        const struct service_adapter *adapter;
        struct service_env env;
        struct supervised *supervised;
};

struct runtime {
        sd_event *event;
        struct store *store;
        char *cell_dir; /* absolute */
        struct supervisor *supervisor;
        struct runtime_service *services;
        unsigned n_services;

        /* The render state and the strings it points into: all of them
         * stay valid until the next snapshot succeeds. */
        json_t *flat;
        struct cell_state state;
        char *api_socket, *caddy_admin_socket, *caddy_data_dir, *webui_dist;
        char *unbound_dir, *unbound_control_socket;
        char *zone;
        struct service_ip_view service_ips[SERVICE_IPS_MAX];
        char service_ip_text[SERVICE_IPS_MAX][16];
        struct record_set records;
        const char *forwarders[DNS_FORWARDERS_MAX]; /* into flat */
        struct lan_snapshot lan;
        struct vpn_snapshot vpn;
        char *secrets_dir;
        char *dnsmasq_dir, *dnsmasq_data_dir, *dnsmasq_lease_file;
        char *chrony_dir, *chrony_socket, *chrony_pid_file, *chrony_drift_file;

        sd_event_source *reconcile_soon;
        sd_event_source *leases_watch, *leases_settle;
        sd_event_source *trim_later;
        sd_event_source *vpn_tick;
        struct vpn_sample *vpn_sample; /* in flight */
        uint64_t vpn_sampled_usec;     /* CLOCK_MONOTONIC: the last sample that came through */
        struct vpn_stats vpn_stats;
        uint64_t writes, reloads;

        /* Peer changes went to the daemons live; the managed files follow
         * once changes pause (FILES_QUIET_USEC in runtime_vpn.c), or FILES_LAG_MAX_USEC
         * after the first at the latest. */
        bool files_behind;
        uint64_t behind_since; /* CLOCK_MONOTONIC usec */
        uint64_t live_generation; /* the store generation a live change covered */
        sd_event_source *files_later;
};

/* The service of that name, or NULL. */
struct runtime_service *runtime_find_service(struct runtime *rt, const char *name);
/* Snapshot and reconcile every service; live: reload the daemons whose
 * files changed (or apply the change to them directly), else write the
 * files only (the daemons have the change already). */
int runtime_reconcile_all(struct runtime *rt, bool live, json_t **ret_outcome);

/* runtime_vpn.c */
/* Every VPN_STATS_INTERVAL seconds: a sample, and expired peers out. */
int runtime_on_vpn_tick(sd_event_source *s, uint64_t usec, void *userdata);
/* Before picd itself talks to wireguard-go (vpn_sample_settle). */
void runtime_settle_vpn_sample(struct runtime *rt);
