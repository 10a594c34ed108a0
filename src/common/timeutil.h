/* Wall-clock helpers: the API speaks ISO 8601 UTC, the store Unix seconds. */
#pragma once

#include <stdint.h>
#include <time.h>

#define ISO8601_LEN 21 /* "2026-11-29T05:56:58Z" + NUL */

void format_iso8601(int64_t unix_seconds, char out[ISO8601_LEN]);
int64_t now_unix(void);
/* Strictly "YYYY-MM-DDTHH:MM:SSZ" (UTC), as format_iso8601 writes it.
 * -EINVAL for anything else, or a date that does not exist. */
int parse_iso8601(const char *s, int64_t *ret);
/* Monotonic clock in microseconds, for deadlines and durations. */
uint64_t now_monotonic_usec(void);
