/* dnsmasq's lease file; see dhcp_leases.h. */
#include "services/dhcp_leases.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/validate.h"

#define LINE_MAX_LEN 1024

static int compare_ip(const void *a, const void *b) {
        uint32_t x = 0, y = 0;
        ipv4_parse(((const struct dhcp_lease *)a)->ip, &x);
        ipv4_parse(((const struct dhcp_lease *)b)->ip, &y);
        return (x > y) - (x < y);
}

static int parse_line(char *line, struct dhcp_lease *ret) {
        char *save = NULL;
        char *expiry = strtok_r(line, " \n", &save), *mac = strtok_r(NULL, " \n", &save),
             *ip = strtok_r(NULL, " \n", &save), *host = strtok_r(NULL, " \n", &save);
        if (!expiry || !mac || !ip || !host)
                return -EINVAL;
        char *end;
        errno = 0;
        long long when = strtoll(expiry, &end, 10);
        uint32_t addr;
        struct dhcp_lease l = {.expires = when};
        if (errno || *end || when < 0 || !valid_mac(mac, l.mac) || ipv4_parse(ip, &addr) < 0)
                return -EINVAL;
        ipv4_format(addr, l.ip);
        if (strlen(host) < sizeof l.hostname) {
                for (char *p = host; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                if (valid_host_label(host))
                        strcpy(l.hostname, host);
        }
        *ret = l;
        return 0;
}

int dhcp_leases_read(const char *path, struct dhcp_lease **ret, size_t *ret_n, size_t *ret_skipped) {
        *ret = NULL;
        *ret_n = *ret_skipped = 0;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        struct dhcp_lease *v = NULL;
        size_t n = 0, cap = 0, skipped = 0;
        char line[LINE_MAX_LEN];
        while (fgets(line, sizeof line, f)) {
                if (!strchr(line, '\n') && !feof(f)) {
                        /* Longer than any lease line: skip the rest of it. */
                        int c;
                        while ((c = fgetc(f)) != EOF && c != '\n')
                                ;
                        skipped++;
                        continue;
                }
                /* dnsmasq writes a "duid ..." line for DHCPv6: not a lease. */
                if (strncmp(line, "duid ", 5) == 0)
                        continue;
                struct dhcp_lease l;
                if (n >= DHCP_LEASES_MAX || parse_line(line, &l) < 0) {
                        skipped++;
                        continue;
                }
                if (n == cap) {
                        size_t grown_cap = cap ? cap * 2 : 32;
                        struct dhcp_lease *grown = reallocarray(v, grown_cap, sizeof *v);
                        if (!grown) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = grown;
                        cap = grown_cap;
                }
                v[n++] = l;
        }
        if (n)
                qsort(v, n, sizeof *v, compare_ip);
        *ret = v;
        *ret_n = n;
        *ret_skipped = skipped;
        return 0;
}
