/* Strict JSON bodies; see body.h. */
#include "body.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/validate.h"

static const char *type_name(enum field_type t) {
        switch (t) {
        case FIELD_STRING:
                return "a string";
        case FIELD_INTEGER:
                return "an integer";
        case FIELD_BOOLEAN:
                return "a boolean";
        case FIELD_OBJECT:
                return "an object";
        case FIELD_STRING_ARRAY:
                return "an array of strings";
        case FIELD_STRING_OR_NULL:
                return "a string or null";
        }
        return "?";
}

static bool type_matches(enum field_type t, json_t *v) {
        switch (t) {
        case FIELD_STRING:
                return json_is_string(v);
        case FIELD_INTEGER:
                return json_is_integer(v);
        case FIELD_BOOLEAN:
                return json_is_boolean(v);
        case FIELD_OBJECT:
                return json_is_object(v);
        case FIELD_STRING_ARRAY:
                return json_is_array(v);
        case FIELD_STRING_OR_NULL:
                return json_is_string(v) || json_is_null(v);
        }
        return false;
}

static int fail(struct body_error *err, const char *prefix, const char *field, const char *message) {
        snprintf(err->field, sizeof err->field, "%s%s", prefix, field);
        utf8_repair(err->field); /* a long name may have been cut mid-character */
        snprintf(err->message, sizeof err->message, "%s", message);
        return -EINVAL;
}

static int depth_of(json_t *v, int depth) {
        if (depth > BODY_MAX_DEPTH)
                return depth;
        int max = depth;
        if (json_is_object(v)) {
                const char *k;
                json_t *c;
                json_object_foreach(v, k, c) {
                        int d = depth_of(c, depth + 1);
                        if (d > max)
                                max = d;
                }
        } else if (json_is_array(v)) {
                size_t i;
                json_t *c;
                json_array_foreach(v, i, c) {
                        int d = depth_of(c, depth + 1);
                        if (d > max)
                                max = d;
                }
        }
        return max;
}

int body_parse(const char *text, size_t len, json_t **ret, struct body_error *err) {
        json_error_t jerr;
        /* JSON_REJECT_DUPLICATES: {"role":"user","role":"admin"} is an error,
         * not "the last one wins". NUL inside strings is refused by default. */
        json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!v) {
                err->field[0] = 0;
                snprintf(err->message, sizeof err->message, "malformed JSON at line %d, column %d: %s", jerr.line,
                         jerr.column, jerr.text);
                return -EINVAL;
        }
        if (!json_is_object(v)) {
                json_decref(v);
                err->field[0] = 0;
                snprintf(err->message, sizeof err->message, "the body must be a JSON object");
                return -EINVAL;
        }
        if (depth_of(v, 0) > BODY_MAX_DEPTH) {
                json_decref(v);
                err->field[0] = 0;
                snprintf(err->message, sizeof err->message, "the body is nested too deeply");
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* An array of at most f->max_items strings, each passing f->check; a bad
 * item is named with its index: "dns.forwarders[1]". */
static int validate_items(json_t *array, const struct field_policy *f, const char *prefix, const char *key,
                          struct body_error *err) {
        char name[128], msg[64];
        if (json_array_size(array) > f->max_items) {
                snprintf(msg, sizeof msg, "must have at most %u items", f->max_items);
                return fail(err, prefix, key, msg);
        }
        size_t i;
        json_t *item;
        json_array_foreach(array, i, item) {
                const char *m = json_is_string(item) ? (f->check ? f->check(item) : NULL) : "must be a string";
                if (m) {
                        snprintf(name, sizeof name, "%s[%zu]", key, i);
                        return fail(err, prefix, name, m);
                }
        }
        return 0;
}

static int validate_object(json_t *obj, const struct body_policy *policy, const char *prefix,
                           struct body_error *err) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                const struct field_policy *f = NULL;
                for (unsigned i = 0; i < policy->n_fields; i++)
                        if (strcmp(policy->fields[i].name, key) == 0)
                                f = &policy->fields[i];
                if (!f)
                        return fail(err, prefix, key, *key ? "is not a known field" : "(an empty name) is not a known field");
                if (!type_matches(f->type, v)) {
                        char msg[64];
                        snprintf(msg, sizeof msg, "must be %s", type_name(f->type));
                        return fail(err, prefix, key, msg);
                }
                if (f->type == FIELD_OBJECT && f->object) {
                        char nested[128];
                        snprintf(nested, sizeof nested, "%s%s.", prefix, key);
                        int r = validate_object(v, f->object, nested, err);
                        if (r < 0)
                                return r;
                }
                if (f->type == FIELD_STRING_ARRAY) {
                        int r = validate_items(v, f, prefix, key, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                const char *msg = f->check && !json_is_null(v) ? f->check(v) : NULL;
                if (msg)
                        return fail(err, prefix, key, msg);
        }
        for (unsigned i = 0; i < policy->n_fields; i++)
                if (policy->fields[i].required && !json_object_get(obj, policy->fields[i].name))
                        return fail(err, prefix, policy->fields[i].name, "is required");
        return 0;
}

int body_validate(json_t *obj, const struct body_policy *policy, struct body_error *err) {
        return validate_object(obj, policy, "", err);
}
