/* Every daemon picd manages, in start order (dependencies first);
 * shutdown runs in reverse. */
#include "common/cleanup.h"
#include "services/service.h"

extern const struct service_adapter caddy_adapter;
extern const struct service_adapter unbound_adapter;
extern const struct service_adapter chrony_adapter;
extern const struct service_adapter dnsmasq_adapter;
extern const struct service_adapter wireguard_adapter;

/* Caddy first: the front door (and the UI to see what else is wrong) should
 * not wait for a daemon that cannot start. */
const struct service_adapter *const service_registry[] = {
        &caddy_adapter,
        &unbound_adapter,
        &chrony_adapter,
        &dnsmasq_adapter, /* after DNS and time, which it hands out */
        &wireguard_adapter,
};
const unsigned service_registry_count = ELEMENTSOF(service_registry);
