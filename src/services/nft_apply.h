/* The VPN's firewall, table inet pic (render_nftables), driven with `nft`
 * and files (never a shell, never an argument built from a value): the
 * whole table loaded in one transaction, or only the set elements that
 * differ between two rendered tables, also in one transaction. */
#pragma once

#include "common/buf.h"

/* `nft -c -f path`: 0, or -EINVAL with nft's words. */
int nft_check(const char *path, char **ret_message);
/* `nft -f path`: the whole table, replaced atomically. */
int nft_load(const char *path, char **ret_message);
/* The `add element` / `delete element` lines that turn the sets of
 * old_text into those of new_text; nothing when only the rules differ
 * (*ret_rules_differ says so: the whole table must then be loaded). */
int nft_element_delta(const char *old_text, const char *new_text, struct buf *ret, bool *ret_rules_differ);
/* Writes delta to a 0600 temp file in dir and runs `nft -f` on it. */
int nft_apply_text(const char *dir, const struct buf *delta, char **ret_message);
