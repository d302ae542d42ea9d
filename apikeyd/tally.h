/* tally.h - repeated failures from one source become one audit record per
 * interval, not one record each.
 *
 * A source (the caller's uid and the remote host it names, as for the rate
 * limits) gets TALLY_OWN_RECORDS failure records of its own per interval and
 * event (auth, leak, control: junk on auth.sock does not hide the source's
 * refused control changes), and a non-root uid TALLY_OWN_RECORDS_PER_UID over all the hosts it names
 * (its claims must not buy it more: a local user can name any host). Later
 * failures, refusals and malformed requests are counted, and at the end of
 * the interval one record per source, event and result says how many there
 * were. Successes are always recorded, and so is every attempt of a root
 * caller (sshd, su, sudo pace their own failures) but for malformed ones.
 * The table is bounded: past TALLY_SLOTS sources in one interval, the rest
 * are counted together as "other sources". */
#ifndef APIKEYD_TALLY_H
#define APIKEYD_TALLY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define TALLY_SLOTS 256
#define TALLY_OWN_RECORDS 20          /* failure records of their own per source, event and interval */
#define TALLY_OWN_RECORDS_PER_UID 200 /* ... and per non-root uid, whatever hosts it names */
#define TALLY_INTERVAL_FACTOR 10 /* the interval is this many rate-limit intervals (1 min by default) */

/* What was counted: its result is a verdict, or a status for TALLY_CONTROL. */
enum tally_event { TALLY_AUTH, TALLY_LEAK, TALLY_CONTROL, _TALLY_EVENT_MAX };
#define TALLY_RESULT_MAX ((unsigned)_VERDICT_MAX)
_Static_assert((unsigned)_STATUS_MAX <= TALLY_RESULT_MAX, "a control status fits the tally's result slots");

struct tally_entry {
        bool used;
        uint32_t uid;
        char rhost[PROTO_RHOST_MAX + 1];
        uint64_t own[_TALLY_EVENT_MAX]; /* records of its own written in this interval, per event */
        uint64_t counted[_TALLY_EVENT_MAX][TALLY_RESULT_MAX];
};

struct tally {
        struct tally_entry *slots; /* TALLY_SLOTS + 1: the last counts every other source */
        uint64_t interval_usec;
        int64_t since; /* unix seconds: start of the interval */
};

#endif
