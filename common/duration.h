/* duration.h - "30s", "15m", "12h", "90d" and ISO-8601 times, as the CLI
 * options and the daemon's settings take them. */
#ifndef APIKEY_DURATION_H
#define APIKEY_DURATION_H

#include <stdint.h>

#define DURATION_MAX_SECONDS (UINT64_C(100) * 366 * 86400) /* a century */

/* "N" + one of s, m, h, d, w. Returns 0 or -EINVAL. */
int duration_parse(const char *s, uint64_t *ret_seconds);

/* A point in time: a duration counted from now in the given direction (+1
 * for --expires, -1 for --since), or an ISO-8601 date or date-time
 * ("2027-01-31", "2027-01-31T12:00", "2027-01-31 12:00:00Z",
 * "2027-01-31T12:00:00+02:00"; local time without a zone). */
int when_parse(const char *s, int64_t now, int direction, int64_t *ret);

#endif
