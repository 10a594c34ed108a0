/* Renderers: pure functions from a snapshot of the cell's state to the text
 * of one daemon's config file. No I/O, no clock, no randomness: the same
 * state gives the same bytes, so the reconciler can compare with disk and a
 * golden test can pin the output. Every value that reaches a renderer has
 * been validated by the store's grammars; renderers still escape for their
 * output format (JSON strings through jansson, never by hand). */
#pragma once

#include <stdint.h>

#include "common/buf.h"

/* What the renderers read: filled by apply/ from a store snapshot plus the
 * cell's paths. Strings are borrowed. */
struct cell_state {
        const char *cell_name;
        const char *domain;
        const char *profile;          /* "dev" or "system" */
        const char *public_endpoint;  /* may be "" */
        const char *listen_address;   /* "127.0.0.1" in dev, "" (all) in system */
        uint16_t port_ui;
        uint16_t port_api;
        /* Paths, absolute. */
        const char *api_socket;       /* DIR/run/api.sock: picd's API for the proxy */
        const char *caddy_admin_socket; /* DIR/run/caddy/admin.sock */
        const char *webui_dist;       /* the built web UI (index.html inside) */
        const char *caddy_data_dir;   /* DIR/data/caddy: Caddy's own storage */
};

/* Caddy's JSON config (caddy run --config FILE, and POST /load). */
int render_caddy(const struct cell_state *st, struct buf *out);
