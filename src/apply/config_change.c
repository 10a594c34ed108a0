/* Live, staged and confirmed config changes; see config_change.h. */
#include "config_change.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "store/dhcp.h"
#include "store/dns.h"
#include "store/revisions.h"


/* "apply staged changes: domain, ports.dns" */
static char *summary_with_keys(const char *prefix, json_t *keys) {
        struct buf b = BUF_INIT;
        buf_puts(&b, prefix);
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k) {
                if (i == 8) {
                        buf_printf(&b, ", and %zu more", json_array_size(keys) - 8);
                        break;
                }
                buf_printf(&b, "%s%s", i ? ", " : ": ", json_string_value(k));
        }
        return buf_steal(&b);
}

static int check_changes(json_t *changes, struct validation_error *err) {
        const char *key;
        json_t *v;
        json_object_foreach(changes, key, v) {
                const struct config_field *f = config_field_find(key);
                if (!f || !f->writable) {
                        *err = (struct validation_error){key, f ? "cannot be changed" : "is not a config field"};
                        return -EINVAL;
                }
                const char *msg;
                if (config_check_value(f, v, &msg) < 0) {
                        *err = (struct validation_error){key, msg};
                        return -EINVAL;
                }
        }
        return 0;
}

static bool touches_group(json_t *changes, const char *prefix) {
        const char *key;
        json_t *v;
        json_object_foreach(changes, key, v)
                if (strncmp(key, prefix, strlen(prefix)) == 0)
                        return true;
        return false;
}

static void merge_into(json_t *target, json_t *changes) {
        const char *key;
        json_t *v;
        json_object_foreach(changes, key, v)
                json_object_set(target, key, v);
}

int config_update(struct store *s, json_t *changes, const char *actor, json_t **ret_applied, json_t **ret_staged,
                  struct validation_error *ret_error) {
        int r = check_changes(changes, ret_error);
        if (r < 0)
                return r;

        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0)
                return r;
        _cleanup_json_ json_t *current = NULL, *pending = NULL;
        if ((r = config_load(s, &current)) < 0 || (r = pending_load(s, &pending)) < 0)
                return r;

        /* What is live after this call, and what an apply would make live:
         * both must be consistent as a whole. */
        _cleanup_json_ json_t *live = json_deep_copy(current), *future = json_deep_copy(current);
        _cleanup_json_ json_t *applied = json_array(), *staged = json_array();
        if (!live || !future || !applied || !staged)
                return -ENOMEM;
        merge_into(future, pending);
        const char *key;
        json_t *v;
        json_object_foreach(changes, key, v) {
                json_object_set(future, key, v);
                if (!config_field_find(key)->staged)
                        json_object_set(live, key, v);
        }
        if ((r = config_check(live, &ret_error->field, &ret_error->message)) < 0 ||
            (r = config_check(future, &ret_error->field, &ret_error->message)) < 0)
                return r;
        /* DHCP against the machine's interfaces, when this change touches
         * it: an interface that vanished later must not block the rest. */
        if (touches_group(changes, "dhcp.") &&
            (r = config_check_machine(live, &ret_error->field, ret_error->text, sizeof ret_error->text)) < 0) {
                ret_error->message = ret_error->text;
                return r;
        }

        json_object_foreach(changes, key, v) {
                if (!config_field_find(key)->staged) {
                        if (!json_equal(json_object_get(current, key), v))
                                json_array_append_new(applied, json_string(key));
                        r = config_set(&t, key, v);
                } else if (json_equal(json_object_get(current, key), v)) {
                        /* Back to the live value: nothing left to stage. */
                        if (json_object_get(pending, key)) {
                                sqlite3_stmt *stmt;
                                r = store_prepare(s, "DELETE FROM pending_config WHERE key = ?", &stmt);
                                if (r == 0) {
                                        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
                                        r = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -EIO;
                                        sqlite3_reset(stmt);
                                }
                                if (r == 0)
                                        r = txn_record(&t, "pending", key, json_incref(json_object_get(pending, key)), NULL);
                        }
                } else {
                        json_array_append_new(staged, json_string(key));
                        r = pending_set(&t, key, v);
                }
                if (r < 0)
                        return r;
        }

        _cleanup_free_ char *summary = NULL;
        if (json_array_size(applied) && json_array_size(staged))
                summary = strdup("config changed, and changes staged");
        else if (json_array_size(staged))
                summary = summary_with_keys("config staged", staged);
        else
                summary = summary_with_keys("config changed", applied);
        if (!summary)
                return -ENOMEM;
        if (json_array_size(t.changes) == 0) {
                /* Nothing differs: no revision for a no-op. */
                txn_abort(&t);
        } else if ((r = txn_commit(&t, actor, summary, NULL)) < 0) {
                return r;
        }
        *ret_applied = TAKE_PTR(applied);
        *ret_staged = TAKE_PTR(staged);
        return 0;
}

int config_apply_staged(struct store *s, const char *actor, int timeout_s, int64_t now, struct confirm_window *ret,
                        struct validation_error *ret_error) {
        _cleanup_txn_ struct txn t = {0};
        int r = txn_begin(s, &t);
        if (r < 0)
                return r;
        struct confirm_window w;
        if (confirm_window_get(s, &w) == 0)
                return -EBUSY;

        _cleanup_json_ json_t *current = NULL, *pending = NULL;
        if ((r = config_load(s, &current)) < 0 || (r = pending_load(s, &pending)) < 0)
                return r;
        if (json_object_size(pending) == 0)
                return -ENODATA;
        merge_into(current, pending);
        if ((r = config_check(current, &ret_error->field, &ret_error->message)) < 0)
                return r;

        _cleanup_json_ json_t *keys = json_array();
        if (!keys)
                return -ENOMEM;
        const char *key;
        json_t *v;
        json_object_foreach(pending, key, v) {
                json_array_append_new(keys, json_string(key));
                if ((r = config_set(&t, key, v)) < 0)
                        return r;
        }
        if ((r = pending_clear(&t)) < 0)
                return r;

        /* Revision numbers only grow (AUTOINCREMENT, never deleted), and
         * BEGIN IMMEDIATE holds the write lock: this one will be latest + 1. */
        int64_t previous = store_latest_revision(s);
        w = (struct confirm_window){.revision = previous + 1, .previous_revision = previous, .deadline = now + timeout_s};
        if ((r = confirm_window_set(&t, &w)) < 0)
                return r;

        _cleanup_free_ char *summary = summary_with_keys("apply staged changes", keys);
        if (!summary)
                return -ENOMEM;
        int64_t number;
        if ((r = txn_commit(&t, actor, summary, &number)) < 0)
                return r;
        if (number != w.revision)
                return -EIO; /* cannot happen while the invariant above holds */
        *ret = w;
        return 0;
}

int config_confirm(struct store *s, int64_t *ret_revision) {
        /* Confirming changes no configuration, so it appends no revision;
         * the open window is runtime state of the apply it belongs to. */
        struct confirm_window w;
        int r = confirm_window_get(s, &w);
        if (r < 0)
                return r;
        r = store_exec(s, "DELETE FROM confirm_window");
        if (r < 0)
                return r;
        *ret_revision = w.revision;
        return 0;
}

int config_discard_staged(struct store *s, const char *actor) {
        _cleanup_txn_ struct txn t = {0};
        int r = txn_begin(s, &t);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *pending = NULL;
        if ((r = pending_load(s, &pending)) < 0)
                return r;
        if (json_object_size(pending) == 0)
                return -ENODATA;
        if ((r = pending_clear(&t)) < 0)
                return r;
        return txn_commit(&t, actor, "staged changes discarded", NULL);
}

static int rollback_in_txn(struct txn *t, int64_t number) {
        _cleanup_json_ json_t *target = NULL;
        int r = revisions_config_at(t->store, number, &target);
        if (r < 0)
                return r;
        const char *key;
        json_t *v;
        json_object_foreach(target, key, v)
                if ((r = config_set(t, key, v)) < 0)
                        return r;
        /* The zone's records and the DHCP reservations are the cell's
         * configuration too; accounts and tokens are not. */
        _cleanup_json_ json_t *records = NULL, *reservations = NULL;
        if ((r = revisions_entity_at(t->store, number, "dns_record", &records)) < 0 ||
            (r = dns_records_restore(t, records)) < 0 ||
            (r = revisions_entity_at(t->store, number, "dhcp_reservation", &reservations)) < 0 ||
            (r = dhcp_reservations_restore(t, reservations)) < 0)
                return r;
        return confirm_window_clear(t);
}

int config_rollback(struct store *s, int64_t number, const char *actor, const char *summary, int64_t *ret_revision) {
        _cleanup_txn_ struct txn t = {0};
        int r = txn_begin(s, &t);
        if (r < 0)
                return r;
        if ((r = rollback_in_txn(&t, number)) < 0)
                return r;
        return txn_commit(&t, actor, summary, ret_revision);
}

int config_expire_confirm_window(struct store *s, int64_t now, int64_t *ret_revision) {
        struct confirm_window w;
        int r = confirm_window_get(s, &w);
        if (r == -ENOENT || (r == 0 && w.deadline > now))
                return 0;
        if (r < 0)
                return r;
        char summary[128];
        snprintf(summary, sizeof summary, "automatic rollback: apply of revision %lld was not confirmed",
                 (long long)w.revision);
        r = config_rollback(s, w.previous_revision, "system", summary, ret_revision);
        return r < 0 ? r : 1;
}
