/* json_keys.c - keys and the results of changes as JSON. A key is an
 * object with every field, null when the daemon did not send it;
 * last_used_at, expires_at and max_uses are null when 0 (never, never,
 * unlimited); services and sources are arrays, [] for any. */
#include <string.h>

#include "print.h"

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
        json_member("scope");
        json_str(k->scope);
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
