/* output.c - keys, results and the daemon's status as text for people: an
 * aligned table for list, "Field: value" lines for show and status, one
 * line for the rest. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "out.h"

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

void output_key_list(const struct rec_list *l)
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
        out_field(label, list && !*list ? "any" : list);
}

static void show_restrictions(const struct key_info *k)
{
        char buf[32];

        out_field("Locked", fmt_yes_no(&k->locked));
        fmt_time_or(&k->expires_at, "never", buf, sizeof(buf));
        out_field("Expires", buf);
        field_list("Services", k->services);
        field_list("Sources", k->sources);
        if (k->max_uses.set && k->max_uses.v == 0)
                snprintf(buf, sizeof(buf), "unlimited");
        else
                fmt_count(&k->max_uses, buf, sizeof(buf));
        out_field("Max uses", buf);
        out_field("Leak action", k->leak_action);
        out_field("Rotated to", k->rotated_to);
}

void output_key_show(const struct key_info *k)
{
        char buf[32];

        out_field("ID", k->id);
        out_field("Identity", k->identity);
        out_field("Kind", k->kind);
        field_owner(k);
        out_field("Name", k->name);
        out_field("Description", k->description);
        out_field("State", k->state);
        show_restrictions(k);
        fmt_time(&k->created_at, buf, sizeof(buf));
        out_field("Created", buf);
        out_field("Created by", k->created_by);
        fmt_time_or(&k->last_used_at, "never", buf, sizeof(buf));
        out_field("Last used", buf);
        out_field("Last used from", k->last_used_from);
        out_field("Last used service", k->last_used_service);
        fmt_count(&k->use_count, buf, sizeof(buf));
        out_field("Uses", buf);
}

void output_created(const struct ctl_reply *r)
{
        /* The key only, so that `KEY=$(apikeyctl create)` works. */
        fputs(r->key, stdout);
        fputc('\n', stdout);
}

void output_result(const char *what, const char *id, const char *result)
{
        printf("%s %s%s\n", result, what, id);
}

static void output_blocked(const struct rec_list *l)
{
        char since[64];

        for (size_t i = 0; i < l->n; i++) {
                const struct blocked_info *b = rec_at(l, i);
                timefmt_local(b->since.set ? b->since.v : 0, since, sizeof(since));
                fputs("Blocked: ", stdout);
                text_put(stdout, b->kind);
                fputc(' ', stdout);
                text_put(stdout, b->source);
                printf(" since %s (%" PRIu64 " failures)\n", since, b->failures.set ? b->failures.v : 0);
        }
}

/* The daemon's policy as the lines of its configuration file would set it. */
static void output_policy(const struct ctl_reply *r)
{
        struct policy_item it;
        const char *p = r->policy;

        if (!r->has_policy)
                return;
        fputs("Policy:\n", stdout);
        while (policy_next(&p, &it)) {
                fputs("  ", stdout);
                text_put(stdout, it.name);
                fputs(" = ", stdout);
                text_put(stdout, it.value);
                fputc('\n', stdout);
        }
}

void output_status(const struct ctl_reply *r, const struct rec_list *blocked)
{
        char buf[64];

        fputs("Daemon: apikeyd ", stdout);
        text_put(stdout, r->has_version ? r->version : "-");
        fputc('\n', stdout);
        if (r->uptime.set)
                timefmt_duration(r->uptime.v, buf, sizeof(buf));
        out_field("Uptime", r->uptime.set ? buf : NULL);
        fmt_count(&r->key_count, buf, sizeof(buf));
        out_field("Keys", buf);
        fputs("Caller: ", stdout);
        text_put(stdout, r->has_caller ? r->caller : "-");
        if (r->is_admin.set)
                fputs(r->is_admin.v ? " (admin)" : " (not admin)", stdout);
        fputc('\n', stdout);
        if (r->max_lifetime.set) {
                timefmt_span(r->max_lifetime.v, buf, sizeof(buf));
                out_field("Max key lifetime", r->max_lifetime.v ? buf : "none");
        }
        if (r->rl_burst.set && r->rl_interval.set) {
                if (r->rl_burst.v)
                        printf("Rate limit: %" PRIu64 " failures per remote host, local uid or key ID, then one "
                               "per %" PRIu64 "s\n", r->rl_burst.v, r->rl_interval.v);
                else
                        out_field("Rate limit", "off");
        }
        output_policy(r);
        output_blocked(blocked);
}
