/* records.c - the records the daemon sends before its reply: the field
 * table of each type, decoding a record by its table, and the list that
 * keeps them. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"


#define STR(s, m, tag) { tag, REC_STR, false, offsetof(struct s, m) }
#define STR_REQ(s, m, tag) { tag, REC_STR, true, offsetof(struct s, m) }
#define U32(s, m, tag) { tag, REC_U32, false, offsetof(struct s, m) }
#define U64(s, m, tag) { tag, REC_U64, false, offsetof(struct s, m) }
#define U64_REQ(s, m, tag) { tag, REC_U64, true, offsetof(struct s, m) }
#define TYPE(msg, s, fields) { msg, sizeof(struct s), fields, sizeof(fields) / sizeof(fields[0]) }

static const struct rec_field key_fields[] = {
        STR_REQ(key_info, id, TAG_KEY_ID),
        STR(key_info, kind, TAG_KIND),
        STR_REQ(key_info, identity, TAG_IDENTITY),
        STR(key_info, owner, TAG_OWNER_NAME),
        STR(key_info, name, TAG_NAME),
        STR(key_info, description, TAG_DESCRIPTION),
        STR_REQ(key_info, state, TAG_STATE),
        STR(key_info, created_by, TAG_CREATED_BY),
        STR(key_info, last_used_from, TAG_LAST_USED_FROM),
        STR(key_info, last_used_service, TAG_LAST_USED_SERVICE),
        STR(key_info, services, TAG_SERVICES),
        STR(key_info, sources, TAG_SOURCES),
        STR(key_info, leak_action, TAG_LEAK_ACTION),
        STR(key_info, rotated_to, TAG_ROTATED_TO),
        STR(key_info, scope, TAG_SCOPE),
        U32(key_info, owner_uid, TAG_OWNER_UID),
        U64(key_info, created_at, TAG_CREATED_AT),
        U64(key_info, last_used_at, TAG_LAST_USED_AT),
        U64(key_info, use_count, TAG_USE_COUNT),
        U64(key_info, expires_at, TAG_EXPIRES_AT),
        U32(key_info, locked, TAG_LOCKED),
        U64(key_info, max_uses, TAG_MAX_USES),
};

static const struct rec_field sid_fields[] = {
        STR_REQ(sid_info, name, TAG_SERVICE_ID),
        STR(sid_info, description, TAG_DESCRIPTION),
        STR(sid_info, unix_user, TAG_UNIX_USER),
        STR(sid_info, created_by, TAG_CREATED_BY),
        U32(sid_info, unix_uid, TAG_UNIX_UID),
        U32(sid_info, locked, TAG_LOCKED),
        U64(sid_info, created_at, TAG_CREATED_AT),
        U64(sid_info, key_count, TAG_KEY_COUNT),
};

static const struct rec_field audit_fields[] = {
        U64_REQ(audit_record, seq, TAG_SEQ),
        U64_REQ(audit_record, time, TAG_TIME),
        STR_REQ(audit_record, event, TAG_EVENT),
        STR_REQ(audit_record, result, TAG_RESULT),
        STR(audit_record, key_id, TAG_KEY_ID),
        STR(audit_record, identity, TAG_IDENTITY),
        STR(audit_record, user, TAG_USER),
        STR(audit_record, service, TAG_SERVICE),
        STR(audit_record, rhost, TAG_RHOST),
        STR(audit_record, tty, TAG_TTY),
        STR(audit_record, caller, TAG_CALLER),
        STR(audit_record, action, TAG_ACTION),
        STR(audit_record, detail, TAG_DETAIL),
        U32(audit_record, peer_uid, TAG_PEER_UID),
        U32(audit_record, peer_pid, TAG_PEER_PID),
};

static const struct rec_field blocked_fields[] = {
        STR_REQ(blocked_info, kind, TAG_EVENT),
        STR_REQ(blocked_info, source, TAG_DETAIL),
        U64(blocked_info, since, TAG_TIME),
        U64(blocked_info, failures, TAG_USE_COUNT),
};

static const struct rec_field break_fields[] = {
        STR_REQ(audit_break_info, kind, TAG_RESULT),
        STR_REQ(audit_break_info, message, TAG_MESSAGE),
        STR(audit_break_info, key_id, TAG_KEY_ID),
        STR(audit_break_info, service_id, TAG_SERVICE_ID),
        U64(audit_break_info, first, TAG_SEQ),
        U64(audit_break_info, last, TAG_SEQ_END),
};

const struct rec_type rec_audit_break = TYPE(MSG_AUDIT_BREAK, audit_break_info, break_fields);
const struct rec_type rec_key_info = TYPE(MSG_KEY_INFO, key_info, key_fields);
const struct rec_type rec_blocked = TYPE(MSG_BLOCKED, blocked_info, blocked_fields);
const struct rec_type rec_sid_info = TYPE(MSG_SID_INFO, sid_info, sid_fields);
const struct rec_type rec_audit_record = TYPE(MSG_AUDIT_RECORD, audit_record, audit_fields);

const struct rec_type *rec_type_of(uint8_t msg_type)
{
        switch (msg_type) {
        case MSG_KEY_INFO:
                return &rec_key_info;
        case MSG_SID_INFO:
                return &rec_sid_info;
        case MSG_AUDIT_RECORD:
                return &rec_audit_record;
        case MSG_BLOCKED:
                return &rec_blocked;
        case MSG_AUDIT_BREAK:
                return &rec_audit_break;
        default:
                return NULL;
        }
}


/* A string field as a new heap copy: 0 (*ret NULL when absent) or -errno. */
static int get_str_dup(const struct wire_msg *m, uint8_t tag, char **ret)
{
        char buf[WIRE_MAX_MSG + 1];
        int r = wire_get_str(m, tag, buf, sizeof(buf));

        *ret = NULL;
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -EBADMSG;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int get_num(const struct wire_msg *m, const struct rec_field *f, struct opt_u64 *ret)
{
        uint32_t v32 = 0;
        int r;

        if (f->kind == REC_U32) {
                r = wire_get_u32(m, f->tag, &v32);
                ret->v = v32;
        } else {
                r = wire_get_u64(m, f->tag, &ret->v);
        }
        ret->set = r == 0;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

static int get_field(const struct wire_msg *m, const struct rec_field *f, unsigned char *rec)
{
        void *p = rec + f->offset;
        int r;

        if (f->kind == REC_STR) {
                r = get_str_dup(m, f->tag, p);
                if (r == 0 && f->required && !*(char **)p)
                        r = -EBADMSG;
        } else {
                r = get_num(m, f, p);
                if (r == 0 && f->required && !((struct opt_u64 *)p)->set)
                        r = -EBADMSG;
        }
        return r;
}

int rec_decode(const struct rec_type *t, const struct wire_msg *m, void *ret)
{
        int r = 0;

        memset(ret, 0, t->size);
        if (m->type != t->msg_type)
                return -EBADMSG;
        for (size_t i = 0; i < t->nfields && r == 0; i++)
                r = get_field(m, &t->fields[i], ret);
        if (r < 0)
                rec_free(t, ret);
        return r;
}

void rec_free(const struct rec_type *t, void *rec)
{
        for (size_t i = 0; i < t->nfields; i++)
                if (t->fields[i].kind == REC_STR) {
                        char **s = (char **)((unsigned char *)rec + t->fields[i].offset);
                        free(*s);
                        *s = NULL;
                }
}

int rec_list_add(struct rec_list *l, void *rec)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                unsigned char *items = reallocarray(l->items, cap, l->type->size);

                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->cap = cap;
        }
        memcpy(l->items + l->n++ * l->type->size, rec, l->type->size);
        memset(rec, 0, l->type->size);
        return 0;
}

void rec_list_free(struct rec_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                rec_free(l->type, l->items + i * l->type->size);
        free(l->items);
        l->items = NULL;
        l->n = l->cap = 0;
}
