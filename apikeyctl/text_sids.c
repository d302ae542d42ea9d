/* text_sids.c - service IDs as text: a table for list, "Field: value"
 * lines for show, create and update. */
#include <inttypes.h>

#include "print.h"

enum { COL_NAME, COL_UNIX_USER, COL_LOCKED, COL_KEYS, COL_CREATED, COL_DESCRIPTION, NCOL };

static const char *const headers[NCOL] = { "NAME", "UNIX USER", "LOCKED", "KEYS", "CREATED", "DESCRIPTION" };

static void sid_row(const void *rec, struct table_row *r)
{
        const struct sid_info *s = rec;

        r->cell[COL_NAME] = or_dash(s->name);
        r->cell[COL_UNIX_USER] = or_dash(s->unix_user);
        r->cell[COL_LOCKED] = fmt_yes_no(&s->locked);
        fmt_count(&s->key_count, r->buf[COL_KEYS], sizeof(r->buf[COL_KEYS]));
        r->cell[COL_KEYS] = r->buf[COL_KEYS];
        fmt_time(&s->created_at, r->buf[COL_CREATED], sizeof(r->buf[COL_CREATED]));
        r->cell[COL_CREATED] = r->buf[COL_CREATED];
        r->cell[COL_DESCRIPTION] = or_dash(s->description);
}

void text_sid_list(const struct rec_list *l)
{
        table_print(headers, NCOL, l, sid_row);
}

/* "backup (uid 998)", "backup", or "-" when the service ID acts as nobody. */
static void field_unix_user(const struct sid_info *s)
{
        fputs("Unix user: ", stdout);
        text_put(stdout, or_dash(s->unix_user));
        if (s->unix_user && *s->unix_user && s->unix_uid.set)
                printf(" (uid %" PRIu64 ")", s->unix_uid.v);
        fputc('\n', stdout);
}

void text_sid_show(const struct sid_info *s)
{
        char buf[32];

        text_field("Name", s->name);
        text_field("Description", s->description);
        field_unix_user(s);
        text_field("Locked", fmt_yes_no(&s->locked));
        fmt_count(&s->key_count, buf, sizeof(buf));
        text_field("Keys", buf);
        fmt_time(&s->created_at, buf, sizeof(buf));
        text_field("Created", buf);
        text_field("Created by", s->created_by);
}
