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
                const char *msg = f->check ? f->check(v) : NULL;
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
