/* text_status.c - `apikeyctl status` as text: "Field: value" lines, the
 * daemon's policy as configuration lines, the blocked sources. */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"

static void text_blocked(const struct rec_list *l)
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
static void text_policy(const struct ctl_reply *r)
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

void text_status(const struct ctl_reply *r, const struct rec_list *blocked)
{
        char buf[64];

        fputs("Daemon: apikeyd ", stdout);
        text_put(stdout, r->has_version ? r->version : "-");
        fputc('\n', stdout);
        if (r->uptime.set)
                timefmt_duration(r->uptime.v, buf, sizeof(buf));
        text_field("Uptime", r->uptime.set ? buf : NULL);
        fmt_count(&r->key_count, buf, sizeof(buf));
        text_field("Keys", buf);
        fputs("Caller: ", stdout);
        text_put(stdout, r->has_caller ? r->caller : "-");
        if (r->is_admin.set)
                fputs(r->is_admin.v ? " (admin)" : " (not admin)", stdout);
        fputc('\n', stdout);
        if (r->max_lifetime.set) {
                timefmt_span(r->max_lifetime.v, buf, sizeof(buf));
                text_field("Max key lifetime", r->max_lifetime.v ? buf : "none");
        }
        if (r->rl_burst.set && r->rl_interval.set) {
                if (r->rl_burst.v)
                        printf("Rate limit: %" PRIu64 " failures per source (remote host, or local uid and host) "
                               "or key ID, then one per %" PRIu64 "s\n",
                               r->rl_burst.v, r->rl_interval.v);
                else
                        text_field("Rate limit", "off");
        }
        text_policy(r);
        text_blocked(blocked);
}
