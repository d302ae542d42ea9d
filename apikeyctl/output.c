/* output.c - what apikeyctl prints for people: an aligned table for list,
 * "Field: value" lines for show and status, one line for the rest. Missing
 * fields print as "-". Strings from the daemon go through text_put(). */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

enum { COL_ID, COL_IDENTITY, COL_NAME, COL_STATE, COL_CREATED, COL_LAST_USED, COL_USES, NCOL };

static const char *const headers[NCOL] = { "ID", "IDENTITY", "NAME", "STATE", "CREATED", "LAST USED", "USES" };

struct row {
        const char *cell[NCOL];
        char created[32], last_used[32], uses[24];
};

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static void fmt_created(const struct opt_u64 *t, char *buf, size_t sz)
{
        if (t->set)
                timefmt_local(t->v, buf, sz);
        else
                snprintf(buf, sz, "-");
}

static void fmt_last_used(const struct opt_u64 *t, char *buf, size_t sz)
{
        if (t->set && t->v == 0)
                snprintf(buf, sz, "never");
        else
                fmt_created(t, buf, sz);
}

static void fmt_count(const struct opt_u64 *n, char *buf, size_t sz)
{
        if (n->set)
                snprintf(buf, sz, "%" PRIu64, n->v);
        else
                snprintf(buf, sz, "-");
}

static void row_fill(const struct key_info *k, struct row *r)
{
        fmt_created(&k->created_at, r->created, sizeof(r->created));
        fmt_last_used(&k->last_used_at, r->last_used, sizeof(r->last_used));
        fmt_count(&k->use_count, r->uses, sizeof(r->uses));
        r->cell[COL_ID] = or_dash(k->id);
        r->cell[COL_IDENTITY] = or_dash(k->identity);
        r->cell[COL_NAME] = or_dash(k->name);
        r->cell[COL_STATE] = or_dash(k->state);
        r->cell[COL_CREATED] = r->created;
        r->cell[COL_LAST_USED] = r->last_used;
        r->cell[COL_USES] = r->uses;
}

static void print_row(const char *const cell[NCOL], const size_t width[NCOL])
{
        for (int c = 0; c < NCOL; c++) {
                if (c == NCOL - 1) {
                        text_put(stdout, cell[c]);
                        break;
                }
                text_put_padded(stdout, cell[c], width[c]);
                fputs("  ", stdout);
        }
        fputc('\n', stdout);
}

void output_list(const struct key_list *l)
{
        size_t width[NCOL];
        struct row r;

        for (int c = 0; c < NCOL; c++)
                width[c] = text_width(headers[c]);
        for (size_t i = 0; i < l->n; i++) {
                row_fill(&l->items[i], &r);
                for (int c = 0; c < NCOL; c++) {
                        size_t w = text_width(r.cell[c]);
                        if (w > width[c])
                                width[c] = w;
                }
        }
        print_row(headers, width);
        for (size_t i = 0; i < l->n; i++) {
                row_fill(&l->items[i], &r);
                print_row(r.cell, width);
        }
}

static void field(const char *label, const char *value)
{
        printf("%s: ", label);
        text_put(stdout, or_dash(value));
        fputc('\n', stdout);
}

static void field_owner(const struct key_info *k)
{
        fputs("Owner: ", stdout);
        if (k->owner)
                text_put(stdout, k->owner);
        if (k->owner && k->owner_uid.set)
                fputc(' ', stdout);
        if (k->owner_uid.set)
                printf(k->owner ? "(uid %" PRIu64 ")" : "uid %" PRIu64, k->owner_uid.v);
        if (!k->owner && !k->owner_uid.set)
                fputc('-', stdout);
        fputc('\n', stdout);
}

void output_show(const struct key_info *k)
{
        char buf[32];

        field("ID", k->id);
        field("Identity", k->identity);
        field("Kind", k->kind);
        field_owner(k);
        field("Name", k->name);
        field("Description", k->description);
        field("State", k->state);
        fmt_created(&k->created_at, buf, sizeof(buf));
        field("Created", buf);
        field("Created by", k->created_by);
        fmt_last_used(&k->last_used_at, buf, sizeof(buf));
        field("Last used", buf);
        field("Last used from", k->last_used_from);
        field("Last used service", k->last_used_service);
        fmt_count(&k->use_count, buf, sizeof(buf));
        field("Uses", buf);
}

void output_created(const struct ctl_reply *r)
{
        /* The key only, so that `KEY=$(apikeyctl create)` works. */
        fputs(r->key, stdout);
        fputc('\n', stdout);
}

void output_result(const char *id, const char *result)
{
        printf("%s %s\n", result, id);
}

void output_status(const struct ctl_reply *r)
{
        char buf[64];

        fputs("Daemon: apikeyd ", stdout);
        text_put(stdout, r->has_version ? r->version : "-");
        fputc('\n', stdout);
        if (r->uptime.set)
                timefmt_duration(r->uptime.v, buf, sizeof(buf));
        field("Uptime", r->uptime.set ? buf : NULL);
        fmt_count(&r->key_count, buf, sizeof(buf));
        field("Keys", buf);
        fputs("Caller: ", stdout);
        text_put(stdout, r->has_caller ? r->caller : "-");
        if (r->is_admin.set)
                fputs(r->is_admin.v ? " (admin)" : " (not admin)", stdout);
        fputc('\n', stdout);
}
