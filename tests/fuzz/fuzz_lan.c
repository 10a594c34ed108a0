/* What picd reads from the LAN daemons, written from what strangers sent:
 * dnsmasq's lease file (client host names) and chronyc's CSV. The first
 * input byte picks the parser; whatever the rest is, nothing crashes,
 * nothing leaks, and every lease that comes out passes the grammars a
 * renderer relies on. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cidr.h"
#include "common/validate.h"
#include "services/chrony_status.h"
#include "services/dhcp_leases.h"

static void check_leases(const uint8_t *data, size_t size) {
        char path[] = "/tmp/pic-fuzz-leases-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
                abort();
        if (write(fd, data, size) != (ssize_t)size)
                abort();
        close(fd);
        struct dhcp_lease *v;
        size_t n, skipped;
        if (dhcp_leases_read(path, &v, &n, &skipped) < 0)
                abort();
        unlink(path);
        for (size_t i = 0; i < n; i++) {
                uint32_t addr;
                if (!valid_mac(v[i].mac, NULL) || ipv4_parse(v[i].ip, &addr) < 0 ||
                    (v[i].hostname[0] && !valid_host_label(v[i].hostname)))
                        abort();
        }
        free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        uint8_t which = data[0] % 3;
        data++;
        size--;
        if (which == 0) {
                check_leases(data, size);
                return 0;
        }
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        if (which == 1) {
                json_t *status = json_object();
                chrony_parse_tracking(text, status);
                json_decref(status);
        } else {
                json_decref(chrony_parse_sources(text));
                json_decref(chrony_parse_clients(text));
        }
        free(text);
        return 0;
}
