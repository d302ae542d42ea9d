/* request.c - the MSG_CTL_REQUEST for the checked options: every field that
 * was given, nothing else. */
#include "ctl.h"

static void put_u64(struct wire_buf *b, uint8_t tag, const struct opt_u64 *v)
{
        if (v->set)
                wire_put_u64(b, tag, v->v);
}

static void put_list(struct wire_buf *b, uint8_t tag, const char *list)
{
        if (list[0])
                wire_put_str(b, tag, list);
}

int request_build(const struct ctl_options *o, struct wire_buf *b)
{
        const struct ctl_request *q = &o->req;

        wire_init(b, MSG_CTL_REQUEST);
        wire_put_u32(b, TAG_COMMAND, o->command);
        wire_put_str(b, TAG_KEY_ID, q->key_id);
        wire_put_str(b, TAG_SERVICE_ID, q->service_id);
        wire_put_str(b, TAG_KEY, q->key);
        wire_put_str(b, TAG_NAME, q->name);
        wire_put_str(b, TAG_DESCRIPTION, q->description);
        wire_put_str(b, TAG_LEAK_ACTION, q->leak_action);
        wire_put_str(b, TAG_UNIX_USER, q->unix_user);
        wire_put_str(b, TAG_FILTER_USER, q->filter_user);
        wire_put_str(b, TAG_IDENTITY, q->identity);
        put_list(b, TAG_SERVICES, q->services);
        put_list(b, TAG_SOURCES, q->sources);
        put_u64(b, TAG_EXPIRES_AT, &q->expires_at);
        put_u64(b, TAG_MAX_USES, &q->max_uses);
        put_u64(b, TAG_GRACE, &q->grace);
        put_u64(b, TAG_SINCE, &q->since);
        put_u64(b, TAG_INACTIVE, &q->inactive);
        if (q->limit.set)
                wire_put_u32(b, TAG_LIMIT, (uint32_t)q->limit.v);
        wire_put_str(b, TAG_CURSOR, q->after);
        /* list always said which keys it wants; the rest only when set. */
        if (q->flags || o->command == CTL_LIST)
                wire_put_u32(b, TAG_FLAGS, q->flags);
        return wire_finish(b);
}
