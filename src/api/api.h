/* The API server: libmicrohttpd on two unix sockets, driven by picd's
 * sd-event loop (MHD's epoll fd is one more io source; no extra threads).
 *   run/api.sock      for the reverse proxy: every route but /health and
 *                     login needs a session or a token.
 *   run/control.sock  mode 0600: a peer whose SO_PEERCRED uid is 0 acts as
 *                     admin (the `pic` CLI). */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "api/logstream.h"
#include "api/ratelimit.h"
#include "apply/runtime.h"
#include "api/token_cache.h"
#include "store/store.h"

struct api_context {
        struct store *store;
        uint64_t started_usec; /* monotonic */
        struct ratelimit *login_by_source;
        struct ratelimit *login_by_user;
        struct token_cache token_cache;
        /* GET /api/config as served, valid while the store's generation
         * is config_generation - 1 (0: nothing cached). */
        char *config_text;
        uint64_t config_generation;
        /* Called after an apply, confirm or rollback changed the confirm
         * window, so the owner can re-arm its timer. */
        void (*confirm_window_changed)(struct api_context *ctx);
        /* Called after a request committed a revision (any store change):
         * picd reconciles the daemons with the store. */
        void (*on_commit)(struct api_context *ctx);
        struct runtime *runtime;          /* the supervised services; may be NULL in tests */
        struct logstream_hub *logstreams;
        void *userdata;
};

struct api_server;

/* -EADDRINUSE when a live server already answers on one of the sockets. */
int api_server_start(struct api_context *ctx, sd_event *event, const char *run_dir, struct api_server **ret);
struct api_server *api_server_stop(struct api_server *server);

/* Prints the route table as JSON lines (picd --list-routes). */
void api_print_routes(void);
