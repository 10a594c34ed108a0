/* The route table: every path the API serves, who may call it, and the
 * body it takes. openapi.yaml must describe each line (a test checks). */
#include <stdio.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/route.h"
#include "common/cleanup.h"

const struct route api_routes[] = {
        {"GET", "/health", health_get, ROLE_NONE, NULL, false},

        {"POST", "/api/auth/login", session_login, ROLE_NONE, &login_body, false},
        {"POST", "/api/auth/logout", session_logout, ROLE_USER, NULL, false},
        {"GET", "/api/auth/me", session_me, ROLE_USER, NULL, false},

        {"GET", "/api/auth/tokens", tokens_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/auth/tokens", tokens_create_handler, ROLE_USER, &token_create_body, false},
        {"DELETE", "/api/auth/tokens/{id}", tokens_delete_handler, ROLE_USER, NULL, false},

        {"GET", "/api/users", users_list_handler, ROLE_ADMIN, NULL, false},
        {"POST", "/api/users", users_create_handler, ROLE_ADMIN, &user_create_body, false},
        {"GET", "/api/users/{username}", users_get_handler, ROLE_ADMIN, NULL, false},
        {"PUT", "/api/users/{username}", users_update_handler, ROLE_USER, &user_update_body, false},
        {"DELETE", "/api/users/{username}", users_delete_handler, ROLE_ADMIN, NULL, false},

        {"GET", "/api/config", config_get_handler, ROLE_USER, NULL, false},
        {"PUT", "/api/config", config_put_handler, ROLE_ADMIN, &config_put_body, false},
        {"GET", "/api/config/pending", config_pending_handler, ROLE_ADMIN, NULL, false},
        {"DELETE", "/api/config/pending", config_discard_handler, ROLE_ADMIN, NULL, false},
        {"POST", "/api/config/apply", config_apply_handler, ROLE_ADMIN, &config_apply_body, true},
        {"POST", "/api/config/confirm", config_confirm_handler, ROLE_ADMIN, NULL, false},

        {"GET", "/api/dns/records", dns_records_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/dns/records", dns_records_create_handler, ROLE_ADMIN, &dns_record_body, false},
        {"GET", "/api/dns/records/{id}", dns_records_get_handler, ROLE_USER, NULL, false},
        {"PUT", "/api/dns/records/{id}", dns_records_update_handler, ROLE_ADMIN, &dns_record_body, false},
        {"DELETE", "/api/dns/records/{id}", dns_records_delete_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/dhcp/interfaces", dhcp_interfaces_handler, ROLE_USER, NULL, false},
        {"GET", "/api/dhcp/reservations", dhcp_reservations_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/dhcp/reservations", dhcp_reservations_create_handler, ROLE_ADMIN, &dhcp_reservation_create_body, false},
        {"PUT", "/api/dhcp/reservations/{mac}", dhcp_reservations_update_handler, ROLE_ADMIN, &dhcp_reservation_update_body, false},
        {"DELETE", "/api/dhcp/reservations/{mac}", dhcp_reservations_delete_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/dhcp/leases", dhcp_leases_handler, ROLE_USER, NULL, false},
        {"GET", "/api/ntp/status", ntp_status_handler, ROLE_USER, NULL, false},
        {"GET", "/api/peers", peers_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/peers", peers_create_handler, ROLE_ADMIN, &peer_create_body, false},
        {"GET", "/api/peers/{name}", peers_get_handler, ROLE_USER, NULL, false},
        {"PUT", "/api/peers/{name}", peers_update_handler, ROLE_ADMIN, &peer_update_body, false},
        {"DELETE", "/api/peers/{name}", peers_delete_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/peers/{name}/config", peers_config_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/wireguard/status", wireguard_status_handler, ROLE_USER, NULL, false},
        /* The seed's paths for the same list and create. */
        {"GET", "/api/wireguard/peers", peers_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/wireguard/peers", peers_create_handler, ROLE_ADMIN, &peer_create_body, false},

        {"GET", "/api/services/status", services_status_handler, ROLE_USER, NULL, false},
        {"GET", "/api/services/{name}/logs", services_logs_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/services/{name}/logs/stream", services_logs_stream_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/containers", containers_list_handler, ROLE_USER, NULL, false},
        {"POST", "/api/containers/{name}/restart", containers_restart_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/apply/status", apply_status_handler, ROLE_ADMIN, NULL, false},

        {"GET", "/api/revisions", revisions_list_handler, ROLE_ADMIN, NULL, false},
        {"GET", "/api/revisions/{n}", revisions_get_handler, ROLE_ADMIN, NULL, false},
        {"POST", "/api/revisions/{n}/rollback", revisions_rollback_handler, ROLE_ADMIN, NULL, false},
};
const unsigned api_routes_count = ELEMENTSOF(api_routes);

void api_print_routes(void) {
        for (unsigned i = 0; i < api_routes_count; i++)
                printf("{\"method\": \"%s\", \"path\": \"%s\", \"role\": \"%s\"}\n", api_routes[i].method,
                       api_routes[i].pattern, role_to_string(api_routes[i].role));
}
