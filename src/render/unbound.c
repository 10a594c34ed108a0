/* Unbound's two files: unbound.conf (the server in the foreground as picd's
 * child, remote control on a unix socket, forwarding, and the views of the
 * VPN's addresses: see unbound_views.c) and local-data.conf
 * (the cell's zone: one local-data line per service name, per record, per
 * VPN peer and per named LAN host). Plain text, so every value is checked
 * against what the format can carry before a byte is written; on refusal
 * the output buffer is left as it was. */
#include "render/render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/cleanup.h"
#include "common/validate.h"
#include "render/text.h"
#include "render/unbound_views.h"

/* A name in presentation form with its trailing dot: 253 + 1. */
#define FQDN_MAX_LEN 254
#define LABEL_MAX_LEN 63
/* TXT rdata is at most 65535 bytes with one length byte per 255-byte
 * string, and the whole record (owner name too) must fit Unbound's 64 KiB
 * parse buffer: 250 full strings leave room for both. */
#define TXT_MAX_LEN (255u * 250u)
#define TXT_CHUNK 255u
#define SERVICE_TTL 300u
/* A LAN host's name may move to another address with its next lease. */
#define LAN_TTL 60u
#define CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define DOT_PORT "853"

/* Unbound's lexer ends a double-quoted string at '"' or a newline and keeps
 * a backslash escape as it is: an absolute path without those (or other
 * control characters) goes between double quotes verbatim. */
static bool path_ok(const char *p) {
        return p && p[0] == '/' && valid_text(p, 1, RENDER_PATH_MAX) && !strpbrk(p, "\"\\");
}

static bool label_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Dot-separated labels of [A-Za-z0-9_-]{1,63}: no empty label, no leading
 * or trailing dot. */
static bool labels_ok(const char *s, size_t len) {
        size_t label = 0;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                } else if (label_char(s[i]) && label < LABEL_MAX_LEN)
                        label++;
                else
                        return false;
        }
        return label > 0;
}

/* A fully qualified name with its trailing dot, or the root ".". */
static bool fqdn_ok(const char *s) {
        size_t len = strlen(s);
        if (len == 1 && s[0] == '.')
                return true;
        return len >= 2 && len <= FQDN_MAX_LEN && s[len - 1] == '.' && labels_ok(s, len - 1);
}

static bool zone_ok(const char *zone) {
        return zone && strlen(zone) < FQDN_MAX_LEN && labels_ok(zone, strlen(zone));
}

/* The owner of a record: "@" is the apex, anything else is relative to the
 * zone (a trailing dot is refused: stored names are relative). */
static int owner_name(const char *name, const char *zone, char out[static FQDN_MAX_LEN + 1]) {
        int n;
        if (!name)
                return -EINVAL;
        if (streq(name, "@"))
                n = snprintf(out, FQDN_MAX_LEN + 1, "%s.", zone);
        else
                n = snprintf(out, FQDN_MAX_LEN + 1, "%s.%s.", name, zone);
        if (n < 0 || n > FQDN_MAX_LEN || !fqdn_ok(out))
                return -EINVAL;
        return 0;
}

/* A CNAME/MX/SRV target as stored: a name ending in "." is absolute, "@" is
 * the apex, anything else is relative to the zone. */
static int target_name(const char *value, const char *zone, char out[static FQDN_MAX_LEN + 1]) {
        size_t len = value ? strlen(value) : 0;
        if (len == 0)
                return -EINVAL;
        if (value[len - 1] != '.')
                return owner_name(value, zone, out);
        if (len > FQDN_MAX_LEN)
                return -EINVAL;
        memcpy(out, value, len + 1);
        return fqdn_ok(out) ? 0 : -EINVAL;
}

static bool ip_ok(int family, const char *s) {
        unsigned char addr[sizeof(struct in6_addr)];
        return s && inet_pton(family, s, addr) == 1;
}

/* "1".."65535", decimal digits only. */
static bool port_text_ok(const char *s, size_t len) {
        unsigned long v = 0;
        if (len == 0 || len > 5 || s[0] == '0')
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        return v >= 1 && v <= 65535;
}

/* A forwarder as Unbound's forward-addr takes it: IP[@PORT][#TLS-NAME].
 * Without forward-tls-upstream Unbound ignores the TLS name; the store
 * checks each forwarder alone, so one with a name may meet TLS off. */
static bool forwarder_ok(const char *f) {
        if (!f)
                return false;
        const char *hash = strchr(f, '#');
        const char *end = hash ? hash : f + strlen(f);
        if (hash) {
                char name[FQDN_MAX_LEN + 2];
                int n = snprintf(name, sizeof name, "%s.", hash + 1);
                if (n < 0 || n > FQDN_MAX_LEN || !fqdn_ok(name) || streq(name, "."))
                        return false;
        }
        const char *at = memchr(f, '@', (size_t)(end - f));
        if (at && !port_text_ok(at + 1, (size_t)(end - at - 1)))
                return false;
        size_t ip_len = (size_t)((at ? at : end) - f);
        char ip[INET6_ADDRSTRLEN];
        if (ip_len == 0 || ip_len >= sizeof ip)
                return false;
        memcpy(ip, f, ip_len);
        ip[ip_len] = 0;
        return ip_ok(AF_INET, ip) || ip_ok(AF_INET6, ip);
}

static bool any_loopback_forwarder(const struct cell_state *st) {
        for (unsigned i = 0; i < st->n_dns_forwarders; i++) {
                const char *f = st->dns_forwarders[i];
                if (strncmp(f, "127.", 4) == 0 || strncmp(f, "::1", 3) == 0)
                        return true;
        }
        return false;
}

static bool profile_ok(const char *p) {
        return p && (streq(p, "dev") || streq(p, "system"));
}

static int check_conf_state(const struct cell_state *st) {
        if (!st || !profile_ok(st->profile) || st->port_dns == 0 || !zone_ok(st->zone))
                return -EINVAL;
        if (!path_ok(st->unbound_dir) || !path_ok(st->unbound_control_socket))
                return -EINVAL;
        /* Unbound could not bind a longer socket path: refuse it here rather
         * than render a daemon that cannot start. */
        if (strlen(st->unbound_control_socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
                return -EINVAL;
        if (st->n_dns_forwarders > 0 && !st->dns_forwarders)
                return -EINVAL;
        for (unsigned i = 0; i < st->n_dns_forwarders; i++)
                if (!forwarder_ok(st->dns_forwarders[i]))
                        return -EINVAL;
        return 0;
}


/* ---- unbound.conf ---- */

static void conf_server(const struct cell_state *st, const struct unbound_view_plan *views, struct text *t) {
        bool system = streq(st->profile, "system");
        unsigned port = st->port_dns;

        text_emit(t,
                  "server:\n"
                  "  # In the foreground as picd's child: no fork, no change of user or\n"
                  "  # root, no pidfile, and the log on stderr, which picd keeps.\n"
                  "  do-daemonize: no\n"
                  "  username: \"\"\n"
                  "  chroot: \"\"\n"
                  "  pidfile: \"\"\n"
                  "  use-syslog: no\n"
                  "  logfile: \"\"\n"
                  "  verbosity: 1\n"
                  "  directory: \"%s\"\n"
                  "\n",
                  st->unbound_dir);

        if (system)
                text_emit(t,
                          "  # Every address, each reply sent from the address its query came\n"
                          "  # to: the service names point at the cell's own virtual IPs.\n"
                          "  interface-automatic: yes\n"
                          "  interface: 0.0.0.0@%u\n"
                          "  interface: ::0@%u\n"
                          "  port: %u\n"
                          "  do-ip6: yes\n",
                          port, port, port);
        else {
                text_emit(t, "  interface: 127.0.0.1@%u\n", port);
                if (views->slots) {
                        char cell[16];
                        ipv4_format(views->vpn.addr, cell);
                        text_emit(t,
                                  "  # The cell's VPN address, for its peers. WireGuard gives it to\n"
                                  "  # its interface after Unbound starts: bound before it exists.\n"
                                  "  interface: %s@%u\n"
                                  "  ip-freebind: yes\n",
                                  cell, port);
                }
                text_emit(t,
                          "  port: %u\n"
                          "  do-ip6: no\n",
                          port);
        }
        text_emit(t, "  num-threads: 1\n"
                     "  so-reuseport: no\n"
                     "  msg-cache-size: 8m\n"
                     "  rrset-cache-size: 16m\n"
                     "\n"
                     "  # Refused unless allowed below.\n"
                     "  access-control: 0.0.0.0/0 refuse\n"
                     "  access-control: ::0/0 refuse\n"
                     "  access-control: 127.0.0.0/8 allow\n"
                     "  access-control: ::1 allow\n");
        if (system)
                text_emit(t, "  access-control: 10.0.0.0/8 allow\n"
                             "  access-control: 172.16.0.0/12 allow\n"
                             "  access-control: 192.168.0.0/16 allow\n");
        unbound_views_emit_access(views, t);
        text_emit(t, "\n"
                     "  hide-identity: yes\n"
                     "  hide-version: yes\n"
                     "  qname-minimisation: yes\n"
                     "  # No DNSSEC trust anchor (auto-trust-anchor-file): it would need\n"
                     "  # network access to bootstrap the root key, so answers are not\n"
                     "  # validated.\n");
        if (st->dns_forward_tls && st->n_dns_forwarders > 0)
                text_emit(t, "  # Authenticates the DNS-over-TLS forwarders.\n"
                             "  tls-cert-bundle: \"" CA_BUNDLE "\"\n");
        if (any_loopback_forwarder(st))
                text_emit(t, "  # A forwarder on this machine (a local DNS-over-HTTPS proxy, say):\n"
                             "  # Unbound would otherwise never send a query to 127.0.0.0/8 or ::1.\n"
                             "  do-not-query-localhost: no\n");
        text_emit(t,
                  "\n"
                  "  # The cell's zone: a name without local data gets NXDOMAIN and is\n"
                  "  # never forwarded.\n"
                  "  local-zone: \"%s.\" static\n"
                  "  include: \"%s/local-data.conf\"\n"
                  "\n",
                  st->zone, st->unbound_dir);
}

static void conf_remote_control(const struct cell_state *st, struct text *t) {
        text_emit(t,
                  "# unbound-control on a unix socket, whose file mode is the access\n"
                  "# control: no certificates.\n"
                  "remote-control:\n"
                  "  control-enable: yes\n"
                  "  control-interface: \"%s\"\n"
                  "  control-use-cert: no\n",
                  st->unbound_control_socket);
}

static void conf_forward(const struct cell_state *st, struct text *t) {
        if (st->n_dns_forwarders == 0)
                return; /* Unbound recurses from the root itself. */
        text_emit(t, "\n"
                     "forward-zone:\n"
                     "  name: \".\"\n");
        for (unsigned i = 0; i < st->n_dns_forwarders; i++) {
                const char *f = st->dns_forwarders[i];
                /* With neither '@' nor '#', Unbound would speak TLS to port 53. */
                bool default_port = !strpbrk(f, "@#");
                text_emit(t, "  forward-addr: %s%s\n", f, st->dns_forward_tls && default_port ? "@" DOT_PORT : "");
        }
        if (st->dns_forward_tls)
                text_emit(t, "  forward-tls-upstream: yes\n");
}

int render_unbound_conf(const struct cell_state *st, struct buf *out) {
        int r = check_conf_state(st);
        if (r < 0)
                return r;

        struct unbound_view_plan views;
        if ((r = unbound_view_plan_make(st, &views)) < 0)
                return r;

        struct text t = TEXT_INIT;
        text_emit(&t,
                  RENDER_HEADER "# Unbound for the cell's zone %s, run as\n"
                                "#   unbound -d -c %s/unbound.conf\n"
                                "\n",
                  st->zone, st->unbound_dir);
        conf_server(st, &views, &t);
        conf_remote_control(st, &t);
        conf_forward(st, &t);
        unbound_views_emit_clauses(&views, st->zone, &t);
        unbound_view_plan_release(&views);
        return text_finish(&t, out);
}

/* ---- local-data.conf ---- */

static const char *const record_types[] = {"A", "AAAA", "CNAME", "MX", "SRV", "TXT"};

static bool txt_ok(const char *s) {
        return s && strlen(s) <= TXT_MAX_LEN && !strpbrk(s, "\n\r");
}

static int check_record(const struct dns_record_view *rec, const char *zone) {
        char name[FQDN_MAX_LEN + 1];
        bool known = false;
        if (!rec->type || !rec->value || owner_name(rec->name, zone, name) < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(record_types); i++)
                known = known || streq(rec->type, record_types[i]);
        if (!known)
                return -EINVAL;
        if (streq(rec->type, "A"))
                return ip_ok(AF_INET, rec->value) ? 0 : -EINVAL;
        if (streq(rec->type, "AAAA"))
                return ip_ok(AF_INET6, rec->value) ? 0 : -EINVAL;
        if (streq(rec->type, "TXT"))
                return txt_ok(rec->value) ? 0 : -EINVAL;
        return target_name(rec->value, zone, name);
}

/* A host's name is one label under "peers." or "lan."; only a named host
 * reaches the zone, so only its name and address are checked. */
static bool host_ok(const char *label, const char *sub, const char *ip, const char *zone) {
        char rel[LABEL_MAX_LEN + 16], name[FQDN_MAX_LEN + 1];
        if (!valid_host_label(label))
                return false;
        snprintf(rel, sizeof rel, "%s.%s", label, sub);
        return owner_name(rel, zone, name) == 0 && (ip_ok(AF_INET, ip) || ip_ok(AF_INET6, ip));
}

static int check_host_names(const struct cell_state *st) {
        if ((st->n_peers > 0 && !st->peers) || (st->n_dhcp_reservations > 0 && !st->dhcp_reservations) ||
            (st->n_dhcp_leases > 0 && !st->dhcp_leases))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_peers; i++)
                if (!host_ok(st->peers[i].name, "peers", st->peers[i].ip, st->zone))
                        return -EINVAL;
        for (unsigned i = 0; i < st->n_dhcp_reservations; i++) {
                const struct dhcp_reservation_view *r = &st->dhcp_reservations[i];
                if (!r->name || (r->name[0] && !host_ok(r->name, "lan", r->ip, st->zone)))
                        return -EINVAL;
        }
        for (unsigned i = 0; i < st->n_dhcp_leases; i++) {
                const struct dhcp_lease_view *l = &st->dhcp_leases[i];
                if (!l->name || (l->name[0] && !host_ok(l->name, "lan", l->ip, st->zone)))
                        return -EINVAL;
        }
        return 0;
}

static int check_data_state(const struct cell_state *st) {
        if (!st || !zone_ok(st->zone))
                return -EINVAL;
        if ((st->n_service_ips > 0 && !st->service_ips) || (st->n_dns_records > 0 && !st->dns_records))
                return -EINVAL;
        for (unsigned i = 0; i < st->n_service_ips; i++) {
                const struct service_ip_view *s = &st->service_ips[i];
                char name[FQDN_MAX_LEN + 1];
                /* One label: a service is never the apex nor a subzone. */
                if (!s->service || strchr(s->service, '.') || !labels_ok(s->service, strlen(s->service)) ||
                    owner_name(s->service, st->zone, name) < 0)
                        return -EINVAL;
                if (!ip_ok(AF_INET, s->ip) && !ip_ok(AF_INET6, s->ip))
                        return -EINVAL;
        }
        for (unsigned i = 0; i < st->n_dns_records; i++)
                if (check_record(&st->dns_records[i], st->zone) < 0)
                        return -EINVAL;
        return check_host_names(st);
}

/* A TXT value as character-strings of at most 255 bytes, each in double
 * quotes, for a local-data line that is itself in single quotes. Unbound's
 * lexer keeps backslash escapes as they are and its RR parser resolves
 * them, so '"', '\' and '\'' are escaped with a backslash and control bytes
 * as \DDD; bytes from 0x80 on go through as they are. The split is on the
 * raw bytes, so an escape is never cut in two. */
static void emit_txt(struct text *t, const char *s) {
        size_t len = strlen(s), off = 0;
        do {
                size_t n = len - off < TXT_CHUNK ? len - off : TXT_CHUNK;
                text_emit(t, "%s\"", off ? " " : "");
                size_t run = 0; /* bytes that need no escape, written in one go */
                for (size_t i = off; i < off + n; i++) {
                        unsigned char c = (unsigned char)s[i];
                        bool plain = c >= 0x20 && c != 0x7f && c != '"' && c != '\\' && c != '\'';
                        if (plain) {
                                run++;
                                continue;
                        }
                        text_emit_bytes(t, s + i - run, run);
                        run = 0;
                        if (c < 0x20 || c == 0x7f)
                                text_emit(t, "\\%03u", (unsigned)c);
                        else
                                text_emit(t, "\\%c", c);
                }
                text_emit_bytes(t, s + off + n - run, run);
                text_emit(t, "\"");
                off += n;
        } while (off < len);
}

static void emit_record(const struct dns_record_view *rec, const char *zone, struct text *t) {
        char name[FQDN_MAX_LEN + 1], target[FQDN_MAX_LEN + 1];
        (void)owner_name(rec->name, zone, name); /* checked before */
        text_emit(t, "  local-data: '%s %" PRIu32 " IN %s ", name, rec->ttl, rec->type);
        if (streq(rec->type, "A") || streq(rec->type, "AAAA"))
                text_emit(t, "%s", rec->value);
        else if (streq(rec->type, "TXT"))
                emit_txt(t, rec->value);
        else {
                (void)target_name(rec->value, zone, target);
                if (streq(rec->type, "MX"))
                        text_emit(t, "%u ", (unsigned)rec->priority);
                else if (streq(rec->type, "SRV"))
                        text_emit(t, "%u %u %u ", (unsigned)rec->priority, (unsigned)rec->weight, (unsigned)rec->port);
                text_emit(t, "%s", target);
        }
        text_emit(t, "'\n");
}

static int service_cmp(const void *a, const void *b) {
        const struct service_ip_view *x = *(const struct service_ip_view *const *)a;
        const struct service_ip_view *y = *(const struct service_ip_view *const *)b;
        int c = strcmp(x->service, y->service);
        return c ? c : strcmp(x->ip, y->ip);
}

/* A name under "peers." or "lan.", with its rank in the order of claims. */
struct host_name {
        const char *name;
        const char *ip;
        unsigned rank;
};

static int host_name_cmp(const void *a, const void *b) {
        const struct host_name *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

/* Sorts the names and serves each once, for the address of its first
 * claim: sorting by (name, rank) puts that claim first. */
static void emit_host_names(struct text *t, struct host_name *names, size_t n, const char *sub, unsigned ttl,
                            const char *zone) {
        qsort(names, n, sizeof *names, host_name_cmp);
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && streq(names[i].name, names[i - 1].name))
                        continue;
                text_emit(t, "  local-data: '%s.%s.%s. %u IN %s %s'\n", names[i].name, sub, zone, ttl,
                          strchr(names[i].ip, ':') ? "AAAA" : "A", names[i].ip);
        }
}

/* One peer's record as the zone has it, for a change made live
 * (local_datas), or its bare name for a removal (local_datas_remove). */
int render_unbound_peer_rr(const struct cell_state *st, const char *name, const char *ip, bool name_only,
                           struct buf *out) {
        if (!st->zone || !host_ok(name, "peers", ip, st->zone))
                return -EINVAL;
        struct text t = TEXT_INIT;
        if (name_only)
                text_emit(&t, "%s.peers.%s.\n", name, st->zone);
        else
                text_emit(&t, "%s.peers.%s. %u IN %s %s\n", name, st->zone, SERVICE_TTL,
                          strchr(ip, ':') ? "AAAA" : "A", ip);
        return text_finish(&t, out);
}

static void emit_peers(const struct cell_state *st, struct text *t) {
        if (st->n_peers == 0)
                return;
        _cleanup_free_ struct host_name *names = calloc(st->n_peers, sizeof *names);
        if (!names) {
                text_fail(t, -ENOMEM);
                return;
        }
        for (unsigned i = 0; i < st->n_peers; i++)
                names[i] = (struct host_name){st->peers[i].name, st->peers[i].ip, i};
        text_emit(t, "  # The VPN's peers.\n");
        emit_host_names(t, names, st->n_peers, "peers", SERVICE_TTL, st->zone);
}

/* A reservation's name is claimed before any lease's: a client cannot take
 * the name of a reserved host by asking for it. */
static void emit_lan_hosts(const struct cell_state *st, struct text *t) {
        size_t total = (size_t)st->n_dhcp_reservations + st->n_dhcp_leases, n = 0;
        if (total == 0)
                return;
        _cleanup_free_ struct host_name *names = calloc(total, sizeof *names);
        if (!names) {
                text_fail(t, -ENOMEM);
                return;
        }
        for (unsigned i = 0; i < st->n_dhcp_reservations; i++) {
                const struct dhcp_reservation_view *r = &st->dhcp_reservations[i];
                if (r->name[0]) {
                        names[n] = (struct host_name){r->name, r->ip, (unsigned)n};
                        n++;
                }
        }
        for (unsigned i = 0; i < st->n_dhcp_leases; i++) {
                const struct dhcp_lease_view *l = &st->dhcp_leases[i];
                if (l->name[0]) {
                        names[n] = (struct host_name){l->name, l->ip, (unsigned)n};
                        n++;
                }
        }
        if (n == 0)
                return;
        text_emit(t, "  # The LAN's hosts, by DHCP reservation, else by lease.\n");
        emit_host_names(t, names, n, "lan", LAN_TTL, st->zone);
}

int render_unbound_local_data(const struct cell_state *st, struct buf *out) {
        int r = check_data_state(st);
        if (r < 0)
                return r;

        _cleanup_free_ const struct service_ip_view **services =
                calloc(st->n_service_ips ? st->n_service_ips : 1, sizeof *services);
        if (!services)
                return -ENOMEM;
        for (unsigned i = 0; i < st->n_service_ips; i++)
                services[i] = &st->service_ips[i];
        qsort(services, st->n_service_ips, sizeof *services, service_cmp);

        struct text t = TEXT_INIT;
        text_emit(&t,
                  RENDER_HEADER "# The zone %s, included by unbound.conf; picd applies a change to a\n"
                                "# running Unbound with unbound-control local_data / local_data_remove.\n"
                                "server:\n",
                  st->zone);
        if (st->n_service_ips > 0)
                text_emit(&t, "  # The cell's services.\n");
        for (unsigned i = 0; i < st->n_service_ips; i++) {
                const struct service_ip_view *s = services[i];
                text_emit(&t, "  local-data: '%s.%s. %u IN %s %s'\n", s->service, st->zone, SERVICE_TTL,
                          strchr(s->ip, ':') ? "AAAA" : "A", s->ip);
        }
        if (st->n_dns_records > 0)
                text_emit(&t, "  # The zone's records.\n");
        for (unsigned i = 0; i < st->n_dns_records; i++)
                emit_record(&st->dns_records[i], st->zone, &t);
        emit_peers(st, &t);
        emit_lan_hosts(st, &t);
        return text_finish(&t, out);
}
