/* duration.c - parse durations and points in time. */
#include "duration.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int duration_parse(const char *s, uint64_t *ret_seconds)
{
        static const struct {
                char unit;
                uint64_t seconds;
        } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
        unsigned long long n;
        char *end;

        if (!s || !isdigit((unsigned char)s[0]))
                return -EINVAL;
        errno = 0;
        n = strtoull(s, &end, 10);
        if (errno || end[0] == '\0' || end[1] != '\0')
                return -EINVAL;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (units[i].unit == end[0]) {
                        if (n > DURATION_MAX_SECONDS / units[i].seconds)
                                return -EINVAL;
                        *ret_seconds = n * units[i].seconds;
                        return 0;
                }
        return -EINVAL;
}

static bool two_digits(const char *s)
{
        return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]);
}

/* "+HH:MM", "+HHMM", "Z" or "" (local): offset east of UTC in seconds. */
static int parse_zone(const char *z, bool *ret_local, long *ret_offset)
{
        int hh, mm, n = 0;

        *ret_local = false;
        *ret_offset = 0;
        if (z[0] == '\0') {
                *ret_local = true;
                return 0;
        }
        if (strcmp(z, "Z") == 0 || strcmp(z, "z") == 0)
                return 0;
        /* Digits only: sscanf's %d alone would take "-5" as minutes. */
        if ((z[0] != '+' && z[0] != '-') || !two_digits(z + 1))
                return -EINVAL;
        if (z[3] == ':' && two_digits(z + 4))
                n = sscanf(z + 1, "%2d:%2d", &hh, &mm) == 2 ? 5 : 0;
        else if (two_digits(z + 3))
                n = sscanf(z + 1, "%2d%2d", &hh, &mm) == 2 ? 4 : 0;
        if (n == 0 || z[1 + n] != '\0' || hh > 14 || mm > 59)
                return -EINVAL;
        *ret_offset = (z[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
        return 0;
}

static int parse_iso(const char *s, int64_t *ret)
{
        struct tm tm = { 0 }, want;
        const char *rest;
        bool local;
        long offset;
        time_t t;

        rest = strptime(s, "%Y-%m-%d", &tm);
        if (!rest)
                return -EINVAL;
        if (rest[0] == 'T' || rest[0] == ' ') {
                const char *r = strptime(rest + 1, "%H:%M:%S", &tm);
                rest = r ? r : strptime(rest + 1, "%H:%M", &tm);
                if (!rest)
                        return -EINVAL;
        }
        if (parse_zone(rest, &local, &offset) < 0)
                return -EINVAL;
        tm.tm_isdst = -1;
        want = tm;
        t = local ? mktime(&tm) : timegm(&tm);
        /* mktime and timegm normalise 2027-02-31 to March 3rd: refuse dates
         * and times that do not exist instead. */
        if (t == (time_t)-1 || tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
            tm.tm_mday != want.tm_mday || tm.tm_min != want.tm_min || tm.tm_sec != want.tm_sec)
                return -EINVAL;
        *ret = (int64_t)t - offset;
        return 0;
}

int when_parse(const char *s, int64_t now, int direction, int64_t *ret)
{
        uint64_t d;

        if (!s || !*s)
                return -EINVAL;
        if (duration_parse(s, &d) == 0) {
                *ret = direction < 0 ? time_sub_sat(now, d) : time_add_sat(now, d);
                return 0;
        }
        return parse_iso(s, ret);
}

int64_t time_add_sat(int64_t t, uint64_t seconds)
{
        int64_t r;

        if (seconds > (uint64_t)INT64_MAX || __builtin_add_overflow(t, (int64_t)seconds, &r))
                return INT64_MAX;
        return r;
}

int64_t time_sub_sat(int64_t t, uint64_t seconds)
{
        int64_t r;

        if (seconds > (uint64_t)INT64_MAX || __builtin_sub_overflow(t, (int64_t)seconds, &r))
                return INT64_MIN;
        return r;
}

uint64_t time_span_sat(int64_t a, int64_t b)
{
        int64_t r;

        if (b <= a)
                return 0;
        if (__builtin_sub_overflow(b, a, &r))
                return (uint64_t)INT64_MAX;
        return (uint64_t)r;
}

uint64_t count_add_sat(uint64_t a, uint64_t b)
{
        uint64_t r;

        return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

int64_t expiry_min(int64_t a, int64_t b)
{
        if (a == 0)
                return b;
        if (b == 0)
                return a;
        return a < b ? a : b;
}
