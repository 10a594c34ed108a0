/* See service_addresses.h. */
#include "services/service_addresses.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "render/text.h"

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return (x > y) - (x < y);
}

int render_service_addresses(const struct cell_state *st, struct buf *out) {
        uint32_t v[SERVICE_ADDRESSES_MAX];
        size_t n = 0;
        if (st->n_service_ips > SERVICE_ADDRESSES_MAX || (st->n_service_ips && !st->service_ips))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_service_ips; i++)
                if (!st->service_ips[i].ip || ipv4_parse(st->service_ips[i].ip, &v[n++]) < 0)
                        return -EINVAL;
        qsort(v, n, sizeof *v, cmp_u32);
        struct text t = TEXT_INIT;
        text_emit(&t, RENDER_HEADER "# The services' addresses, put on lo while the VPN is up.\n");
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && v[i] == v[i - 1])
                        continue;
                char ip[16];
                ipv4_format(v[i], ip);
                text_emit(&t, "%s/32\n", ip);
        }
        return text_finish(&t, out);
}

int service_addresses_parse(const char *text, uint32_t ret[SERVICE_ADDRESSES_MAX], size_t *ret_n) {
        size_t n = 0;
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                if (!nl)
                        return -EINVAL;
                size_t len = (size_t)(nl - line);
                if (line[0] != '#') {
                        char addr[20];
                        if (len < 4 || len >= sizeof addr || memcmp(nl - 3, "/32", 3) != 0 || n == SERVICE_ADDRESSES_MAX)
                                return -EINVAL;
                        memcpy(addr, line, len - 3);
                        addr[len - 3] = 0;
                        if (ipv4_parse(addr, &ret[n]) < 0 || (n > 0 && ret[n] <= ret[n - 1]))
                                return -EINVAL; /* sorted, each once, as rendered */
                        n++;
                }
                line = nl + 1;
        }
        *ret_n = n;
        return 0;
}

size_t service_addresses_missing(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                                 uint32_t out[SERVICE_ADDRESSES_MAX]) {
        size_t n = 0;
        for (size_t i = 0, j = 0; i < na && n < SERVICE_ADDRESSES_MAX; i++) {
                while (j < nb && b[j] < a[i])
                        j++;
                if (!(j < nb && b[j] == a[i]))
                        out[n++] = a[i];
        }
        return n;
}
