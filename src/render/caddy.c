/* Caddy's JSON config: the admin API on a unix socket, the web UI (static
 * files with an SPA fallback) and the reverse proxy to picd's API socket.
 * Built as a jansson tree and dumped with sorted keys, so the same state
 * always gives the same bytes. */
#include "render/render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/validate.h"

#define PATH_MAX_LEN 4096

/* The CSP of the UI's responses: everything from the cell itself; inline
 * styles are allowed for the style attributes React components set, scripts
 * stay 'self'. */
#define UI_CSP                                                                                                     \
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "         \
        "frame-ancestors 'none'"

/* An absolute path that JSON can carry and that Caddy will not rewrite.
 * Caddy runs file_server roots, file matcher roots and upstream dial
 * addresses through its placeholder replacer, so a '{' or '}' in a path
 * would be expanded rather than taken literally: refuse it. */
static bool path_ok(const char *p) {
        return p && p[0] == '/' && valid_text(p, 1, PATH_MAX_LEN) && !strpbrk(p, "{}");
}

/* An IP literal or "" for all interfaces; nothing else reaches "listen". */
static bool listen_address_ok(const char *a) {
        unsigned char addr[sizeof(struct in6_addr)];
        return a && (!a[0] || inet_pton(AF_INET, a, addr) == 1 || inet_pton(AF_INET6, a, addr) == 1);
}

/* "127.0.0.1:8081", "[::1]:8081", or ":443" for all interfaces. */
static json_t *listen_list(const char *address, uint16_t port) {
        char s[INET6_ADDRSTRLEN + 16];
        if (!address[0])
                snprintf(s, sizeof s, ":%u", (unsigned)port);
        else if (strchr(address, ':'))
                snprintf(s, sizeof s, "[%s]:%u", address, (unsigned)port);
        else
                snprintf(s, sizeof s, "%s:%u", address, (unsigned)port);
        return json_pack("[s]", s);
}

/* reverse_proxy to picd. No trusted_proxies: Caddy 2.6 then replaces any
 * X-Forwarded-For / -Proto / -Host a client sent with what it saw itself,
 * so picd's per-source limits see the real peer. Forwarded and X-Real-IP
 * it would pass through untouched, so they are dropped: nothing behind the
 * proxy can be misled by a client-chosen address. */
static json_t *proxy_handler(const char *api_socket) {
        char dial[PATH_MAX_LEN + 8];
        snprintf(dial, sizeof dial, "unix/%s", api_socket);
        return json_pack("{s:s, s:{s:{s:[s, s]}}, s:[{s:s}]}", "handler", "reverse_proxy", "headers", "request",
                         "delete", "Forwarded", "X-Real-IP", "upstreams", "dial", dial);
}

static json_t *security_headers(void) {
        return json_pack("{s:s, s:{s:{s:[s], s:[s], s:[s], s:[s]}}}", "handler", "headers", "response", "set",
                         "Content-Security-Policy", UI_CSP, "Referrer-Policy", "no-referrer",
                         "X-Content-Type-Options", "nosniff", "X-Frame-Options", "DENY");
}

/* The routes of the UI server: API paths to picd (terminal, so the UI's
 * headers and files never apply to them), then the web UI. The UI part is
 * what `caddy adapt` makes of `try_files {path} /index.html` + `file_server`:
 * a "file" matcher that rewrites to the first candidate that exists, so an
 * unknown path (a client-side route) gets index.html. */
static json_t *ui_routes(const struct cell_state *st) {
        return json_pack("[{s:[{s:[s, s]}], s:[o], s:b}, {s:[o]}, {s:[{s:{s:s, s:[s, s]}}], s:[{s:s, s:s}]}, "
                         "{s:[{s:s, s:s}]}]",
                         /* 1: the API */
                         "match", "path", "/api/*", "/health", "handle", proxy_handler(st->api_socket), "terminal",
                         1,
                         /* 2: headers on every UI response */
                         "handle", security_headers(),
                         /* 3: SPA fallback */
                         "match", "file", "root", st->webui_dist, "try_files", "{http.request.uri.path}",
                         "/index.html", "handle", "handler", "rewrite", "uri", "{http.matchers.file.relative}",
                         /* 4: the files */
                         "handle", "handler", "file_server", "root", st->webui_dist);
}

static json_t *api_routes(const struct cell_state *st) {
        return json_pack("[{s:[o]}]", "handle", proxy_handler(st->api_socket));
}

/* Plain HTTP on every listener for now: certificates will come from the
 * cell's own CA, and ACME (or an HTTP->HTTPS redirect) must never start. */
static json_t *server(json_t *listen, json_t *routes) {
        return json_pack("{s:o, s:o, s:{s:b}}", "listen", listen, "routes", routes, "automatic_https", "disable", 1);
}

static int check_state(const struct cell_state *st) {
        if (!st || !listen_address_ok(st->listen_address) || st->port_ui == 0 || st->port_api == 0)
                return -EINVAL;
        if (!path_ok(st->api_socket) || !path_ok(st->caddy_admin_socket) || !path_ok(st->webui_dist) ||
            !path_ok(st->caddy_data_dir))
                return -EINVAL;
        return 0;
}

int render_caddy(const struct cell_state *st, struct buf *out) {
        int r = check_state(st);
        if (r < 0)
                return r;

        /* The UI server also carries the API routes, so with one shared port
         * (the system profile: both on 443) it is the only server. */
        _cleanup_json_ json_t *servers =
                json_pack("{s:o}", "ui", server(listen_list(st->listen_address, st->port_ui), ui_routes(st)));
        if (!servers)
                return -ENOMEM;
        if (st->port_api != st->port_ui) {
                json_t *api = server(listen_list(st->listen_address, st->port_api), api_routes(st));
                if (!api || json_object_set_new(servers, "api", api) < 0)
                        return -ENOMEM;
        }

        char admin_listen[PATH_MAX_LEN + 8];
        snprintf(admin_listen, sizeof admin_listen, "unix/%s", st->caddy_admin_socket);

        /* admin.origins: on a unix socket Caddy 2.6 otherwise accepts only an
         * empty Host; picd sends "Host: pic". persist=false keeps Caddy from
         * writing autosave.json: the rendered file is the only truth.
         * grace_period: a stop or a reload waits at most this long for open
         * requests; a live log stream never ends by itself, and without a
         * limit Caddy would hold a restart until picd's SIGKILL. */
        _cleanup_json_ json_t *root = json_pack(
                "{s:{s:s, s:[s], s:{s:b}}, s:{s:s, s:s}, s:{s:{s:{s:{s:s}, s:{s:s}}}}, s:{s:{s:O, s:s}}}",
                "admin", "listen", admin_listen, "origins", "pic", "config", "persist", 0,
                "storage", "module", "file_system", "root", st->caddy_data_dir,
                "logging", "logs", "default", "writer", "output", "stderr", "encoder", "format", "json",
                "apps", "http", "servers", servers, "grace_period", "1s");
        if (!root)
                return -ENOMEM;

        _cleanup_free_ char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return -ENOMEM;
        return buf_printf(out, "%s\n", text);
}
