/* Running a helper program (a checker such as `caddy validate`) and
 * waiting for it: an argv vector, a fixed absolute path, a timeout, and
 * its output captured. Never a shell. The child inherits no descriptor of
 * ours but the output pipe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define EXEC_OUTPUT_MAX ((size_t)64 * 1024)

struct exec_result {
        int exit_code;  /* -1 when killed by a signal */
        int signal;     /* the signal that ended it, 0 if none */
        bool timed_out;
        char *output;   /* stdout and stderr together, at most EXEC_OUTPUT_MAX; caller frees */
};

/* argv[0] must be an absolute path. envp may be NULL (an empty
 * environment plus PATH=/usr/sbin:/usr/bin:/sbin:/bin). Returns 0 when the
 * program ran (whatever its exit code), or a negative errno when it could
 * not be started. */
int exec_run(char *const argv[], char *const envp[], unsigned timeout_ms, struct exec_result *ret);
/* The same, keeping at most max_output bytes of output (a large cell's
 * `wg show dump`). */
int exec_run_limit(char *const argv[], char *const envp[], unsigned timeout_ms, size_t max_output,
                   struct exec_result *ret);
void exec_result_release(struct exec_result *r);
