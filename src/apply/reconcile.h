/* Reconciling one service's managed files with what its renderers say;
 * see reconcile.c. runtime.c calls it for each service. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "services/service.h"

struct reconcile_counts {
        unsigned writes;       /* files written or removed */
        unsigned reloads;      /* reloads and restarts asked for */
        bool restart_wanted;   /* the service has no live reload */
};

/* Appends to files ({path, service, action}) and services ({name, action,
 * ok, error}). running says whether the daemon is up to be reloaded.
 * Returns 0, or a negative errno when the service's new config did not
 * take effect (the old one stays in place). */
int reconcile_service(const struct service_adapter *a, const struct service_env *env, bool running,
                      struct reconcile_counts *counts, json_t *files, json_t *services);
