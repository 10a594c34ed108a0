/* dnsmasq in DHCP-only mode: dnsmasq.conf (read at start) and the
 * reservations it names as dhcp-hostsfile (re-read on SIGHUP), one
 * dhcp-host per line. dnsmasq drops quotes, takes '#' after a blank as a
 * comment and splits values on commas, so every value is held to a grammar
 * without those before a byte is written; on refusal the output buffer is
 * left as it was. */
#include "render/render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/cidr.h"
#include "common/cleanup.h"
#include "common/validate.h"
#include "render/text.h"

/* The API's bounds for dhcp.lease_time; dnsmasq would silently raise a
 * shorter lease to two minutes. */
#define LEASE_MIN 120u
#define LEASE_MAX 31536000u
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define RESERVATIONS "reservations"
/* "0.0.0.0" in a dhcp-option is dnsmasq's own address on the interface. */
#define OWN_ADDRESS "0.0.0.0"

static bool ipv4_ok(const char *s) {
        uint32_t addr;
        return s && ipv4_parse(s, &addr) == 0;
}

/* "" (unknown) or an IPv4 address. */
static bool optional_ipv4_ok(const char *s) {
        return s && (!s[0] || ipv4_ok(s));
}

/* "" (dnsmasq then takes the interface's) or a mask of leading ones, from
 * 128.0.0.0 to 255.255.255.255. */
static bool netmask_ok(const char *s) {
        uint32_t m;
        if (s && !s[0])
                return true;
        return s && ipv4_parse(s, &m) == 0 && m != 0 && (~m & (~m + 1)) == 0;
}

/* A dhcp-host field that is not a MAC or an address is a name, except
 * "ignore", "infinite" and digits with an optional unit (s, m, h, d, w):
 * those dnsmasq reads as a flag or a lease time. */
static bool host_name_ok(const char *s) {
        if (!valid_host_label(s) || streq(s, "ignore") || streq(s, "infinite"))
                return false;
        size_t digits = strspn(s, "0123456789");
        bool lease_time = digits > 0 && (!s[digits] || (!s[digits + 1] && strchr("smhdw", s[digits])));
        return !lease_time;
}

/* dnsmasq_dir/reservations, or -EINVAL when it would not fit. */
static int reservations_path(const char *dir, char out[static RENDER_PATH_MAX + 1]) {
        int n = snprintf(out, RENDER_PATH_MAX + 1, "%s/" RESERVATIONS, dir);
        return n > 0 && n <= RENDER_PATH_MAX && render_plain_path_ok(out) ? 0 : -EINVAL;
}

static int check_conf_state(const struct cell_state *st) {
        char domain[DOMAIN_MAX_LEN + 2], path[RENDER_PATH_MAX + 1];
        if (!st)
                return -EINVAL;
        if (!st->dhcp_enabled)
                return 0; /* nothing of the state is written */
        /* The domain handed to clients: lan.<zone>. */
        int n = st->zone ? snprintf(domain, sizeof domain, "lan.%s", st->zone) : -1;
        if (n < 0 || (size_t)n >= sizeof domain || !valid_domain(domain))
                return -EINVAL;
        if (!valid_ifname(st->dhcp_interface) || !ipv4_ok(st->dhcp_range_start) || !ipv4_ok(st->dhcp_range_end))
                return -EINVAL;
        if (!netmask_ok(st->dhcp_netmask) || !optional_ipv4_ok(st->dhcp_router) ||
            !optional_ipv4_ok(st->dhcp_dns_server))
                return -EINVAL;
        if (st->dhcp_lease_seconds < LEASE_MIN || st->dhcp_lease_seconds > LEASE_MAX)
                return -EINVAL;
        if (!valid_username(st->dnsmasq_user) || !render_plain_path_ok(st->dnsmasq_lease_file) ||
            !render_plain_path_ok(st->dnsmasq_dir) || reservations_path(st->dnsmasq_dir, path) < 0)
                return -EINVAL;
        return 0;
}

/* What every rendering starts with, DHCP on or off. */
static void conf_base(struct text *t) {
        text_emit(t, "# In the foreground as picd's child: DNS off (Unbound serves it),\n"
                     "# nothing read from /etc/resolv.conf or /etc/hosts, no pid file, the\n"
                     "# log on stderr.\n"
                     "port=0\n"
                     "no-resolv\n"
                     "no-hosts\n"
                     "pid-file=\n"
                     "log-facility=-\n");
}

#define NTP_PORT 123

static void conf_dhcp(const struct cell_state *st, struct text *t) {
        char hosts[RENDER_PATH_MAX + 1];
        (void)reservations_path(st->dnsmasq_dir, hosts); /* checked before */
        text_emit(t,
                  "# Started as root, dnsmasq drops to this user (else to \"nobody\").\n"
                  "user=%s\n"
                  "\n"
                  "# Only this interface. bind-dynamic rather than bind-interfaces:\n"
                  "# port 67 is then shared with a dnsmasq serving another interface\n"
                  "# (libvirt's, NetworkManager's), and an interface that is not there\n"
                  "# yet is waited for instead of being fatal.\n"
                  "interface=%s\n"
                  "bind-dynamic\n"
                  "\n",
                  st->dnsmasq_user, st->dhcp_interface);
        text_emit(t, "dhcp-range=%s,%s,", st->dhcp_range_start, st->dhcp_range_end);
        if (st->dhcp_netmask[0])
                text_emit(t, "%s,", st->dhcp_netmask);
        text_emit(t,
                  "%" PRIu32 "\n"
                  "# " OWN_ADDRESS " is dnsmasq's own address on the interface. With DNS off,\n"
                  "# dnsmasq would name no DNS server by itself.\n"
                  "dhcp-option=option:router,%s\n"
                  "dhcp-option=option:dns-server,%s\n"
                  "domain=lan.%s\n"
                  "# The only DHCP server of this LAN: a client whose lease it does not\n"
                  "# know (a lost lease file) gets an answer at once, not a silence.\n"
                  "dhcp-authoritative\n"
                  "dhcp-leasefile=%s\n"
                  "# The reservations, one dhcp-host per line; re-read on SIGHUP.\n"
                  "dhcp-hostsfile=%s\n",
                  st->dhcp_lease_seconds, st->dhcp_router[0] ? st->dhcp_router : OWN_ADDRESS,
                  st->dhcp_dns_server[0] ? st->dhcp_dns_server : OWN_ADDRESS, st->zone, st->dnsmasq_lease_file,
                  hosts);
        if (st->port_ntp == NTP_PORT)
                text_emit(t,
                          "# The cell serves NTP on the standard port: clients may ask it.\n"
                          "dhcp-option=option:ntp-server,%s\n",
                          st->dhcp_dns_server[0] ? st->dhcp_dns_server : OWN_ADDRESS);
        if (st->port_dhcp != 0 && st->port_dhcp != DHCP_SERVER_PORT)
                text_emit(t,
                          "# Not the standard port 67 (a cell without root): clients are\n"
                          "# still answered on %d.\n"
                          "dhcp-alternate-port=%u,%d\n",
                          DHCP_CLIENT_PORT, (unsigned)st->port_dhcp, DHCP_CLIENT_PORT);
}

int render_dnsmasq_conf(const struct cell_state *st, struct buf *out) {
        int r = check_conf_state(st);
        if (r < 0)
                return r;

        struct text t = TEXT_INIT;
        if (!st->dhcp_enabled) {
                text_emit(&t, RENDER_HEADER "# DHCP is off: picd does not start dnsmasq.\n"
                                            "\n");
                conf_base(&t);
                return text_finish(&t, out);
        }
        text_emit(&t,
                  RENDER_HEADER "# dnsmasq for DHCP on %s, run as\n"
                                "#   dnsmasq -k --conf-file=%s/dnsmasq.conf\n"
                                "\n",
                  st->dhcp_interface, st->dnsmasq_dir);
        conf_base(&t);
        conf_dhcp(st, &t);
        return text_finish(&t, out);
}

/* dnsmasq reads the hosts file as it reads a config file, whose comment
 * lines it skips, each other line being the value of one dhcp-host. */
int render_dnsmasq_reservations(const struct cell_state *st, struct buf *out) {
        if (!st || (st->n_dhcp_reservations > 0 && !st->dhcp_reservations))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_dhcp_reservations; i++) {
                const struct dhcp_reservation_view *r = &st->dhcp_reservations[i];
                if (!valid_mac(r->mac, NULL) || !ipv4_ok(r->ip) || !r->name || (r->name[0] && !host_name_ok(r->name)))
                        return -EINVAL;
        }

        struct text t = TEXT_INIT;
        text_emit(&t, RENDER_HEADER "# DHCP reservations (MAC,address[,name]), read by dnsmasq as its\n"
                                    "# dhcp-hostsfile.\n");
        for (unsigned i = 0; i < st->n_dhcp_reservations; i++) {
                const struct dhcp_reservation_view *r = &st->dhcp_reservations[i];
                text_emit(&t, "%s,%s%s%s\n", r->mac, r->ip, r->name[0] ? "," : "", r->name);
        }
        return text_finish(&t, out);
}
