/* test_duration.c - durations, points in time (common/duration.c) and key
 * restrictions: CIDRs and service lists (common/restrict.c). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"
#include "duration.h"
#include "restrict.h"

#define NOW INT64_C(1800000000) /* 2027-01-15T08:00:00Z */

static void test_durations(void)
{
        static const struct {
                const char *s;
                uint64_t seconds;
        } good[] = {
                { "30s", 30 }, { "15m", 900 }, { "12h", 43200 }, { "90d", 7776000 }, { "2w", 1209600 },
                { "0s", 0 },   { "1d", 86400 },
        };
        static const char *const bad[] = { "",   "10",  "d",    "-5m",  "5x", "5mm",
                                           " 5m", "5m ", "5 m", "+5m", "1.5h", "99999999999999d" };

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                uint64_t v = UINT64_MAX;
                CHECK(duration_parse(good[i].s, &v) == 0 && v == good[i].seconds, "duration '%s' is %llu s",
                      good[i].s, (unsigned long long)good[i].seconds);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint64_t v = 42;
                CHECK(duration_parse(bad[i], &v) < 0 && v == 42, "duration '%s' is rejected, output untouched",
                      bad[i]);
        }
        CHECK(duration_parse(NULL, &(uint64_t){ 0 }) < 0, "a NULL duration is rejected");
        {
                uint64_t v;
                CHECK(duration_parse("36600d", &v) == 0 && v == DURATION_MAX_SECONDS, "a century is the maximum");
                CHECK(duration_parse("36601d", &v) < 0, "more than a century is rejected");
        }
}

static void test_when_durations(void)
{
        int64_t t = 0;

        CHECK(when_parse("30s", NOW, +1, &t) == 0 && t == NOW + 30, "when '30s' forward is now + 30");
        CHECK(when_parse("90d", NOW, +1, &t) == 0 && t == NOW + 90 * 86400, "when '90d' forward");
        CHECK(when_parse("1h", NOW, -1, &t) == 0 && t == NOW - 3600, "when '1h' backward is now - 3600");
        CHECK(when_parse("2w", NOW, -1, &t) == 0 && t == NOW - 14 * 86400, "when '2w' backward");
}

static void test_when_iso(void)
{
        static const char *const bad[] = { "", "2027-02-31", "2028-01-31T12:00-00-5", "2027-01-31T12:00+0a:00", "garbage",          "2027-13-45",        "2027-01-31X",
                                           "2027-01-31T", "2027-01-31T25:00Z", "2027-01-31T12:00+99:00",
                                           "2027-01-31T12:00:00ZZ", "31.01.2027", "10" };
        int64_t t = 0;

        /* A POSIX zone string, so that no tzdata is needed: local = UTC+2. */
        setenv("TZ", "<+02>-2", 1);
        tzset();
        CHECK(when_parse("2027-01-31", NOW, +1, &t) == 0 && t == 1801346400, "'2027-01-31' is local midnight");
        CHECK(when_parse("2027-01-31T12:00", NOW, +1, &t) == 0 && t == 1801389600, "'2027-01-31T12:00' is local");
        CHECK(when_parse("2027-01-31T12:00:00Z", NOW, +1, &t) == 0 && t == 1801396800,
              "'2027-01-31T12:00:00Z' is 1801396800");
        CHECK(when_parse("2027-01-31 12:00:00Z", NOW, +1, &t) == 0 && t == 1801396800, "a space instead of T");
        CHECK(when_parse("2027-01-31T12:00Z", NOW, +1, &t) == 0 && t == 1801396800, "minutes without seconds");
        CHECK(when_parse("2027-01-31T12:00+02:00", NOW, +1, &t) == 0 && t == 1801389600,
              "'2027-01-31T12:00+02:00' is 1801389600");
        CHECK(when_parse("2027-01-31T12:00-0130", NOW, +1, &t) == 0 && t == 1801396800 + 5400,
              "a zone as -HHMM");
        CHECK(when_parse("2027-01-31T12:00:00+02:00", NOW, -1, &t) == 0 && t == 1801389600,
              "the direction does not change a date");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                t = 42;
                CHECK(when_parse(bad[i], NOW, +1, &t) < 0 && t == 42, "when '%s' is rejected", bad[i]);
        }
        CHECK(when_parse(NULL, NOW, +1, &t) < 0, "a NULL time is rejected");
}

static bool in(const char *cidr, const char *ip)
{
        struct cidr c;

        return cidr_parse(cidr, &c) == 0 && cidr_match(&c, ip);
}

static void test_cidr_match(void)
{
        struct cidr c;

        CHECK(in("192.0.2.0/24", "192.0.2.77"), "v4 /24: an address inside matches");
        CHECK(!in("192.0.2.0/24", "192.0.3.1"), "v4 /24: an address outside does not");
        CHECK(in("192.0.2.128/25", "192.0.2.200") && !in("192.0.2.128/25", "192.0.2.100"), "v4 /25 splits a byte");
        CHECK(in("0.0.0.0/0", "203.0.113.9"), "/0 matches every v4 address");
        CHECK(!in("0.0.0.0/0", "2001:db8::1"), "a v4 /0 does not match a v6 address");
        CHECK(in("::/0", "2001:db8::1"), "::/0 matches every v6 address");
        CHECK(in("192.0.2.7/32", "192.0.2.7") && !in("192.0.2.7/32", "192.0.2.8"), "/32 is one address");
        CHECK(cidr_parse("192.0.2.7", &c) == 0 && c.prefix == 32 && c.family == AF_INET, "a bare v4 address is a /32");
        CHECK(in("192.0.2.7", "192.0.2.7") && !in("192.0.2.7", "192.0.2.6"), "a bare address matches only itself");
        CHECK(cidr_parse("2001:db8::1", &c) == 0 && c.prefix == 128, "a bare v6 address is a /128");
        CHECK(in("2001:db8:1:2::/64", "2001:db8:1:2::abcd"), "v6 /64: an address inside matches");
        CHECK(!in("2001:db8:1:2::/64", "2001:db8:1:3::1"), "v6 /64: an address outside does not");
        CHECK(in("192.0.2.0/24", "::ffff:192.0.2.9"), "an IPv4-mapped IPv6 rhost matches a v4 range");
        CHECK(!in("192.0.2.0/24", "::ffff:198.51.100.1"), "… but only when inside it");
        CHECK(!in("192.0.2.0/24", "::192.0.2.9"), "an IPv4-compatible (not mapped) address does not match");
        CHECK(!in("0.0.0.0/0", "example.org") && !in("::/0", "localhost"), "a host name never matches");
        CHECK(!in("0.0.0.0/0", "") && !in("::/0", ""), "an empty rhost never matches");
        CHECK(cidr_parse("0.0.0.0/0", &c) == 0 && !cidr_match(&c, NULL) && !cidr_match(NULL, "1.2.3.4"),
              "a missing rhost or range never matches");
}

static void test_cidr_parse(void)
{
        static const char *const bad[] = { "10.0.0.0/33", "1.2.3.4/",  "2001:db8::/129", "1.2.3.4/-1",
                                           "1.2.3.4/ 8",  "1.2.3.4/8x", "1.2.3",          "example.org",
                                           "",            "/24",        "1.2.3.4/8/8",    "256.1.1.1" };
        struct cidr c;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(cidr_parse(bad[i], &c) < 0, "CIDR '%s' is rejected", bad[i]);
        CHECK(cidr_parse(NULL, &c) < 0, "a NULL CIDR is rejected");
        CHECK(cidr_parse("10.0.0.0/8", &c) == 0 && c.prefix == 8 && c.family == AF_INET, "10.0.0.0/8 parses");
        CHECK(cidr_parse("2001:db8::/32", &c) == 0 && c.prefix == 32 && c.family == AF_INET6, "2001:db8::/32 parses");
}

/* "PREFIX0,PREFIX1,...": n items. */
static void make_list(char *buf, size_t sz, const char *prefix, int n)
{
        size_t len = 0;

        buf[0] = '\0';
        for (int i = 0; i < n && len < sz; i++)
                len += (size_t)snprintf(buf + len, sz - len, "%s%s%d", i ? "," : "", prefix, i);
}

static void test_lists(void)
{
        char buf[1024], name[80];

        CHECK(cidr_list_valid("10.0.0.0/8,192.0.2.1,2001:db8::/32"), "a list of CIDRs is valid");
        CHECK(!cidr_list_valid("10.0.0.0/8,,192.0.2.1"), "an empty item is rejected");
        CHECK(!cidr_list_valid("10.0.0.0/8,") && !cidr_list_valid(",10.0.0.0/8"), "a leading or trailing comma too");
        CHECK(!cidr_list_valid("") && !cidr_list_valid(NULL), "an empty list is not a list");
        CHECK(!cidr_list_valid("10.0.0.0/8,10.0.0.0/33"), "one bad item spoils the list");
        make_list(buf, sizeof(buf), "10.0.0.", 16);
        CHECK(cidr_list_valid(buf), "16 CIDRs are allowed");
        make_list(buf, sizeof(buf), "10.0.0.", 17);
        CHECK(!cidr_list_valid(buf), "17 CIDRs are rejected");
        CHECK(cidr_list_match("10.0.0.0/8,2001:db8::/32", "2001:db8::5"), "a list matches through any item");
        CHECK(!cidr_list_match("10.0.0.0/8,2001:db8::/32", "11.0.0.1"), "… and misses when no item matches");

        CHECK(service_list_valid("sshd,sudo,nginx-api,my_svc.1"), "a list of service names is valid");
        CHECK(!service_list_valid("ss hd") && !service_list_valid("sshd, sudo"), "a space in a name is rejected");
        CHECK(!service_list_valid("sshd,,sudo") && !service_list_valid(""), "empty items and lists are rejected");
        CHECK(!service_list_valid("sshd/x") && !service_list_valid("s\xc3\xa9"), "other characters are rejected");
        make_list(buf, sizeof(buf), "s", 16);
        CHECK(service_list_valid(buf), "16 services are allowed");
        make_list(buf, sizeof(buf), "s", 17);
        CHECK(!service_list_valid(buf), "17 services are rejected");
        memset(name, 'a', sizeof(name));
        CHECK(service_name_valid(name, 64), "a 64-character service name is valid");
        CHECK(!service_name_valid(name, 65) && !service_name_valid(name, 0), "65 and 0 characters are not");
        CHECK(service_list_contains("sshd,sudo", "sudo") && !service_list_contains("sshd,sudo", "ssh"),
              "contains matches whole names only");
        CHECK(!service_list_contains("sshd", NULL), "a missing service is not in any list");
}

/* Time arithmetic saturates instead of wrapping (issue 9, item 8). */
static void test_saturating(void)
{
        CHECK(time_add_sat(1000, 20) == 1020 && time_sub_sat(1000, 20) == 980, "small sums are exact");
        CHECK(time_add_sat(1796000000, UINT64_C(9223372036854774808)) == INT64_MAX,
              "now + 2^63-1000 s saturates at INT64_MAX, never negative");
        CHECK(time_add_sat(0, UINT64_MAX) == INT64_MAX && time_add_sat(INT64_MAX, 1) == INT64_MAX,
              "… as do 2^64-1 and INT64_MAX + 1");
        CHECK(time_sub_sat(1796000000, UINT64_C(9223372036854775808)) == INT64_MIN &&
              time_sub_sat(INT64_MIN, 1) == INT64_MIN, "differences saturate at INT64_MIN");
        CHECK(time_span_sat(10, 5) == 0 && time_span_sat(5, 10) == 5, "a span is never negative");
        CHECK(time_span_sat(INT64_MIN, INT64_MAX) == (uint64_t)INT64_MAX, "… and saturates");
        CHECK(count_add_sat(UINT64_MAX, 1) == UINT64_MAX && count_add_sat(2, 3) == 5, "counts saturate");
        CHECK(expiry_min(0, 5) == 5 && expiry_min(5, 0) == 5 && expiry_min(3, 5) == 3 && expiry_min(0, 0) == 0,
              "the earlier expiry, 0 being never");
}

int main(void)
{
        test_saturating();
        test_durations();
        test_when_durations();
        test_when_iso();
        test_cidr_parse();
        test_cidr_match();
        test_lists();
        return check_done();
}
