/* The running cell; see runtime.h. */
#include "apply/runtime.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/lan.h"
#include "apply/reconcile.h"
#include "apply/runtime_private.h"
#include "apply/vpn.h"
#include "apply/vpn_sample.h"
#include "apply/vpn_stats.h"
#include "common/cleanup.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/apply_log.h"
#include "store/config.h"
#include "store/dns.h"
#include "store/peers.h"

#ifndef PIC_WEBUI_DIST_DEFAULT
#define PIC_WEBUI_DIST_DEFAULT "/usr/share/pic/webui"
#endif

static char *path_join(const char *a, const char *b) {
        char *p;
        return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

static void record_set_release(struct record_set *set) {
        for (unsigned i = 0; i < set->n; i++)
                free((char *)set->views[i].name);
        free(set->views);
        *set = (struct record_set){0};
}

/* Keeps a copy of one record for the renderers. A record that fails its
 * grammar never reaches a config file, whatever put it in the store; one
 * that a new cell name or domain made too long is left out too, so that the
 * rest of the zone is still served. */
static int collect_record(const struct dns_record *r, void *userdata) {
        struct record_set *set = userdata;
        struct dns_error err;
        if (set->n >= DNS_RECORDS_MAX || dns_record_check(r, &err) < 0 || dns_record_check_zone(r, set->zone, &err) < 0) {
                set->skipped++;
                return 0;
        }
        if (set->n == set->cap) {
                unsigned cap = set->cap ? set->cap * 2 : 64;
                struct dns_record_view *views = reallocarray(set->views, cap, sizeof *views);
                if (!views)
                        return -ENOMEM;
                set->views = views;
                set->cap = cap;
        }
        size_t name_len = strlen(r->name) + 1, value_len = strlen(r->value) + 1;
        char *block = malloc(name_len + value_len);
        if (!block)
                return -ENOMEM;
        memcpy(block, r->name, name_len);
        memcpy(block + name_len, r->value, value_len);
        set->views[set->n++] = (struct dns_record_view){
                .name = block,
                .type = dns_type_to_string(r->type),
                .value = block + name_len,
                .ttl = r->ttl,
                .priority = r->priority,
                .weight = r->weight,
                .port = r->port,
        };
        return 0;
}

/* Loads the store's config and DNS records into the render state. On
 * failure the previous state stays as it was. */
static int snapshot(struct runtime *rt) {
        _cleanup_json_ json_t *flat = NULL;
        int r = config_load(rt->store, &flat);
        if (r < 0)
                return r;
        const char *cell_name = json_string_value(json_object_get(flat, "cell_name"));
        const char *domain = json_string_value(json_object_get(flat, "domain"));
        const char *profile = json_string_value(json_object_get(flat, "profile"));
        const char *public_endpoint = json_string_value(json_object_get(flat, "public_endpoint"));
        if (!cell_name || !domain || !profile || !public_endpoint)
                return -EBADMSG;
        _cleanup_free_ char *zone = NULL;
        if (asprintf(&zone, "%s.%s", cell_name, domain) < 0) {
                zone = NULL;
                return -ENOMEM;
        }
        struct record_set records = {.zone = zone};
        r = dns_records_foreach(rt->store, collect_record, &records);
        if (r < 0) {
                record_set_release(&records);
                return r;
        }
        struct lan_snapshot lan;
        r = lan_snapshot_load(&lan, rt->store, flat, rt->dnsmasq_lease_file, now_unix());
        if (r < 0) {
                record_set_release(&records);
                return r;
        }
        struct vpn_snapshot vpn;
        r = vpn_snapshot_load(&vpn, rt->store, rt->secrets_dir, now_unix());
        if (r < 0) {
                lan_snapshot_release(&lan);
                record_set_release(&records);
                return r;
        }
        if (records.skipped)
                log_warning("%u DNS records fail their grammar, are too long for the zone '%s' or pass the limit "
                            "of %d, ignoring them",
                            records.skipped, zone, DNS_RECORDS_MAX);

        /* Nothing can fail from here on: replace the previous state. */
        record_set_release(&rt->records);
        rt->records = records;
        lan_snapshot_release(&rt->lan);
        rt->lan = lan;
        vpn_snapshot_release(&rt->vpn);
        rt->vpn = vpn;
        free(rt->zone);
        rt->zone = TAKE_PTR(zone);
        json_decref(rt->flat);
        rt->flat = TAKE_PTR(flat);

        unsigned n_ips = 0;
        for (unsigned i = 0; i < config_services_count && i < SERVICE_IPS_MAX; i++) {
                if (config_service_ip(rt->flat, i, rt->service_ip_text[i]) < 0)
                        break;
                rt->service_ips[n_ips++] = (struct service_ip_view){config_services[i], rt->service_ip_text[i]};
        }
        unsigned n_forwarders = 0, bad_forwarders = 0;
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(rt->flat, "dns.forwarders"), i, item) {
                const char *f = json_string_value(item);
                if (!f || dns_check_forwarder(f) || n_forwarders >= DNS_FORWARDERS_MAX)
                        bad_forwarders++;
                else
                        rt->forwarders[n_forwarders++] = f;
        }
        if (bad_forwarders)
                log_warning("%u DNS forwarders fail their grammar or pass the limit of %d, ignoring them",
                            bad_forwarders, DNS_FORWARDERS_MAX);

        rt->state = (struct cell_state){
                .cell_name = cell_name,
                .domain = domain,
                .profile = profile,
                .public_endpoint = public_endpoint,
                .listen_address = streq(profile, "system") ? "" : "127.0.0.1",
                .port_ui = (uint16_t)json_integer_value(json_object_get(rt->flat, "ports.ui")),
                .port_api = (uint16_t)json_integer_value(json_object_get(rt->flat, "ports.api")),
                .api_socket = rt->api_socket,
                .caddy_admin_socket = rt->caddy_admin_socket,
                .webui_dist = rt->webui_dist,
                .caddy_data_dir = rt->caddy_data_dir,

                .port_dns = (uint16_t)json_integer_value(json_object_get(rt->flat, "ports.dns")),
                .zone = rt->zone,
                .service_ips = rt->service_ips,
                .n_service_ips = n_ips,
                .dns_records = rt->records.views,
                .n_dns_records = rt->records.n,
                .dns_forwarders = rt->forwarders,
                .n_dns_forwarders = n_forwarders,
                .dns_forward_tls = json_is_true(json_object_get(rt->flat, "dns.forward_tls")),
                .unbound_dir = rt->unbound_dir,
                .unbound_control_socket = rt->unbound_control_socket,

                .dnsmasq_dir = rt->dnsmasq_dir,
                .dnsmasq_lease_file = rt->dnsmasq_lease_file,
                .dnsmasq_user = streq(profile, "system") ? "dnsmasq" : service_own_user(),
                .chrony_dir = rt->chrony_dir,
                .chrony_socket = rt->chrony_socket,
                .chrony_pid_file = rt->chrony_pid_file,
                .chrony_drift_file = rt->chrony_drift_file,
        };
        lan_snapshot_fill(&rt->lan, rt->flat, &rt->state);
        vpn_snapshot_fill(&rt->vpn, rt->flat, &rt->state);
        return 0;
}

/* One service's files, written from a fresh snapshot without touching
 * the daemon (it is about to start on them). */
static int catch_up_files(struct runtime_service *s) {
        int r = snapshot(s->rt);
        if (r < 0)
                return r;
        struct reconcile_counts counts = {0};
        _cleanup_json_ json_t *files = json_array(), *services = json_array();
        if (!files || !services)
                return -ENOMEM;
        r = reconcile_service(s->adapter, &s->env, false, &counts, files, services);
        s->rt->writes += counts.writes;
        return r;
}

static int service_build_command(void *userdata, struct supervised_command *ret) {
        struct runtime_service *s = userdata;
        int r = s->adapter->prepare ? s->adapter->prepare(&s->env) : 0;
        if (r < 0)
                return r;
        /* A daemon (re)starting reads its files: those behind live peer
         * changes are brought up to date first. */
        if (s->rt->files_behind && (r = catch_up_files(s)) < 0)
                log_warning_errno(r, "Failed to bring %s's files up to date before its start", s->adapter->name);
        /* Never start a daemon on its built-in defaults: without the files
         * a reconcile wrote (and its checker passed), it does not start. */
        for (unsigned i = 0; i < s->adapter->n_files; i++) {
                _cleanup_free_ char *path = path_join(s->env.config_dir, s->adapter->files[i].name);
                if (!path)
                        return -ENOMEM;
                if (access(path, R_OK) < 0) {
                        int r2 = -errno;
                        supervised_note(s->supervised, "no config '%s' yet: the last reconcile did not write it",
                                        path);
                        return r2;
                }
        }
        s->env.oneshot = false;
        if (s->adapter->build_oneshot) {
                struct service_oneshot o = {0};
                _cleanup_free_ char *note = NULL;
                r = s->adapter->build_oneshot(&s->env, &o, &note);
                if (note)
                        supervised_note(s->supervised, "%s", note);
                if (r < 0)
                        return r;
                if (r > 0) {
                        s->env.oneshot = true;
                        *ret = (struct supervised_command){o.start_argv, o.envp, o.stop_argv};
                        return 0;
                }
        }
        return s->adapter->build_command(&s->env, &ret->argv, &ret->envp);
}

static int service_probe(void *userdata) {
        struct runtime_service *s = userdata;
        int r = s->adapter->probe(&s->env);
        if (r < 0 || !s->adapter->post_start)
                return r;
        runtime_settle_vpn_sample(s->rt);
        /* Up: now what the daemon needs from outside before it serves. */
        s->env.pid = supervised_pid(s->supervised);
        _cleanup_free_ char *message = NULL;
        r = s->adapter->post_start(&s->env, &message);
        if (r < 0)
                supervised_note(s->supervised, "not ready: %s", message ? message : strerror(-r));
        return r;
}

static int init_service(struct runtime *rt, struct runtime_service *s, const struct service_adapter *a) {
        *s = (struct runtime_service){.rt = rt, .adapter = a};
        s->env.cell_dir = rt->cell_dir;
        s->env.state = &rt->state;
        _cleanup_free_ char *config = path_join(rt->cell_dir, "config"), *data = path_join(rt->cell_dir, "data"),
                            *run = path_join(rt->cell_dir, "run");
        if (!config || !data || !run)
                return -ENOMEM;
        s->env.config_dir = path_join(config, a->name);
        s->env.data_dir = path_join(data, a->name);
        s->env.run_dir = path_join(run, a->name);
        if (!s->env.config_dir || !s->env.data_dir || !s->env.run_dir)
                return -ENOMEM;
        if ((mkdir(config, 0755) < 0 && errno != EEXIST) || (mkdir(data, 0755) < 0 && errno != EEXIST))
                return -errno;
        int r = a->prepare ? a->prepare(&s->env) : 0;
        if (r < 0)
                return r;
        struct supervised_spec spec = {
                .name = a->name,
                .description = a->description,
                .user = a->user ? a->user(&rt->state) : NULL,
                .capabilities = a->capabilities ? a->capabilities(&rt->state) : 0,
                .start_timeout_usec = a->start_timeout_usec,
                .stop_timeout_usec = a->stop_timeout_usec,
                .build_command = service_build_command,
                .probe = service_probe,
                .userdata = s,
        };
        return supervisor_add(rt->supervisor, &spec, &s->supervised);
}

/* dnsmasq rewrites its lease file in place, a few writes per change: a
 * short settle, then one reconcile puts the leases' names in the zone. */
#define LEASES_SETTLE_USEC (20ULL * 1000)

static int on_leases_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        runtime_schedule_reconcile(userdata);
        return 0;
}

static int on_leases_changed(sd_event_source *s, const struct inotify_event *event, void *userdata) {
        (void)s;
        struct runtime *rt = userdata;
        if (event->len && !streq(event->name, "leases"))
                return 0;
        int enabled = SD_EVENT_OFF;
        sd_event_source_get_enabled(rt->leases_settle, &enabled);
        if (enabled != SD_EVENT_OFF)
                return 0; /* one reconcile already coming */
        uint64_t now;
        sd_event_now(rt->event, CLOCK_MONOTONIC, &now);
        sd_event_source_set_time(rt->leases_settle, now + LEASES_SETTLE_USEC);
        sd_event_source_set_enabled(rt->leases_settle, SD_EVENT_ONESHOT);
        return 0;
}

static int watch_leases(struct runtime *rt) {
        int r = sd_event_add_time(rt->event, &rt->leases_settle, CLOCK_MONOTONIC, 0, 1000, on_leases_settled, rt);
        if (r < 0)
                return r;
        sd_event_source_set_enabled(rt->leases_settle, SD_EVENT_OFF);
        /* The directory exists: dnsmasq's prepare made it. */
        return sd_event_add_inotify(rt->event, &rt->leases_watch, rt->dnsmasq_data_dir,
                                    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE, on_leases_changed,
                                    rt);
}

struct runtime_service *runtime_find_service(struct runtime *rt, const char *name) {
        for (unsigned i = 0; i < rt->n_services; i++)
                if (streq(rt->services[i].adapter->name, name))
                        return &rt->services[i];
        return NULL;
}

int runtime_new(sd_event *event, struct store *store, const char *cell_dir, struct runtime **ret) {
        struct runtime *rt = calloc(1, sizeof *rt);
        if (!rt)
                return -ENOMEM;
        rt->event = sd_event_ref(event);
        rt->store = store;
        int r;
        char abs[PATH_MAX];
        const char *dist = getenv("PIC_WEBUI_DIST");
        if (!realpath(cell_dir, abs)) {
                r = -errno;
                goto fail;
        }
        rt->cell_dir = strdup(abs);
        rt->api_socket = path_join(abs, "run/api.sock");
        rt->caddy_admin_socket = path_join(abs, "run/caddy/admin.sock");
        rt->caddy_data_dir = path_join(abs, "data/caddy");
        rt->webui_dist = strdup(dist && *dist ? dist : PIC_WEBUI_DIST_DEFAULT);
        rt->unbound_dir = path_join(abs, "config/unbound");
        rt->unbound_control_socket = path_join(abs, "run/unbound/control.sock");
        rt->secrets_dir = path_join(abs, "secrets");
        rt->dnsmasq_dir = path_join(abs, "config/dnsmasq");
        rt->dnsmasq_data_dir = path_join(abs, "data/dnsmasq");
        rt->dnsmasq_lease_file = path_join(abs, "data/dnsmasq/leases");
        rt->chrony_dir = path_join(abs, "config/chrony");
        rt->chrony_socket = path_join(abs, "run/chrony/chronyd.sock");
        rt->chrony_pid_file = path_join(abs, "run/chrony/chronyd.pid");
        rt->chrony_drift_file = path_join(abs, "data/chrony/drift");
        rt->services = calloc(service_registry_count, sizeof *rt->services);
        if (!rt->cell_dir || !rt->api_socket || !rt->caddy_admin_socket || !rt->caddy_data_dir || !rt->webui_dist ||
            !rt->unbound_dir || !rt->unbound_control_socket || !rt->dnsmasq_dir || !rt->dnsmasq_data_dir ||
            !rt->dnsmasq_lease_file || !rt->chrony_dir || !rt->chrony_socket || !rt->chrony_pid_file ||
            !rt->chrony_drift_file || !rt->secrets_dir || !rt->services) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = vpn_ensure_cell_key(rt->secrets_dir)) < 0)
                log_warning_errno(r, "Cannot make the cell's WireGuard key in %s", rt->secrets_dir);
        if ((r = snapshot(rt)) < 0 || (r = supervisor_new(event, &rt->supervisor)) < 0)
                goto fail;
        for (unsigned i = 0; i < service_registry_count; i++) {
                r = init_service(rt, &rt->services[i], service_registry[i]);
                rt->n_services = i + 1;
                if (r < 0) {
                        log_error_errno(r, "Failed to prepare service '%s'", service_registry[i]->name);
                        goto fail;
                }
        }
        if ((r = watch_leases(rt)) < 0)
                goto fail;
        uint64_t now_usec;
        if ((r = sd_event_now(event, CLOCK_MONOTONIC, &now_usec)) < 0 ||
            (r = sd_event_add_time(event, &rt->vpn_tick, CLOCK_MONOTONIC, now_usec + VPN_STATS_INTERVAL * 1000000ULL,
                                   100 * 1000, runtime_on_vpn_tick, rt)) < 0)
                goto fail;
        sd_event_source_set_enabled(rt->vpn_tick, SD_EVENT_ON);
        *ret = rt;
        return 0;
fail:
        runtime_free(rt);
        return r;
}

struct runtime *runtime_free(struct runtime *rt) {
        if (!rt)
                return NULL;
        sd_event_source_disable_unref(rt->reconcile_soon);
        sd_event_source_disable_unref(rt->leases_watch);
        sd_event_source_disable_unref(rt->leases_settle);
        sd_event_source_disable_unref(rt->trim_later);
        sd_event_source_disable_unref(rt->files_later);
        vpn_sample_free(rt->vpn_sample);
        sd_event_source_disable_unref(rt->vpn_tick);
        vpn_stats_release(&rt->vpn_stats);
        supervisor_free(rt->supervisor);
        for (unsigned i = 0; i < rt->n_services; i++) {
                free(rt->services[i].env.config_dir);
                free(rt->services[i].env.data_dir);
                free(rt->services[i].env.run_dir);
        }
        free(rt->services);
        json_decref(rt->flat);
        free(rt->cell_dir);
        free(rt->api_socket);
        free(rt->caddy_admin_socket);
        free(rt->caddy_data_dir);
        free(rt->webui_dist);
        free(rt->unbound_dir);
        free(rt->unbound_control_socket);
        free(rt->zone);
        record_set_release(&rt->records);
        lan_snapshot_release(&rt->lan);
        vpn_snapshot_release(&rt->vpn);
        free(rt->secrets_dir);
        free(rt->dnsmasq_dir);
        free(rt->dnsmasq_data_dir);
        free(rt->dnsmasq_lease_file);
        free(rt->chrony_dir);
        free(rt->chrony_socket);
        free(rt->chrony_pid_file);
        free(rt->chrony_drift_file);
        sd_event_unref(rt->event);
        free(rt);
        return NULL;
}

/* A reconcile renders whole files in memory (a large zone is megabytes):
 * once changes stop coming, hand the freed heap back rather than keep it.
 * Not after each one: a burst of changes would fault the same pages in
 * again every time. */
#define TRIM_AFTER_USEC (1000ULL * 1000)

static int on_trim(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s;
        (void)usec;
        (void)userdata;
        malloc_trim(0);
        return 0;
}

static void schedule_trim(struct runtime *rt) {
        uint64_t now;
        if (sd_event_now(rt->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        if (!rt->trim_later) {
                if (sd_event_add_time(rt->event, &rt->trim_later, CLOCK_MONOTONIC, now + TRIM_AFTER_USEC, 100 * 1000,
                                      on_trim, rt) < 0)
                        malloc_trim(0);
                return;
        }
        sd_event_source_set_time(rt->trim_later, now + TRIM_AFTER_USEC);
        sd_event_source_set_enabled(rt->trim_later, SD_EVENT_ONESHOT);
}

/* live: reload the daemons whose files changed, or apply the change to
 * them directly; without it only the files are written (the daemons have
 * the change already, see runtime_peer_changed). */
int runtime_reconcile_all(struct runtime *rt, bool live, json_t **ret_outcome) {
        runtime_settle_vpn_sample(rt);
        int r = snapshot(rt);
        if (r < 0)
                return r;
        int64_t revision = store_latest_revision(rt->store);
        _cleanup_json_ json_t *files = json_array(), *services = json_array();
        if (!files || !services)
                return -ENOMEM;
        bool ok = true;
        for (unsigned i = 0; i < rt->n_services; i++) {
                struct runtime_service *s = &rt->services[i];
                s->env.pid = supervised_pid(s->supervised);
                enum service_state st = supervised_state(s->supervised);
                bool running = live && st == SERVICE_READY;
                struct reconcile_counts counts = {0};
                if (reconcile_service(s->adapter, &s->env, running, &counts, files, services) < 0)
                        ok = false;
                rt->writes += counts.writes;
                rt->reloads += counts.reloads;
                bool enabled = !s->adapter->enabled || s->adapter->enabled(&rt->state);
                /* One that failed on its old files gets a fresh start on its
                 * new ones now, rather than after its backoff or never: the
                 * change may be the fix (wireguard.implementation back from
                 * a kernel without WireGuard). */
                bool retry = enabled && counts.writes > 0 && (st == SERVICE_BACKOFF || st == SERVICE_FAILED);
                if (retry)
                        supervised_note(s->supervised, "its config changed: starting it again now");
                if (counts.restart_wanted || retry)
                        supervised_event(s->supervised, EVENT_RESTART);
                /* After its files: a service turned on starts on them. */
                supervised_set_enabled(s->supervised, enabled);
        }
        char when[ISO8601_LEN];
        int64_t now = now_unix();
        format_iso8601(now, when);
        json_t *outcome = json_pack("{s:I, s:s, s:b, s:O, s:O}", "revision", (json_int_t)revision, "time", when, "ok", ok,
                                    "files", files, "services", services);
        if (!outcome)
                return -ENOMEM;
        r = apply_log_append(rt->store, revision, now, ok, outcome);
        if (r < 0)
                log_warning_errno(r, "Failed to record the apply outcome, ignoring");
        if (ret_outcome)
                *ret_outcome = outcome;
        else
                json_decref(outcome);
        /* Every file now says what the store says. */
        rt->files_behind = false;
        if (rt->files_later)
                sd_event_source_set_enabled(rt->files_later, SD_EVENT_OFF);
        schedule_trim(rt);
        return 0;
}

int runtime_reconcile(struct runtime *rt, json_t **ret_outcome) {
        return runtime_reconcile_all(rt, true, ret_outcome);
}

static int on_reconcile_soon(sd_event_source *s, void *userdata) {
        (void)s;
        struct runtime *rt = userdata;
        int r = runtime_reconcile(rt, NULL);
        if (r < 0)
                log_error_errno(r, "Reconcile failed");
        return 0;
}

void runtime_schedule_reconcile(struct runtime *rt) {
        if (!rt->reconcile_soon) {
                if (sd_event_add_defer(rt->event, &rt->reconcile_soon, on_reconcile_soon, rt) < 0)
                        return;
        }
        sd_event_source_set_enabled(rt->reconcile_soon, SD_EVENT_ONESHOT);
}

int runtime_start(struct runtime *rt) {
        int r = runtime_reconcile(rt, NULL);
        if (r < 0)
                return r;
        supervisor_start_all(rt->supervisor);
        return 0;
}

void runtime_stop(struct runtime *rt, supervisor_stopped_cb cb, void *userdata) {
        supervisor_stop_all(rt->supervisor, cb, userdata);
}

struct supervisor *runtime_supervisor(struct runtime *rt) {
        return rt->supervisor;
}

const struct cell_state *runtime_state(struct runtime *rt) {
        return &rt->state;
}

const char *runtime_secrets_dir(struct runtime *rt) {
        return rt->secrets_dir;
}

void runtime_counters(struct runtime *rt, uint64_t *ret_writes, uint64_t *ret_reloads) {
        *ret_writes = rt->writes;
        *ret_reloads = rt->reloads;
}
