/* chronyc's CSV answers (chronyc -c -n tracking / sources / clients)
 * turned into the API's NtpStatus parts. Pure: the text in, JSON out;
 * a line that does not parse is skipped. */
#pragma once

#include <jansson.h>

/* Sets running, synchronised, stratum, reference, offset_s and leap in
 * status. -EINVAL when the text is not a tracking report. */
int chrony_parse_tracking(const char *csv, json_t *status);
/* An array of NtpSource objects. */
json_t *chrony_parse_sources(const char *csv);
/* An array of NtpClient objects. */
json_t *chrony_parse_clients(const char *csv);
