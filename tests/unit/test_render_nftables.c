/* The nftables renderers. tests/golden/nftables/<case>/ holds state.json
 * (the VPN's part of the state, and "deltas": named changes of one peer,
 * `before` a peer of the state by name or null, `after` a peer or null)
 * with the expected ruleset.nft and delta-<name>.nft; UPDATE_GOLDEN=1
 * rewrites them. As root, each ruleset must pass `nft -c -f`, then load in
 * a scratch network namespace, twice (the reload replaces the table), and
 * hold the elements the state calls for, as computed here from the JSON;
 * each delta applied to it must leave the elements of the state after the
 * change. The traffic test builds the cell, its peers and the internet
 * from namespaces and veth pairs (the VPN interface a bridge of the VPN's
 * name) and pings every service IP, the cell, each other peer and a host
 * beyond the uplink from every peer, before and after each delta. A
 * reload of another render keeps the table (its handle) and leaves what a
 * first load of that render leaves.
 * The refusals: every string field with an injection, and values of good
 * characters that break their grammar. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/buf.h"
#include "common/cidr.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "render/render.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/golden"
#endif

#define NFT_BIN "/usr/sbin/nft"
#define IP_BIN "/usr/sbin/ip"
#define SYSCTL_BIN "/usr/sbin/sysctl"
#define PING_BIN "/usr/bin/ping"
#define RUN_TIMEOUT_MS 30000u
#define MAX_PEERS 16
#define MAX_DELTAS 16
#define MAX_CASES 16
/* Beyond the uplink, in the test's own namespaces only. */
#define UPLINK_CELL "192.0.2.1"
#define UPLINK_WORLD "192.0.2.2"
#define WORLD_HOST "198.51.100.1"

/* ---- files and programs ---- */

static char *read_file_or_null(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rbe");
        if (!f)
                return NULL;
        struct buf b = BUF_INIT;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                assert_int_equal(buf_append(&b, chunk, n), 0);
        assert_false(ferror(f));
        fclose(f);
        *ret_len = b.len;
        return buf_steal(&b);
}

static void write_file(const char *path, const char *data, size_t len) {
        _cleanup_free_ char *tmp = NULL;
        assert_true(asprintf(&tmp, "%s.tmp", path) > 0);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                fail_msg("cannot write '%s': %s", tmp, strerror(errno));
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(close(fd), 0);
        assert_int_equal(rename(tmp, path), 0);
}

/* Runs argv through the one exec helper; returns its exit code, and its
 * output in *ret_output when asked for, else prints it when the code is
 * not 0 and quiet is false. */
static int run(char *const argv[], char **ret_output, bool quiet) {
        char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
        struct exec_result res = {0};
        int r = exec_run(argv, envp, RUN_TIMEOUT_MS, &res);
        if (r < 0)
                fail_msg("cannot run %s: %s", argv[0], strerror(-r));
        int code = res.timed_out || res.signal ? -1 : res.exit_code;
        if (ret_output) {
                *ret_output = res.output;
                res.output = NULL;
        } else if (code != 0 && !quiet) {
                fprintf(stderr, "# %s %s: exit code %d; its output:\n# %s\n", argv[0], argv[1] ? argv[1] : "", code,
                        res.output ? res.output : "");
        }
        exec_result_release(&res);
        return code;
}

/* Fails the test unless argv exits with 0. */
#define MUST(...)                                                                                  \
        do {                                                                                       \
                const char *const _argv[] = {__VA_ARGS__, NULL};                                   \
                if (run((char *const *)_argv, NULL, false) != 0)                                   \
                        fail_msg("%s %s %s %s failed", _argv[0], _argv[1], _argv[2], _argv[3]);    \
        } while (0)

/* ---- state.json ---- */

struct delta {
        const char *name;
        json_t *before; /* a peer of the state, or NULL */
        json_t *after;  /* a peer, or NULL */
};

/* cell_state and the peer views borrow their strings from the JSON. */
struct loaded {
        json_t *json;
        struct service_ip_view ips[16];
        struct wg_peer_view peers[MAX_PEERS];
        struct delta deltas[MAX_DELTAS];
        unsigned n_deltas;
        struct cell_state st;
};

static const char *str_field(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_string(v))
                fail_msg("state.json: '%s' must be a string", key);
        return json_string_value(v);
}

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

/* A peer's view of a JSON peer; free(view.services) after. */
static struct wg_peer_view peer_view(json_t *o) {
        static const char *const keys[] = {"name", "ip", "services", "full_tunnel", "enabled"};
        only_keys(o, keys, ELEMENTSOF(keys), "a peer");
        json_t *services = json_object_get(o, "services");
        assert_true(json_is_array(services));
        const char **names = calloc(json_array_size(services) + 1, sizeof *names);
        assert_non_null(names);
        for (size_t i = 0; i < json_array_size(services); i++)
                names[i] = json_string_value(json_array_get(services, i));
        return (struct wg_peer_view){
                .name = str_field(o, "name"),
                .ip = str_field(o, "ip"),
                .services = names,
                .n_services = (unsigned)json_array_size(services),
                .full_tunnel = json_is_true(json_object_get(o, "full_tunnel")),
                .enabled = json_is_true(json_object_get(o, "enabled")),
        };
}

static json_t *peer_named(json_t *peers, const char *name) {
        size_t i;
        json_t *p;
        json_array_foreach(peers, i, p) {
                if (streq(str_field(p, "name"), name))
                        return p;
        }
        fail_msg("state.json: no peer '%s'", name);
        return NULL;
}

static int cmp_delta(const void *a, const void *b) {
        return strcmp(((const struct delta *)a)->name, ((const struct delta *)b)->name);
}

static void load(const char *dir, struct loaded *l) {
        static const char *const keys[] = {"profile", "port_dns", "port_ntp", "wg_interface", "vpn_address",
                                           "ip_range", "uplink", "peer_to_peer", "service_ips", "wg_peers",
                                           "deltas"};
        *l = (struct loaded){0};
        _cleanup_free_ char *path = test_path(dir, "state.json");
        json_error_t err;
        l->json = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!l->json)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        json_t *j = l->json;
        only_keys(j, keys, ELEMENTSOF(keys), path);

        json_t *ips = json_object_get(j, "service_ips"), *peers = json_object_get(j, "wg_peers");
        assert_true(json_array_size(ips) <= ELEMENTSOF(l->ips) && json_array_size(peers) <= MAX_PEERS);
        for (size_t i = 0; i < json_array_size(ips); i++)
                l->ips[i] = (struct service_ip_view){str_field(json_array_get(ips, i), "service"),
                                                     str_field(json_array_get(ips, i), "ip")};
        for (size_t i = 0; i < json_array_size(peers); i++)
                l->peers[i] = peer_view(json_array_get(peers, i));

        const char *name;
        json_t *d;
        json_object_foreach(json_object_get(j, "deltas"), name, d) {
                assert_true(l->n_deltas < MAX_DELTAS);
                json_t *before = json_object_get(d, "before");
                l->deltas[l->n_deltas++] = (struct delta){
                        name,
                        json_is_string(before) ? peer_named(peers, json_string_value(before)) : NULL,
                        json_is_object(json_object_get(d, "after")) ? json_object_get(d, "after") : NULL,
                };
        }
        qsort(l->deltas, l->n_deltas, sizeof *l->deltas, cmp_delta);

        l->st = (struct cell_state){
                .profile = str_field(j, "profile"),
                .port_dns = (uint16_t)json_integer_value(json_object_get(j, "port_dns")),
                .port_ntp = (uint16_t)json_integer_value(json_object_get(j, "port_ntp")),
                .service_ips = l->ips,
                .n_service_ips = (unsigned)json_array_size(ips),
                .wg_interface = str_field(j, "wg_interface"),
                .vpn_address = str_field(j, "vpn_address"),
                .ip_range = str_field(j, "ip_range"),
                .uplink = str_field(j, "uplink"),
                .peer_to_peer = json_is_true(json_object_get(j, "peer_to_peer")),
                .wg_peers = l->peers,
                .n_wg_peers = (unsigned)json_array_size(peers),
        };
}

static void release(struct loaded *l) {
        for (unsigned i = 0; i < l->st.n_wg_peers; i++)
                free((void *)l->peers[i].services);
        json_decref(l->json);
        *l = (struct loaded){0};
}

/* The peers after a delta: the state's without `before`, plus `after`. */
static json_t *peers_after(const struct loaded *l, const struct delta *d) {
        json_t *out = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(l->json, "wg_peers"), i, p) {
                if (p != d->before)
                        json_array_append(out, p);
        }
        if (d->after)
                json_array_append(out, d->after);
        return out;
}

/* ---- what the kernel should hold, from the JSON alone ---- */

static const char *service_ip(const struct loaded *l, const char *service) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(l->json, "service_ips"), i, s) {
                if (streq(str_field(s, "service"), service))
                        return str_field(s, "ip");
        }
        fail_msg("no service '%s'", service);
        return NULL;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted, distinct strings of a, joined by '\n'. */
static char *joined(json_t *a) {
        size_t n = json_array_size(a);
        const char **v = calloc(n + 1, sizeof *v);
        assert_non_null(v);
        for (size_t i = 0; i < n; i++)
                v[i] = json_string_value(json_array_get(a, i));
        qsort(v, n, sizeof *v, cmp_str);
        struct buf b = BUF_INIT;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || !streq(v[i], v[i - 1]))
                        assert_int_equal(buf_printf(&b, "%s\n", v[i]), 0);
        free(v);
        return buf_steal(&b);
}

/* "PEER . SERVICE" for each enabled peer and each of its services, or
 * with tunnel the addresses of the enabled full-tunnel peers. */
static char *expected_elements(const struct loaded *l, json_t *peers, bool tunnel) {
        _cleanup_json_ json_t *out = json_array();
        size_t i, k;
        json_t *p, *s;
        json_array_foreach(peers, i, p) {
                if (!json_is_true(json_object_get(p, "enabled")))
                        continue;
                if (tunnel) {
                        if (json_is_true(json_object_get(p, "full_tunnel")))
                                json_array_append_new(out, json_string(str_field(p, "ip")));
                        continue;
                }
                json_array_foreach(json_object_get(p, "services"), k, s) {
                        char e[40];
                        snprintf(e, sizeof e, "%s . %s", str_field(p, "ip"), service_ip(l, json_string_value(s)));
                        json_array_append_new(out, json_string(e));
                }
        }
        return joined(out);
}

/* ---- rendering a case ---- */

struct golden_case {
        char *name;
        char *dir;
};

/* The files of a case: ruleset.nft, then delta-<name>.nft in name order. */
struct rendering {
        size_t n;
        char *file[1 + MAX_DELTAS];
        struct buf text[1 + MAX_DELTAS];
};

static void rendering_release(struct rendering *r) {
        for (size_t i = 0; i < r->n; i++) {
                free(r->file[i]);
                buf_release(&r->text[i]);
        }
        r->n = 0;
}

static void render_loaded(const struct loaded *l, struct rendering *ret) {
        *ret = (struct rendering){0};
        ret->file[0] = strdup("ruleset.nft");
        ret->text[0] = (struct buf)BUF_INIT;
        int r = render_nftables(&l->st, &ret->text[0]);
        if (r < 0)
                fail_msg("render_nftables: %s", strerror(-r));
        ret->n = 1;
        for (unsigned i = 0; i < l->n_deltas; i++) {
                const struct delta *d = &l->deltas[i];
                struct wg_peer_view before = {0}, after = {0};
                if (d->before)
                        before = peer_view(d->before);
                if (d->after)
                        after = peer_view(d->after);
                assert_true(asprintf(&ret->file[ret->n], "delta-%s.nft", d->name) > 0);
                ret->text[ret->n] = (struct buf)BUF_INIT;
                r = render_nft_peer_elements(&l->st, d->before ? &before : NULL, d->after ? &after : NULL,
                                             &ret->text[ret->n]);
                free((void *)before.services);
                free((void *)after.services);
                ret->n++;
                if (r < 0)
                        fail_msg("render_nft_peer_elements %s: %s", d->name, strerror(-r));
        }
}

static void write_rendering(const struct rendering *r, const char *dir) {
        for (size_t i = 0; i < r->n; i++) {
                _cleanup_free_ char *path = test_path(dir, r->file[i]);
                write_file(path, buf_str(&r->text[i]), r->text[i].len);
        }
}

/* The first differing line, shown; 0 when the texts are equal. */
static size_t report_diff(const char *label, const char *want, size_t want_len, const char *got, size_t got_len) {
        if (want_len == got_len && memcmp(want, got, want_len) == 0)
                return 0;
        size_t off = 0, line = 1, start = 0;
        for (; off < want_len && off < got_len && want[off] == got[off]; off++)
                if (want[off] == '\n') {
                        line++;
                        start = off + 1;
                }
        const char *w = want + start, *g = got + start;
        fprintf(stderr, "# %s, line %zu:\n# -%.*s\n# +%.*s\n", label, line, (int)strcspn(w, "\n"), w,
                (int)strcspn(g, "\n"), g);
        return line;
}

static int is_entry(const struct dirent *d) {
        return d->d_name[0] != '.';
}

static void test_golden(void **state) {
        const struct golden_case *c = *state;
        struct loaded l;
        load(c->dir, &l);
        struct rendering r;
        render_loaded(&l, &r);
        release(&l);
        const char *update = getenv("UPDATE_GOLDEN");
        bool updating = update && streq(update, "1"), same = true;
        for (size_t i = 0; i < r.n; i++) {
                _cleanup_free_ char *path = test_path(c->dir, r.file[i]);
                if (updating) {
                        write_file(path, buf_str(&r.text[i]), r.text[i].len);
                        fprintf(stderr, "# UPDATE_GOLDEN=1: wrote %s\n", path);
                        continue;
                }
                size_t len = 0;
                _cleanup_free_ char *want = read_file_or_null(path, &len);
                if (!want)
                        fail_msg("%s: %s (UPDATE_GOLDEN=1 creates it)", path, strerror(errno));
                same = report_diff(path, want, len, buf_str(&r.text[i]), r.text[i].len) == 0 && same;
        }
        /* A delta file whose delta is gone from state.json is stale. */
        struct dirent **entries = NULL;
        int n = scandir(c->dir, &entries, is_entry, alphasort);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                bool known = streq(entries[i]->d_name, "state.json");
                for (size_t k = 0; k < r.n; k++)
                        known = known || streq(entries[i]->d_name, r.file[k]);
                if (!known) {
                        fprintf(stderr, "# %s/%s: not rendered from state.json\n", c->name, entries[i]->d_name);
                        same = false;
                }
                free(entries[i]);
        }
        free(entries);
        rendering_release(&r);
        if (!same && !updating)
                fail_msg("nftables/%s: the rendering differs (UPDATE_GOLDEN=1 rewrites it)", c->name);
}

/* The same state, its peers in the reverse order, renders the same bytes
 * twice. */
static void test_stable(void **state) {
        const struct golden_case *c = *state;
        struct loaded l;
        load(c->dir, &l);
        struct buf a = BUF_INIT, b = BUF_INIT, rev = BUF_INIT;
        struct wg_peer_view reversed[MAX_PEERS];
        for (unsigned i = 0; i < l.st.n_wg_peers; i++)
                reversed[i] = l.peers[l.st.n_wg_peers - 1 - i];
        struct cell_state st = l.st;
        st.wg_peers = reversed;
        assert_int_equal(render_nftables(&l.st, &a), 0);
        assert_int_equal(render_nftables(&l.st, &b), 0);
        assert_int_equal(render_nftables(&st, &rev), 0);
        assert_int_equal(report_diff("twice", buf_str(&a), a.len, buf_str(&b), b.len), 0);
        assert_int_equal(report_diff("peers reversed", buf_str(&a), a.len, buf_str(&rev), rev.len), 0);
        /* Of a peer only its address is written. */
        for (unsigned i = 0; i < l.st.n_wg_peers; i++)
                if (strstr(buf_str(&a), l.peers[i].name))
                        fail_msg("the ruleset holds the peer name '%s'", l.peers[i].name);
        buf_release(&a);
        buf_release(&b);
        buf_release(&rev);
        release(&l);
}

/* ---- scratch namespaces ---- */

#define MAX_NS (MAX_PEERS + 2)

struct netns {
        char *name[MAX_NS];
        size_t n;
};

static const char *netns_add(struct netns *ns, const char *role) {
        static unsigned counter;
        assert_true(ns->n < MAX_NS);
        char *name;
        assert_true(asprintf(&name, "pic-nft-%d-%u-%s", (int)getpid(), counter++, role) > 0);
        MUST(IP_BIN, "netns", "add", name);
        ns->name[ns->n++] = name;
        MUST(IP_BIN, "-n", name, "link", "set", "lo", "up");
        return name;
}

static void netns_release(struct netns *ns) {
        for (size_t i = 0; i < ns->n; i++) {
                char *const argv[] = {IP_BIN, "netns", "delete", ns->name[i], NULL};
                run(argv, NULL, false);
                free(ns->name[i]);
        }
        ns->n = 0;
}

/* A case rendered into a temporary directory, and the namespaces a test
 * makes: removed by the teardown, whatever the test's outcome. */
struct scratch {
        const struct golden_case *c;
        struct loaded l;
        struct rendering r;
        char *dir;
        struct netns ns;
};

static int scratch_setup(void **state) {
        struct scratch *s = calloc(1, sizeof *s);
        assert_non_null(s);
        s->c = *state;
        *state = s;
        load(s->c->dir, &s->l);
        render_loaded(&s->l, &s->r);
        s->dir = test_tmpdir();
        write_rendering(&s->r, s->dir);
        return 0;
}

static int scratch_teardown(void **state) {
        struct scratch *s = *state;
        netns_release(&s->ns);
        rendering_release(&s->r);
        release(&s->l);
        test_rmdir(s->dir);
        free(s);
        return 0;
}

/* nft -f file in ns; its exit code. */
static int nft_load(const char *ns, const char *file, bool quiet) {
        char *const argv[] = {IP_BIN, "netns", "exec", (char *)ns, NFT_BIN, "-f", (char *)file, NULL};
        return run(argv, NULL, quiet);
}

/* The elements of a set of table inet pic in ns, as expected_elements
 * writes them. */
static char *listed_elements(const char *ns, const char *set) {
        char *const argv[] = {IP_BIN, "netns", "exec", (char *)ns, NFT_BIN, "-j", "list", "set", "inet", "pic",
                              (char *)set, NULL};
        _cleanup_free_ char *output = NULL;
        if (run(argv, &output, false) != 0)
                fail_msg("nft list set %s: %s", set, output ? output : "");
        json_error_t err;
        _cleanup_json_ json_t *j = json_loads(output, 0, &err);
        if (!j)
                fail_msg("nft -j: %s: %s", err.text, output);
        _cleanup_json_ json_t *out = json_array();
        size_t i, k;
        json_t *item, *e;
        json_array_foreach(json_object_get(j, "nftables"), i, item) {
                json_array_foreach(json_object_get(json_object_get(item, "set"), "elem"), k, e) {
                        json_t *concat = json_object_get(e, "concat");
                        char text[40];
                        if (concat)
                                snprintf(text, sizeof text, "%s . %s", json_string_value(json_array_get(concat, 0)),
                                         json_string_value(json_array_get(concat, 1)));
                        else
                                snprintf(text, sizeof text, "%s", json_string_value(e));
                        json_array_append_new(out, json_string(text));
                }
        }
        return joined(out);
}

static void expect_sets(const char *ns, const struct loaded *l, json_t *peers, const char *what) {
        for (int tunnel = 0; tunnel < 2; tunnel++) {
                const char *set = tunnel ? "full_tunnel" : "peer_service";
                _cleanup_free_ char *want = expected_elements(l, peers, tunnel);
                _cleanup_free_ char *got = listed_elements(ns, set);
                if (!streq(want, got))
                        fail_msg("%s: set %s holds\n%s\nnot\n%s", what, set, got, want);
        }
}

static void test_check(void **state) {
        const struct scratch *s = *state;
        _cleanup_free_ char *file = test_path(s->dir, "ruleset.nft");
        char *const argv[] = {NFT_BIN, "-c", "-f", file, NULL};
        int code = run(argv, NULL, false);
        if (code != 0)
                fail_msg("nftables/%s: nft -c -f exited with %d", s->c->name, code);
}

/* In a namespace of its own: the ruleset loads, loads again over itself,
 * holds the state's elements; each delta applied to it gives the elements
 * of the state after it; a delta whose `before` the kernel does not hold
 * fails whole and changes nothing. */
static void test_live(void **state) {
        struct scratch *s = *state;
        const struct loaded *l = &s->l;
        const char *cell = netns_add(&s->ns, "cell");
        _cleanup_free_ char *ruleset = test_path(s->dir, "ruleset.nft");
        json_t *peers = json_object_get(l->json, "wg_peers");

        assert_int_equal(nft_load(cell, ruleset, false), 0);
        assert_int_equal(nft_load(cell, ruleset, false), 0);
        expect_sets(cell, l, peers, "the ruleset");
        for (unsigned i = 0; i < l->n_deltas; i++) {
                _cleanup_free_ char *file = test_path(s->dir, s->r.file[1 + i]);
                _cleanup_json_ json_t *after = peers_after(l, &l->deltas[i]);
                assert_int_equal(nft_load(cell, ruleset, false), 0);
                if (nft_load(cell, file, false) != 0)
                        fail_msg("delta %s does not apply", l->deltas[i].name);
                expect_sets(cell, l, after, l->deltas[i].name);
        }

        /* A stale `before`: an enabled peer said to have a service the
         * kernel does not hold for it, now given another. nft refuses to
         * delete the absent element, and with it the whole file: the new
         * service is not added either. */
        for (unsigned k = 0; k < l->st.n_wg_peers; k++) {
                const struct wg_peer_view *p = &l->peers[k];
                const char *missing[2];
                unsigned n_missing = 0;
                for (unsigned i = 0; i < l->st.n_service_ips && n_missing < 2; i++) {
                        bool has = false;
                        for (unsigned j = 0; j < p->n_services; j++)
                                has = has || streq(p->services[j], l->ips[i].service);
                        if (!has)
                                missing[n_missing++] = l->ips[i].service;
                }
                if (!p->enabled || n_missing < 2)
                        continue;
                const char *claimed[MAX_PEERS + 8], *given[MAX_PEERS + 8];
                assert_true(p->n_services < MAX_PEERS);
                memcpy(claimed, p->services, p->n_services * sizeof *claimed);
                memcpy(given, p->services, p->n_services * sizeof *given);
                claimed[p->n_services] = missing[0];
                given[p->n_services] = missing[1];
                struct wg_peer_view before = *p, after = *p;
                before.services = claimed;
                after.services = given;
                before.n_services = after.n_services = p->n_services + 1;
                struct buf b = BUF_INIT;
                assert_int_equal(render_nft_peer_elements(&l->st, &before, &after, &b), 0);
                _cleanup_free_ char *file = test_path(s->dir, "stale.nft");
                write_file(file, buf_str(&b), b.len);
                buf_release(&b);
                assert_int_equal(nft_load(cell, ruleset, false), 0);
                fprintf(stderr, "# nft's complaint below is expected.\n");
                assert_int_not_equal(nft_load(cell, file, false), 0);
                expect_sets(cell, l, peers, "after a failed delta");
                break;
        }
}

/* ---- a reload in place ---- */

static int cmp_json_text(const void *a, const void *b) {
        _cleanup_free_ char *x = json_dumps(*(json_t *const *)a, JSON_SORT_KEYS | JSON_ENCODE_ANY);
        _cleanup_free_ char *y = json_dumps(*(json_t *const *)b, JSON_SORT_KEYS | JSON_ENCODE_ANY);
        return strcmp(x, y);
}

/* Table inet pic in ns as nft -j lists it, made comparable between two
 * namespaces: without handles, each set's elements sorted (a hash set
 * lists them in its own order). Its handle in *ret_handle. */
static char *listed_table(const char *ns, json_int_t *ret_handle) {
        char *const argv[] = {IP_BIN, "netns", "exec", (char *)ns, NFT_BIN, "-j", "-a", "list", "table", "inet",
                              "pic", NULL};
        _cleanup_free_ char *output = NULL;
        if (run(argv, &output, false) != 0)
                fail_msg("nft list table: %s", output ? output : "");
        json_error_t err;
        _cleanup_json_ json_t *j = json_loads(output, 0, &err);
        if (!j)
                fail_msg("nft -j: %s: %s", err.text, output);
        _cleanup_json_ json_t *out = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(j, "nftables"), i, item) {
                if (json_object_get(item, "metainfo"))
                        continue;
                const char *kind;
                json_t *o;
                json_object_foreach(item, kind, o) {
                        if (streq(kind, "table"))
                                *ret_handle = json_integer_value(json_object_get(o, "handle"));
                        json_object_del(o, "handle");
                        json_t *elem = json_object_get(o, "elem");
                        if (json_is_array(elem)) {
                                size_t n = json_array_size(elem);
                                json_t **v = calloc(n + 1, sizeof *v);
                                assert_non_null(v);
                                for (size_t k = 0; k < n; k++)
                                        v[k] = json_incref(json_array_get(elem, k));
                                qsort(v, n, sizeof *v, cmp_json_text);
                                json_array_clear(elem);
                                for (size_t k = 0; k < n; k++)
                                        json_array_append_new(elem, v[k]);
                                free(v);
                        }
                }
                json_array_append(out, item);
        }
        return json_dumps(out, JSON_SORT_KEYS | JSON_INDENT(1));
}

/* A reload keeps the table and leaves nothing behind: a render with
 * peer_to_peer flipped, the uplink set or cleared and the last peer gone
 * loads over the case's ruleset with the table's handle unchanged, and
 * the kernel then holds exactly what a first load of that render holds
 * in a fresh namespace (no stale rule, chain or element); the case's
 * ruleset loaded back gives the first table again. */
static void test_reload(void **state) {
        struct scratch *s = *state;
        const char *cell = netns_add(&s->ns, "cell"), *fresh = netns_add(&s->ns, "fresh");
        struct cell_state other = s->l.st;
        other.peer_to_peer = !other.peer_to_peer;
        other.uplink = other.uplink[0] ? "" : "up0";
        if (other.n_wg_peers > 0)
                other.n_wg_peers--;
        struct buf b = BUF_INIT;
        assert_int_equal(render_nftables(&other, &b), 0);
        _cleanup_free_ char *ruleset = test_path(s->dir, "ruleset.nft"), *changed = test_path(s->dir, "other.nft");
        write_file(changed, buf_str(&b), b.len);
        buf_release(&b);

        json_int_t handle = -1, h = -2, h_fresh;
        assert_int_equal(nft_load(cell, ruleset, false), 0);
        _cleanup_free_ char *first = listed_table(cell, &handle);
        assert_int_equal(nft_load(cell, changed, false), 0);
        _cleanup_free_ char *reloaded = listed_table(cell, &h);
        assert_int_equal(h, handle);
        assert_int_equal(nft_load(fresh, changed, false), 0);
        _cleanup_free_ char *want = listed_table(fresh, &h_fresh);
        if (!streq(reloaded, want))
                fail_msg("reloaded:\n%s\nnot as loaded fresh:\n%s", reloaded, want);
        assert_int_equal(nft_load(cell, ruleset, false), 0);
        _cleanup_free_ char *back = listed_table(cell, &h);
        assert_int_equal(h, handle);
        if (!streq(back, first))
                fail_msg("loaded back:\n%s\nnot as first:\n%s", back, first);
}

/* ---- traffic ---- */

/* The addresses peers have in any state of the case. */
struct endpoints {
        const char *ip[MAX_PEERS * 2];
        const char *ns[MAX_PEERS * 2];
        size_t n;
};

static void endpoint_add(struct endpoints *e, const char *ip) {
        for (size_t i = 0; i < e->n; i++)
                if (streq(e->ip[i], ip))
                        return;
        assert_true(e->n < ELEMENTSOF(e->ip));
        e->ip[e->n++] = ip;
}

struct probe {
        const char *ns;
        const char *from;
        const char *target;
        bool want;
        pid_t pid;
        int status;
};

/* Pings every target from its namespace at once (a dropped ping costs its
 * whole wait); fails listing every probe whose outcome is not the one
 * expected. */
static void run_probes(struct probe *p, size_t n, const char *what) {
        for (size_t i = 0; i < n; i++) {
                p[i].pid = fork();
                assert_true(p[i].pid >= 0);
                if (p[i].pid == 0) {
                        char *const argv[] = {IP_BIN, "netns", "exec", (char *)p[i].ns, PING_BIN, "-n", "-q", "-c",
                                              "1", "-W", "1", (char *)p[i].target, NULL};
                        char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
                        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                                _exit(126);
                        execve(argv[0], argv, envp);
                        _exit(127);
                }
        }
        size_t wrong = 0;
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(waitpid(p[i].pid, &p[i].status, 0), p[i].pid);
                bool got = WIFEXITED(p[i].status) && WEXITSTATUS(p[i].status) == 0;
                if (WIFEXITED(p[i].status) && WEXITSTATUS(p[i].status) > 2)
                        fail_msg("ping could not run (exit %d)", WEXITSTATUS(p[i].status));
                if (got != p[i].want) {
                        fprintf(stderr, "# %s: %s -> %s %s\n", what, p[i].from, p[i].target,
                                got ? "passed, should be dropped" : "dropped, should pass");
                        wrong++;
                }
        }
        if (wrong)
                fail_msg("%s: %zu of %zu probes went the wrong way", what, wrong, n);
}

static json_t *peer_at(json_t *peers, const char *ip) {
        size_t i;
        json_t *p;
        json_array_foreach(peers, i, p) {
                if (json_is_true(json_object_get(p, "enabled")) && streq(str_field(p, "ip"), ip))
                        return p;
        }
        return NULL;
}

static bool has_service(json_t *peer, const char *service) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(peer, "services"), i, s) {
                if (streq(json_string_value(s), service))
                        return true;
        }
        return false;
}

/* From every endpoint: each service IP (passes for an enabled peer of that
 * address allowed the service), the cell's VPN address (always), each
 * other endpoint (with peer_to_peer), the world beyond the uplink (for an
 * enabled full-tunnel peer) and the cell's uplink address (never). */
static void probe_all(const struct loaded *l, const struct endpoints *e, json_t *peers, const char *cell_ip,
                      const char *what) {
        struct probe p[MAX_PEERS * 2 * (MAX_PEERS * 2 + 16)];
        size_t n = 0;
        for (size_t i = 0; i < e->n; i++) {
                json_t *peer = peer_at(peers, e->ip[i]);
                for (unsigned s = 0; s < l->st.n_service_ips; s++)
                        p[n++] = (struct probe){e->ns[i], e->ip[i], l->ips[s].ip,
                                                peer && has_service(peer, l->ips[s].service)};
                p[n++] = (struct probe){e->ns[i], e->ip[i], cell_ip, true};
                for (size_t k = 0; k < e->n; k++)
                        if (k != i)
                                p[n++] = (struct probe){e->ns[i], e->ip[i], e->ip[k], l->st.peer_to_peer};
                if (l->st.uplink[0]) {
                        p[n++] = (struct probe){e->ns[i], e->ip[i], WORLD_HOST,
                                                peer && json_is_true(json_object_get(peer, "full_tunnel"))};
                        p[n++] = (struct probe){e->ns[i], e->ip[i], UPLINK_CELL, false};
                }
        }
        run_probes(p, n, what);
}

/* The cell: a bridge named as the VPN interface, which sees each peer's
 * packets as WireGuard would hand them over (routed, from the peer's own
 * address), the service IPs on lo, and the uplink as a veth to a world
 * namespace that has no route back to the VPN: only NAT gets an answer
 * home. Each peer address its own namespace, routed through the cell. */
static void test_traffic(void **state) {
        struct scratch *s = *state;
        const struct loaded *l = &s->l;
        const char *cell = netns_add(&s->ns, "cell");
        const char *wg = l->st.wg_interface;
        struct cidr4 vpn;
        assert_int_equal(cidr4_parse(l->st.vpn_address, &vpn), 0);
        char cell_ip[16];
        ipv4_format(vpn.addr, cell_ip);

        MUST(IP_BIN, "netns", "exec", cell, SYSCTL_BIN, "-q", "-w", "net.ipv4.ip_forward=1");
        /* A redirect would teach a peer to reach another over the bridge,
         * round the cell: WireGuard has no such shortcut. */
        MUST(IP_BIN, "netns", "exec", cell, SYSCTL_BIN, "-q", "-w", "net.ipv4.conf.all.send_redirects=0");
        MUST(IP_BIN, "netns", "exec", cell, SYSCTL_BIN, "-q", "-w", "net.ipv4.conf.default.send_redirects=0");
        MUST(IP_BIN, "-n", cell, "link", "add", "name", wg, "type", "bridge");
        MUST(IP_BIN, "-n", cell, "addr", "add", l->st.vpn_address, "dev", wg);
        MUST(IP_BIN, "-n", cell, "link", "set", wg, "up");
        for (unsigned i = 0; i < l->st.n_service_ips; i++)
                MUST(IP_BIN, "-n", cell, "addr", "add", l->ips[i].ip, "dev", "lo");
        if (l->st.uplink[0]) {
                const char *world = netns_add(&s->ns, "world");
                MUST(IP_BIN, "-n", cell, "link", "add", "name", l->st.uplink, "type", "veth", "peer", "name", "w0",
                     "netns", world);
                MUST(IP_BIN, "-n", cell, "addr", "add", UPLINK_CELL "/24", "dev", l->st.uplink);
                MUST(IP_BIN, "-n", cell, "link", "set", l->st.uplink, "up");
                MUST(IP_BIN, "-n", cell, "route", "add", "default", "via", UPLINK_WORLD);
                MUST(IP_BIN, "-n", world, "addr", "add", UPLINK_WORLD "/24", "dev", "w0");
                MUST(IP_BIN, "-n", world, "link", "set", "w0", "up");
                MUST(IP_BIN, "-n", world, "addr", "add", WORLD_HOST, "dev", "lo");
        }

        struct endpoints e = {0};
        json_t *peers = json_object_get(l->json, "wg_peers");
        for (size_t i = 0; i < json_array_size(peers); i++)
                endpoint_add(&e, str_field(json_array_get(peers, i), "ip"));
        for (unsigned i = 0; i < l->n_deltas; i++)
                if (l->deltas[i].after)
                        endpoint_add(&e, str_field(l->deltas[i].after, "ip"));
        for (size_t i = 0; i < e.n; i++) {
                char role[24], port[24], peer_end[24];
                snprintf(role, sizeof role, "p%zu", i);
                snprintf(port, sizeof port, "c%zu", i);
                snprintf(peer_end, sizeof peer_end, "v%zu", i);
                e.ns[i] = netns_add(&s->ns, role);
                MUST(IP_BIN, "-n", cell, "link", "add", "name", port, "type", "veth", "peer", "name", peer_end, "netns",
                     e.ns[i]);
                MUST(IP_BIN, "-n", cell, "link", "set", port, "master", wg, "up");
                MUST(IP_BIN, "-n", e.ns[i], "addr", "add", e.ip[i], "dev", peer_end);
                MUST(IP_BIN, "-n", e.ns[i], "link", "set", peer_end, "up");
                MUST(IP_BIN, "-n", e.ns[i], "route", "add", cell_ip, "dev", peer_end);
                MUST(IP_BIN, "-n", e.ns[i], "route", "add", "default", "via", cell_ip, "dev", peer_end);
        }

        _cleanup_free_ char *ruleset = test_path(s->dir, "ruleset.nft");
        assert_int_equal(nft_load(cell, ruleset, false), 0);
        probe_all(l, &e, peers, cell_ip, "the ruleset");
        for (unsigned i = 0; i < l->n_deltas; i++) {
                _cleanup_free_ char *file = test_path(s->dir, s->r.file[1 + i]);
                _cleanup_json_ json_t *after = peers_after(l, &l->deltas[i]);
                assert_int_equal(nft_load(cell, ruleset, false), 0);
                assert_int_equal(nft_load(cell, file, false), 0);
                probe_all(l, &e, after, cell_ip, l->deltas[i].name);
        }
}

/* ---- refusals ---- */

/* A good state whose arrays live in the fixture (init it in place). */
struct fixture {
        struct service_ip_view ips[6];
        const char *services[3][3];
        struct wg_peer_view peers[3];
        struct cell_state st;
};

static void fixture_init(struct fixture *f) {
        static const char *const names[] = {"webui", "dns", "ntp", "mail", "calendar", "files"};
        static const char *const ips[] = {"172.20.0.1", "172.20.0.2", "172.20.0.3",
                                          "172.20.0.4", "172.20.0.5", "172.20.0.6"};
        *f = (struct fixture){
                .services = {{"webui", "dns", "calendar"}, {"mail", "files", "dns"}, {"files", "dns", "ntp"}},
                .peers = {{.name = "alice", .ip = "10.0.0.2", .enabled = true},
                          {.name = "bob", .ip = "10.0.0.3", .enabled = false},
                          {.name = "carol", .ip = "10.0.0.4", .enabled = true, .full_tunnel = true}},
        };
        for (size_t i = 0; i < ELEMENTSOF(f->ips); i++)
                f->ips[i] = (struct service_ip_view){names[i], ips[i]};
        for (size_t i = 0; i < ELEMENTSOF(f->peers); i++) {
                f->peers[i].services = f->services[i];
                f->peers[i].n_services = ELEMENTSOF(f->services[i]);
        }
        f->st = (struct cell_state){
                .profile = "system",
                .port_dns = 53,
                .port_ntp = 123,
                .service_ips = f->ips,
                .n_service_ips = ELEMENTSOF(f->ips),
                .wg_interface = "pic0",
                .vpn_address = "10.0.0.1/24",
                .ip_range = "172.20.0.0/24",
                .uplink = "eth0",
                .wg_peers = f->peers,
                .n_wg_peers = ELEMENTSOF(f->peers),
        };
}

/* Both renderers on the fixture (the delta: its first peer moving to
 * 10.0.0.9) must give what is wanted, and leave out alone on refusal. */
static void expect(const struct fixture *f, int want_table, int want_delta, const char *what) {
        for (int delta = 0; delta < 2; delta++) {
                int want = delta ? want_delta : want_table;
                struct buf out = BUF_INIT;
                assert_int_equal(buf_puts(&out, "before"), 0);
                int r;
                if (!delta)
                        r = render_nftables(&f->st, &out);
                else {
                        struct wg_peer_view moved = f->peers[0];
                        moved.ip = "10.0.0.9";
                        r = render_nft_peer_elements(&f->st, &f->peers[0], &moved, &out);
                }
                bool untouched = streq(buf_str(&out), "before");
                buf_release(&out);
                if (r != want)
                        fail_msg("%s: %s gave %d, not %d", what, delta ? "render_nft_peer_elements" : "render_nftables",
                                 r, want);
                if (want != 0 && !untouched)
                        fail_msg("%s: the refusal changed the output buffer", what);
        }
}

/* The delta of one peer, alone: before and after both checked. */
static void expect_delta_refused(const struct fixture *f, const struct wg_peer_view *bad, const char *what) {
        const struct wg_peer_view *pairs[][2] = {{bad, NULL}, {NULL, bad}, {bad, &f->peers[0]}, {&f->peers[0], bad}};
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                struct buf out = BUF_INIT;
                int r = render_nft_peer_elements(&f->st, pairs[i][0], pairs[i][1], &out);
                bool empty = out.len == 0;
                buf_release(&out);
                if (r != -EINVAL || !empty)
                        fail_msg("%s: render_nft_peer_elements (case %zu) gave %d", what, i, r);
        }
}

/* What no value of any field may carry, put at its end and after its
 * first character. */
static const char *const injections[] = {"\n", "\r", "\t", " ", "\"", "'", "{", "}", ";",
                                         "#", "\\", "../", "*", "$", ",", "@", "\x7f"};

enum field {
        F_WG_INTERFACE,
        F_UPLINK,
        F_VPN_ADDRESS,
        F_IP_RANGE,
        F_SERVICE_NAME,
        F_SERVICE_IP,
        F_PEER_NAME,
        F_PEER_IP,
        F_PEER_SERVICE,
        F_COUNT,
};

static const char *const field_names[] = {"wg_interface", "uplink",        "vpn_address", "ip_range",
                                          "service_ips[2].service", "service_ips[2].ip", "peers[k].name",
                                          "peers[k].ip", "peers[k].services[1]"};

/* The field's slot in the fixture (k: which peer). */
static const char **field_slot(struct fixture *f, enum field field, size_t k) {
        switch (field) {
        case F_WG_INTERFACE: return &f->st.wg_interface;
        case F_UPLINK: return &f->st.uplink;
        case F_VPN_ADDRESS: return &f->st.vpn_address;
        case F_IP_RANGE: return &f->st.ip_range;
        case F_SERVICE_NAME: return &f->ips[2].service;
        case F_SERVICE_IP: return &f->ips[2].ip;
        case F_PEER_NAME: return &f->peers[k].name;
        case F_PEER_IP: return &f->peers[k].ip;
        case F_PEER_SERVICE: return &f->services[k][1];
        case F_COUNT: break;
        }
        return NULL;
}

/* The field (of peer k) with the injection put in: both renderers refuse
 * it, but the delta, which reads neither interface nor any peer other than
 * the one it changes, for those; a peer's own delta always. */
static void try_injection(enum field field, size_t k, const char *injection, bool at_end) {
        struct fixture f;
        fixture_init(&f);
        const char **slot = field_slot(&f, field, k);
        _cleanup_free_ char *bad = NULL;
        size_t pos = at_end ? strlen(*slot) : 1;
        assert_true(asprintf(&bad, "%.*s%s%s", (int)pos, *slot, injection, *slot + pos) > 0);
        *slot = bad;
        char what[128];
        snprintf(what, sizeof what, "%s (peer %zu) with %#x at %s", field_names[field], k, (unsigned)injection[0],
                 at_end ? "the end" : "1");
        bool interface = field == F_WG_INTERFACE || field == F_UPLINK;
        bool other_peer = field >= F_PEER_NAME && k != 0;
        expect(&f, -EINVAL, interface || other_peer ? 0 : -EINVAL, what);
        if (field >= F_PEER_NAME)
                expect_delta_refused(&f, &f.peers[k], what);
}

static void test_injections(void **state) {
        (void)state;
        size_t tried = 0;
        for (enum field field = 0; field < F_COUNT; field++)
                for (size_t k = 0; k < (field >= F_PEER_NAME ? ELEMENTSOF(((struct fixture *)0)->peers) : 1); k++)
                        for (size_t i = 0; i < ELEMENTSOF(injections); i++)
                                for (int at_end = 0; at_end < 2; at_end++, tried++)
                                        try_injection(field, k, injections[i], at_end);
        printf("# %zu injected values refused\n", tried);
}

/* Values of good characters that break a grammar or the plan. */
static void test_bad_values(void **state) {
        (void)state;
        struct fixture f;
#define BAD(what, table, delta, ...)                                                               \
        do {                                                                                       \
                fixture_init(&f);                                                                  \
                __VA_ARGS__;                                                                       \
                expect(&f, table, delta, what);                                                    \
        } while (0)
        BAD("the good state", 0, 0, (void)0);
        BAD("no uplink", 0, 0, f.st.uplink = "");
        BAD("no peers", 0, 0, f.st.n_wg_peers = 0; f.st.wg_peers = NULL);
        BAD("wg_interface NULL", -EINVAL, 0, f.st.wg_interface = NULL);
        BAD("wg_interface empty: the VPN is off, a table that says so", 0, 0, f.st.wg_interface = "");
        BAD("wg_interface of 16 characters", -EINVAL, 0, f.st.wg_interface = "pic0123456789abc");
        BAD("wg_interface ..", -EINVAL, 0, f.st.wg_interface = "..");
        BAD("uplink NULL", -EINVAL, 0, f.st.uplink = NULL);
        BAD("uplink the VPN interface", -EINVAL, 0, f.st.uplink = "pic0");
        BAD("vpn_address NULL", -EINVAL, -EINVAL, f.st.vpn_address = NULL);
        BAD("vpn_address without a prefix", -EINVAL, -EINVAL, f.st.vpn_address = "10.0.0.1");
        BAD("vpn_address the network", -EINVAL, -EINVAL, f.st.vpn_address = "10.0.0.0/24");
        BAD("vpn_address the broadcast", -EINVAL, -EINVAL, f.st.vpn_address = "10.0.0.255/24");
        BAD("vpn_address /31", -EINVAL, -EINVAL, f.st.vpn_address = "10.0.0.1/31");
        BAD("vpn_address 300.0.0.1", -EINVAL, -EINVAL, f.st.vpn_address = "300.0.0.1/24");
        BAD("ip_range NULL", -EINVAL, -EINVAL, f.st.ip_range = NULL);
        BAD("ip_range with host bits", -EINVAL, -EINVAL, f.st.ip_range = "172.20.0.1/24");
        BAD("ip_range /0", -EINVAL, -EINVAL, f.st.ip_range = "0.0.0.0/0");
        BAD("ip_range over the VPN", -EINVAL, -EINVAL, f.st.ip_range = "10.0.0.0/16");
        BAD("service_ips NULL", -EINVAL, -EINVAL, f.st.service_ips = NULL);
        BAD("a service name upper case", -EINVAL, -EINVAL, f.ips[2].service = "NTP");
        BAD("a service name NULL", -EINVAL, -EINVAL, f.ips[2].service = NULL);
        BAD("a service twice", -EINVAL, -EINVAL, f.ips[2].service = "dns");
        BAD("two services on one address", -EINVAL, -EINVAL, f.ips[2].ip = "172.20.0.2");
        BAD("a service IP outside ip_range", -EINVAL, -EINVAL, f.ips[2].ip = "172.21.0.3");
        BAD("a service IP the range's network", -EINVAL, -EINVAL, f.ips[2].ip = "172.20.0.0");
        BAD("a service IP NULL", -EINVAL, -EINVAL, f.ips[2].ip = NULL);
        BAD("port_dns 0", -EINVAL, 0, f.st.port_dns = 0);
        BAD("port_ntp 0", -EINVAL, 0, f.st.port_ntp = 0);
        BAD("wg_peers NULL", -EINVAL, 0, f.st.wg_peers = NULL);
        BAD("a peer name upper case", -EINVAL, -EINVAL, f.peers[0].name = "Alice");
        BAD("a peer name NULL", -EINVAL, -EINVAL, f.peers[0].name = NULL);
        BAD("a peer name of 33 characters", -EINVAL, -EINVAL, f.peers[0].name = "abcdefghijabcdefghijabcdefghijabc");
        BAD("a peer IP NULL", -EINVAL, -EINVAL, f.peers[0].ip = NULL);
        BAD("a peer IP with a prefix", -EINVAL, -EINVAL, f.peers[0].ip = "10.0.0.2/32");
        BAD("a peer IP with leading zeros", -EINVAL, -EINVAL, f.peers[0].ip = "10.0.0.02");
        BAD("a peer IP outside the VPN", -EINVAL, -EINVAL, f.peers[0].ip = "10.0.1.2");
        BAD("a peer IP the cell's", -EINVAL, -EINVAL, f.peers[0].ip = "10.0.0.1");
        BAD("a peer IP the VPN's broadcast", -EINVAL, -EINVAL, f.peers[0].ip = "10.0.0.255");
        BAD("a peer service unknown", -EINVAL, -EINVAL, f.services[0][1] = "ssh");
        BAD("a peer service NULL", -EINVAL, -EINVAL, f.services[0][1] = NULL);
        BAD("a peer's services NULL", -EINVAL, -EINVAL, f.peers[0].services = NULL);
        BAD("a disabled peer's service unknown", -EINVAL, 0, f.services[1][1] = "ssh");
        BAD("two enabled peers on one address", -EINVAL, 0, f.peers[2].ip = "10.0.0.2");
        BAD("a disabled peer on an enabled one's address", 0, 0, f.peers[1].ip = "10.0.0.2");
#undef BAD
}

/* Deltas that need no kernel: no change, disabled peers, no peer at all. */
static void test_delta_edges(void **state) {
        (void)state;
        struct fixture f;
        fixture_init(&f);
        static const char nothing[] = "# Nothing changes.\n";
        struct wg_peer_view bob_other = f.peers[1];
        bob_other.services = f.services[0];
        struct wg_peer_view carol_off = f.peers[2];
        carol_off.enabled = false;
        const struct {
                const struct wg_peer_view *before, *after;
                const char *want; /* the end of the file */
        } cases[] = {
                {NULL, NULL, nothing},
                {&f.peers[0], &f.peers[0], nothing},
                {&f.peers[1], NULL, nothing},
                {&f.peers[1], &bob_other, nothing},
                {NULL, &f.peers[1], nothing},
                {&f.peers[2], &carol_off,
                 "delete element inet pic peer_service { 10.0.0.4 . 172.20.0.2, 10.0.0.4 . 172.20.0.3, "
                 "10.0.0.4 . 172.20.0.6 }\n"
                 "delete element inet pic full_tunnel { 10.0.0.4 }\n"},
                {NULL, &f.peers[0],
                 "add element inet pic peer_service { 10.0.0.2 . 172.20.0.1, 10.0.0.2 . 172.20.0.2, "
                 "10.0.0.2 . 172.20.0.5 }\n"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct buf out = BUF_INIT;
                assert_int_equal(render_nft_peer_elements(&f.st, cases[i].before, cases[i].after, &out), 0);
                const char *text = buf_str(&out);
                size_t len = strlen(cases[i].want);
                if (out.len < len || !streq(text + out.len - len, cases[i].want))
                        fail_msg("delta %zu:\n%s\ndoes not end in\n%s", i, text, cases[i].want);
                /* Comments and element statements, nothing else. */
                for (const char *line = text; *line; line = strchr(line, '\n') + 1)
                        if (line[0] != '#' && strncmp(line, "add element ", 12) && strncmp(line, "delete element ", 15))
                                fail_msg("delta %zu: a line of another kind: %s", i, line);
                buf_release(&out);
        }
}

/* ---- main ---- */

static bool can_use_netns(void) {
        if (geteuid() != 0 || access(NFT_BIN, X_OK) != 0 || access(IP_BIN, X_OK) != 0)
                return false;
        char name[64];
        snprintf(name, sizeof name, "pic-nft-%d-probe", (int)getpid());
        char *const add[] = {IP_BIN, "netns", "add", name, NULL};
        char *const del[] = {IP_BIN, "netns", "delete", name, NULL};
        struct exec_result res = {0};
        bool ok = exec_run(add, NULL, RUN_TIMEOUT_MS, &res) == 0 && res.exit_code == 0;
        exec_result_release(&res);
        if (ok) {
                (void)exec_run(del, NULL, RUN_TIMEOUT_MS, &res);
                exec_result_release(&res);
        }
        return ok;
}

/* Whether a veth pair and a bridge can be made in a namespace. */
static bool can_build_links(void) {
        struct netns ns = {0};
        const char *n = netns_add(&ns, "links");
        char *const veth[] = {IP_BIN,  "-n",   (char *)n, "link", "add",  "name",
                              "pica",  "type", "veth",    "peer", "name", "picb", NULL};
        char *const bridge[] = {IP_BIN, "-n", (char *)n, "link", "add", "name", "picbr", "type", "bridge", NULL};
        bool ok = run(veth, NULL, true) == 0 && run(bridge, NULL, true) == 0 && access(PING_BIN, X_OK) == 0 &&
                  access(SYSCTL_BIN, X_OK) == 0;
        netns_release(&ns);
        return ok;
}

int main(void) {
        static struct golden_case cases[MAX_CASES];
        static struct CMUnitTest tests[6 * MAX_CASES + 8];
        static char *names[6 * MAX_CASES + 8];
        size_t nc = 0, nt = 0;

        /* Without root (or nft) the kernel's tests are not registered:
         * cmocka 1.1.5 reports skip() as "not ok # SKIP", a failure to
         * meson's TAP parser. */
        bool netns = can_use_netns();
        bool links = netns && can_build_links();
        if (!netns)
                printf("# not root, or no nft or network namespaces: skipping nft -c and the live tests\n");
        else if (!links)
                printf("# no veth or bridge links: skipping the traffic tests\n");

        struct dirent **entries = NULL;
        int n = scandir(GOLDEN_DIR "/nftables", &entries, is_entry, alphasort);
        if (n <= 0 || n > MAX_CASES) {
                fprintf(stderr, "no golden cases under %s/nftables, or more than %d\n", GOLDEN_DIR, MAX_CASES);
                return 1;
        }
        for (int i = 0; i < n; i++, nc++) {
                cases[nc].name = strdup(entries[i]->d_name);
                cases[nc].dir = test_path(GOLDEN_DIR "/nftables", entries[i]->d_name);
                free(entries[i]);
                static const struct {
                        const char *kind;
                        CMUnitTestFunction fn;
                        int needs; /* 0: nothing, 1: netns, 2: links */
                } kinds[] = {{"golden", test_golden, 0},
                             {"stable", test_stable, 0},
                             {"check", test_check, 1},
                             {"live", test_live, 1},
                             {"reload", test_reload, 1},
                             {"traffic", test_traffic, 2}};
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if ((kinds[k].needs >= 1 && !netns) || (kinds[k].needs == 2 && !links))
                                continue;
                        if (asprintf(&names[nt], "nftables_%s_%s", kinds[k].kind, cases[nc].name) < 0)
                                return 1;
                        tests[nt] = (struct CMUnitTest){
                                .name = names[nt],
                                .test_func = kinds[k].fn,
                                .setup_func = kinds[k].needs ? scratch_setup : NULL,
                                .teardown_func = kinds[k].needs ? scratch_teardown : NULL,
                                .initial_state = &cases[nc]};
                        nt++;
                }
        }
        free(entries);
        size_t first_fixed = nt;
        tests[nt++] = (struct CMUnitTest){.name = "injections_refused", .test_func = test_injections};
        tests[nt++] = (struct CMUnitTest){.name = "bad_values_refused", .test_func = test_bad_values};
        tests[nt++] = (struct CMUnitTest){.name = "delta_edges", .test_func = test_delta_edges};

        int failed = _cmocka_run_group_tests("render_nftables", tests, nt, NULL, NULL);

        for (size_t i = 0; i < first_fixed; i++)
                free(names[i]);
        for (size_t i = 0; i < nc; i++) {
                free(cases[i].dir);
                free(cases[i].name);
        }
        return failed;
}
