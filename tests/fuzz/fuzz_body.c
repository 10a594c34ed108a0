/* libFuzzer harness for request bodies: body_parse on raw bytes, then
 * body_validate against every policy a route declares. Besides the
 * sanitizers, it checks what a successful validation promises about the
 * values a handler will then trust. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/handlers.h"

#define CHECK(cond)                                                                                                \
        do {                                                                                                       \
                if (!(cond)) {                                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                   \
                        abort();                                                                                   \
                }                                                                                                  \
        } while (0)

static const struct {
        const char *name;
        const struct body_policy *policy;
} policies[] = {
        {"login", &login_body},
        {"user_create", &user_create_body},
        {"user_update", &user_update_body},
        {"token_create", &token_create_body},
        {"config_put", &config_put_body},
        {"config_apply", &config_apply_body},
};

static bool only(const char *s, const char *allowed) {
        return strspn(s, allowed) == strlen(s);
}

static void check_error(const struct body_error *err) {
        CHECK(memchr(err->field, 0, sizeof err->field) != NULL);
        CHECK(memchr(err->message, 0, sizeof err->message) != NULL);
        CHECK(err->message[0] != 0);
}

static const char *str(json_t *obj, const char *key) {
        return json_string_value(json_object_get(obj, key));
}

/* What each policy's success guarantees to its handler. */
static void check_valid(const char *name, json_t *v) {
        static const char lower_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        if (!strcmp(name, "login")) {
                const char *u = str(v, "username"), *p = str(v, "password");
                CHECK(u && p && *u && *p && strlen(u) <= 64 && strlen(p) <= 256);
                for (const char *c = u; *c; c++)
                        CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
        } else if (!strcmp(name, "user_create")) {
                const char *u = str(v, "username"), *r = str(v, "role");
                CHECK(u && str(v, "password") && r);
                CHECK(strlen(u) >= 1 && strlen(u) <= 32 && only(u, "abcdefghijklmnopqrstuvwxyz0123456789_.-"));
                CHECK(strchr(lower_alnum, u[0]));
                CHECK(!strcmp(r, "admin") || !strcmp(r, "user"));
                CHECK(strlen(str(v, "password")) >= 8);
        } else if (!strcmp(name, "token_create")) {
                const char *n = str(v, "name");
                CHECK(n && strlen(n) >= 1 && strlen(n) <= 32 && only(n, "abcdefghijklmnopqrstuvwxyz0123456789-"));
                CHECK(n[0] != '-' && n[strlen(n) - 1] != '-');
                json_t *days = json_object_get(v, "expires_in_days");
                CHECK(!days || (json_integer_value(days) >= 1 && json_integer_value(days) <= 3650));
        } else if (!strcmp(name, "config_put")) {
                const char *d = str(v, "domain");
                CHECK(!d || (strlen(d) <= 253 && only(d, "abcdefghijklmnopqrstuvwxyz0123456789.-")));
                const char *c = str(v, "cell_name");
                CHECK(!c || (strlen(c) <= 32 && only(c, "abcdefghijklmnopqrstuvwxyz0123456789-")));
                const char *e = str(v, "public_endpoint");
                CHECK(!e || only(e, "abcdefghijklmnopqrstuvwxyz0123456789.-"));
                const char *key;
                json_t *port;
                json_object_foreach(json_object_get(v, "ports"), key, port) {
                        json_int_t p = json_integer_value(port);
                        CHECK(json_is_integer(port));
                        CHECK((p >= 1 && p <= 65535) || (p == 0 && !strcmp(key, "dhcp")));
                }
        } else if (!strcmp(name, "config_apply")) {
                json_t *t = json_object_get(v, "timeout_s");
                CHECK(!t || (json_integer_value(t) >= 5 && json_integer_value(t) <= 3600));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > BODY_MAX_BYTES)
                return 0;
        struct body_error err;
        memset(&err, 0x5a, sizeof err);
        json_t *v = NULL;
        if (body_parse((const char *)data, size, &v, &err) < 0) {
                CHECK(v == NULL);
                CHECK(err.field[0] == 0);
                check_error(&err);
                return 0;
        }
        CHECK(json_is_object(v));
        for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
                memset(&err, 0x5a, sizeof err);
                int r = body_validate(v, policies[i].policy, &err);
                if (r < 0) {
                        CHECK(r == -EINVAL);
                        check_error(&err);
                        /* A policy failure names the field; only a key "" has an
                         * empty name. */
                        CHECK(err.field[0] != 0 || json_object_get(v, "") != NULL);
                } else {
                        CHECK(r == 0);
                        check_valid(policies[i].name, v);
                }
        }
        json_decref(v);
        return 0;
}
