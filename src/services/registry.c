/* Every daemon picd manages, in start order (dependencies first);
 * shutdown runs in reverse. */
#include "common/cleanup.h"
#include "services/service.h"

extern const struct service_adapter caddy_adapter;

const struct service_adapter *const service_registry[] = {
        &caddy_adapter,
};
const unsigned service_registry_count = ELEMENTSOF(service_registry);
