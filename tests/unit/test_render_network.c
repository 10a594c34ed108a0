/* Golden tests for the LAN services' renderers: tests/golden/dnsmasq/<case>/
 * holds state.json and the expected dnsmasq.conf and reservations,
 * tests/golden/chrony/<case>/ state.json and chrony.conf; UPDATE_GOLDEN=1
 * rewrites the expected files. When the daemon is installed, every
 * rendering must pass its own check:
 *   dnsmasq --test --conf-file=FILE   parses the options only; it never
 *       opens the dhcp-hostsfile, so the reservations are checked as the
 *       dhcp-host lines of a second file;
 *   chronyd -p -f FILE                parses the directives and prints them;
 *       it takes a bad subnet or an unusable socket directory, so one case
 *       is also run for real (-x) and asked with chronyc.
 * The refusals are in test_render_network_rejects.c. */
#include "testutil.h"
#include "golden.h"
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/buf.h"
#include "common/cidr.h"
#include "common/exec.h"
#include "render/render.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/golden"
#endif

#define DNSMASQ_BIN "/usr/sbin/dnsmasq"
#define CHRONYD_BIN "/usr/sbin/chronyd"
#define CHRONYC_BIN "/usr/bin/chronyc"
#define RUN_TIMEOUT_MS 30000u
#define START_TIMEOUT_MS 10000u
#define MAX_FILES 2

typedef int (*render_fn)(const struct cell_state *st, struct buf *out);

/* A daemon's renderers and the files they write, in the same order. */
struct daemon {
        const char *name; /* its folder under GOLDEN_DIR */
        const char *binary;
        size_t n_files;
        const char *files[MAX_FILES];
        render_fn render[MAX_FILES];
};

static const struct daemon dnsmasq = {
        "dnsmasq", DNSMASQ_BIN, 2, {"dnsmasq.conf", "reservations"},
        {render_dnsmasq_conf, render_dnsmasq_reservations},
};
static const struct daemon chrony = {"chrony", CHRONYD_BIN, 1, {"chrony.conf"}, {render_chrony_conf}};

struct golden_case {
        const struct daemon *daemon;
        char *name;
        char *dir; /* GOLDEN_DIR/<daemon>/<name> */
};

/* ---- files ---- */

/* ---- state.json ---- */

/* cell_state borrows its strings from the JSON and its arrays from here. */
struct loaded_state {
        json_t *json;
        struct dhcp_reservation_view *reservations;
        const char **servers;
        const char **allow;
        struct cell_state st;
};

static void loaded_state_release(struct loaded_state *l) {
        json_decref(l->json);
        free(l->reservations);
        free(l->servers);
        free(l->allow);
        *l = (struct loaded_state){0};
}

/* A misspelt key would silently leave a field empty: refuse it. */
static void only_keys(json_t *obj, const char *const *known, size_t n, const char *where) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool found = false;
                for (size_t i = 0; i < n; i++)
                        found = found || streq(key, known[i]);
                if (!found)
                        fail_msg("%s: unknown key '%s'", where, key);
        }
}

static const char *str_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (v && !json_is_string(v))
                fail_msg("state.json: '%s' must be a string", key);
        return v ? json_string_value(v) : NULL;
}

static long long int_field(json_t *obj, const char *key, long long max) {
        json_t *v = json_object_get(obj, key);
        if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max))
                fail_msg("state.json: '%s' must be an integer from 0 to %lld", key, max);
        return v ? json_integer_value(v) : 0;
}

/* The strings of an array field, in a NULL-terminated array of its own. */
static const char **str_array(json_t *obj, const char *key, unsigned *ret_n) {
        json_t *a = json_object_get(obj, key);
        if (a && !json_is_array(a))
                fail_msg("state.json: '%s' must be an array", key);
        const char **out = calloc(json_array_size(a) + 1, sizeof *out);
        assert_non_null(out);
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v) {
                if (!json_is_string(v))
                        fail_msg("state.json: '%s' holds strings", key);
                out[i] = json_string_value(v);
        }
        *ret_n = (unsigned)json_array_size(a);
        return out;
}

static void load_state(const char *dir, struct loaded_state *ret) {
        static const char *const known[] = {
                "profile",        "zone",           "dhcp_enabled",       "port_dhcp",         "dhcp_interface",
                "dhcp_range_start", "dhcp_range_end", "dhcp_netmask",     "dhcp_router",       "dhcp_dns_server",
                "dhcp_lease_seconds", "dhcp_reservations", "dnsmasq_dir", "dnsmasq_lease_file", "dnsmasq_user",
                "port_ntp",       "ntp_servers",    "ntp_local_stratum",  "ntp_allow",         "vpn_subnet",
                "lan_subnet",     "chrony_dir",     "chrony_socket",      "chrony_pid_file",   "chrony_drift_file",
        };
        static const char *const reservation_keys[] = {"mac", "ip", "name"};

        _cleanup_free_ char *path = test_path(dir, "state.json");
        json_error_t err;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        assert_true(json_is_object(j));
        only_keys(j, known, ELEMENTSOF(known), path);

        struct loaded_state l = {.json = j};
        json_t *res = json_object_get(j, "dhcp_reservations");
        if (res && !json_is_array(res))
                fail_msg("%s: dhcp_reservations must be an array", path);
        l.reservations = calloc(json_array_size(res) + 1, sizeof *l.reservations);
        assert_non_null(l.reservations);
        size_t i;
        json_t *v;
        json_array_foreach(res, i, v) {
                assert_true(json_is_object(v));
                only_keys(v, reservation_keys, ELEMENTSOF(reservation_keys), path);
                l.reservations[i] = (struct dhcp_reservation_view){
                        .mac = str_field(v, "mac"), .ip = str_field(v, "ip"), .name = str_field(v, "name")};
        }
        json_t *enabled = json_object_get(j, "dhcp_enabled");
        if (enabled && !json_is_boolean(enabled))
                fail_msg("%s: dhcp_enabled must be a boolean", path);

        unsigned n_servers, n_allow;
        l.servers = str_array(j, "ntp_servers", &n_servers);
        l.allow = str_array(j, "ntp_allow", &n_allow);
        l.st = (struct cell_state){
                .profile = str_field(j, "profile"),
                .zone = str_field(j, "zone"),
                .dhcp_enabled = json_is_true(enabled),
                .port_dhcp = (uint16_t)int_field(j, "port_dhcp", 65535),
                .dhcp_interface = str_field(j, "dhcp_interface"),
                .dhcp_range_start = str_field(j, "dhcp_range_start"),
                .dhcp_range_end = str_field(j, "dhcp_range_end"),
                .dhcp_netmask = str_field(j, "dhcp_netmask"),
                .dhcp_router = str_field(j, "dhcp_router"),
                .dhcp_dns_server = str_field(j, "dhcp_dns_server"),
                .dhcp_lease_seconds = (uint32_t)int_field(j, "dhcp_lease_seconds", UINT32_MAX),
                .dhcp_reservations = l.reservations,
                .n_dhcp_reservations = (unsigned)json_array_size(res),
                .dnsmasq_dir = str_field(j, "dnsmasq_dir"),
                .dnsmasq_lease_file = str_field(j, "dnsmasq_lease_file"),
                .dnsmasq_user = str_field(j, "dnsmasq_user"),
                .port_ntp = (uint16_t)int_field(j, "port_ntp", 65535),
                .ntp_servers = l.servers,
                .n_ntp_servers = n_servers,
                .ntp_local_stratum = (unsigned)int_field(j, "ntp_local_stratum", 255),
                .ntp_allow = l.allow,
                .n_ntp_allow = n_allow,
                .vpn_subnet = str_field(j, "vpn_subnet"),
                .lan_subnet = str_field(j, "lan_subnet"),
                .chrony_dir = str_field(j, "chrony_dir"),
                .chrony_socket = str_field(j, "chrony_socket"),
                .chrony_pid_file = str_field(j, "chrony_pid_file"),
                .chrony_drift_file = str_field(j, "chrony_drift_file"),
        };
        *ret = l;
}

/* Renders st into out[0..n_files). */
static void render_state(const struct daemon *d, const char *name, const struct cell_state *st,
                         struct buf out[MAX_FILES]) {
        for (size_t i = 0; i < d->n_files; i++) {
                out[i] = (struct buf)BUF_INIT;
                int r = d->render[i](st, &out[i]);
                if (r < 0)
                        fail_msg("%s: rendering %s failed: %s", name, d->files[i], strerror(-r));
        }
}

static void render_case(const struct golden_case *c, struct buf out[MAX_FILES]) {
        struct loaded_state l;
        load_state(c->dir, &l);
        render_state(c->daemon, c->name, &l.st, out);
        loaded_state_release(&l);
}

static void release_all(struct buf out[MAX_FILES]) {
        for (size_t i = 0; i < MAX_FILES; i++)
                buf_release(&out[i]);
}

/* ---- comparing ---- */

/* ---- running programs ---- */

/* Runs argv through the one exec helper; returns its exit code, and its
 * output in *ret_output when asked for, else prints it when the code is
 * not 0. */
static int run(char *const argv[], char **ret_output) {
        char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
        struct exec_result res = {0};
        int r = exec_run(argv, envp, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.timed_out || res.signal ? -1 : res.exit_code;
        if (ret_output) {
                *ret_output = res.output;
                res.output = NULL;
        } else if (code != 0) {
                const char *text = res.output ? res.output : "";
                fprintf(stderr, "# %s: exit code %d, signal %d%s; its output:\n", argv[0], res.exit_code, res.signal,
                        res.timed_out ? ", timed out" : "");
                print_lines(' ', text, strlen(text), 0, 200);
        }
        exec_result_release(&res);
        return code;
}

/* The state with every path of the daemons inside dir, so that a check or
 * a run finds (and may create) them there. The strings live in keep. */
struct tmp_paths {
        char *p[5];
};

static void tmp_paths_release(struct tmp_paths *t) {
        for (size_t i = 0; i < ELEMENTSOF(t->p); i++)
                free(t->p[i]);
}

static struct cell_state in_dir(struct cell_state st, const char *dir, struct tmp_paths *keep) {
        *keep = (struct tmp_paths){{strdup(dir), test_path(dir, "leases"), test_path(dir, "chronyd.sock"),
                                    test_path(dir, "chronyd.pid"), test_path(dir, "drift")}};
        st.dnsmasq_dir = st.chrony_dir = keep->p[0];
        st.dnsmasq_lease_file = keep->p[1];
        st.chrony_socket = keep->p[2];
        st.chrony_pid_file = keep->p[3];
        st.chrony_drift_file = keep->p[4];
        return st;
}

/* Renders st with its paths in dir and writes the files there. */
static void write_rendering(const struct daemon *d, const char *name, const struct cell_state *st, const char *dir) {
        struct buf out[MAX_FILES] = {BUF_INIT, BUF_INIT};
        render_state(d, name, st, out);
        for (size_t i = 0; i < d->n_files; i++) {
                _cleanup_free_ char *path = test_path(dir, d->files[i]);
                write_file(path, buf_str(&out[i]), out[i].len);
        }
        release_all(out);
}

/* dnsmasq reads its hosts file line by line as the values of dhcp-host:
 * the same lines after "dhcp-host=" in a config file get the same parse. */
static void write_hosts_check(const char *dir) {
        _cleanup_free_ char *hosts = test_path(dir, "reservations");
        _cleanup_free_ char *check = test_path(dir, "hosts-check.conf");
        size_t len = 0;
        _cleanup_free_ char *text = read_file_or_null(hosts, &len);
        assert_non_null(text);
        struct buf b = BUF_INIT;
        for (char *line = text, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                assert_non_null(nl); /* every line ends */
                *nl = 0;
                assert_int_equal(buf_printf(&b, "%s%s\n", line[0] == '#' ? "" : "dhcp-host=", line), 0);
        }
        write_file(check, buf_str(&b), b.len);
        buf_release(&b);
}

static int check_dnsmasq(const char *dir) {
        _cleanup_free_ char *conf = NULL, *hosts = NULL;
        assert_true(asprintf(&conf, "--conf-file=%s/dnsmasq.conf", dir) > 0);
        assert_true(asprintf(&hosts, "--conf-file=%s/hosts-check.conf", dir) > 0);
        write_hosts_check(dir);
        char *const argv_conf[] = {DNSMASQ_BIN, "--test", conf, NULL};
        char *const argv_hosts[] = {DNSMASQ_BIN, "--test", hosts, NULL};
        int code = run(argv_conf, NULL);
        return code ? code : run(argv_hosts, NULL);
}

static int check_chrony(const char *dir) {
        _cleanup_free_ char *conf = test_path(dir, "chrony.conf");
        char *const argv[] = {CHRONYD_BIN, "-p", "-f", conf, NULL};
        _cleanup_free_ char *output = NULL;
        int code = run(argv, &output);
        if (code != 0)
                fprintf(stderr, "# chronyd -p: exit code %d: %s\n", code, output ? output : "");
        return code;
}

/* ---- the golden tests ---- */

static void test_golden(void **state) {
        const struct golden_case *c = *state;
        struct buf out[MAX_FILES] = {BUF_INIT, BUF_INIT};
        render_case(c, out);

        const char *update = getenv("UPDATE_GOLDEN");
        size_t bad_line = 0;
        const char *bad_file = NULL;
        for (size_t i = 0; i < c->daemon->n_files; i++) {
                _cleanup_free_ char *path = test_path(c->dir, c->daemon->files[i]);
                if (update && streq(update, "1")) {
                        write_file(path, buf_str(&out[i]), out[i].len);
                        fprintf(stderr, "# UPDATE_GOLDEN=1: wrote %s\n", path);
                        continue;
                }
                size_t want_len = 0;
                _cleanup_free_ char *want = read_file_or_null(path, &want_len);
                if (!want) {
                        release_all(out);
                        fail_msg("%s: %s (UPDATE_GOLDEN=1 creates it)", path, strerror(errno));
                }
                size_t line = report_diff(path, want, want_len, buf_str(&out[i]), out[i].len);
                if (line && !bad_file) {
                        bad_line = line;
                        bad_file = c->daemon->files[i];
                }
        }
        release_all(out);
        if (bad_file)
                fail_msg("%s/%s: rendered %s differs at line %zu (UPDATE_GOLDEN=1 rewrites it)", c->daemon->name,
                         c->name, bad_file, bad_line);
}

static void test_twice(void **state) {
        const struct golden_case *c = *state;
        struct buf a[MAX_FILES] = {BUF_INIT, BUF_INIT}, b[MAX_FILES] = {BUF_INIT, BUF_INIT};
        render_case(c, a);
        render_case(c, b);
        bool same = true;
        for (size_t i = 0; i < c->daemon->n_files; i++)
                same = report_diff(c->daemon->files[i], buf_str(&a[i]), a[i].len, buf_str(&b[i]), b[i].len) == 0 &&
                       same;
        release_all(a);
        release_all(b);
        if (!same)
                fail_msg("%s/%s: two renderings differ", c->daemon->name, c->name);
}

static void test_check(void **state) {
        const struct golden_case *c = *state;
        struct loaded_state l;
        load_state(c->dir, &l);
        char *dir = test_tmpdir();
        struct tmp_paths keep;
        struct cell_state st = in_dir(l.st, dir, &keep);
        write_rendering(c->daemon, c->name, &st, dir);
        tmp_paths_release(&keep);
        loaded_state_release(&l);
        int code = c->daemon == &dnsmasq ? check_dnsmasq(dir) : check_chrony(dir);
        test_rmdir(dir);
        if (code != 0)
                fail_msg("%s/%s: the check exited with %d", c->daemon->name, c->name, code);
}

/* The checks are not vacuous: an unknown directive or a broken dhcp-host
 * line fails them. */
static void test_checks_fail(void **state) {
        (void)state;
        char *dir = test_tmpdir();
        _cleanup_free_ char *conf = test_path(dir, "dnsmasq.conf");
        _cleanup_free_ char *hosts = test_path(dir, "reservations");
        _cleanup_free_ char *chrony_conf = test_path(dir, "chrony.conf");
        static const char bad_conf[] = "port=0\nno-such-option\n";
        static const char bad_hosts[] = "02:00:00:00:00:01,192.168.1.10,bad_name!\n";
        static const char good_conf[] = "port=0\n";
        static const char bad_chrony[] = "cmdport 0\nno-such-directive 1\n";

        fprintf(stderr, "# The checks' complaints below are expected.\n");
        write_file(conf, bad_conf, strlen(bad_conf));
        write_file(hosts, "", 0);
        if (access(DNSMASQ_BIN, X_OK) == 0) {
                assert_int_not_equal(check_dnsmasq(dir), 0);
                write_file(conf, good_conf, strlen(good_conf));
                write_file(hosts, bad_hosts, strlen(bad_hosts));
                assert_int_not_equal(check_dnsmasq(dir), 0);
        }
        write_file(chrony_conf, bad_chrony, strlen(bad_chrony));
        if (access(CHRONYD_BIN, X_OK) == 0)
                assert_int_not_equal(check_chrony(dir), 0);
        test_rmdir(dir);
}

/* ---- a live chronyd ---- */

struct live {
        char *dir;
        char *socket;
        pid_t pid;
        struct loaded_state ls;
};

static int live_teardown(void **state) {
        struct live *l = *state;
        if (!l)
                return 0;
        test_daemon_stop(l->pid);
        loaded_state_release(&l->ls);
        free(l->socket);
        test_rmdir(l->dir);
        free(l);
        return 0;
}

/* chronyc's answer to one command, as text; fails the test unless it ran. */
static char *chronyc(const struct live *l, const char *command, const char *arg) {
        char *const argv[] = {CHRONYC_BIN, "-h", l->socket, "-n", (char *)command, (char *)arg, NULL};
        char *output = NULL;
        int code = run(argv, &output);
        if (code != 0)
                fail_msg("chronyc %s exited with %d: %s", command, code, output ? output : "");
        return output;
}

/* chronyc's tracking, answered: chronyd is ready. */
static bool chronyc_answers(void *userdata) {
        struct live *l = userdata;
        char *const tracking[] = {CHRONYC_BIN, "-h", l->socket, "-n", "tracking", NULL};
        _cleanup_free_ char *output = NULL;
        return run(tracking, &output) == 0 && output && strstr(output, "Stratum");
}

/* The dev-allow case without its servers (no network here), on a free
 * port, as its own user (-U: root is not required), the clock untouched
 * (-x); ready once chronyc answers on the socket. chronyd wants the
 * socket's directory to be its user's and closed to others: mkdtemp's. */
static int live_setup(void **state) {
        struct live *l = calloc(1, sizeof *l);
        assert_non_null(l);
        *state = l;
        l->dir = test_tmpdir();

        _cleanup_free_ char *case_dir = test_path(GOLDEN_DIR "/chrony", "dev-allow");
        load_state(case_dir, &l->ls);
        struct tmp_paths keep;
        struct cell_state st = in_dir(l->ls.st, l->dir, &keep);
        st.n_ntp_servers = 0;
        st.port_ntp = test_free_port();
        write_rendering(&chrony, "dev-allow", &st, l->dir);
        l->socket = strdup(st.chrony_socket);
        tmp_paths_release(&keep);

        struct passwd *pw = getpwuid(geteuid());
        assert_non_null(pw);
        _cleanup_free_ char *conf = test_path(l->dir, "chrony.conf");
        _cleanup_free_ char *log = test_path(l->dir, "chronyd.log");
        char *const argv[] = {CHRONYD_BIN, "-d", "-x", "-U", "-u", pw->pw_name, "-f", conf, NULL};
        l->pid = test_daemon_start(argv, log);
        test_daemon_wait_ready(&l->pid, log, "chronyd", START_TIMEOUT_MS, chronyc_answers, l);
        return 0;
}

/* An address inside the subnet: its first host, or the address of a /32. */
static void host_in(const char *subnet, char out[16]) {
        struct cidr4 c;
        assert_int_equal(cidr4_parse(subnet, &c), 0);
        ipv4_format(c.prefix == 32 ? c.addr : cidr4_network(&c) + 1, out);
}

static void expect_access(const struct live *l, const char *addr, bool allowed) {
        _cleanup_free_ char *answer = chronyc(l, "accheck", addr);
        const char *want = allowed ? "208 Access allowed" : "209 Access denied";
        if (!strstr(answer, want))
                fail_msg("accheck %s: %s, not '%s'", addr, answer, want);
}

static void test_live(void **state) {
        const struct live *l = *state;
        const struct cell_state *st = &l->ls.st;

        /* The local clock is the reference, at the stratum asked for. */
        _cleanup_free_ char *tracking = chronyc(l, "tracking", NULL);
        char want[64];
        snprintf(want, sizeof want, "Stratum         : %u\n", st->ntp_local_stratum);
        if (!strstr(tracking, want))
                fail_msg("tracking: %s, without '%s'", tracking, want);

        /* Clients from every subnet of the state, and none from elsewhere. */
        char addr[16];
        expect_access(l, "127.0.0.1", true);
        host_in(st->vpn_subnet, addr);
        expect_access(l, addr, true);
        host_in(st->lan_subnet, addr);
        expect_access(l, addr, true);
        for (unsigned i = 0; i < st->n_ntp_allow; i++) {
                host_in(st->ntp_allow[i], addr);
                expect_access(l, addr, true);
        }
        expect_access(l, "192.0.2.77", false);
        expect_access(l, "127.0.0.2", false);
}

/* ---- main ---- */

static int is_case_dir(const struct dirent *d) {
        return d->d_name[0] != '.';
}

#define MAX_CASES 64

/* Adds the golden, twice and check tests of every case of d. */
static int add_cases(const struct daemon *d, struct golden_case *cases, size_t *nc, struct CMUnitTest *tests,
                     char **names, size_t *nt) {
        _cleanup_free_ char *root = test_path(GOLDEN_DIR, d->name);
        bool have_checker = access(d->binary, X_OK) == 0;
        if (!have_checker)
                printf("# %s not installed: skipping its check\n", d->binary);
        struct dirent **entries = NULL;
        int n = scandir(root, &entries, is_case_dir, alphasort);
        if (n <= 0 || *nc + (size_t)n > MAX_CASES) {
                fprintf(stderr, "no golden cases under %s, or more than %d\n", root, MAX_CASES);
                return -1;
        }
        for (int i = 0; i < n; i++) {
                struct golden_case *c = &cases[*nc];
                c->daemon = d;
                c->dir = test_path(root, entries[i]->d_name);
                c->name = strdup(entries[i]->d_name);
                free(entries[i]);
                (*nc)++;
                static const struct {
                        const char *kind;
                        CMUnitTestFunction fn;
                } kinds[] = {{"golden", test_golden}, {"twice", test_twice}, {"check", test_check}};
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if (kinds[k].fn == test_check && !have_checker)
                                continue;
                        if (asprintf(&names[*nt], "%s_%s_%s", d->name, kinds[k].kind, c->name) < 0)
                                return -1;
                        tests[*nt] = (struct CMUnitTest){
                                .name = names[*nt], .test_func = kinds[k].fn, .initial_state = c};
                        (*nt)++;
                }
        }
        free(entries);
        return 0;
}

int main(void) {
        static struct golden_case cases[MAX_CASES];
        static struct CMUnitTest tests[3 * MAX_CASES + 8];
        static char *names[3 * MAX_CASES + 8];
        size_t nc = 0, nt = 0;
        if (add_cases(&dnsmasq, cases, &nc, tests, names, &nt) < 0 ||
            add_cases(&chrony, cases, &nc, tests, names, &nt) < 0)
                return 1;
        size_t first_fixed = nt;
        tests[nt++] = (struct CMUnitTest){.name = "checks_fail_on_bad_files", .test_func = test_checks_fail};
        /* Without the programs their tests are not registered at all: cmocka
         * 1.1.5 reports skip() as "not ok # SKIP", which meson's TAP parser
         * counts as a failure. */
        if (access(CHRONYD_BIN, X_OK) == 0 && access(CHRONYC_BIN, X_OK) == 0)
                tests[nt++] = (struct CMUnitTest){.name = "chrony_live",
                                                  .test_func = test_live,
                                                  .setup_func = live_setup,
                                                  .teardown_func = live_teardown};
        else
                printf("# chronyd or chronyc not installed: skipping the live test\n");

        int failed = _cmocka_run_group_tests("render_network", tests, nt, NULL, NULL);

        for (size_t i = 0; i < first_fixed; i++)
                free(names[i]);
        for (size_t i = 0; i < nc; i++) {
                free(cases[i].dir);
                free(cases[i].name);
        }
        return failed;
}
