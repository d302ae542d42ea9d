/* text_values.c - values as people read them in tables and "Field: value"
 * lines: times, counts, yes/no, "-" for none. */
#include <inttypes.h>
#include <string.h>

#include "print.h"

const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

void fmt_time(const struct opt_u64 *t, char *buf, size_t sz)
{
        if (t->set)
                timefmt_local(t->v, buf, sz);
        else
                snprintf(buf, sz, "-");
}

void fmt_time_or(const struct opt_u64 *t, const char *zero, char *buf, size_t sz)
{
        if (t->set && t->v == 0)
                snprintf(buf, sz, "%s", zero);
        else
                fmt_time(t, buf, sz);
}

void fmt_count(const struct opt_u64 *n, char *buf, size_t sz)
{
        if (n->set)
                snprintf(buf, sz, "%" PRIu64, n->v);
        else
                snprintf(buf, sz, "-");
}

const char *fmt_yes_no(const struct opt_u64 *b)
{
        return !b->set ? "-" : b->v ? "yes" : "no";
}

void text_field(const char *label, const char *value)
{
        printf("%s: ", label);
        text_put(stdout, or_dash(value));
        fputc('\n', stdout);
}
