/* GET /health: is picd up, and is each service ready. */
#include "api/api.h"
#include "api/handlers.h"
#include "common/timeutil.h"

int health_get(struct request *req, struct response *resp) {
        uint64_t up = (now_monotonic_usec() - req->ctx->started_usec) / 1000000u;
        json_t *services = json_object();
        bool all_ready = true;
        struct supervisor *sup = req->ctx->runtime ? runtime_supervisor(req->ctx->runtime) : NULL;
        for (unsigned i = 0; sup && services && i < supervisor_count(sup); i++) {
                struct supervised *svc = supervisor_get(sup, i);
                json_object_set_new(services, supervised_name(svc), json_string(supervised_state_name(svc)));
                /* A service turned off in the config is as it should be. */
                bool fine = supervised_state(svc) == SERVICE_READY ||
                            (supervised_disabled(svc) && supervised_state(svc) == SERVICE_DOWN);
                if (!fine)
                        all_ready = false;
        }
        return api_reply(resp, 200,
                         json_pack("{s:s, s:s, s:I, s:o}", "status", all_ready ? "ok" : "degraded", "version", PIC_VERSION,
                                   "uptime_s", (json_int_t)up, "services", services));
}
