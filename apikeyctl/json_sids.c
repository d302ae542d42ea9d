/* json_sids.c - service IDs as JSON: name, description, unix_user (null
 * when it acts as nobody), unix_uid, locked, created_at, created_by, keys. */
#include "print.h"

static void sid_object(const void *rec)
{
        const struct sid_info *s = rec;
        bool has_user = s->unix_user && *s->unix_user;
        struct opt_u64 uid = s->unix_uid;

        uid.set = uid.set && has_user;
        fputs("{\"name\": ", stdout);
        json_str(s->name);
        json_member("description");
        json_str(s->description);
        json_member("unix_user");
        json_str(has_user ? s->unix_user : NULL);
        json_member("unix_uid");
        json_u64(&uid);
        json_member("locked");
        json_bool(&s->locked);
        json_member("created_at");
        json_time(&s->created_at, false);
        json_member("created_by");
        json_str(s->created_by);
        json_member("keys");
        json_u64(&s->key_count);
        fputc('}', stdout);
}

void json_sid_list(const struct rec_list *l)
{
        json_array(l, sid_object);
}

void json_sid_show(const struct sid_info *s)
{
        sid_object(s);
        fputc('\n', stdout);
}
