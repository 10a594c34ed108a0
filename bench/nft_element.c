/* bench/nft_element: how long one peer's access element takes to go into
 * table inet pic the way picd sends it (nft_netlink_apply_peer: one
 * netlink batch, no nft run). Adds and deletes one peer_service element
 * N times, timing each add, and prints {"n", "p50_us", "p99_us"} as JSON.
 * Usage: nft_element PEER_IP SERVICE_IP N (the table must be loaded, and
 * the element must not be in it). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "services/nft_netlink.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv) {
        struct in_addr peer, service;
        int n = argc == 4 ? atoi(argv[3]) : 0;
        if (n <= 0 || n > 100000 || inet_pton(AF_INET, argv[1], &peer) != 1 ||
            inet_pton(AF_INET, argv[2], &service) != 1) {
                fprintf(stderr, "usage: nft_element PEER_IP SERVICE_IP N\n");
                return 2;
        }
        uint64_t pair = (uint64_t)ntohl(peer.s_addr) << 32 | ntohl(service.s_addr);
        uint64_t *t = calloc((size_t)n, sizeof *t);
        if (!t)
                return 1;
        for (int i = 0; i < n; i++) {
                struct nft_peer_delta add = {.add_pairs = {pair}, .n_add_pairs = 1};
                struct nft_peer_delta del = {.del_pairs = {pair}, .n_del_pairs = 1};
                char *why = NULL;
                uint64_t t0 = now_ns();
                int r = nft_netlink_apply_peer(&add, &why);
                t[i] = now_ns() - t0;
                if (r >= 0)
                        r = nft_netlink_apply_peer(&del, &why);
                if (r < 0) {
                        fprintf(stderr, "nft_element: %s\n", why ? why : "failed");
                        return 1;
                }
        }
        qsort(t, (size_t)n, sizeof *t, cmp);
        printf("{\"n\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f}\n", n, t[(n - 1) / 2] / 1000.0,
               t[(size_t)((n * 99 + 99) / 100) - 1] / 1000.0);
        free(t);
        return 0;
}
