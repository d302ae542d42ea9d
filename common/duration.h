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

/* Time and count arithmetic that cannot overflow: every sum or difference of
 * a time and a duration or count that came from a request, an option or the
 * store goes through these (signed overflow is undefined behaviour, and a
 * wrapped expiry would be a key that never expires). They saturate: a time
 * too far in the future is INT64_MAX ("never"), too far in the past
 * INT64_MIN, a count too large UINT64_MAX. */
int64_t time_add_sat(int64_t t, uint64_t seconds);
int64_t time_sub_sat(int64_t t, uint64_t seconds);
/* b - a for two times, 0 when b is before a, saturated at INT64_MAX. */
uint64_t time_span_sat(int64_t a, int64_t b);
uint64_t count_add_sat(uint64_t a, uint64_t b);
/* The earlier of two expiries where 0 means never. */
int64_t expiry_min(int64_t a, int64_t b);

#endif
