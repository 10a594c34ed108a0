/* Strict JSON bodies: parsed with duplicate keys rejected, then checked
 * against a declared policy (like libubox's blobmsg_policy) before any
 * handler runs. Unknown fields, wrong types and missing required fields are
 * errors naming the field ("ports.dns"). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define BODY_MAX_BYTES ((size_t)1 << 20)
#define BODY_MAX_DEPTH 4

/* FIELD_STRING_OR_NULL: a string, or null to clear the field. */
enum field_type { FIELD_STRING, FIELD_INTEGER, FIELD_BOOLEAN, FIELD_OBJECT, FIELD_STRING_ARRAY, FIELD_STRING_OR_NULL };

struct body_policy;

struct field_policy {
        const char *name;
        enum field_type type;
        bool required;
        /* Optional grammar check for strings and integers: returns NULL when
         * the value is fine, else a message ("must be ..."). For
         * FIELD_STRING_ARRAY it runs on each item (a string), and an error
         * names the item: "forwarders[2]". */
        const char *(*check)(json_t *value);
        const struct body_policy *object; /* for FIELD_OBJECT */
        unsigned max_items;               /* for FIELD_STRING_ARRAY */
};

struct body_policy {
        const struct field_policy *fields;
        unsigned n_fields;
};

struct body_error {
        char field[128];
        char message[256];
};

/* Parses text (len bytes, not NUL-terminated) as one JSON object. */
int body_parse(const char *text, size_t len, json_t **ret, struct body_error *err);
/* Checks an object against a policy. */
int body_validate(json_t *obj, const struct body_policy *policy, struct body_error *err);
