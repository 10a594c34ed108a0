/* Golden tests for the renderers, after Postfix's util/ tests (.in -> .ref): each
 * tests/golden/caddy/<case>/ holds state.json (the cell_state fields) and
 * caddy.json (the expected bytes). UPDATE_GOLDEN=1 rewrites caddy.json.
 * When /usr/bin/caddy is installed, every rendered config must also pass
 * `caddy validate`. */
#include "testutil.h"
#include "golden.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "render/render.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/golden"
#endif

#ifndef CADDY_BIN
#define CADDY_BIN "/usr/bin/caddy"
#endif
#define VALIDATE_TIMEOUT_MS 60000u

struct golden_case {
        char *name;
        char *dir; /* GOLDEN_DIR/caddy/<name> */
};

/* The state.json of a case: the struct borrows its strings from the JSON,
 * which stays alive alongside it. */
struct loaded_state {
        json_t *json;
        struct cell_state st;
};

static void loaded_state_release(struct loaded_state *l) {
        json_decref(l->json);
        l->json = NULL;
}

static const char *str_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!v)
                return NULL;
        if (!json_is_string(v))
                fail_msg("state.json: '%s' must be a string", key);
        return json_string_value(v);
}

static uint16_t port_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
                fail_msg("state.json: '%s' must be a port number", key);
        return (uint16_t)json_integer_value(v);
}

static void load_state(const struct golden_case *c, struct loaded_state *ret) {
        static const char *const known[] = {
                "cell_name",  "domain",     "profile",    "public_endpoint",    "listen_address", "port_ui",
                "port_api",   "api_socket", "caddy_admin_socket", "webui_dist", "caddy_data_dir",
        };
        _cleanup_free_ char *path = test_path(c->dir, "state.json");
        json_error_t err;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        assert_true(json_is_object(j));

        /* A misspelt key would silently leave a field NULL: refuse it. */
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(known); i++)
                        found = found || streq(key, known[i]);
                if (!found)
                        fail_msg("%s: unknown key '%s'", path, key);
        }

        *ret = (struct loaded_state){
                .json = j,
                .st = {
                        .cell_name = str_field(j, "cell_name"),
                        .domain = str_field(j, "domain"),
                        .profile = str_field(j, "profile"),
                        .public_endpoint = str_field(j, "public_endpoint"),
                        .listen_address = str_field(j, "listen_address"),
                        .port_ui = port_field(j, "port_ui"),
                        .port_api = port_field(j, "port_api"),
                        .api_socket = str_field(j, "api_socket"),
                        .caddy_admin_socket = str_field(j, "caddy_admin_socket"),
                        .webui_dist = str_field(j, "webui_dist"),
                        .caddy_data_dir = str_field(j, "caddy_data_dir"),
                },
        };
}

/* Renders the case into out; the test fails if rendering does. */
static void render_case(const struct golden_case *c, struct buf *out) {
        struct loaded_state l;
        load_state(c, &l);
        int r = render_caddy(&l.st, out);
        loaded_state_release(&l);
        if (r < 0)
                fail_msg("%s: render_caddy failed: %s", c->name, strerror(-r));
}

/* ---- comparing ---- */

/* ---- the tests ---- */

static void test_golden(void **state) {
        const struct golden_case *c = *state;
        _cleanup_buf_ struct buf out = BUF_INIT;
        render_case(c, &out);

        _cleanup_free_ char *path = test_path(c->dir, "caddy.json");
        const char *update = getenv("UPDATE_GOLDEN");
        if (update && streq(update, "1")) {
                write_file(path, buf_str(&out), out.len);
                fprintf(stderr, "# UPDATE_GOLDEN=1: wrote %s\n", path);
                return;
        }

        size_t want_len = 0;
        _cleanup_free_ char *want = read_file_or_null(path, &want_len);
        if (!want)
                fail_msg("%s: %s (UPDATE_GOLDEN=1 creates it)", path, strerror(errno));
        size_t line = report_diff(path, want, want_len, buf_str(&out), out.len);
        if (line)
                fail_msg("%s: rendered output differs at line %zu (UPDATE_GOLDEN=1 rewrites it)", c->name, line);
}

static void test_twice(void **state) {
        const struct golden_case *c = *state;
        _cleanup_buf_ struct buf a = BUF_INIT, b = BUF_INIT;
        render_case(c, &a);
        render_case(c, &b);
        size_t line = report_diff("first rendering", buf_str(&a), a.len, buf_str(&b), b.len);
        if (line)
                fail_msg("%s: two renderings differ at line %zu", c->name, line);
}

/* Runs argv (argv[0] an absolute path) through the one exec helper, with
 * HOME and the XDG dirs in dir so the program writes nothing elsewhere;
 * returns its exit code and prints its output when that is not 0. */
static int run_in(const char *dir, char *const argv[]) {
        _cleanup_free_ char *home = NULL, *xdg_data = NULL, *xdg_config = NULL;
        assert_true(asprintf(&home, "HOME=%s", dir) > 0);
        assert_true(asprintf(&xdg_data, "XDG_DATA_HOME=%s/data", dir) > 0);
        assert_true(asprintf(&xdg_config, "XDG_CONFIG_HOME=%s/config", dir) > 0);
        char *const envp[] = {home, xdg_data, xdg_config, "PATH=/usr/bin:/bin", NULL};

        struct exec_result res = {0};
        int r = exec_run(argv, envp, VALIDATE_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.exit_code;
        if (res.timed_out || res.signal)
                code = -1;
        if (code != 0) {
                const char *text = res.output ? res.output : "";
                fprintf(stderr, "# %s: exit code %d, signal %d%s; its output:\n", argv[0], res.exit_code, res.signal,
                        res.timed_out ? ", timed out" : "");
                print_lines(' ', text, strlen(text), 0, 200);
        }
        exec_result_release(&res);
        return code;
}

static void test_validate(void **state) {
        const struct golden_case *c = *state;
        _cleanup_buf_ struct buf out = BUF_INIT;
        render_case(c, &out);

        char *dir = test_tmpdir();
        _cleanup_free_ char *config = test_path(dir, "caddy.json");
        write_file(config, buf_str(&out), out.len);
        char *const argv[] = {CADDY_BIN, "validate", "--config", config, NULL};
        int status = run_in(dir, argv);
        test_rmdir(dir);
        if (status != 0)
                fail_msg("%s: caddy validate exited with %d", c->name, status);
}

/* Values the renderer cannot carry faithfully are refused, and the output
 * buffer is left alone. */
static void test_rejects(void **state) {
        (void)state;
        const struct cell_state good = {
                .cell_name = "cell",
                .domain = "cell.test",
                .profile = "dev",
                .public_endpoint = "",
                .listen_address = "127.0.0.1",
                .port_ui = 8081,
                .port_api = 3000,
                .api_socket = "/run/pic/api.sock",
                .caddy_admin_socket = "/run/pic/caddy/admin.sock",
                .webui_dist = "/usr/share/pic/webui",
                .caddy_data_dir = "/var/lib/pic/data/caddy",
        };
        _cleanup_buf_ struct buf out = BUF_INIT;
        assert_int_equal(render_caddy(&good, &out), 0);
        assert_true(out.len > 0 && buf_str(&out)[out.len - 1] == '\n');
        buf_clear(&out);

        struct cell_state bad[] = {good, good, good, good, good, good, good, good, good, good};
        bad[0].webui_dist = "/srv/{http.request.host}";  /* a Caddy placeholder */
        bad[1].api_socket = "run/api.sock";              /* relative */
        bad[2].caddy_data_dir = NULL;
        bad[3].caddy_admin_socket = "/run/pic/admin\n.sock"; /* control character */
        bad[4].webui_dist = "/srv/\xff";                 /* not UTF-8 */
        bad[5].listen_address = "localhost";
        bad[6].listen_address = "127.0.0.1:80";          /* not an IP literal */
        bad[7].port_ui = 0;
        bad[8].listen_address = NULL;
        bad[9].port_api = 0;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = render_caddy(&bad[i], &out);
                if (r != -EINVAL)
                        fail_msg("bad[%zu]: render_caddy gave %d, not -EINVAL", i, r);
                assert_int_equal(out.len, 0);
        }
        assert_int_equal(render_caddy(NULL, &out), -EINVAL);

        /* IPv6 listen addresses get brackets. */
        struct cell_state v6 = good;
        v6.listen_address = "::1";
        assert_int_equal(render_caddy(&v6, &out), 0);
        assert_non_null(strstr(buf_str(&out), "\"[::1]:8081\""));
        assert_non_null(strstr(buf_str(&out), "\"[::1]:3000\""));
}

static int is_case_dir(const struct dirent *d) {
        return d->d_name[0] != '.';
}

int main(void) {
        const char *root = GOLDEN_DIR "/caddy";
        /* Without caddy the validate tests are not registered at all:
         * cmocka 1.1.5 reports skip() as "not ok # SKIP", which meson's TAP
         * parser counts as a failure. */
        bool have_caddy = access(CADDY_BIN, X_OK) == 0;
        if (!have_caddy)
                printf("# %s not installed: skipping caddy validate\n", CADDY_BIN);
        struct dirent **entries = NULL;
        int n = scandir(root, &entries, is_case_dir, alphasort);
        if (n < 0) {
                fprintf(stderr, "cannot list %s: %s\n", root, strerror(errno));
                return 1;
        }

        struct golden_case *cases = calloc(n ? n : 1, sizeof *cases);
        struct CMUnitTest *tests = calloc(3 * n + 1, sizeof *tests);
        char **names = calloc(3 * n + 1, sizeof *names);
        if (!cases || !tests || !names)
                return 1;
        size_t nt = 0, nc = 0;
        for (int i = 0; i < n; i++) {
                struct golden_case *c = &cases[nc];
                if (asprintf(&c->dir, "%s/%s", root, entries[i]->d_name) < 0)
                        return 1;
                struct stat sb;
                if (stat(c->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
                        free(c->dir);
                        continue;
                }
                c->name = entries[i]->d_name;
                nc++;
                static const struct {
                        const char *prefix;
                        CMUnitTestFunction fn;
                } kinds[] = {{"golden", test_golden}, {"twice", test_twice}, {"validate", test_validate}};
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if (kinds[k].fn == test_validate && !have_caddy)
                                continue;
                        if (asprintf(&names[nt], "caddy_%s_%s", kinds[k].prefix, c->name) < 0)
                                return 1;
                        tests[nt] = (struct CMUnitTest){
                                .name = names[nt], .test_func = kinds[k].fn, .initial_state = c};
                        nt++;
                }
        }
        tests[nt++] = (struct CMUnitTest){.name = "caddy_rejects", .test_func = test_rejects};
        if (nc == 0) {
                fprintf(stderr, "no golden cases under %s\n", root);
                return 1;
        }

        int failed = _cmocka_run_group_tests("render_golden", tests, nt, NULL, NULL);

        for (size_t i = 0; i < nt; i++)
                free(names[i]);
        for (size_t i = 0; i < nc; i++)
                free(cases[i].dir);
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        free(names);
        free(tests);
        free(cases);
        return failed;
}
