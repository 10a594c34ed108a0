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
/* The rows of one entity ("dns_record", "dhcp_reservation") that changed
 * after revision `number`, as they were right after it: an object of key
 * -> the row's JSON, or null where the row did not exist. Rows that did
 * not change since are not in it. */
int revisions_entity_at(struct store *s, int64_t number, const char *entity, json_t **ret);
