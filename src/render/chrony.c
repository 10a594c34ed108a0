/* chrony.conf for `chronyd -d -f FILE`: the pools the cell follows, its own
 * clock as a last resort, NTP served to localhost, the VPN, the LAN and the
 * allowed subnets, and chronyc on a unix socket only. chrony splits a line
 * on blanks and knows no quoting, so every value is held to a grammar
 * without blanks or control characters before a byte is written; on
 * refusal the output buffer is left as it was. */
#include "render/render.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/validate.h"
#include "render/text.h"

#define STRATUM_MAX 15u
#define LOCALHOST "127.0.0.1/32"

static bool profile_ok(const char *p) {
        return p && (streq(p, "dev") || streq(p, "system"));
}

static bool cidr_ok(const char *s) {
        struct cidr4 c;
        return s && cidr4_parse(s, &c) == 0;
}

static int check_state(const struct cell_state *st) {
        if (!st || !profile_ok(st->profile) || st->port_ntp == 0 || st->ntp_local_stratum > STRATUM_MAX)
                return -EINVAL;
        if ((st->n_ntp_servers > 0 && !st->ntp_servers) || (st->n_ntp_allow > 0 && !st->ntp_allow))
                return -EINVAL;
        /* A name or a dotted quad: nothing chrony would read as an option. */
        for (unsigned i = 0; i < st->n_ntp_servers; i++)
                if (!valid_host(st->ntp_servers[i]))
                        return -EINVAL;
        if (!cidr_ok(st->vpn_subnet) || !st->lan_subnet || (st->lan_subnet[0] && !cidr_ok(st->lan_subnet)))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_ntp_allow; i++)
                if (!cidr_ok(st->ntp_allow[i]))
                        return -EINVAL;
        if (!render_plain_path_ok(st->chrony_dir) || !render_plain_path_ok(st->chrony_socket) ||
            !render_plain_path_ok(st->chrony_pid_file) || !render_plain_path_ok(st->chrony_drift_file))
                return -EINVAL;
        /* chronyd could not bind a longer socket path. */
        if (strlen(st->chrony_socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
                return -EINVAL;
        return 0;
}

/* Adds the subnet (as its network) unless it is there already. */
static void allow_add(struct cidr4 *list, size_t *n, const char *s) {
        struct cidr4 c;
        if (cidr4_parse(s, &c) < 0) /* checked before */
                return;
        c.addr = cidr4_network(&c);
        for (size_t i = 0; i < *n; i++)
                if (list[i].addr == c.addr && list[i].prefix == c.prefix)
                        return;
        list[(*n)++] = c;
}

/* localhost first, then the VPN, the LAN and the rest, each once; a single
 * address written bare. */
static void emit_allow(const struct cell_state *st, struct text *t) {
        _cleanup_free_ struct cidr4 *list = calloc((size_t)st->n_ntp_allow + 3, sizeof *list);
        size_t n = 0;
        if (!list) {
                text_fail(t, -ENOMEM);
                return;
        }
        allow_add(list, &n, LOCALHOST);
        allow_add(list, &n, st->vpn_subnet);
        if (st->lan_subnet[0])
                allow_add(list, &n, st->lan_subnet);
        for (unsigned i = 0; i < st->n_ntp_allow; i++)
                allow_add(list, &n, st->ntp_allow[i]);
        for (size_t i = 0; i < n; i++) {
                char s[CIDR4_STRLEN];
                if (list[i].prefix == 32)
                        ipv4_format(list[i].addr, s);
                else
                        cidr4_format(&list[i], s);
                text_emit(t, "allow %s\n", s);
        }
}

int render_chrony_conf(const struct cell_state *st, struct buf *out) {
        int r = check_state(st);
        if (r < 0)
                return r;

        struct text t = TEXT_INIT;
        text_emit(&t,
                  RENDER_HEADER "# chrony for the cell, run as\n"
                                "#   chronyd -d -f %s/chrony.conf\n"
                                "# with -u USER added by picd, and -x in dev: the system clock is then\n"
                                "# left alone.\n"
                                "\n",
                  st->chrony_dir);
        if (st->n_ntp_servers > 0)
                text_emit(&t, "# The time sources, each name a pool of servers.\n");
        else
                text_emit(&t, "# No time source.\n");
        for (unsigned i = 0; i < st->n_ntp_servers; i++)
                text_emit(&t, "pool %s iburst\n", st->ntp_servers[i]);
        if (st->ntp_local_stratum > 0)
                text_emit(&t,
                          "# With no source reachable, the cell's own clock at this stratum;\n"
                          "# orphan lets several such servers agree on one of them.\n"
                          "local stratum %u orphan\n",
                          st->ntp_local_stratum);

        text_emit(&t,
                  "\n"
                  "# NTP served on this port, to these clients only.\n"
                  "port %u\n",
                  (unsigned)st->port_ntp);
        emit_allow(st, &t);

        text_emit(&t,
                  "\n"
                  "# chronyc through this unix socket only, whose directory's mode is\n"
                  "# the access control: no UDP command port.\n"
                  "cmdport 0\n"
                  "bindcmdaddress %s\n"
                  "pidfile %s\n"
                  "driftfile %s\n"
                  "# Step the clock when it is off by more than a second, in the first\n"
                  "# three updates only; slew it after that.\n"
                  "makestep 1.0 3\n",
                  st->chrony_socket, st->chrony_pid_file, st->chrony_drift_file);
        if (streq(st->profile, "system"))
                text_emit(&t, "# The kernel copies the system time to the hardware clock.\n"
                              "rtcsync\n");
        return text_finish(&t, out);
}
