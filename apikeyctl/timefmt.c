/* timefmt.c - timestamps and durations as people and JSON want them. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"

static bool to_time_t(uint64_t t, time_t *ret)
{
        if (t > (uint64_t)INT64_MAX || (time_t)t < 0 || (uint64_t)(time_t)t != t)
                return false;
        *ret = (time_t)t;
        return true;
}

static void local(uint64_t t, bool seconds, char *buf, size_t sz)
{
        struct tm tm;
        time_t tt;

        if (!to_time_t(t, &tt) || !localtime_r(&tt, &tm) ||
            (seconds ? strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm) : strftime(buf, sz, "%Y-%m-%d %H:%M", &tm)) == 0)
                snprintf(buf, sz, "-");
}

void timefmt_local(uint64_t t, char *buf, size_t sz)
{
        local(t, false, buf, sz);
}

void timefmt_local_seconds(uint64_t t, char *buf, size_t sz)
{
        local(t, true, buf, sz);
}

bool timefmt_utc_iso(uint64_t t, char *buf, size_t sz)
{
        struct tm tm;
        time_t tt;

        return to_time_t(t, &tt) && gmtime_r(&tt, &tm) && tm.tm_year + 1900 <= 9999 &&
               strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

void timefmt_duration(uint64_t secs, char *buf, size_t sz)
{
        uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;

        if (d)
                snprintf(buf, sz, "%llud %lluh %llum", (unsigned long long)d, (unsigned long long)h,
                         (unsigned long long)m);
        else if (h)
                snprintf(buf, sz, "%lluh %llum %llus", (unsigned long long)h, (unsigned long long)m,
                         (unsigned long long)s);
        else if (m)
                snprintf(buf, sz, "%llum %llus", (unsigned long long)m, (unsigned long long)s);
        else
                snprintf(buf, sz, "%llus", (unsigned long long)s);
}

void timefmt_span(uint64_t secs, char *buf, size_t sz)
{
        static const struct {
                uint64_t seconds;
                char unit;
        } units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' } };

        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (secs > 0 && secs % units[i].seconds == 0) {
                        snprintf(buf, sz, "%llu%c", (unsigned long long)(secs / units[i].seconds), units[i].unit);
                        return;
                }
        snprintf(buf, sz, "%llus", (unsigned long long)secs);
}
