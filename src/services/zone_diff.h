/* What changed between two versions of Unbound's zone file (lines of
 * `local-data: "RR"`): the lines to check, and the commands that apply the
 * change to a running Unbound. Linear in the size of the files (hash sets,
 * no sorting): one record changed in a zone of 100,000 must not cost a
 * sort of both. */
#pragma once

#include "common/buf.h"

/* The local-data lines of new_text that old_text does not have, whole,
 * each ended by a newline, appended to ret. */
int zone_new_lines(const char *old_text, const char *new_text, struct buf *ret);

/* local_data_remove drops every RR of a name, so each touched name (one
 * whose records differ between the files) goes in ret_names, one per line,
 * and every RR the new file has for a touched name in ret_rrs, one per
 * line: remove the names, then add the RRs. Both empty: nothing changed. */
int zone_commands(const char *old_text, const char *new_text, struct buf *ret_names, struct buf *ret_rrs);
