/* GET /health: is picd up. Services join this answer in the next issue. */
#include "api/api.h"
#include "api/handlers.h"
#include "common/timeutil.h"

int health_get(struct request *req, struct response *resp) {
        uint64_t up = (now_monotonic_usec() - req->ctx->started_usec) / 1000000u;
        return api_reply(resp, 200,
                         json_pack("{s:s, s:s, s:I}", "status", "ok", "version", PIC_VERSION, "uptime_s", (json_int_t)up));
}
