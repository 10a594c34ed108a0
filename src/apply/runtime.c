/* The running cell; see runtime.h. */
#include "apply/runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply/reconcile.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/apply_log.h"
#include "store/config.h"

#ifndef PIC_WEBUI_DIST_DEFAULT
#define PIC_WEBUI_DIST_DEFAULT "/usr/share/pic/webui"
#endif

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

        /* The render state and the strings it points into. */
        json_t *flat;
        struct cell_state state;
        char *api_socket, *caddy_admin_socket, *caddy_data_dir, *webui_dist;

        sd_event_source *reconcile_soon;
        uint64_t writes, reloads;
};

static char *path_join(const char *a, const char *b) {
        char *p;
        return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

/* Loads the store's config into the render state. */
static int snapshot(struct runtime *rt) {
        json_t *flat;
        int r = config_load(rt->store, &flat);
        if (r < 0)
                return r;
        json_decref(rt->flat);
        rt->flat = flat;
        const char *profile = json_string_value(json_object_get(flat, "profile"));
        rt->state = (struct cell_state){
                .cell_name = json_string_value(json_object_get(flat, "cell_name")),
                .domain = json_string_value(json_object_get(flat, "domain")),
                .profile = profile,
                .public_endpoint = json_string_value(json_object_get(flat, "public_endpoint")),
                .listen_address = profile && streq(profile, "system") ? "" : "127.0.0.1",
                .port_ui = (uint16_t)json_integer_value(json_object_get(flat, "ports.ui")),
                .port_api = (uint16_t)json_integer_value(json_object_get(flat, "ports.api")),
                .api_socket = rt->api_socket,
                .caddy_admin_socket = rt->caddy_admin_socket,
                .webui_dist = rt->webui_dist,
                .caddy_data_dir = rt->caddy_data_dir,
        };
        if (!rt->state.cell_name || !rt->state.domain || !rt->state.profile || !rt->state.public_endpoint)
                return -EBADMSG;
        return 0;
}

static int service_build_command(void *userdata, char ***ret_argv, char ***ret_envp) {
        struct runtime_service *s = userdata;
        int r = s->adapter->prepare ? s->adapter->prepare(&s->env) : 0;
        if (r < 0)
                return r;
        return s->adapter->build_command(&s->env, ret_argv, ret_envp);
}

static int service_probe(void *userdata) {
        struct runtime_service *s = userdata;
        return s->adapter->probe(&s->env);
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
        rt->services = calloc(service_registry_count, sizeof *rt->services);
        if (!rt->cell_dir || !rt->api_socket || !rt->caddy_admin_socket || !rt->caddy_data_dir || !rt->webui_dist ||
            !rt->services) {
                r = -ENOMEM;
                goto fail;
        }
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
        sd_event_unref(rt->event);
        free(rt);
        return NULL;
}

int runtime_reconcile(struct runtime *rt, json_t **ret_outcome) {
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
                enum service_state st = supervised_state(s->supervised);
                bool running = st == SERVICE_READY;
                struct reconcile_counts counts = {0};
                if (reconcile_service(s->adapter, &s->env, running, &counts, files, services) < 0)
                        ok = false;
                rt->writes += counts.writes;
                rt->reloads += counts.reloads;
                if (counts.restart_wanted)
                        supervised_event(s->supervised, EVENT_RESTART);
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
        return 0;
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

void runtime_counters(struct runtime *rt, uint64_t *ret_writes, uint64_t *ret_reloads) {
        *ret_writes = rt->writes;
        *ret_reloads = rt->reloads;
}
