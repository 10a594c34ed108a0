/* The outcome of each reconcile (what was written, how each service took
 * it), so the API can show why a change did not take effect. Runtime
 * history, not configuration: it appends no revision. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define APPLY_LOG_KEEP 200

/* outcome is the whole JSON object the API shows; it is stored as is. */
int apply_log_append(struct store *s, int64_t revision, int64_t time, bool ok, json_t *outcome);
/* The newest outcome; -ENOENT when nothing was applied yet. */
int apply_log_latest(struct store *s, json_t **ret);
