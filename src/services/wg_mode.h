/* Which WireGuard runs the VPN's interface: the kernel's, where the module
 * exists, or wireguard-go in userspace. The setting wireguard.implementation
 * says "auto" (the default: the kernel's when it has WireGuard), "kernel"
 * or "userspace"; the adapter (wireguard.c) chooses once per start. A
 * kernel interface has no process: it is a oneshot of the supervisor,
 * made by `ip link add IF type wireguard` and unmade by `ip link del`.
 * Everything here but wg_kernel_remove_leftover is pure. */
#pragma once

#include <stdbool.h>

#include "common/buf.h"
#include "render/render.h"

#define WG_MODE_IP_BINARY "/usr/sbin/ip"
/* The managed file that holds the setting the last reconcile wrote, one
 * word and a newline: what a start reads. */
#define WG_IMPLEMENTATION_FILE "implementation"

enum wg_implementation {
        WG_IMPLEMENTATION_AUTO,
        WG_IMPLEMENTATION_KERNEL,
        WG_IMPLEMENTATION_USERSPACE,
};

/* "auto", "kernel", "userspace"; -EINVAL for anything else (NULL too). */
int wg_implementation_from_string(const char *s, enum wg_implementation *ret);
const char *wg_implementation_to_string(enum wg_implementation i);

/* The implementation one start uses, kernel or userspace: the setting, or
 * for auto what kernel_supported says (1: the kernel has WireGuard). It is
 * called for auto only: detection makes and deletes a link. */
enum wg_implementation wg_implementation_choose(enum wg_implementation setting, int (*kernel_supported)(void));

/* The implementation file: st->wg_implementation and a newline; -EINVAL
 * when that is not one of the three words. */
int render_wg_implementation(const struct cell_state *st, struct buf *out);
/* Reads what render_wg_implementation wrote, exactly; -EINVAL otherwise. */
int wg_implementation_parse(const char *text, enum wg_implementation *ret);

/* The kernel interface's commands, argument vectors for the supervisor
 * (never a shell): `ip link add dev IF type wireguard` and `ip link del
 * dev IF`, and their environment (LANG=C: ip's words in the log are the
 * ones people search for). -EINVAL when iface is not an interface name
 * (or starts with '-'), -ENOMEM. On failure nothing is returned. */
int wg_kernel_commands(const char *iface, char ***ret_start, char ***ret_stop, char ***ret_envp);

/* Whether `ip -j -d link show dev IF` printed a link of kind wireguard:
 * 1 yes, 0 another kind (or none given), -EINVAL when the text is not
 * that JSON. */
int wg_link_json_is_wireguard(const char *json_text);

/* A kernel WireGuard link named iface in picd's namespace, left by a picd
 * that died (a link outlives its maker), is deleted, so that `ip link add`
 * or wireguard-go can make the interface again; the caller runs this
 * before a start, when nothing of its own has the name. 1 when one was
 * deleted; 0 when there was none, or the link of that name is of another
 * kind (never touched: the start then fails, "File exists"); a negative
 * errno with *ret_message when ip could not be run or failed. */
int wg_kernel_remove_leftover(const char *iface, char **ret_message);
