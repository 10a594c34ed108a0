/* Wall-clock helpers; see timeutil.h. */
#include "timeutil.h"

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
