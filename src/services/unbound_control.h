/* Unbound's remote control protocol on its unix socket, spoken directly
 * (as unbound-control does, without TLS, which a unix socket does not use):
 * "UBCT1 <command>\n", then for the bulk commands their lines and an EOT
 * line, then the answer until the server closes. No process per command:
 * a record change reaches Unbound in well under a millisecond. */
#pragma once

#include <stddef.h>

#define UNBOUND_CONTROL_TIMEOUT_MS 5000
#define UNBOUND_CONTROL_ANSWER_MAX ((size_t)1 << 20)

/* data: the lines a bulk command (local_datas, local_datas_remove) reads,
 * newline-terminated, or NULL. Returns 0 with the answer (caller frees),
 * -EPROTO when Unbound answered "error ..." (the answer says why), or
 * another negative errno. */
int unbound_control(const char *socket_path, const char *command, const char *data, char **ret_answer);
