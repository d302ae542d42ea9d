/* fuzz_duration_cidr.c - durations and times (common/duration.c), source
 * CIDRs and PAM service lists (common/restrict.c): what the CLI parses from
 * the command line and the daemon parses again from requests and matches at
 * every login.
 *
 * The input is "A\nB" (B empty without a newline; both end at a NUL): A is
 * parsed as a duration, a time (from a fixed now, both directions), a CIDR,
 * a CIDR list, a service list and a service ID name; B is the address or
 * service matched against A.
 *
 * Properties: a duration is within DURATION_MAX_SECONDS and when_parse()
 * counts it from now in the given direction; an accepted date is a real
 * one and an accepted zone offset is a sign and digits; a CIDR's prefix fits its
 * family and it contains its own address; a list matches only when it is
 * valid and one of its items matches; a service list contains only valid
 * names. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "proto.h"
#include "fuzz.h"
#include "restrict.h"

#define NOW INT64_C(1800000000) /* 2027-01-15, fixed so a crash reproduces */

static const char *const fixed_ips[] = { "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7", "10.0.0.1", "::", "" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        return 0;
}

/* A zone as duration.h documents it: nothing (local), Z, or a sign and the
 * digits of +HH:MM or +HHMM. */
static bool zone_documented(const char *z)
{
        size_t colons = 0;

        if (z[0] == '\0' || strcmp(z, "Z") == 0 || strcmp(z, "z") == 0)
                return true;
        if ((z[0] != '+' && z[0] != '-') || !isdigit((unsigned char)z[1]))
                return false;
        for (const char *p = z + 1; *p; p++) {
                if (*p == ':' && isdigit((unsigned char)p[1]))
                        colons++;
                else if (!isdigit((unsigned char)*p))
                        return false;
        }
        return colons <= 1;
}

/* An ISO-8601 time that when_parse() accepted follows the grammar of
 * duration.h: a date, then optionally 'T' or ' ' and HH:MM[:SS], then a
 * zone. glibc's strptime() may be lenient about widths and blanks; what
 * must hold is that the date is one of the calendar (2027-02-30 is not
 * quietly 2027-03-02) and that the offset is a sign and digits ("+-1:30"
 * is not an offset). Split as parse_iso() splits. */
static void check_iso(const char *a)
{
        struct tm tm = { 0 }, day;
        const char *rest = strptime(a, "%Y-%m-%d", &tm);

        FUZZ_CHECK(rest != NULL);
        day = (struct tm){ .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday, .tm_hour = 12 };
        (void)timegm(&day);
        FUZZ_CHECK(day.tm_year == tm.tm_year && day.tm_mon == tm.tm_mon && day.tm_mday == tm.tm_mday);
        if (rest[0] == 'T' || rest[0] == ' ') {
                const char *r = strptime(rest + 1, "%H:%M:%S", &tm);

                rest = r ? r : strptime(rest + 1, "%H:%M", &tm);
                FUZZ_CHECK(rest != NULL);
        }
        FUZZ_CHECK(zone_documented(rest));
}

static void check_duration(const char *a)
{
        uint64_t d = 0;
        int64_t t = 0;
        int r = duration_parse(a, &d);

        FUZZ_CHECK(r == 0 || r == -EINVAL);
        if (r == 0)
                FUZZ_CHECK(d <= DURATION_MAX_SECONDS);
        for (int dir = -1; dir <= 1; dir += 2) {
                int w = when_parse(a, NOW, dir, &t);

                FUZZ_CHECK(w == 0 || w == -EINVAL);
                if (r == 0)
                        FUZZ_CHECK(w == 0 && t == NOW + dir * (int64_t)d);
                else if (w == 0 && dir == 1)
                        check_iso(a);
        }
}

/* The address part of a CIDR text, as cidr_parse() reads it. */
static void address_part(const char *s, char *buf, size_t sz)
{
        size_t n = strcspn(s, "/");

        if (n >= sz)
                n = sz - 1;
        memcpy(buf, s, n);
        buf[n] = '\0';
}

static void check_cidr(const char *a, const char *b)
{
        struct cidr c;
        char addr[64];
        int r = cidr_parse(a, &c);

        FUZZ_CHECK(r == 0 || r == -EINVAL);
        if (r < 0) {
                FUZZ_CHECK(!cidr_list_valid(a) || strchr(a, ','));
                return;
        }
        FUZZ_CHECK(c.family == AF_INET || c.family == AF_INET6);
        FUZZ_CHECK(c.prefix <= (c.family == AF_INET ? 32u : 128u));
        FUZZ_CHECK(strchr(a, '/') || c.prefix == (c.family == AF_INET ? 32u : 128u));
        address_part(a, addr, sizeof(addr));
        FUZZ_CHECK(cidr_match(&c, addr)); /* a range contains its own address */
        for (size_t i = 0; i < sizeof(fixed_ips) / sizeof(fixed_ips[0]); i++)
                FUZZ_CHECK(cidr_match(&c, fixed_ips[i]) == cidr_list_match(a, fixed_ips[i]));
        FUZZ_CHECK(!cidr_match(&c, "") && !cidr_match(&c, NULL));
        FUZZ_CHECK(cidr_list_valid(a)); /* one item is a list */
        FUZZ_CHECK(cidr_list_match(a, b) == cidr_match(&c, b));
}

/* A list matches when it is valid and some item matches, checked item by item. */
static bool list_has(const char *list, const char *b, bool cidrs)
{
        char *copy = strdup(list), *save = NULL;
        bool found = false;

        if (!copy)
                abort();
        for (char *item = strtok_r(copy, ",", &save); item && !found; item = strtok_r(NULL, ",", &save)) {
                struct cidr c;

                found = cidrs ? cidr_parse(item, &c) == 0 && cidr_match(&c, b) : strcmp(item, b) == 0;
        }
        free(copy);
        return found;
}

static void check_lists(const char *a, const char *b)
{
        bool cidrs_valid = cidr_list_valid(a), services_valid = service_list_valid(a);
        bool in_cidrs = cidr_list_match(a, b), in_services = service_list_contains(a, b);

        FUZZ_CHECK(!in_cidrs || cidrs_valid);
        FUZZ_CHECK(!in_services || services_valid);
        if (cidrs_valid)
                FUZZ_CHECK(in_cidrs == list_has(a, b, true));
        if (services_valid) {
                FUZZ_CHECK(in_services == list_has(a, b, false));
                FUZZ_CHECK(!in_services || service_name_valid(b, strlen(b)));
        }
        for (size_t i = 0; i < sizeof(fixed_ips) / sizeof(fixed_ips[0]); i++)
                FUZZ_CHECK(!cidr_list_match(a, fixed_ips[i]) || cidrs_valid);
}

static void check_names(const char *a, const uint8_t *exact, size_t size)
{
        bool sid = service_id_name_valid(a);

        FUZZ_CHECK(!sid || (strlen(a) >= 1 && strlen(a) <= PROTO_SID_NAME_MAX));
        /* A service ID name's alphabet is a subset of a PAM service name's. */
        FUZZ_CHECK(!sid || service_name_valid(a, strlen(a)));
        (void)service_name_valid((const char *)exact, size); /* takes a length: no NUL needed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_cstr(data, size);
        uint8_t *exact = fuzz_exact(data, size);
        char *nl = strchr(s, '\n');
        const char *a = s, *b = "";

        if (nl) {
                *nl = '\0';
                b = nl + 1;
        }
        check_duration(a);
        check_cidr(a, b);
        check_lists(a, b);
        check_names(a, exact, size);
        free(exact);
        free(s);
        return 0;
}
