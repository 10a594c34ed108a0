/* Creating a cell directory and its store; see cell.h. */
#include "cell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/wgkey.h"
#include "common/secret.h"
#include "common/validate.h"
#include "store/config.h"
#include "store/store.h"
#include "store/users.h"

#define GENERATED_PASSWORD_LEN 20

char *cell_db_path(const char *dir) {
        char *path;
        return asprintf(&path, "%s/cell.db", dir) < 0 ? NULL : path;
}

static int make_dir(const char *dir, const char *sub, mode_t mode) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, sub) < 0)
                return -ENOMEM;
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        if (chmod(path, mode) < 0)
                return -errno;
        return 0;
}

/* Applies the caller's options over the profile defaults, checking each. */
static int build_config(const struct cell_init_options *o, json_t **ret, const char **ret_field,
                        const char **ret_message) {
        const char *profile = o->profile ? o->profile : "dev";
        json_t *flat;
        if (config_defaults(profile, &flat) < 0) {
                *ret_field = "profile";
                *ret_message = "must be 'dev' or 'system'";
                return -EINVAL;
        }
        const struct {
                const char *key;
                const char *value;
        } given[] = {
                {"cell_name", o->name},           {"domain", o->domain},
                {"vpn_address", o->vpn_address},  {"ip_range", o->ip_range},
                {"public_endpoint", o->public_endpoint},
        };
        for (unsigned i = 0; i < ELEMENTSOF(given); i++)
                if (given[i].value)
                        json_object_set_new(flat, given[i].key, json_string(given[i].value));
        int r = config_check(flat, ret_field, ret_message);
        if (r < 0) {
                json_decref(flat);
                return r;
        }
        *ret = flat;
        return 0;
}

/* The store with the identity and the first admin, in one revision. */
static int create_store(const char *db, json_t *flat, const char *admin_hash) {
        _cleanup_store_ struct store *s = NULL;
        int r = store_create(db, &s);
        if (r < 0)
                return r;
        chmod(db, 0600);

        _cleanup_txn_ struct txn t = {0};
        if ((r = txn_begin(s, &t)) < 0)
                return r;
        const char *key;
        json_t *v;
        json_object_foreach(flat, key, v)
                if ((r = config_set(&t, key, v)) < 0)
                        return r;
        if ((r = users_create(&t, "admin", "admin", admin_hash)) < 0)
                return r;
        return txn_commit(&t, "pic init", "cell created", NULL);
}

static int prepare_dirs(const char *dir) {
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        int r;
        if ((r = make_dir(dir, "secrets", 0700)) < 0 || (r = make_dir(dir, "run", 0755)) < 0 ||
            (r = make_dir(dir, "log", 0755)) < 0)
                return r;
        return 0;
}

static int cell_init_checked(const struct cell_init_options *o, json_t *flat, char **ret_password) {
        _cleanup_free_ char *db = cell_db_path(o->dir);
        if (!db)
                return -ENOMEM;
        if (access(db, F_OK) == 0)
                return -EEXIST;
        int r = prepare_dirs(o->dir);
        if (r < 0)
                return r;
        if (secret_init() < 0)
                return -EIO;

        _cleanup_free_ char *password = NULL;
        if (o->admin_password) {
                password = strdup(o->admin_password);
        } else {
                password = malloc(GENERATED_PASSWORD_LEN + 1);
                if (password)
                        secret_random_text(password, GENERATED_PASSWORD_LEN);
        }
        if (!password)
                return -ENOMEM;
        char hash[SECRET_PASSWORD_HASH_MAX];
        if ((r = secret_hash_password(password, hash)) < 0)
                return r;
        if ((r = create_store(db, flat, hash)) < 0)
                return r;
        /* The VPN's key pair belongs to the cell from its creation; picd
         * makes one at start for a cell made before it was here. */
        _cleanup_free_ char *wg_key = NULL;
        if (asprintf(&wg_key, "%s/secrets/wireguard.key", o->dir) < 0)
                return -ENOMEM;
        if ((r = wgkey_file_ensure(wg_key)) < 0)
                return r;
        *ret_password = o->admin_password ? NULL : TAKE_PTR(password);
        return 0;
}

int cell_init(const struct cell_init_options *o, const char **ret_field, const char **ret_message,
              char **ret_password) {
        if (!o->dir || !*o->dir) {
                *ret_field = "dir";
                *ret_message = "is required";
                return -EINVAL;
        }
        if (!o->name || !valid_name(o->name)) {
                *ret_field = "name";
                *ret_message = "must be 1-32 of a-z, 0-9 and '-', not starting or ending with '-'";
                return -EINVAL;
        }
        if (o->admin_password && !valid_text(o->admin_password, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN)) {
                *ret_field = "admin_password";
                *ret_message = "must be 8-256 characters without control characters";
                return -EINVAL;
        }
        json_t *flat;
        int r = build_config(o, &flat, ret_field, ret_message);
        if (r < 0)
                return r;
        r = cell_init_checked(o, flat, ret_password);
        json_decref(flat);
        return r;
}
