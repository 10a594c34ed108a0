/* Route handlers, one file per resource, and the body policies they
 * declare. The route table in routes.c ties them to paths. */
#pragma once

#include "api/body.h"
#include "api/request.h"

/* health.c */
int health_get(struct request *req, struct response *resp);

/* session.c */
extern const struct body_policy login_body;
int session_login(struct request *req, struct response *resp);
int session_logout(struct request *req, struct response *resp);
int session_me(struct request *req, struct response *resp);

/* tokens.c */
extern const struct body_policy token_create_body;
int tokens_list_handler(struct request *req, struct response *resp);
int tokens_create_handler(struct request *req, struct response *resp);
int tokens_delete_handler(struct request *req, struct response *resp);

/* users.c */
extern const struct body_policy user_create_body;
extern const struct body_policy user_update_body;
int users_list_handler(struct request *req, struct response *resp);
int users_create_handler(struct request *req, struct response *resp);
int users_get_handler(struct request *req, struct response *resp);
int users_update_handler(struct request *req, struct response *resp);
int users_delete_handler(struct request *req, struct response *resp);

/* config.c */
extern const struct body_policy config_put_body;
extern const struct body_policy config_apply_body;
int config_get_handler(struct request *req, struct response *resp);
int config_put_handler(struct request *req, struct response *resp);
int config_pending_handler(struct request *req, struct response *resp);
int config_discard_handler(struct request *req, struct response *resp);
int config_apply_handler(struct request *req, struct response *resp);
int config_confirm_handler(struct request *req, struct response *resp);

/* dns.c */
extern const struct body_policy dns_record_body;
int dns_records_list_handler(struct request *req, struct response *resp);
int dns_records_create_handler(struct request *req, struct response *resp);
int dns_records_get_handler(struct request *req, struct response *resp);
int dns_records_update_handler(struct request *req, struct response *resp);
int dns_records_delete_handler(struct request *req, struct response *resp);

/* dhcp.c */
extern const struct body_policy dhcp_reservation_create_body;
extern const struct body_policy dhcp_reservation_update_body;
int dhcp_interfaces_handler(struct request *req, struct response *resp);
int dhcp_reservations_list_handler(struct request *req, struct response *resp);
int dhcp_reservations_create_handler(struct request *req, struct response *resp);
int dhcp_reservations_update_handler(struct request *req, struct response *resp);
int dhcp_reservations_delete_handler(struct request *req, struct response *resp);
int dhcp_leases_handler(struct request *req, struct response *resp);

/* peers.c */
extern const struct body_policy peer_create_body;
extern const struct body_policy peer_update_body;
int peers_list_handler(struct request *req, struct response *resp);
int peers_create_handler(struct request *req, struct response *resp);
int peers_get_handler(struct request *req, struct response *resp);
int peers_update_handler(struct request *req, struct response *resp);
int peers_delete_handler(struct request *req, struct response *resp);
int peers_config_handler(struct request *req, struct response *resp);

/* wireguard.c */
int wireguard_status_handler(struct request *req, struct response *resp);

/* ntp.c */
int ntp_status_handler(struct request *req, struct response *resp);

/* services.c */
int services_status_handler(struct request *req, struct response *resp);
int containers_list_handler(struct request *req, struct response *resp);
int containers_restart_handler(struct request *req, struct response *resp);
int services_logs_handler(struct request *req, struct response *resp);
int services_logs_stream_handler(struct request *req, struct response *resp);
int apply_status_handler(struct request *req, struct response *resp);

/* revisions.c */
int revisions_list_handler(struct request *req, struct response *resp);
int revisions_get_handler(struct request *req, struct response *resp);
int revisions_rollback_handler(struct request *req, struct response *resp);
