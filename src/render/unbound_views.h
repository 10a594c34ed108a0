/* The VPN's part of unbound.conf: the views of its addresses. Internal to
 * src/render (unbound.c writes the file, unbound_views.c these parts). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/cidr.h"
#include "render/render.h"
#include "render/text.h"

/* One view: an address of the VPN subnet, and the services its peer may
 * not use (bit k: the k-th service name in sorted order). */
struct unbound_view_slot {
        uint32_t addr;
        uint64_t denied;
};

/* What the views of a state are. With the VPN off, n is 0. */
struct unbound_view_plan {
        struct cidr4 vpn;                 /* the cell's address and prefix */
        struct unbound_view_slot *slots;  /* sorted by address */
        size_t n;
        const char **services;            /* the service names, sorted, each once */
        unsigned n_services;
};

/* Whether the state has a VPN at all (a WireGuard interface named). */
bool unbound_views_on(const struct cell_state *st);
/* Checks the VPN's fields and the peers, and lays out the views.
 * -EINVAL: a value the file cannot carry; -E2BIG: more than 64 services. */
int unbound_view_plan_make(const struct cell_state *st, struct unbound_view_plan *ret);
void unbound_view_plan_release(struct unbound_view_plan *p);

/* The server clause's lines: the subnet allowed, each address bound to
 * its view. */
void unbound_views_emit_access(const struct unbound_view_plan *p, struct text *t);
/* The view clauses, at the end of the file. */
void unbound_views_emit_clauses(const struct unbound_view_plan *p, const char *zone, struct text *t);
