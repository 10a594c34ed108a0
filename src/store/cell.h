/* Creating a cell: the directory layout, a fresh store with the identity,
 * and the first admin. Used by `pic init` (and `make setup`). */
#pragma once

struct cell_init_options {
        const char *dir;             /* required; created if missing */
        const char *name;            /* required: [a-z0-9-]{1,32} */
        const char *domain;          /* NULL: "cell" */
        const char *vpn_address;     /* NULL: "10.0.0.1/24" */
        const char *ip_range;        /* NULL: "172.20.0.0/24" */
        const char *profile;         /* NULL: "dev"; or "system" */
        const char *public_endpoint; /* NULL: "" */
        const char *admin_password;  /* NULL: generate one */
};

/* Creates DIR/cell.db, DIR/secrets (0700), DIR/run, DIR/log.
 * Returns 0, -EEXIST when DIR already holds a cell (nothing is touched),
 * -EINVAL when an option is invalid (*ret_field names the option, e.g.
 * "vpn_address", *ret_message says why; both static strings), or another
 * -errno. On success *ret_password is the generated admin password (the
 * caller prints it once and frees it), or NULL when one was given. */
int cell_init(const struct cell_init_options *o, const char **ret_field, const char **ret_message,
              char **ret_password);

/* The path of the store inside a cell directory; caller frees. */
char *cell_db_path(const char *dir);
