/* json.c - keys, results and the daemon's status as JSON. A key is an
 * object with every field, null when the daemon did not send it;
 * last_used_at, expires_at and max_uses are null when 0 (never, never,
 * unlimited); services and sources are arrays, [] for any. */
#include <string.h>

#include "out.h"

static void key_restrictions(const struct key_info *k)
{
        struct opt_u64 max_uses = k->max_uses;

        json_member("expires_at");
        json_time(&k->expires_at, true);
        json_member("locked");
        json_bool(&k->locked);
        json_member("services");
        json_csv_array(k->services);
        json_member("sources");
        json_csv_array(k->sources);
        json_member("max_uses");
        max_uses.set = max_uses.set && max_uses.v != 0;
        json_u64(&max_uses);
        json_member("leak_action");
        json_str(k->leak_action);
        json_member("rotated_to");
        json_str(k->rotated_to);
}

static void key_fields(const struct key_info *k)
{
        json_member("kind");
        json_str(k->kind);
        json_member("identity");
        json_str(k->identity);
        json_member("owner_uid");
        json_u64(&k->owner_uid);
        json_member("owner");
        json_str(k->owner);
        json_member("name");
        json_str(k->name);
        json_member("description");
        json_str(k->description);
        json_member("state");
        json_str(k->state);
        key_restrictions(k);
        json_member("created_at");
        json_time(&k->created_at, false);
        json_member("created_by");
        json_str(k->created_by);
        json_member("last_used_at");
        json_time(&k->last_used_at, true);
        json_member("last_used_from");
        json_str(k->last_used_from);
        json_member("last_used_service");
        json_str(k->last_used_service);
        json_member("use_count");
        json_u64(&k->use_count);
}

static void key_object(const void *rec)
{
        const struct key_info *k = rec;

        fputs("{\"id\": ", stdout);
        json_str(k->id);
        key_fields(k);
        fputc('}', stdout);
}

void json_key_list(const struct rec_list *l)
{
        json_array(l, key_object);
}

void json_key_show(const struct key_info *k)
{
        key_object(k);
        fputc('\n', stdout);
}

/* {"id": ..., "key": ..., fields..., ["replaces": ...]} */
void json_created(const struct ctl_reply *r, const struct key_info *k, const char *replaces)
{
        struct key_info only_id = { .id = (char *)r->key_id };

        fputs("{\"id\": ", stdout);
        json_str(r->key_id);
        json_member("key");
        json_str(r->key);
        key_fields(k ? k : &only_id);
        if (replaces) {
                json_member("replaces");
                json_str(replaces);
        }
        fputs("}\n", stdout);
}

void json_result(const char *member, const char *id, const char *result)
{
        printf("{\"%s\": ", member);
        json_str(id);
        json_member("result");
        json_str(result);
        fputs("}\n", stdout);
}

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
