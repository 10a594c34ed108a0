/* Kernel WireGuard or wireguard-go (services/wg_mode.c) and the adapter's
 * choice at each start (wireguard_adapter.build_oneshot): the setting's
 * words and file, the choice (detection asked for "auto" only), the
 * kernel interface's argument vectors, and the leftover-link check. As
 * root, the check runs ip for real in a scratch network namespace against
 * a link of another kind (a tun), which it must leave alone.
 *
 * Not run here: this machine's kernel has no WireGuard module, so no test
 * makes a kernel WireGuard link; the one positive case of
 * wg_link_json_is_wireguard reads ip's JSON as iproute2 prints it for such
 * a link (info_kind "wireguard"), written by hand. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/exec.h"
#include "render/render.h"
#include "services/service.h"
#include "services/wg_apply.h"
#include "services/wg_mode.h"

extern const struct service_adapter wireguard_adapter;

#define IP_BIN "/usr/sbin/ip"

/* ---- the setting ---- */

static void test_words(void **state) {
        (void)state;
        static const struct {
                const char *word;
                enum wg_implementation value;
        } ok[] = {
                {"auto", WG_IMPLEMENTATION_AUTO},
                {"kernel", WG_IMPLEMENTATION_KERNEL},
                {"userspace", WG_IMPLEMENTATION_USERSPACE},
        };
        for (unsigned i = 0; i < ELEMENTSOF(ok); i++) {
                enum wg_implementation v = 99;
                assert_int_equal(wg_implementation_from_string(ok[i].word, &v), 0);
                assert_int_equal(v, ok[i].value);
                assert_string_equal(wg_implementation_to_string(v), ok[i].word);
        }
        static const char *const bad[] = {"", "Auto", "KERNEL", "kern", "kernel ", " auto", "user space", "wireguard-go"};
        for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
                enum wg_implementation v = 99;
                assert_int_equal(wg_implementation_from_string(bad[i], &v), -EINVAL);
                assert_int_equal(v, 99);
        }
        enum wg_implementation v = 99;
        assert_int_equal(wg_implementation_from_string(NULL, &v), -EINVAL);
        assert_string_equal(wg_implementation_to_string((enum wg_implementation)7), "?");
}

static int detections;
static int kernel_has_it(void) {
        detections++;
        return 1;
}
static int kernel_lacks_it(void) {
        detections++;
        return 0;
}
static int detection_fails(void) {
        detections++;
        return -EPERM;
}

/* Detection makes and deletes a link: asked for auto only, once. */
static void test_choose(void **state) {
        (void)state;
        detections = 0;
        assert_int_equal(wg_implementation_choose(WG_IMPLEMENTATION_KERNEL, kernel_lacks_it), WG_IMPLEMENTATION_KERNEL);
        assert_int_equal(wg_implementation_choose(WG_IMPLEMENTATION_USERSPACE, kernel_has_it),
                         WG_IMPLEMENTATION_USERSPACE);
        assert_int_equal(detections, 0);
        assert_int_equal(wg_implementation_choose(WG_IMPLEMENTATION_AUTO, kernel_has_it), WG_IMPLEMENTATION_KERNEL);
        assert_int_equal(detections, 1);
        assert_int_equal(wg_implementation_choose(WG_IMPLEMENTATION_AUTO, kernel_lacks_it),
                         WG_IMPLEMENTATION_USERSPACE);
        assert_int_equal(detections, 2);
        assert_int_equal(wg_implementation_choose(WG_IMPLEMENTATION_AUTO, detection_fails),
                         WG_IMPLEMENTATION_USERSPACE);
        assert_int_equal(detections, 3);
}

static void test_file(void **state) {
        (void)state;
        static const char *const words[] = {"auto", "kernel", "userspace"};
        for (unsigned i = 0; i < ELEMENTSOF(words); i++) {
                struct cell_state st = {.wg_implementation = words[i]};
                _cleanup_buf_ struct buf out = BUF_INIT;
                buf_init(&out, 64);
                assert_int_equal(render_wg_implementation(&st, &out), 0);
                char want[16];
                snprintf(want, sizeof want, "%s\n", words[i]);
                assert_string_equal(buf_str(&out), want);
                enum wg_implementation v;
                assert_int_equal(wg_implementation_parse(buf_str(&out), &v), 0);
                assert_string_equal(wg_implementation_to_string(v), words[i]);
        }
        static const char *const refused[] = {"Kernel", "", "auto\n", NULL};
        for (unsigned i = 0; i < ELEMENTSOF(refused); i++) {
                struct cell_state st = {.wg_implementation = refused[i]};
                _cleanup_buf_ struct buf out = BUF_INIT;
                buf_init(&out, 64);
                assert_int_equal(render_wg_implementation(&st, &out), -EINVAL);
                assert_int_equal(out.len, 0);
        }
        static const char *const unreadable[] = {"auto",       "auto\n\n", "auto\nkernel\n", "\n",  "",
                                                 " auto\n",    "AUTO\n",   "auto \n",        "userspaceuserspace\n",
                                                 "kernel\r\n"};
        for (unsigned i = 0; i < ELEMENTSOF(unreadable); i++) {
                enum wg_implementation v = 99;
                if (wg_implementation_parse(unreadable[i], &v) != -EINVAL)
                        fail_msg("read %s", unreadable[i]);
                assert_int_equal(v, 99);
        }
        enum wg_implementation v = 99;
        assert_int_equal(wg_implementation_parse(NULL, &v), -EINVAL);
}

/* ---- the kernel interface's commands ---- */

static void assert_strv(char **v, const char *const *want) {
        size_t i = 0;
        for (; want[i]; i++) {
                assert_non_null(v[i]);
                assert_string_equal(v[i], want[i]);
        }
        assert_null(v[i]);
}

static void test_kernel_commands(void **state) {
        (void)state;
        char **start = NULL, **stop = NULL, **envp = NULL;
        assert_int_equal(wg_kernel_commands("pkwg0", &start, &stop, &envp), 0);
        assert_strv(start, (const char *const[]){"/usr/sbin/ip", "link", "add", "dev", "pkwg0", "type", "wireguard", NULL});
        assert_strv(stop, (const char *const[]){"/usr/sbin/ip", "link", "del", "dev", "pkwg0", NULL});
        assert_strv(envp, (const char *const[]){"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL});
        strv_free(start);
        strv_free(stop);
        strv_free(envp);

        /* Whatever is not an interface name never reaches ip. */
        static const char *const bad[] = {"", "-x", "--help", "a b", "pic0;rm", "0123456789abcdef", ".", "..",
                                          "wg/0", "wg\n0"};
        for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
                char **a = (char **)1, **b = (char **)1, **c = (char **)1;
                if (wg_kernel_commands(bad[i], &a, &b, &c) != -EINVAL)
                        fail_msg("took '%s'", bad[i]);
                assert_ptr_equal(a, (char **)1);
                assert_ptr_equal(b, (char **)1);
                assert_ptr_equal(c, (char **)1);
        }
        char **a = NULL, **b = NULL, **c = NULL;
        assert_int_equal(wg_kernel_commands(NULL, &a, &b, &c), -EINVAL);
}

/* iproute2's `ip -j -d link show dev IF`, trimmed to what matters. The
 * wireguard one is written by hand (no module here); the tun one is what
 * ip printed on this machine. */
static void test_link_kind(void **state) {
        (void)state;
        assert_int_equal(wg_link_json_is_wireguard("[{\"ifindex\":5,\"ifname\":\"pic0\",\"flags\":[\"POINTOPOINT\","
                                                   "\"NOARP\",\"UP\",\"LOWER_UP\"],\"mtu\":1420,\"link_type\":\"none\","
                                                   "\"linkinfo\":{\"info_kind\":\"wireguard\"}}]"),
                         1);
        assert_int_equal(wg_link_json_is_wireguard("[{\"ifindex\":2,\"ifname\":\"pktun0\",\"link_type\":\"none\","
                                                   "\"linkinfo\":{\"info_kind\":\"tun\",\"info_data\":{\"type\":"
                                                   "\"tun\",\"pi\":false,\"persist\":true}}}]"),
                         0);
        assert_int_equal(wg_link_json_is_wireguard("[{\"ifindex\":3,\"ifname\":\"eth0\",\"linkinfo\":{\"info_kind\":"
                                                   "\"veth\"}}]"),
                         0);
        /* No linkinfo at all (a physical interface, lo). */
        assert_int_equal(wg_link_json_is_wireguard("[{\"ifindex\":1,\"ifname\":\"lo\",\"link_type\":\"loopback\"}]"), 0);
        assert_int_equal(wg_link_json_is_wireguard("[{\"linkinfo\":{\"info_kind\":7}}]"), 0);
        assert_int_equal(wg_link_json_is_wireguard("[]"), 0);
        static const char *const bad[] = {"", "{}", "[1]", "Device \"x\" does not exist.", "[{\"a\":1,\"a\":2}]"};
        for (unsigned i = 0; i < ELEMENTSOF(bad); i++)
                if (wg_link_json_is_wireguard(bad[i]) != -EINVAL)
                        fail_msg("read %s", bad[i]);
        assert_int_equal(wg_link_json_is_wireguard(NULL), -EINVAL);
}

/* ---- the adapter's choice ---- */

struct adapter_fixture {
        char *dir, *config_dir, *run_dir, *data_dir;
        char iface[IFNAMSIZ];
        struct cell_state st;
        struct service_env env;
};

static void write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

static void adapter_setup(struct adapter_fixture *f, const char *implementation_file) {
        *f = (struct adapter_fixture){0};
        f->dir = test_tmpdir();
        f->config_dir = test_path(f->dir, "config");
        f->run_dir = test_path(f->dir, "run");
        f->data_dir = test_path(f->dir, "data");
        assert_int_equal(mkdir(f->config_dir, 0700), 0);
        snprintf(f->iface, sizeof f->iface, "pkwg%d", (int)getpid() % 100000);
        f->st = (struct cell_state){.wg_interface = f->iface, .wg_implementation = "auto"};
        f->env = (struct service_env){.cell_dir = f->dir, .state = &f->st, .config_dir = f->config_dir,
                                      .data_dir = f->data_dir, .run_dir = f->run_dir};
        if (implementation_file) {
                char *path = test_path(f->config_dir, WG_IMPLEMENTATION_FILE);
                write_file(path, implementation_file);
                free(path);
        }
}

static void adapter_release(struct adapter_fixture *f) {
        free(f->config_dir);
        free(f->run_dir);
        free(f->data_dir);
        test_rmdir(f->dir);
}

/* Each setting as the file holds it; the note says what was chosen and
 * why. Nothing here runs ip but "auto"'s detection (and, for kernel, the
 * look for a leftover link, which finds no link of that name). */
static void test_adapter_choice(void **state) {
        (void)state;
        assert_non_null(wireguard_adapter.build_oneshot);
        assert_non_null(wireguard_adapter.build_command);
        struct adapter_fixture f;

        adapter_setup(&f, "kernel\n");
        struct service_oneshot o = {0};
        char *note = NULL;
        assert_int_equal(wireguard_adapter.build_oneshot(&f.env, &o, &note), 1);
        assert_non_null(note);
        assert_string_equal(note, "implementation: kernel (as configured)");
        assert_strv(o.start_argv, (const char *const[]){"/usr/sbin/ip", "link", "add", "dev", f.iface, "type",
                                                        "wireguard", NULL});
        assert_strv(o.stop_argv, (const char *const[]){"/usr/sbin/ip", "link", "del", "dev", f.iface, NULL});
        assert_non_null(o.envp);
        strv_free(o.start_argv);
        strv_free(o.stop_argv);
        strv_free(o.envp);
        free(note);
        adapter_release(&f);

        adapter_setup(&f, "userspace\n");
        o = (struct service_oneshot){0};
        note = NULL;
        assert_int_equal(wireguard_adapter.build_oneshot(&f.env, &o, &note), 0);
        assert_string_equal(note, "implementation: userspace, wireguard-go (as configured)");
        assert_null(o.start_argv);
        assert_null(o.stop_argv);
        assert_null(o.envp);
        free(note);
        /* wireguard-go exactly as before. */
        char **argv = NULL, **envp = NULL;
        assert_int_equal(wireguard_adapter.build_command(&f.env, &argv, &envp), 0);
        assert_strv(argv, (const char *const[]){"/usr/bin/wireguard-go", "-f", f.iface, NULL});
        strv_free(argv);
        strv_free(envp);
        adapter_release(&f);

        /* auto: what detection finds (here, no module: userspace). */
        adapter_setup(&f, "auto\n");
        bool kernel = wireguard_kernel_supported() == 1;
        o = (struct service_oneshot){0};
        note = NULL;
        assert_int_equal(wireguard_adapter.build_oneshot(&f.env, &o, &note), kernel ? 1 : 0);
        assert_string_equal(note, kernel ? "implementation: kernel (auto: the kernel has WireGuard)"
                                         : "implementation: userspace, wireguard-go (auto: this kernel has no WireGuard)");
        strv_free(o.start_argv);
        strv_free(o.stop_argv);
        strv_free(o.envp);
        free(note);
        adapter_release(&f);
}

/* No start on a file the reconcile did not write, or one it would refuse;
 * nor on an interface name that is not one. */
static void test_adapter_refusals(void **state) {
        (void)state;
        struct adapter_fixture f;
        static const char *const files[] = {NULL, "", "kernel", "Kernel\n", "auto\nkernel\n"};
        for (unsigned i = 0; i < ELEMENTSOF(files); i++) {
                adapter_setup(&f, files[i]);
                struct service_oneshot o = {0};
                char *note = NULL;
                int r = wireguard_adapter.build_oneshot(&f.env, &o, &note);
                if (r >= 0)
                        fail_msg("started on %s", files[i] ? files[i] : "(no file)");
                assert_non_null(note);
                assert_non_null(strstr(note, WG_IMPLEMENTATION_FILE));
                assert_null(o.start_argv);
                free(note);
                adapter_release(&f);
        }
        adapter_setup(&f, "kernel\n");
        f.st.wg_interface = "-x";
        struct service_oneshot o = {0};
        char *note = NULL;
        assert_int_equal(wireguard_adapter.build_oneshot(&f.env, &o, &note), -EINVAL);
        assert_null(o.start_argv);
        free(note);
        adapter_release(&f);

        /* The checker refuses what the start would refuse. */
        adapter_setup(&f, NULL);
        static const char *const bad[] = {"Kernel\n", "kernel", "both\n"};
        for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
                struct changed_file c = {.name = WG_IMPLEMENTATION_FILE, .path = "/nonexistent", .new_text = bad[i]};
                char *message = NULL;
                assert_int_equal(wireguard_adapter.check(&f.env, &c, &message), -EINVAL);
                assert_string_equal(message, "implementation: not one of auto, kernel, userspace");
                free(message);
        }
        struct changed_file c = {.name = WG_IMPLEMENTATION_FILE, .path = "/nonexistent", .new_text = "userspace\n"};
        char *message = NULL;
        assert_int_equal(wireguard_adapter.check(&f.env, &c, &message), 0);
        assert_null(message);
        adapter_release(&f);
}

/* ---- as root: a leftover link of another kind is never touched ---- */

static int run_quiet(char *const argv[]) {
        struct exec_result res;
        if (exec_run(argv, NULL, 10000, &res) < 0)
                return -1;
        int code = res.timed_out ? -1 : res.exit_code;
        exec_result_release(&res);
        return code;
}

static void test_leftover_in_netns(void **state) {
        (void)state;
        if (geteuid() != 0) {
                skip();
                return;
        }
        char ns[32], name[IFNAMSIZ];
        snprintf(ns, sizeof ns, "pk-mode-%d", (int)getpid());
        snprintf(name, sizeof name, "pkwg%d", (int)getpid() % 100000);
        assert_int_equal(run_quiet((char *[]){IP_BIN, "netns", "add", ns, NULL}), 0);
        int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        char path[64];
        snprintf(path, sizeof path, "/run/netns/%s", ns);
        int target = open(path, O_RDONLY | O_CLOEXEC);
        bool entered = home >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0;
        int none = -1, tun = -1, still = -1, made = -1, add_wireguard = -1;
        char *message = NULL;
        if (entered) {
                none = wg_kernel_remove_leftover(name, &message);
                made = run_quiet((char *[]){IP_BIN, "tuntap", "add", "dev", name, "mode", "tun", NULL});
                if (made == 0) {
                        tun = wg_kernel_remove_leftover(name, &message);
                        still = if_nametoindex(name) != 0;
                }
                /* The kernel path's start command where there is no module:
                 * ip exits 2 (its words are the e2e test's business). */
                if (wireguard_kernel_supported() == 0)
                        add_wireguard = run_quiet((char *[]){IP_BIN, "link", "add", "dev", "pkwgx0", "type",
                                                             "wireguard", NULL});
                if (setns(home, CLONE_NEWNET) < 0)
                        abort(); /* the rest of the run must not happen in the scratch namespace */
        }
        if (home >= 0)
                close(home);
        if (target >= 0)
                close(target);
        run_quiet((char *[]){IP_BIN, "netns", "del", ns, NULL});
        assert_true(entered);
        assert_int_equal(none, 0);
        assert_int_equal(made, 0);
        assert_int_equal(tun, 0);
        assert_int_equal(still, 1);
        assert_null(message);
        if (wireguard_kernel_supported() == 0)
                assert_int_equal(add_wireguard, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_choose),
                cmocka_unit_test(test_file),
                cmocka_unit_test(test_kernel_commands),
                cmocka_unit_test(test_link_kind),
                cmocka_unit_test(test_adapter_choice),
                cmocka_unit_test(test_adapter_refusals),
                cmocka_unit_test(test_leftover_in_netns),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
