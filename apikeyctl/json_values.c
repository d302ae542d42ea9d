/* json_values.c - JSON values on stdout. Absent values (and "") are null; timestamps are
 * ISO-8601 UTC strings; numbers are numbers. Strings escape '"', '\\',
 * controls (C0, DEL, C1) and bidi controls and marks as \uXXXX; other valid UTF-8
 * passes through and an invalid byte becomes U+FFFD, so the output is always
 * JSON and safe on a terminal. */
#include <inttypes.h>
#include <string.h>

#include "print.h"

static void json_bytes(const unsigned char *p, size_t len)
{
        fputc('"', stdout);
        while (len > 0) {
                uint32_t cp;
                int n = text_utf8_next(p, len, &cp);

                if (n < 0) {
                        fputs("\\ufffd", stdout);
                        n = 1;
                } else if (*p == '"' || *p == '\\') {
                        fputc('\\', stdout);
                        fputc(*p, stdout);
                } else if (!text_printable(cp)) {
                        printf("\\u%04x", (unsigned)cp); /* all below U+FFFF */
                } else {
                        fwrite(p, 1, (size_t)n, stdout);
                }
                p += n;
                len -= (size_t)n;
        }
        fputc('"', stdout);
}

void json_str(const char *s)
{
        if (s && *s) /* "" is no value, as the daemon sends it: null */
                json_bytes((const unsigned char *)s, strlen(s));
        else
                fputs("null", stdout);
}

void json_csv_array(const char *s)
{
        const char *p = s;

        if (!s) {
                fputs("null", stdout);
                return;
        }
        fputc('[', stdout);
        while (*p) {
                size_t n = strcspn(p, ",");

                if (p != s)
                        fputs(", ", stdout);
                json_bytes((const unsigned char *)p, n);
                p += n;
                if (*p == ',')
                        p++;
        }
        fputc(']', stdout);
}

void json_u64(const struct opt_u64 *n)
{
        if (n->set)
                printf("%" PRIu64, n->v);
        else
                fputs("null", stdout);
}

void json_time(const struct opt_u64 *t, bool zero_is_null)
{
        char buf[32];

        if (t->set && !(zero_is_null && t->v == 0) && timefmt_utc_iso(t->v, buf, sizeof(buf)))
                json_str(buf);
        else
                fputs("null", stdout);
}

void json_bool(const struct opt_u64 *b)
{
        fputs(!b->set ? "null" : b->v ? "true" : "false", stdout);
}

void json_member(const char *name)
{
        printf(", \"%s\": ", name);
}

void json_array(const struct rec_list *l, void (*object)(const void *rec))
{
        if (l->n == 0) {
                fputs("[]\n", stdout);
                return;
        }
        fputs("[\n", stdout);
        for (size_t i = 0; i < l->n; i++) {
                fputs("  ", stdout);
                object(rec_at(l, i));
                fputs(i + 1 < l->n ? ",\n" : "\n", stdout);
        }
        fputs("]\n", stdout);
}

/* A page of list or audit (--limit): {"records": [...], "next": cursor or null}. */
void json_page_begin(void)
{
        fputs("{\"records\": ", stdout);
}

void json_page_end(const char *next)
{
        fputs(", \"next\": ", stdout);
        json_str(next);
        fputs("}\n", stdout);
}
