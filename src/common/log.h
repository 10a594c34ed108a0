/* picd's log: one line per event on stderr, "LEVEL [request-id] message".
 * Library code does not log; callers log once, with the errno in the text. */
#pragma once

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
/* The request id that log lines carry while a request is handled; NULL
 * outside a request. The string is borrowed, not copied. */
void log_set_request_id(const char *id);

int log_emit(enum log_level level, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_emit(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_emit(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_emit(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_emit(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
/* Appends ": <strerror(-r)>" and returns r, so a caller can write
 * `return log_error_errno(r, "Failed to open '%s'", path);`. */
#define log_error_errno(r, ...) log_emit(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_emit(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
