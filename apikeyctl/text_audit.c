/* text_audit.c - the audit log as text: a table of records, or the
 * verdict on its hash chain. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "print.h"

enum { COL_SEQ, COL_TIME, COL_EVENT, COL_RESULT, COL_KEY, COL_IDENTITY, COL_SERVICE, COL_RHOST, COL_DETAIL, NCOL };

static const char *const headers[NCOL] = { "SEQ",      "TIME",    "EVENT", "RESULT", "KEY",
                                           "IDENTITY", "SERVICE", "RHOST", "DETAIL" };

/* "auth", or "control:disable" for a control command. */
static const char *event_cell(const struct audit_record *a, char *buf, size_t sz)
{
        if (!a->action || !a->event || strcmp(a->event, "control") != 0)
                return or_dash(a->event);
        snprintf(buf, sz, "%s:%s", a->event, a->action);
        return buf;
}

static void audit_row(const void *rec, struct table_row *r)
{
        const struct audit_record *a = rec;

        fmt_count(&a->seq, r->buf[COL_SEQ], sizeof(r->buf[COL_SEQ]));
        r->cell[COL_SEQ] = r->buf[COL_SEQ];
        if (a->time.set)
                timefmt_local_seconds(a->time.v, r->buf[COL_TIME], sizeof(r->buf[COL_TIME]));
        else
                snprintf(r->buf[COL_TIME], sizeof(r->buf[COL_TIME]), "-");
        r->cell[COL_TIME] = r->buf[COL_TIME];
        r->cell[COL_EVENT] = event_cell(a, r->buf[COL_EVENT], sizeof(r->buf[COL_EVENT]));
        r->cell[COL_RESULT] = or_dash(a->result);
        r->cell[COL_KEY] = or_dash(a->key_id);
        r->cell[COL_IDENTITY] = or_dash(a->identity);
        r->cell[COL_SERVICE] = or_dash(a->service);
        r->cell[COL_RHOST] = or_dash(a->rhost);
        r->cell[COL_DETAIL] = or_dash(a->detail);
}

void text_audit_list(const struct rec_list *l)
{
        table_print(headers, NCOL, l, audit_row);
}

/* "seq 5", "seq 5..7", or "-" (a row). */
static void break_where(const struct audit_break_info *b, char *buf, size_t sz)
{
        if (b->first.set && b->last.set && b->last.v != b->first.v)
                snprintf(buf, sz, "seq %" PRIu64 "..%" PRIu64, b->first.v, b->last.v);
        else if (b->first.set)
                snprintf(buf, sz, "seq %" PRIu64, b->first.v);
        else
                snprintf(buf, sz, "-");
}

/* print_reply_check() made sure result is "ok" or "broken" with a seq. Then
 * every break, one per line: kind, where, what. */
void text_audit_verify(const struct ctl_reply *r, const struct rec_list *l)
{
        bool more;

        if (strcmp(r->result, "ok") == 0) {
                printf("audit chain ok: %" PRIu64 " records\n", r->key_count.set ? r->key_count.v : 0);
                return;
        }
        printf("audit chain broken at record %" PRIu64 ": ", r->seq.v);
        text_put(stdout, r->has_message ? r->message : "no reason given");
        fputc('\n', stdout);
        /* A last "more" entry says how many more the daemon did not list. */
        more = l->n > 0 && strcmp(((const struct audit_break_info *)rec_at(l, l->n - 1))->kind, "more") == 0;
        printf("%s%zu problem%s found in %" PRIu64 " records:\n", more ? "more than " : "", l->n - more,
               l->n - more == 1 ? "" : "s", r->key_count.set ? r->key_count.v : 0);
        for (size_t i = 0; i < l->n; i++) {
                const struct audit_break_info *b = rec_at(l, i);
                char where[64];

                break_where(b, where, sizeof(where));
                fputs("  ", stdout);
                text_put(stdout, b->kind);
                printf("\t%s\t", where);
                text_put(stdout, b->message);
                fputc('\n', stdout);
        }
}
