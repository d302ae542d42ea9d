/* json_status.c - `apikeyctl status --json`: version, uptime, keys,
 * caller, admin, the limits, the policy object and the blocked sources. */
#include <string.h>

#include "print.h"

static void json_blocked(const void *rec)
{
        const struct blocked_info *b = rec;

        fputs("{\"kind\": ", stdout);
        json_str(b->kind);
        json_member("source");
        json_str(b->source);
        json_member("since");
        json_time(&b->since, true);
        json_member("failures");
        json_u64(&b->failures);
        fputs("}", stdout);
}

/* {"name": value, ...}: numbers as numbers, "none" as null, the rest as
 * strings, as the configuration file writes them. */
static void json_policy(const struct ctl_reply *r)
{
        struct policy_item it;
        const char *p = r->policy;
        bool first = true;

        if (!r->has_policy) {
                fputs("null", stdout);
                return;
        }
        fputc('{', stdout);
        while (policy_next(&p, &it)) {
                fputs(first ? "" : ", ", stdout);
                first = false;
                json_str(it.name);
                fputs(": ", stdout);
                if (strcmp(it.value, "none") == 0)
                        fputs("null", stdout);
                else if (it.value[0] && strspn(it.value, "0123456789") == strlen(it.value) && strlen(it.value) < 16)
                        fputs(it.value, stdout);
                else
                        json_str(it.value);
        }
        fputc('}', stdout);
}

void json_status(const struct ctl_reply *r, const struct rec_list *blocked)
{
        struct opt_u64 max_lifetime = r->max_lifetime;

        fputs("{\"version\": ", stdout);
        json_str(r->has_version ? r->version : NULL);
        json_member("uptime");
        json_u64(&r->uptime);
        json_member("keys");
        json_u64(&r->key_count);
        json_member("caller");
        json_str(r->has_caller && strcmp(r->caller, "?") != 0 ? r->caller : NULL); /* "?": the uid has no name */
        json_member("admin");
        json_bool(&r->is_admin);
        json_member("max_key_lifetime");
        max_lifetime.set = max_lifetime.set && max_lifetime.v != 0;
        json_u64(&max_lifetime);
        json_member("rate_limit_burst");
        json_u64(&r->rl_burst);
        json_member("rate_limit_interval");
        json_u64(&r->rl_interval);
        json_member("policy");
        json_policy(r);
        json_member("blocked");
        json_array(blocked, json_blocked);
        fputs("}\n", stdout);
}
