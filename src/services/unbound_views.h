/* The views of the VPN's addresses in a running Unbound (see
 * render/unbound_views.c): what changed in their local zones between two
 * rendered unbound.conf files, and the control commands that apply it
 * (view_local_zone / view_local_zone_remove) with no reload. Unbound has
 * no bulk form of those commands: one connection each, about 0.2 ms. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "render/render.h"

/* The view of a VPN address: "vpn-10.0.0.5". -EINVAL: not a dotted quad. */
int unbound_view_name(const char *ip, char buf[static UNBOUND_VIEW_NAME_SIZE]);

/* What changed in the views' local zones. */
struct unbound_view_delta {
        struct buf remove; /* "VIEW NAME\n" each: view_local_zone_remove's arguments */
        struct buf add;    /* "VIEW NAME TYPE\n" each: view_local_zone's */
        size_t n_remove, n_add;
        /* Something else differs (a listener, the subnet, a view's other
         * lines): only a reload applies it, and remove/add stay empty. */
        bool rest_differs;
};

void unbound_view_delta_release(struct unbound_view_delta *d);

/* Compares two unbound.conf files as render_unbound_conf writes them
 * (clause headers at the start of a line, one option a line, a view's
 * name: before its local-zone: lines); every line but a view's
 * local-zone: lines must be equal, in order. Linear in the size of the
 * files (hash sets). -EINVAL: a view's line that does not parse, or a
 * name with a character that cannot go on a command line; ret is then
 * released. */
int unbound_view_delta_compute(const char *old_text, const char *new_text, struct unbound_view_delta *ret);

/* Sends the delta, removals first. Returns 0 once Unbound said ok to
 * each; -EPROTO with Unbound's words (it answered something else: no
 * such view, say), or another negative errno (it did not answer). On a
 * failure half-way the views are partly changed: the caller reloads,
 * which sets every view from the file. */
int unbound_view_delta_apply(const char *control_socket, const struct unbound_view_delta *d, char **ret_message);

/* One peer's view, from the names it denied to those it denies now
 * (render_unbound_denied_names before and after the change): the names
 * only in new_denied are added as always_nxdomain, those only in
 * old_denied removed. For the single-peer fast path; same returns as
 * unbound_view_delta_apply, and -EINVAL for a view or name that could
 * not go on a command line, -E2BIG past 1024 names a side.
 *
 * The fast path, for a peer whose view is `view` (unbound_view_name of
 * its address) in st->unbound_control_socket:
 *   render_unbound_denied_names(st, before, &old, &n_old);  (NULL, 0 when added)
 *   render_unbound_denied_names(st, after, &new, &n_new);   (NULL, 0 when removed)
 *   unbound_view_denies_apply(socket, view, old, n_old, new, n_new, &msg);
 * A peer that moves to another address is two calls: its old view to
 * nothing, its new one from nothing. An address with no view (past the
 * first 65,534 hosts of a subnet larger than a /16, until the reconcile
 * has reloaded Unbound) answers -EPROTO "no view with name": the
 * reconcile's reload then does it. The reconcile that follows sends the
 * same commands again, which Unbound takes as no change. */
int unbound_view_denies_apply(const char *control_socket, const char *view, const char *const *old_denied,
                              size_t n_old, const char *const *new_denied, size_t n_new, char **ret_message);
