/* Reading the revision history, and computing the configuration as it was
 * after a given revision (what a rollback restores). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define REVISIONS_LIST_MAX 1000

/* Newest first; before = 0 means from the newest. */
int revisions_list(struct store *s, int64_t before, int limit, json_t **ret);
/* -ENOENT for an unknown revision. */
int revisions_get(struct store *s, int64_t number, json_t **ret);
/* The flat config right after revision `number`: the current config with
 * every later "config" change undone. -ENOENT for an unknown revision. */
int revisions_config_at(struct store *s, int64_t number, json_t **ret);
