/* Changing the cell's configuration safely: live fields apply at once,
 * fields that could cut the admin off are staged, applied with a confirm
 * window, and restored automatically when nobody confirms in time
 * (OpenWrt's apply-with-rollback, Junos' `commit confirmed`).
 *
 * Every function here is one store transaction and one revision. Validation
 * failures return -EINVAL with the flat field ("ports.dns") and a static
 * message. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "store/config.h"
#include "store/store.h"

#define CONFIRM_TIMEOUT_DEFAULT 60
#define CONFIRM_TIMEOUT_MIN 5
#define CONFIRM_TIMEOUT_MAX 3600

struct validation_error {
        const char *field;
        const char *message;  /* static, or points into text */
        char text[192];
};

/* changes: a flat object of key -> value. ret_applied and ret_staged get
 * arrays of the keys that took effect and that were staged. */
int config_update(struct store *s, json_t *changes, const char *actor, json_t **ret_applied, json_t **ret_staged,
                  struct validation_error *ret_error);
/* -ENODATA: nothing staged; -EBUSY: a confirm window is already open. */
int config_apply_staged(struct store *s, const char *actor, int timeout_s, int64_t now, struct confirm_window *ret,
                        struct validation_error *ret_error);
/* -ENOENT: no confirm window is open. */
int config_confirm(struct store *s, int64_t *ret_revision);
/* -ENODATA: nothing staged. */
int config_discard_staged(struct store *s, const char *actor);
/* Restores the config, the DNS records and the DHCP reservations as of
 * revision `number` (users and tokens are not touched). Closes any open confirm window. -ENOENT: unknown revision. */
int config_rollback(struct store *s, int64_t number, const char *actor, const char *summary, int64_t *ret_revision);
/* When an open window's deadline has passed, restores its previous
 * revision. Returns 1 when it rolled back, 0 when there was nothing to do. */
int config_expire_confirm_window(struct store *s, int64_t now, int64_t *ret_revision);
