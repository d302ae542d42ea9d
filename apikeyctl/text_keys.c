/* text_keys.c - keys and the results of changes as text for people: an
 * aligned table for list, "Field: value" lines for show, the key alone
 * for create and rotate, one line for the rest. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

enum { COL_ID, COL_IDENTITY, COL_KIND, COL_NAME, COL_STATE, COL_EXPIRES, COL_LAST_USED, COL_USES, NCOL };

static const char *const headers[NCOL] = { "ID",      "IDENTITY", "KIND",      "NAME",
                                           "STATE",   "EXPIRES",  "LAST USED", "USES" };

/* "active", or "active,locked" when the key is locked. */
static const char *state_cell(const struct key_info *k, char *buf, size_t sz)
{
        if (!k->locked.set || !k->locked.v)
                return or_dash(k->state);
        snprintf(buf, sz, "%s,locked", or_dash(k->state));
        return buf;
}

static void key_row(const void *rec, struct table_row *r)
{
        const struct key_info *k = rec;

        r->cell[COL_ID] = or_dash(k->id);
        r->cell[COL_IDENTITY] = or_dash(k->identity);
        r->cell[COL_KIND] = or_dash(k->kind);
        r->cell[COL_NAME] = or_dash(k->name);
        r->cell[COL_STATE] = state_cell(k, r->buf[COL_STATE], sizeof(r->buf[COL_STATE]));
        fmt_time_or(&k->expires_at, "never", r->buf[COL_EXPIRES], sizeof(r->buf[COL_EXPIRES]));
        r->cell[COL_EXPIRES] = r->buf[COL_EXPIRES];
        fmt_time_or(&k->last_used_at, "never", r->buf[COL_LAST_USED], sizeof(r->buf[COL_LAST_USED]));
        r->cell[COL_LAST_USED] = r->buf[COL_LAST_USED];
        fmt_count(&k->use_count, r->buf[COL_USES], sizeof(r->buf[COL_USES]));
        r->cell[COL_USES] = r->buf[COL_USES];
}

void text_key_list(const struct rec_list *l)
{
        table_print(headers, NCOL, l, key_row);
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

/* A restriction list: "any" when empty. */
static void field_list(const char *label, const char *list)
{
        text_field(label, list && !*list ? "any" : list);
}

static void show_restrictions(const struct key_info *k)
{
        char buf[32];

        text_field("Locked", fmt_yes_no(&k->locked));
        fmt_time_or(&k->expires_at, "never", buf, sizeof(buf));
        text_field("Expires", buf);
        field_list("Services", k->services);
        field_list("Sources", k->sources);
        if (k->max_uses.set && k->max_uses.v == 0)
                snprintf(buf, sizeof(buf), "unlimited");
        else
                fmt_count(&k->max_uses, buf, sizeof(buf));
        text_field("Max uses", buf);
        text_field("Leak action", k->leak_action);
        text_field("Rotated to", k->rotated_to);
        if (k->scope) /* a fleet key */
                text_field("Scope", k->scope);
}

void text_key_show(const struct key_info *k)
{
        char buf[32];

        text_field("ID", k->id);
        text_field("Identity", k->identity);
        text_field("Kind", k->kind);
        field_owner(k);
        text_field("Name", k->name);
        text_field("Description", k->description);
        text_field("State", k->state);
        show_restrictions(k);
        fmt_time(&k->created_at, buf, sizeof(buf));
        text_field("Created", buf);
        text_field("Created by", k->created_by);
        fmt_time_or(&k->last_used_at, "never", buf, sizeof(buf));
        text_field("Last used", buf);
        text_field("Last used from", k->last_used_from);
        text_field("Last used service", k->last_used_service);
        fmt_count(&k->use_count, buf, sizeof(buf));
        text_field("Uses", buf);
}

void text_created(const struct ctl_reply *r)
{
        /* The key only, so that `KEY=$(apikeyctl create)` works. */
        fputs(r->key, stdout);
        fputc('\n', stdout);
}

void text_result(const char *what, const char *id, const char *result)
{
        printf("%s %s%s\n", result, what, id);
}
