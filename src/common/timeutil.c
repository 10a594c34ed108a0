/* Wall-clock helpers; see timeutil.h. */
#include "timeutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void format_iso8601(int64_t unix_seconds, char out[ISO8601_LEN]) {
        time_t t = (time_t)unix_seconds;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t now_unix(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec;
}

uint64_t now_monotonic_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int parse_iso8601(const char *s, int64_t *ret) {
        static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
        if (!s || strlen(s) != sizeof shape - 1)
                return -EINVAL;
        for (size_t i = 0; shape[i]; i++)
                if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
                        return -EINVAL;
        struct tm tm = {0};
        tm.tm_year = atoi(s) - 1900;
        tm.tm_mon = atoi(s + 5) - 1;
        tm.tm_mday = atoi(s + 8);
        tm.tm_hour = atoi(s + 11);
        tm.tm_min = atoi(s + 14);
        tm.tm_sec = atoi(s + 17);
        struct tm check = tm;
        time_t t = timegm(&tm);
        /* timegm normalises 2026-02-30 to March: a date that moved did not exist. */
        if (t == (time_t)-1 || tm.tm_year != check.tm_year || tm.tm_mon != check.tm_mon ||
            tm.tm_mday != check.tm_mday || tm.tm_hour != check.tm_hour || tm.tm_min != check.tm_min ||
            tm.tm_sec != check.tm_sec)
                return -EINVAL;
        *ret = (int64_t)t;
        return 0;
}
