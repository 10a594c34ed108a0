/* picd's log sink: stderr, one line per event, timestamped. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level max_level = LOG_LEVEL_INFO;
static const char *current_request_id;

void log_set_level(enum log_level level) { max_level = level; }

void log_set_request_id(const char *id) { current_request_id = id; }

int log_emit(enum log_level level, int error, const char *fmt, ...) {
        static const char *const names[] = {"error", "warning", "info", "debug"};
        if (level > max_level)
                return error;

        /* One line per request: the stamp is formatted once a second. */
        static char stamp[32];
        static time_t stamp_time = -1;
        time_t now = time(NULL);
        if (now != stamp_time) {
                struct tm tm;
                gmtime_r(&now, &tm);
                strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
                stamp_time = now;
        }

        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        /* Values quoted from clients could forge log lines: no control
         * character reaches the log. */
        for (char *c = msg; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        *c = '?';

        char reqid[64] = "";
        if (current_request_id)
                snprintf(reqid, sizeof reqid, " [%s]", current_request_id);

        if (error)
                fprintf(stderr, "%s %s%s %s: %s\n", stamp, names[level], reqid, msg,
                        strerror(error < 0 ? -error : error));
        else
                fprintf(stderr, "%s %s%s %s\n", stamp, names[level], reqid, msg);
        return error;
}
