/* One peer's access change sent to the kernel as one nf_tables netlink
 * batch (the transaction `nft -f` makes, without starting nft, which
 * costs 5 ms a run): its set elements added to and deleted from table
 * inet pic. The batch applies whole or not at all, so a failure changes
 * nothing; the caller then loads the whole table. */
#pragma once

#include "render/render.h"

/* Elements are added with NLM_F_CREATE and no NLM_F_EXCL: one already
 * there is no error. Deleting one that is not there fails the batch.
 * Returns 0, or a negative errno (the kernel's) with a message for the
 * operator in *ret_message when not NULL (caller frees). Needs
 * CAP_NET_ADMIN in the network namespace of the table. */
int nft_netlink_apply_peer(const struct nft_peer_delta *d, char **ret_message);
