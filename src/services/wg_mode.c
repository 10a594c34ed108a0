/* Kernel WireGuard or wireguard-go: the choice and the kernel interface's
 * commands; see wg_mode.h. */
#include "services/wg_mode.h"

#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/exec.h"
#include "common/jsonutil.h"
#include "common/validate.h"
#include "services/service.h"

#define IP_TIMEOUT_MS 10000u

static const char *const names[] = {
        [WG_IMPLEMENTATION_AUTO] = "auto",
        [WG_IMPLEMENTATION_KERNEL] = "kernel",
        [WG_IMPLEMENTATION_USERSPACE] = "userspace",
};

int wg_implementation_from_string(const char *s, enum wg_implementation *ret) {
        for (unsigned i = 0; s && i < ELEMENTSOF(names); i++)
                if (streq(s, names[i])) {
                        *ret = (enum wg_implementation)i;
                        return 0;
                }
        return -EINVAL;
}

const char *wg_implementation_to_string(enum wg_implementation i) {
        return (unsigned)i < ELEMENTSOF(names) ? names[i] : "?";
}

enum wg_implementation wg_implementation_choose(enum wg_implementation setting, int (*kernel_supported)(void)) {
        if (setting != WG_IMPLEMENTATION_AUTO)
                return setting;
        return kernel_supported() > 0 ? WG_IMPLEMENTATION_KERNEL : WG_IMPLEMENTATION_USERSPACE;
}

int render_wg_implementation(const struct cell_state *st, struct buf *out) {
        enum wg_implementation i;
        if (wg_implementation_from_string(st->wg_implementation, &i) < 0)
                return -EINVAL;
        return buf_printf(out, "%s\n", names[i]);
}

int wg_implementation_parse(const char *text, enum wg_implementation *ret) {
        char word[16];
        size_t len = text ? strcspn(text, "\n") : 0;
        if (!text || len == 0 || len >= sizeof word || !streq(text + len, "\n"))
                return -EINVAL;
        memcpy(word, text, len);
        word[len] = 0;
        return wg_implementation_from_string(word, ret);
}

static bool iface_ok(const char *iface) {
        return valid_ifname(iface) && iface[0] != '-';
}

int wg_kernel_commands(const char *iface, char ***ret_start, char ***ret_stop, char ***ret_envp) {
        if (!iface_ok(iface))
                return -EINVAL;
        char **start = strv_new(WG_MODE_IP_BINARY, "link", "add", "dev", iface, "type", "wireguard", NULL);
        char **stop = strv_new(WG_MODE_IP_BINARY, "link", "del", "dev", iface, NULL);
        char **envp = strv_new("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL);
        if (!start || !stop || !envp) {
                strv_free(start);
                strv_free(stop);
                strv_free(envp);
                return -ENOMEM;
        }
        *ret_start = start;
        *ret_stop = stop;
        *ret_envp = envp;
        return 0;
}

int wg_link_json_is_wireguard(const char *json_text) {
        _cleanup_json_ json_t *links = json_text ? json_loads(json_text, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (!json_is_array(links))
                return -EINVAL;
        json_t *link = json_array_get(links, 0);
        if (!link)
                return 0;
        if (!json_is_object(link))
                return -EINVAL;
        const char *kind = json_string_value(json_object_get(json_object_get(link, "linkinfo"), "info_kind"));
        return kind && streq(kind, "wireguard");
}

/* ip's words, trimmed, for a message. */
static void ip_failed(char *const argv[], struct exec_result *res, char **ret_message) {
        size_t len = strlen(res->output);
        while (len && res->output[len - 1] == '\n')
                res->output[--len] = 0;
        utf8_repair(res->output);
        if (ret_message && asprintf(ret_message, "ip %s %s: %s", argv[1], argv[2],
                                    res->timed_out ? "timed out" : res->output) < 0)
                *ret_message = NULL;
}

int wg_kernel_remove_leftover(const char *iface, char **ret_message) {
        if (!iface_ok(iface))
                return -EINVAL;
        if (if_nametoindex(iface) == 0)
                return 0;
        char *show[] = {WG_MODE_IP_BINARY, "-j", "-d", "link", "show", "dev", (char *)iface, NULL};
        struct exec_result res;
        int r = exec_run(show, NULL, IP_TIMEOUT_MS, &res);
        if (r < 0)
                return r;
        if (res.exit_code != 0 || res.timed_out) {
                ip_failed(show, &res, ret_message);
                exec_result_release(&res);
                return -EIO;
        }
        r = wg_link_json_is_wireguard(res.output);
        exec_result_release(&res);
        if (r <= 0)
                return 0; /* not ours to delete; or gone between the two looks */
        char *del[] = {WG_MODE_IP_BINARY, "link", "del", "dev", (char *)iface, NULL};
        if ((r = exec_run(del, NULL, IP_TIMEOUT_MS, &res)) < 0)
                return r;
        if (res.exit_code != 0 || res.timed_out) {
                ip_failed(del, &res, ret_message);
                exec_result_release(&res);
                return -EIO;
        }
        exec_result_release(&res);
        return 1;
}
