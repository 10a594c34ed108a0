/* GET /api/ntp/status: chrony's state, read with chronyc over its unix
 * socket (-c: CSV, -n: addresses, never a DNS lookup).
 * Shortcut, named: chronyc runs as a child and picd waits for it (three
 * runs, a few milliseconds each on the local socket, at most
 * CHRONYC_TIMEOUT_MS each) instead of speaking chrony's command protocol
 * itself; the answer is cached for a second so that pollers cannot make
 * picd spend its time there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "apply/runtime.h"
#include "common/cleanup.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "common/timeutil.h"
#include "services/chrony_status.h"

#define CHRONYC_BINARY "/usr/bin/chronyc"
#define CHRONYC_TIMEOUT_MS 2000
#define STATUS_CACHE_USEC (1000ULL * 1000)

/* The output of `chronyc -c -n -h SOCKET <command>`, or NULL. */
static char *chronyc(const char *socket, const char *command) {
        char *argv[] = {CHRONYC_BINARY, "-c", "-n", "-h", (char *)socket, (char *)command, NULL};
        struct exec_result res;
        if (exec_run(argv, NULL, CHRONYC_TIMEOUT_MS, &res) < 0)
                return NULL;
        char *out = res.exit_code == 0 && !res.timed_out ? TAKE_PTR(res.output) : NULL;
        exec_result_release(&res);
        return out;
}

static json_t *not_running(void) {
        return json_pack("{s:b, s:b, s:i, s:s, s:f, s:s, s:[], s:[]}", "running", 0, "synchronised", 0, "stratum", 0,
                         "reference", "", "offset_s", 0.0, "leap", "not_synchronised", "sources", "clients");
}

static json_t *read_status(const char *socket) {
        _cleanup_free_ char *tracking = chronyc(socket, "tracking");
        _cleanup_json_ json_t *status = not_running();
        if (!tracking || !status || chrony_parse_tracking(tracking, status) < 0)
                return TAKE_PTR(status);
        _cleanup_free_ char *sources = chronyc(socket, "sources"), *clients = chronyc(socket, "clients");
        json_t *s = sources ? chrony_parse_sources(sources) : json_array();
        json_t *c = clients ? chrony_parse_clients(clients) : json_array();
        if (s)
                json_object_set_new(status, "sources", s);
        if (c)
                json_object_set_new(status, "clients", c);
        return TAKE_PTR(status);
}

int ntp_status_handler(struct request *req, struct response *resp) {
        static json_t *cached;
        static uint64_t cached_at;
        const struct cell_state *st = req->ctx->runtime ? runtime_state(req->ctx->runtime) : NULL;
        uint64_t now = now_monotonic_usec();
        if (!cached || now - cached_at >= STATUS_CACHE_USEC) {
                json_t *fresh = st && st->chrony_socket ? read_status(st->chrony_socket) : not_running();
                if (!fresh)
                        return api_error_errno(resp, -ENOMEM, "ntp status");
                json_decref(cached);
                cached = fresh;
                cached_at = now;
        }
        return api_reply(resp, 200, json_incref(cached));
}
