/* json_audit.c - the audit log as JSON: an array of records, or the verdict
 * on its hash chain. */
#include <string.h>

#include "print.h"

static void audit_object(const void *rec)
{
        const struct audit_record *a = rec;
        const struct {
                const char *name;
                const char *value;
        } strs[] = {
                { "event", a->event },   { "result", a->result }, { "key_id", a->key_id },
                { "identity", a->identity }, { "user", a->user }, { "service", a->service },
                { "rhost", a->rhost },   { "tty", a->tty },
        };

        fputs("{\"seq\": ", stdout);
        json_u64(&a->seq);
        json_member("time");
        json_time(&a->time, false);
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
                json_member(strs[i].name);
                json_str(strs[i].value);
        }
        json_member("peer_uid");
        json_u64(&a->peer_uid);
        json_member("peer_pid");
        json_u64(&a->peer_pid);
        json_member("caller");
        json_str(a->caller);
        json_member("action");
        json_str(a->action);
        json_member("detail");
        json_str(a->detail);
        fputc('}', stdout);
}

void json_audit_list(const struct rec_list *l)
{
        json_array(l, audit_object);
}

static void break_object(const void *rec)
{
        const struct audit_break_info *b = rec;

        fputs("{\"kind\": ", stdout);
        json_str(b->kind);
        json_member("first_seq");
        json_u64(&b->first);
        json_member("last_seq");
        json_u64(&b->last);
        json_member("key_id");
        json_str(b->key_id);
        json_member("service_id");
        json_str(b->service_id);
        json_member("message");
        json_str(b->message);
        fputc('}', stdout);
}

/* {"verified": true, "records": N, "broken_at": null, "message": null,
 *  "breaks": [{"kind": "gap", "first_seq": 3, "last_seq": 5, ...}, ...]} */
void json_audit_verify(const struct ctl_reply *r, const struct rec_list *l)
{
        bool ok = strcmp(r->result, "ok") == 0;
        struct opt_u64 broken_at = { !ok, r->seq.v };

        printf("{\"verified\": %s", ok ? "true" : "false");
        json_member("records");
        json_u64(&r->key_count);
        json_member("broken_at");
        json_u64(&broken_at);
        json_member("message");
        json_str(!ok && r->has_message ? r->message : NULL);
        json_member("breaks");
        json_array(l, break_object);
        fputs("}\n", stdout);
}
