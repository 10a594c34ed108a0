/* Scope-exit release for jansson references (jansson ships json_decrefp,
 * the destructor behind its own json_auto_t). */
#pragma once

#include <jansson.h>

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))
