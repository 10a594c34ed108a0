/* See nft_netlink.h. The messages are built by hand: a batch begin, one
 * NEWSETELEM or DELSETELEM per set and direction, a batch end, each
 * asking for an acknowledgement, so that every error is read back. */
#include "services/nft_netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/timeutil.h"

#define TABLE_NAME "pic"
#define SET_ACCESS "peer_service"
#define SET_TUNNEL "full_tunnel"
#define BATCH_MAX 8192
#define ANSWER_TIMEOUT_MS 5000

struct batch {
        char data[BATCH_MAX];
        size_t len;
        uint32_t seq;
        unsigned n_msgs;
        bool overflow;
};

static void *put(struct batch *b, size_t len) {
        size_t aligned = NLMSG_ALIGN(len);
        if (b->overflow || b->len + aligned > sizeof b->data) {
                b->overflow = true;
                return NULL;
        }
        void *p = b->data + b->len;
        memset(p, 0, aligned);
        b->len += aligned;
        return p;
}

static struct nlmsghdr *msg_begin(struct batch *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id) {
        struct nlmsghdr *h = put(b, NLMSG_HDRLEN);
        struct nfgenmsg *g = put(b, sizeof(struct nfgenmsg));
        if (!h || !g)
                return NULL;
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags;
        h->nlmsg_seq = ++b->seq;
        g->nfgen_family = family;
        g->version = NFNETLINK_V0;
        g->res_id = htons(res_id);
        b->n_msgs++;
        return h;
}

static void msg_end(struct batch *b, struct nlmsghdr *h) {
        if (h && !b->overflow)
                h->nlmsg_len = (uint32_t)(b->data + b->len - (char *)h);
}

static struct nlattr *attr(struct batch *b, uint16_t type, const void *data, size_t len) {
        struct nlattr *a = put(b, NLA_HDRLEN + len);
        if (!a)
                return NULL;
        a->nla_type = type;
        a->nla_len = (uint16_t)(NLA_HDRLEN + len);
        if (len)
                memcpy((char *)a + NLA_HDRLEN, data, len);
        return a;
}

static struct nlattr *nest_begin(struct batch *b, uint16_t type) {
        return attr(b, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct batch *b, struct nlattr *a) {
        if (a && !b->overflow)
                a->nla_len = (uint16_t)(b->data + b->len - (char *)a);
}

/* Elements of one set, one direction. A pair's key is the two addresses
 * one after the other, each in network order: the layout of a
 * concatenation of two ipv4_addr fields. */
static void elements(struct batch *b, uint16_t msg_type, const char *set, const uint64_t *v, size_t n, bool pair) {
        if (n == 0)
                return;
        struct nlmsghdr *h = msg_begin(b, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg_type),
                                       NLM_F_ACK | (msg_type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0),
                                       NFPROTO_INET, 0);
        attr(b, NFTA_SET_ELEM_LIST_TABLE, TABLE_NAME, sizeof TABLE_NAME);
        attr(b, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
        struct nlattr *list = nest_begin(b, NFTA_SET_ELEM_LIST_ELEMENTS);
        for (size_t i = 0; i < n; i++) {
                uint32_t key[2] = {htonl((uint32_t)(v[i] >> 32)), htonl((uint32_t)v[i])};
                struct nlattr *el = nest_begin(b, NFTA_LIST_ELEM);
                struct nlattr *k = nest_begin(b, NFTA_SET_ELEM_KEY);
                attr(b, NFTA_DATA_VALUE, pair ? (void *)key : (void *)&key[1], pair ? 8 : 4);
                nest_end(b, k);
                nest_end(b, el);
        }
        nest_end(b, list);
        msg_end(b, h);
}

static int set_message(char **ret, int r, const char *what) {
        if (ret && asprintf(ret, "nf_tables %s: %s", what, strerror(-r)) < 0)
                *ret = NULL;
        return r;
}

/* Reads acknowledgements until every message of the batch has one (the
 * kernel answers each, an error included); the first error wins. */
static int read_answers(int fd, const struct batch *b, uint32_t first_seq) {
        unsigned acked = 0, want = b->n_msgs - 2; /* begin and end are not acknowledged */
        int error = 0;
        int64_t end = (int64_t)(now_monotonic_usec() / 1000) + ANSWER_TIMEOUT_MS;
        char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
        while (acked < want) {
                int64_t left = end - (int64_t)(now_monotonic_usec() / 1000);
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (left <= 0 || poll(&p, 1, (int)left) == 0)
                        return -ETIMEDOUT;
                ssize_t n = recv(fd, buf, sizeof buf, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq <= first_seq || h->nlmsg_seq > b->seq)
                                continue; /* not ours */
                        if (h->nlmsg_type != NLMSG_ERROR)
                                continue;
                        const struct nlmsgerr *e = NLMSG_DATA(h);
                        if (e->error && !error)
                                error = e->error;
                        acked++;
                        if (error)
                                return error; /* the batch is aborted: no more answers come */
                }
        }
        return error;
}

int nft_netlink_apply_peer(const struct nft_peer_delta *d, char **ret_message) {
        if (!d->n_del_pairs && !d->n_del_tunnel && !d->n_add_pairs && !d->n_add_tunnel)
                return 0;
        struct batch b = {.seq = (uint32_t)time(NULL)};
        uint32_t first_seq = b.seq;
        struct nlmsghdr *h = msg_begin(&b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        msg_end(&b, h);
        /* Deletes first, as `nft -f` of render_nft_peer_elements does. */
        elements(&b, NFT_MSG_DELSETELEM, SET_ACCESS, d->del_pairs, d->n_del_pairs, true);
        elements(&b, NFT_MSG_DELSETELEM, SET_TUNNEL, d->del_tunnel, d->n_del_tunnel, false);
        elements(&b, NFT_MSG_NEWSETELEM, SET_ACCESS, d->add_pairs, d->n_add_pairs, true);
        elements(&b, NFT_MSG_NEWSETELEM, SET_TUNNEL, d->add_tunnel, d->n_add_tunnel, false);
        h = msg_begin(&b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        msg_end(&b, h);
        if (b.overflow)
                return set_message(ret_message, -E2BIG, "batch");

        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return set_message(ret_message, -errno, "socket");
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        if (sendto(fd, b.data, b.len, 0, (struct sockaddr *)&sa, sizeof sa) != (ssize_t)b.len)
                return set_message(ret_message, -errno, "send");
        int r = read_answers(fd, &b, first_seq);
        return r < 0 ? set_message(ret_message, r, "set elements") : 0;
}
