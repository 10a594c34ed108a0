/* The views of the VPN's addresses: the view names and denied names the
 * fast path uses, the delta between two rendered unbound.conf files (and
 * its cost at 10,000 peers in a /16), and, with unbound and dig
 * installed, a real Unbound on 127.0.0.1 whose views (for the VPN subnet
 * 127.0.0.8/29, all on loopback) are changed by view_local_zone commands
 * and asked with dig from each source address. */
#include "testutil.h"
#include "golden.h"
#include "daemon.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/buf.h"
#include "common/exec.h"
#include "render/render.h"
#include "services/service.h"
#include "services/unbound_views.h"

#define UNBOUND_BIN "/usr/sbin/unbound"
#define CONTROL_BIN "/usr/sbin/unbound-control"
#define DIG_BIN "/usr/bin/dig"
#define RUN_TIMEOUT_MS 30000u
#define START_TIMEOUT_MS 20000u

extern const struct service_adapter unbound_adapter;

static const struct service_ip_view services[] = {
        {"webui", "172.20.0.1"}, {"dns", "172.20.0.2"}, {"ntp", "172.20.0.3"},
        {"mail", "172.20.0.4"},  {"calendar", "172.20.0.5"}, {"files", "172.20.0.6"},
};
static const char *const dns_calendar[] = {"dns", "calendar"};
static const char *const every_service[] = {"webui", "dns", "ntp", "mail", "calendar", "files"};
static const char *const only_dns[] = {"dns"};
static const char *const only_calendar[] = {"calendar"};

static struct cell_state vpn_state(const struct wg_peer_view *peers, unsigned n) {
        return (struct cell_state){
                .profile = "dev",
                .port_dns = 5353,
                .zone = "mycell.cell",
                .service_ips = services,
                .n_service_ips = ELEMENTSOF(services),
                .unbound_dir = "/var/lib/pic/config/unbound",
                .unbound_control_socket = "/var/lib/pic/run/unbound/control.sock",
                .wg_interface = "pic0",
                .vpn_address = "10.0.0.1/24",
                .wg_peers = peers,
                .n_wg_peers = n,
        };
}

static char *render_conf(const struct cell_state *st) {
        struct buf out = BUF_INIT;
        int r = render_unbound_conf(st, &out);
        if (r < 0)
                fail_msg("render_unbound_conf: %s", strerror(-r));
        return buf_steal(&out);
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The view clauses of a rendered file (line by line: strstr in a loop
 * is quadratic under ASan, which measures the haystack each call). */
static size_t count_views(const char *text) {
        size_t n = 0;
        for (const char *p = text; *p;) {
                size_t len = strcspn(p, "\n");
                n += len == 5 && memcmp(p, "view:", 5) == 0;
                p += len + (p[len] == '\n');
        }
        return n;
}

/* ---- names ---- */

static void test_view_name(void **state) {
        (void)state;
        char name[UNBOUND_VIEW_NAME_SIZE];
        assert_int_equal(unbound_view_name("10.0.0.5", name), 0);
        assert_string_equal(name, "vpn-10.0.0.5");
        assert_int_equal(unbound_view_name("255.255.255.255", name), 0);
        assert_string_equal(name, "vpn-255.255.255.255");
        static const char *const bad[] = {"10.0.0.05", "10.0.0", "::1", "10.0.0.5 ", "10.0.0.5\n", ""};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(unbound_view_name(bad[i], name), -EINVAL);
        assert_int_equal(unbound_view_name(NULL, name), -EINVAL);
}

static void test_denied_names(void **state) {
        (void)state;
        struct wg_peer_view p = {.name = "a", .ip = "10.0.0.2", .services = dns_calendar, .n_services = 2,
                                 .enabled = true};
        struct cell_state st = vpn_state(&p, 1);
        char **names = NULL;
        size_t n = 0;
        assert_int_equal(render_unbound_denied_names(&st, &p, &names, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(names[0], "files.mycell.cell.");
        assert_string_equal(names[1], "mail.mycell.cell.");
        assert_string_equal(names[2], "ntp.mycell.cell.");
        assert_string_equal(names[3], "webui.mycell.cell.");
        assert_null(names[4]);
        free(names);
        /* Disabled: every service hidden. */
        p.enabled = false;
        assert_int_equal(render_unbound_denied_names(&st, &p, &names, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(names[0], "calendar.mycell.cell.");
        free(names);
        /* Everything allowed: nothing hidden. */
        p = (struct wg_peer_view){.name = "a", .ip = "10.0.0.2", .services = every_service, .n_services = 6,
                                  .enabled = true};
        assert_int_equal(render_unbound_denied_names(&st, &p, &names, &n), 0);
        assert_int_equal(n, 0);
        assert_null(names[0]);
        free(names);
        p.services = NULL;
        assert_int_equal(render_unbound_denied_names(&st, &p, &names, &n), -EINVAL);
        st.zone = "bad zone";
        p.services = every_service;
        assert_int_equal(render_unbound_denied_names(&st, &p, &names, &n), -EINVAL);
}

/* ---- the delta ---- */

static void test_delta_one_peer(void **state) {
        (void)state;
        struct wg_peer_view peers[] = {
                {.name = "alice", .ip = "10.0.0.2", .services = dns_calendar, .n_services = 2, .enabled = true},
                {.name = "bob", .ip = "10.0.0.3", .services = every_service, .n_services = 6, .enabled = true},
        };
        struct cell_state st = vpn_state(peers, ELEMENTSOF(peers));
        _cleanup_free_ char *before = render_conf(&st);
        peers[0].services = only_calendar;
        peers[0].n_services = 1;
        peers[1].enabled = false;
        _cleanup_free_ char *after = render_conf(&st);

        struct unbound_view_delta d;
        assert_int_equal(unbound_view_delta_compute(before, after, &d), 0);
        assert_false(d.rest_differs);
        assert_int_equal(d.n_remove, 0);
        assert_int_equal(d.n_add, 7);
        assert_string_equal(buf_str(&d.add), "vpn-10.0.0.2 dns.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 calendar.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 dns.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 files.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 mail.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 ntp.mycell.cell. always_nxdomain\n"
                                             "vpn-10.0.0.3 webui.mycell.cell. always_nxdomain\n");
        unbound_view_delta_release(&d);

        /* The way back, and a peer removed: its view is empty again. */
        _cleanup_free_ char *gone = render_conf(&(struct cell_state){.profile = "dev", .port_dns = 5353,
                                                                    .zone = "mycell.cell",
                                                                    .service_ips = services,
                                                                    .n_service_ips = ELEMENTSOF(services),
                                                                    .unbound_dir = st.unbound_dir,
                                                                    .unbound_control_socket =
                                                                            st.unbound_control_socket,
                                                                    .wg_interface = "pic0",
                                                                    .vpn_address = "10.0.0.1/24"});
        assert_int_equal(unbound_view_delta_compute(before, gone, &d), 0);
        assert_false(d.rest_differs);
        assert_int_equal(d.n_add, 0);
        assert_int_equal(d.n_remove, 4);
        assert_string_equal(buf_str(&d.remove), "vpn-10.0.0.2 files.mycell.cell.\n"
                                                "vpn-10.0.0.2 mail.mycell.cell.\n"
                                                "vpn-10.0.0.2 ntp.mycell.cell.\n"
                                                "vpn-10.0.0.2 webui.mycell.cell.\n");
        unbound_view_delta_release(&d);

        /* The same file: nothing to do. */
        assert_int_equal(unbound_view_delta_compute(before, before, &d), 0);
        assert_false(d.rest_differs);
        assert_int_equal(d.n_add + d.n_remove, 0);
        unbound_view_delta_release(&d);
}

static void test_delta_rest_differs(void **state) {
        (void)state;
        struct wg_peer_view peer = {.name = "a", .ip = "10.0.0.2", .services = only_dns, .n_services = 1,
                                    .enabled = true};
        struct cell_state st = vpn_state(&peer, 1);
        _cleanup_free_ char *before = render_conf(&st);
        struct cell_state changed[3] = {st, st, st};
        changed[0].port_dns = 5354;
        changed[1].vpn_address = "10.0.0.1/25";
        changed[2].wg_interface = "";
        for (size_t i = 0; i < ELEMENTSOF(changed); i++) {
                _cleanup_free_ char *after = render_conf(&changed[i]);
                struct unbound_view_delta d;
                assert_int_equal(unbound_view_delta_compute(before, after, &d), 0);
                assert_true(d.rest_differs);
                assert_int_equal(d.n_add + d.n_remove + d.add.len + d.remove.len, 0);
                unbound_view_delta_release(&d);
        }
        /* A local zone of the server (not of a view) is the rest too. */
        struct unbound_view_delta d;
        assert_int_equal(unbound_view_delta_compute("server:\n  local-zone: \"a.\" static\n",
                                                    "server:\n  local-zone: \"b.\" static\n", &d),
                         0);
        assert_true(d.rest_differs);
        unbound_view_delta_release(&d);
        /* A file cut short, or longer. */
        assert_int_equal(unbound_view_delta_compute("server:\n", "server:\nview:\n", &d), 0);
        assert_true(d.rest_differs);
        unbound_view_delta_release(&d);
}

static void test_delta_by_hand(void **state) {
        (void)state;
        struct unbound_view_delta d;
        /* Order within a view and blanks at the end of a line do not
         * matter; a line given twice is one command; a changed type is
         * a removal and an addition. */
        const char *a = "server:\n"
                        "# a comment\n"
                        "view:\n  name: \"v1\"\n"
                        "  local-zone: \"x.z.\" always_nxdomain\n"
                        "  local-zone: \"y.z.\" always_nxdomain\n"
                        "view:\n  name: \"v2\"\n"
                        "  local-zone: \"x.z.\" always_refuse\n";
        const char *b = "server:\n"
                        "# a comment\n"
                        "view:\n  name: \"v1\"\n"
                        "  local-zone: \"y.z.\" always_nxdomain  \n"
                        "  local-zone: \"x.z.\"\talways_nxdomain\n"
                        "  local-zone: \"x.z.\" always_nxdomain\n"
                        "view:\n  name: \"v2\"\n"
                        "  local-zone: \"x.z.\" always_nxdomain\n"
                        "  local-zone: \"w.z.\" always_nxdomain\n"
                        "  local-zone: \"w.z.\" always_nxdomain";
        assert_int_equal(unbound_view_delta_compute(a, b, &d), 0);
        assert_false(d.rest_differs);
        assert_string_equal(buf_str(&d.remove), "v2 x.z.\n");
        assert_string_equal(buf_str(&d.add), "v2 x.z. always_nxdomain\nv2 w.z. always_nxdomain\n");
        assert_int_equal(d.n_remove, 1);
        assert_int_equal(d.n_add, 2);
        unbound_view_delta_release(&d);
        /* The same name in two views is two different zones. */
        assert_int_equal(unbound_view_delta_compute("view:\n  name: \"v1\"\n  local-zone: \"x.\" t\n"
                                                    "view:\n  name: \"v2\"\n",
                                                    "view:\n  name: \"v1\"\n"
                                                    "view:\n  name: \"v2\"\n  local-zone: \"x.\" t\n",
                                                    &d),
                         0);
        assert_false(d.rest_differs);
        assert_string_equal(buf_str(&d.remove), "v1 x.\n");
        assert_string_equal(buf_str(&d.add), "v2 x. t\n");
        unbound_view_delta_release(&d);

        /* What cannot go on a command line, or does not parse, is refused. */
        static const char *const bad[] = {
                "view:\n  local-zone: \"x.\" always_nxdomain\n",            /* before the name */
                "view:\n  name: \"v 1\"\n",                                  /* a blank in the name */
                "view:\n  name: v1\n",                                       /* unquoted */
                "view:\n  name: \"v1\"\n  local-zone: \"x y.\" always_nxdomain\n",
                "view:\n  name: \"v1\"\n  local-zone: \"x.\"always_nxdomain\n",
                "view:\n  name: \"v1\"\n  local-zone: \"x.\" \n",
                "view:\n  name: \"v1\"\n  local-zone: \"x.\n",
                "view:\n  name: \"v1\"\n  local-zone: \"x.\" always nxdomain\n",
                "view:\n  name: \"v1\"\n  local-zone: \"x;.\" always_nxdomain\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (unbound_view_delta_compute(bad[i], bad[i], &d) != -EINVAL)
                        fail_msg("bad[%zu] was not refused", i);
        }
}

/* 10,000 peers in a /16: views for the first four blocks of 4,096 hosts
 * (the highest peer's block and a spare one), 16,383 without the cell's;
 * one peer's change is found in linear time, and is one command. */
static void test_large(void **state) {
        (void)state;
        enum { N = 10000 };
        struct wg_peer_view *peers = calloc(N, sizeof *peers);
        char(*names)[16] = calloc(N, sizeof *names);
        char(*ips)[16] = calloc(N, sizeof *ips);
        assert_true(peers && names && ips);
        for (int i = 0; i < N; i++) {
                snprintf(names[i], sizeof names[i], "p%d", i);
                snprintf(ips[i], sizeof ips[i], "10.0.%d.%d", (i + 2) / 256, (i + 2) % 256);
                peers[i] = (struct wg_peer_view){.name = names[i], .ip = ips[i], .services = dns_calendar,
                                                 .n_services = 2, .enabled = true};
        }
        struct cell_state st = vpn_state(peers, N);
        st.vpn_address = "10.0.0.1/16";
        double t0 = now_ms();
        _cleanup_free_ char *before = render_conf(&st);
        double t_render = now_ms() - t0;
        peers[4242].services = every_service;
        peers[4242].n_services = 6;
        _cleanup_free_ char *after = render_conf(&st);

        struct unbound_view_delta d;
        t0 = now_ms();
        assert_int_equal(unbound_view_delta_compute(before, after, &d), 0);
        double t_delta = now_ms() - t0;
        assert_false(d.rest_differs);
        assert_int_equal(d.n_add, 0);
        assert_int_equal(d.n_remove, 4);
        assert_string_equal(buf_str(&d.remove), "vpn-10.0.16.148 files.mycell.cell.\n"
                                                "vpn-10.0.16.148 mail.mycell.cell.\n"
                                                "vpn-10.0.16.148 ntp.mycell.cell.\n"
                                                "vpn-10.0.16.148 webui.mycell.cell.\n");
        unbound_view_delta_release(&d);
        assert_int_equal(count_views(before), 16383);
        printf("# a /16 with %d peers: unbound.conf %zu bytes, rendered in %.1f ms, "
               "one peer's delta in %.1f ms\n",
               N, strlen(before), t_render, t_delta);
        /* A figure, not a check (tests assert no timings): about 32 ms in
         * a release build here. */

        /* Every peer disabled: 20,000 commands, all found. */
        for (int i = 0; i < N; i++)
                peers[i].enabled = false;
        _cleanup_free_ char *off = render_conf(&st);
        assert_int_equal(unbound_view_delta_compute(before, off, &d), 0);
        assert_int_equal(d.n_add, 2 * N);
        unbound_view_delta_release(&d);
        free(peers);
        free(names);
        free(ips);
}

/* The views grow a block at a time with the highest peer; a peer that
 * lands in the spare block (or past the views) is the one that makes
 * them grow, which only a reload applies. */
static void test_views_grow(void **state) {
        (void)state;
        struct wg_peer_view peers[] = {
                {.name = "a", .ip = "10.0.0.2", .services = only_dns, .n_services = 1, .enabled = true},
                {.name = "b", .ip = "10.0.15.255", .services = only_dns, .n_services = 1, .enabled = true},
        };
        struct cell_state st = vpn_state(peers, ELEMENTSOF(peers));
        st.vpn_address = "10.0.0.1/16";
        /* Highest peer 10.0.15.255, host 4094: block 0, so blocks 0 and 1. */
        _cleanup_free_ char *conf = render_conf(&st);
        assert_int_equal(count_views(conf), 8191);
        assert_non_null(strstr(conf, "\"vpn-10.0.32.0\""));  /* host 8191 */
        assert_null(strstr(conf, "\"vpn-10.0.32.1\""));      /* host 8192 */
        assert_false(render_unbound_views_grow(&st, "10.0.16.0"));  /* host 4095: block 0 still */
        assert_true(render_unbound_views_grow(&st, "10.0.16.1"));   /* host 4096: the spare block */
        assert_true(render_unbound_views_grow(&st, "10.0.200.1"));  /* past the views */
        assert_false(render_unbound_views_grow(&st, "10.0.0.9"));   /* below the highest */
        assert_false(render_unbound_views_grow(&st, "10.1.0.9"));   /* outside the subnet: no view at all */
        st.n_wg_peers = 0;
        _cleanup_free_ char *empty = render_conf(&st);
        assert_int_equal(count_views(empty), 8191);
        /* A /24 is one block, whole. */
        st.vpn_address = "10.0.0.1/24";
        _cleanup_free_ char *small = render_conf(&st);
        assert_int_equal(count_views(small), 253);
        assert_false(render_unbound_views_grow(&st, "10.0.0.254"));
        st.wg_interface = "";
        assert_false(render_unbound_views_grow(&st, "10.0.0.254"));
}

/* A subnet larger than a /16: views for its first 65,534 hosts, and for
 * a peer given an address beyond them. */
static void test_wide_subnet(void **state) {
        (void)state;
        struct wg_peer_view peers[] = {
                {.name = "far", .ip = "10.200.0.5", .services = only_dns, .n_services = 1, .enabled = true},
                {.name = "near", .ip = "10.0.0.2", .services = only_dns, .n_services = 1, .enabled = true},
                {.name = "out", .ip = "11.0.0.2", .services = only_dns, .n_services = 1, .enabled = true},
        };
        struct cell_state st = vpn_state(peers, ELEMENTSOF(peers));
        st.vpn_address = "10.0.0.1/8";
        _cleanup_free_ char *conf = render_conf(&st);
        /* 65,534 hosts but the cell's, and the far peer. */
        assert_int_equal(count_views(conf), 65534);
        assert_non_null(strstr(conf, "access-control: 10.0.0.0/8 allow\n"));
        assert_non_null(strstr(conf, "access-control-view: 10.0.255.254/32 \"vpn-10.0.255.254\"\n"));
        assert_null(strstr(conf, "\"vpn-10.1.0.0\""));
        assert_non_null(strstr(conf, "view:\n  name: \"vpn-10.200.0.5\"\n  view-first: yes\n"
                                     "  local-zone: \"calendar.mycell.cell.\" always_nxdomain\n"));
        assert_null(strstr(conf, "vpn-11.0.0.2"));
        assert_null(strstr(conf, "\"vpn-10.0.0.1\""));
}

/* ---- a live Unbound ---- */

struct live {
        char *dir;
        char *run_dir;
        pid_t pid;
        uint16_t port;
        char *conf;
        struct wg_peer_view peers[2];
        struct peer_name_view names[2];
        struct cell_state st;
};


static int run_in(const char *dir, char *const argv[], char **ret_output) {
        _cleanup_free_ char *home = NULL;
        assert_true(asprintf(&home, "HOME=%s", dir) > 0);
        char *const envp[] = {home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
        struct exec_result res = {0};
        int r = exec_run(argv, envp, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.timed_out || res.signal ? -1 : res.exit_code;
        if (ret_output) {
                *ret_output = res.output;
                res.output = NULL;
        }
        exec_result_release(&res);
        return code;
}

static void write_text(const char *dir, const char *name, const struct buf *b) {
        _cleanup_free_ char *path = test_path(dir, name);
        write_file(path, buf_str(b), b->len);
}

/* Writes both files of l->st into l->dir. */
static void write_conf(struct live *l) {
        struct buf conf = BUF_INIT, data = BUF_INIT;
        assert_int_equal(render_unbound_conf(&l->st, &conf), 0);
        assert_int_equal(render_unbound_local_data(&l->st, &data), 0);
        write_text(l->dir, "unbound.conf", &conf);
        write_text(l->dir, "local-data.conf", &data);
        buf_release(&conf);
        buf_release(&data);
}


static int live_teardown(void **state) {
        struct live *l = *state;
        if (!l)
                return 0;
        test_daemon_stop(l->pid);
        free(l->conf);
        free(l->run_dir);
        free((char *)l->st.unbound_control_socket);
        test_rmdir(l->dir);
        free(l);
        return 0;
}

static bool unbound_answers(void *userdata) {
        struct live *l = userdata;
        char *const argv[] = {CONTROL_BIN, "-c", l->conf, "status", NULL};
        _cleanup_free_ char *output = NULL;
        return run_in(l->dir, argv, &output) == 0;
}

/* The VPN is 127.0.0.8/29 with the cell at 127.0.0.9: a query from
 * 127.0.0.10 is alice's, from 127.0.0.11 bob's, and 127.0.0.12 has an
 * empty view. Unbound listens on 127.0.0.1 and on the cell's address. */
static int live_setup(void **state) {
        struct live *l = calloc(1, sizeof *l);
        assert_non_null(l);
        *state = l;
        l->dir = test_tmpdir();
        l->run_dir = test_path(l->dir, "run");
        assert_int_equal(mkdir(l->run_dir, 0700), 0);
        l->port = test_free_port();
        l->peers[0] = (struct wg_peer_view){.name = "alice", .ip = "127.0.0.10", .services = only_dns,
                                            .n_services = 1, .enabled = true};
        l->peers[1] = (struct wg_peer_view){.name = "bob", .ip = "127.0.0.11", .services = every_service,
                                            .n_services = 6, .enabled = true};
        l->names[0] = (struct peer_name_view){"alice", "127.0.0.10"};
        l->names[1] = (struct peer_name_view){"bob", "127.0.0.11"};
        l->st = vpn_state(l->peers, 2);
        l->st.peers = l->names;
        l->st.n_peers = 2;
        l->st.port_dns = l->port;
        l->st.vpn_address = "127.0.0.9/29";
        l->st.unbound_dir = l->dir;
        l->st.unbound_control_socket = test_path(l->run_dir, "control.sock");
        write_conf(l);
        l->conf = test_path(l->dir, "unbound.conf");

        _cleanup_free_ char *log = test_path(l->dir, "unbound.log");
        char *const argv[] = {UNBOUND_BIN, "-d", "-c", l->conf, NULL};
        l->pid = test_daemon_start(argv, log);
        test_daemon_wait_ready(&l->pid, log, "unbound", START_TIMEOUT_MS, unbound_answers, l);
        return 0;
}

/* What a query for name from source gets: "NXDOMAIN", the address of
 * the first A record, or another status. */
static char *ask(const struct live *l, const char *source, const char *name) {
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)l->port);
        char *const argv[] = {DIG_BIN,   "-b",        (char *)source, "@127.0.0.1", "-p", port, "+time=3",
                              "+tries=2", "+noall", "+comments",    "+answer",   (char *)name, "A", NULL};
        _cleanup_free_ char *out = NULL;
        int code = run_in(l->dir, argv, &out);
        if (code != 0)
                fail_msg("dig -b %s %s exited with %d: %s", source, name, code, out ? out : "");
        const char *status = strstr(out, "status: ");
        if (!status)
                fail_msg("dig -b %s %s: no status in %s", source, name, out);
        if (strncmp(status, "status: NXDOMAIN", 16) == 0)
                return strdup("NXDOMAIN");
        const char *a = strstr(out, "\tA\t");
        if (!a || strncmp(status, "status: NOERROR", 15) != 0)
                return strndup(status, strcspn(status, ","));
        return strndup(a + 3, strcspn(a + 3, "\n"));
}

static void expect_answer(const struct live *l, const char *source, const char *service, const char *want) {
        _cleanup_free_ char *name = NULL;
        assert_true(asprintf(&name, "%s.mycell.cell.", service) > 0);
        _cleanup_free_ char *got = ask(l, source, name);
        if (!streq(got, want))
                fail_msg("%s asking %s: got %s, want %s", source, name, got, want);
}

static void test_live(void **state) {
        struct live *l = *state;
        const char *alice = "127.0.0.10", *bob = "127.0.0.11", *nobody = "127.0.0.12";
        /* From the start (the file): alice sees dns only, bob all. */
        expect_answer(l, alice, "dns", "172.20.0.2");
        expect_answer(l, alice, "calendar", "NXDOMAIN");
        expect_answer(l, alice, "webui", "NXDOMAIN");
        expect_answer(l, bob, "calendar", "172.20.0.5");
        expect_answer(l, nobody, "calendar", "172.20.0.5");
        expect_answer(l, "127.0.0.1", "files", "172.20.0.6");
        /* The other names of the zone stay visible: a peer's, say. */
        _cleanup_free_ char *peer_name = ask(l, alice, "bob.peers.mycell.cell.");
        assert_string_equal(peer_name, "127.0.0.11");

        /* The fast path: alice gets calendar, loses dns. */
        char view[UNBOUND_VIEW_NAME_SIZE];
        assert_int_equal(unbound_view_name(alice, view), 0);
        char **before = NULL, **after = NULL;
        size_t n_before, n_after;
        assert_int_equal(render_unbound_denied_names(&l->st, &l->peers[0], &before, &n_before), 0);
        l->peers[0].services = only_calendar;
        assert_int_equal(render_unbound_denied_names(&l->st, &l->peers[0], &after, &n_after), 0);
        _cleanup_free_ char *message = NULL;
        double t0 = now_ms();
        int r = unbound_view_denies_apply(l->st.unbound_control_socket, view, (const char *const *)before, n_before,
                                          (const char *const *)after, n_after, &message);
        double t_fast = now_ms() - t0;
        if (r < 0)
                fail_msg("unbound_view_denies_apply: %s", message ? message : strerror(-r));
        printf("# one peer's view changed (2 commands) in %.2f ms\n", t_fast);
        expect_answer(l, alice, "calendar", "172.20.0.5");
        expect_answer(l, alice, "dns", "NXDOMAIN");
        expect_answer(l, alice, "webui", "NXDOMAIN");
        expect_answer(l, bob, "dns", "172.20.0.2");
        /* And back. */
        assert_int_equal(unbound_view_denies_apply(l->st.unbound_control_socket, view, (const char *const *)after,
                                                   n_after, (const char *const *)before, n_before, NULL),
                         0);
        expect_answer(l, alice, "calendar", "NXDOMAIN");
        expect_answer(l, alice, "dns", "172.20.0.2");
        free(before);
        free(after);
        l->peers[0].services = only_dns;

        /* A view Unbound does not have: refused, with its words. */
        const char *one[] = {"dns.mycell.cell."};
        r = unbound_view_denies_apply(l->st.unbound_control_socket, "vpn-10.9.9.9", NULL, 0, one, 1, &message);
        assert_int_equal(r, -EPROTO);
        assert_non_null(strstr(message, "no view with name"));
        free(TAKE_PTR(message));
        assert_int_equal(unbound_view_denies_apply(l->st.unbound_control_socket, "a view", NULL, 0, one, 1, NULL),
                         -EINVAL);

        /* The adapter: unbound.conf re-rendered for bob disabled and alice
         * with calendar goes in live (0: no check, no reload). */
        struct service_env env = {.cell_dir = l->dir, .state = &l->st, .config_dir = l->dir, .run_dir = l->run_dir};
        _cleanup_free_ char *old_text = render_conf(&l->st);
        l->peers[0].services = dns_calendar;
        l->peers[0].n_services = 2;
        l->peers[1].enabled = false;
        _cleanup_free_ char *new_text = render_conf(&l->st);
        struct changed_file c = {.name = "unbound.conf", .path = l->conf, .old_text = old_text, .new_text = new_text};
        assert_int_equal(unbound_adapter.apply_live(&env, &c, &message), 0);
        expect_answer(l, alice, "calendar", "172.20.0.5");
        expect_answer(l, alice, "dns", "172.20.0.2");
        expect_answer(l, alice, "files", "NXDOMAIN");
        expect_answer(l, bob, "dns", "NXDOMAIN");
        expect_answer(l, bob, "files", "NXDOMAIN");
        expect_answer(l, nobody, "files", "172.20.0.6");

        /* Anything else changed: not live (1: check and reload). */
        struct cell_state other = l->st;
        other.port_dns = (uint16_t)(l->port + 1);
        _cleanup_free_ char *moved = render_conf(&other);
        c = (struct changed_file){.name = "unbound.conf", .path = l->conf, .old_text = new_text, .new_text = moved};
        assert_int_equal(unbound_adapter.apply_live(&env, &c, &message), 1);
        /* A view the running Unbound lacks: not live either. */
        _cleanup_free_ char *ghost_old = NULL, *ghost_new = NULL;
        assert_true(asprintf(&ghost_old, "%sview:\n  name: \"vpn-ghost\"\n", new_text) > 0);
        assert_true(asprintf(&ghost_new, "%s  local-zone: \"dns.mycell.cell.\" always_nxdomain\n", ghost_old) > 0);
        c = (struct changed_file){.name = "unbound.conf", .path = l->conf, .old_text = ghost_old, .new_text = ghost_new};
        assert_int_equal(unbound_adapter.apply_live(&env, &c, &message), 1);
        assert_null(message);
        expect_answer(l, alice, "dns", "172.20.0.2");
}

int main(void) {
        bool have_live = access(UNBOUND_BIN, X_OK) == 0 && access(CONTROL_BIN, X_OK) == 0 && access(DIG_BIN, X_OK) == 0;
        if (!have_live)
                printf("# unbound, unbound-control or dig not installed: skipping the live test\n");
        struct CMUnitTest tests[] = {
                cmocka_unit_test(test_view_name),
                cmocka_unit_test(test_denied_names),
                cmocka_unit_test(test_delta_one_peer),
                cmocka_unit_test(test_delta_rest_differs),
                cmocka_unit_test(test_delta_by_hand),
                cmocka_unit_test(test_large),
                cmocka_unit_test(test_views_grow),
                cmocka_unit_test(test_wide_subnet),
                cmocka_unit_test_setup_teardown(test_live, live_setup, live_teardown),
        };
        size_t n = ELEMENTSOF(tests) - (have_live ? 0 : 1);
        return _cmocka_run_group_tests("unbound_views", tests, n, NULL, NULL);
}
