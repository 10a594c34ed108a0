/* Who is asking, and may they: peer credentials on control.sock, Bearer
 * tokens, session cookies; roles, token scopes and the CSRF header.
 * Checking a session or a token never hashes a password: both are looked
 * up by a BLAKE2b digest. */
#pragma once

#include "api/request.h"
#include "api/route.h"

#define SESSION_COOKIE "pic_session"

/* Identifies the caller into req->who (AUTH_NONE when no credentials came).
 * Returns 0, or -EACCES when credentials came but are not valid. */
int auth_identify(struct request *req);
/* Decides whether req->who may call the route. Returns 0 when allowed,
 * else fills resp (401/403) and returns 1. */
int auth_authorize(const struct route *route, struct request *req, struct response *resp);
