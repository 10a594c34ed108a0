/* chronyc's CSV; see chrony_status.h. */
#include "services/chrony_status.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define FIELDS_MAX 16
#define LINE_MAX_LEN 512
#define REFID_LOCAL 0x7F7F0101u /* "LOCL": chrony's local reference */

/* Splits one line (copied into line) at commas. */
static unsigned split(const char *text, size_t len, char line[LINE_MAX_LEN], char *fields[FIELDS_MAX]) {
        if (len >= LINE_MAX_LEN)
                return 0;
        memcpy(line, text, len);
        line[len] = 0;
        unsigned n = 0;
        char *p = line;
        while (n < FIELDS_MAX) {
                fields[n++] = p;
                char *comma = strchr(p, ',');
                if (!comma)
                        break;
                *comma = 0;
                p = comma + 1;
        }
        return n;
}

static bool to_double(const char *s, double *ret) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || *end)
                return false;
        *ret = v;
        return true;
}

static bool to_long(const char *s, int base, long *ret) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, base);
        if (errno || end == s || *end)
                return false;
        *ret = v;
        return true;
}

static const char *leap_name(const char *s) {
        if (streq(s, "Normal"))
                return "normal";
        if (streq(s, "Insert second"))
                return "insert_second";
        if (streq(s, "Delete second"))
                return "delete_second";
        return "not_synchronised";
}

int chrony_parse_tracking(const char *csv, json_t *status) {
        char line[LINE_MAX_LEN], *f[FIELDS_MAX];
        size_t len = strcspn(csv, "\n");
        long refid, stratum;
        double correction;
        /* RefID, name, stratum, ref time, system time, ... leap status (14th). */
        if (split(csv, len, line, f) < 14 || !to_long(f[0], 16, &refid) || !to_long(f[2], 10, &stratum) ||
            !to_double(f[4], &correction) || stratum < 0 || stratum > 16)
                return -EINVAL;
        const char *leap = leap_name(f[13]);
        bool synced = !streq(leap, "not_synchronised") && refid != 0;
        const char *reference = (unsigned long)refid == REFID_LOCAL ? "LOCAL" : f[1];
        /* chrony's "system time" is the correction still to apply: positive
         * when the clock is slow. The API's offset is positive when ahead. */
        json_object_set_new(status, "running", json_true());
        json_object_set_new(status, "synchronised", json_boolean(synced));
        json_object_set_new(status, "stratum", json_integer(stratum));
        json_object_set_new(status, "reference", json_string(synced ? reference : ""));
        json_object_set_new(status, "offset_s", json_real(-correction));
        json_object_set_new(status, "leap", json_string(leap));
        return 0;
}

/* Calls fn for each line of csv with its fields. */
static void each_line(const char *csv, void (*fn)(char **f, unsigned n, json_t *out), json_t *out) {
        for (const char *p = csv; p && *p;) {
                size_t len = strcspn(p, "\n");
                char line[LINE_MAX_LEN], *f[FIELDS_MAX];
                unsigned n = split(p, len, line, f);
                if (n)
                        fn(f, n, out);
                p += len;
                if (*p == '\n')
                        p++;
        }
}

static const char *source_state(char c) {
        switch (c) {
        case '*': return "selected";
        case '+': return "combined";
        case '-': return "not_combined";
        case 'x': return "falseticker";
        case '~': return "too_variable";
        default: return "unreachable";
        }
}

static void add_source(char **f, unsigned n, json_t *out) {
        long stratum, reach, last_rx;
        double offset;
        /* Mode, state, name, stratum, poll, reach (octal), last rx, adjusted offset, ... */
        if (n < 10 || strlen(f[0]) != 1 || strlen(f[1]) != 1 || !f[2][0] || !to_long(f[3], 10, &stratum) ||
            !to_long(f[5], 8, &reach) || !to_double(f[7], &offset) || stratum < 0 || stratum > 16 || reach < 0 ||
            reach > 255)
                return;
        const char *mode = f[0][0] == '=' ? "peer" : f[0][0] == '#' ? "local" : "server";
        /* chronyc prints a huge number for "never". */
        bool have_rx = to_long(f[6], 10, &last_rx) && last_rx >= 0 && last_rx < 0x7fffffff;
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:f}", "address", f[2], "mode", mode,
                                             "state", source_state(f[1][0]), "stratum", (int)stratum, "reach",
                                             (int)reach, "last_rx_s", have_rx ? json_integer(last_rx) : json_null(),
                                             "offset_s", offset));
}

static void add_client(char **f, unsigned n, json_t *out) {
        long packets, last;
        /* Hostname, NTP packets, dropped, interval, burst interval, last, ... */
        if (n < 6 || !f[0][0] || !to_long(f[1], 10, &packets) || packets < 0)
                return;
        bool have_last = to_long(f[5], 10, &last) && last >= 0 && last < 0x7fffffff;
        json_array_append_new(out, json_pack("{s:s, s:I, s:o}", "address", f[0], "ntp_packets", (json_int_t)packets,
                                             "last_s", have_last && packets > 0 ? json_integer(last) : json_null()));
}

json_t *chrony_parse_sources(const char *csv) {
        json_t *out = json_array();
        if (out)
                each_line(csv, add_source, out);
        return out;
}

json_t *chrony_parse_clients(const char *csv) {
        json_t *out = json_array();
        if (out)
                each_line(csv, add_client, out);
        return out;
}
