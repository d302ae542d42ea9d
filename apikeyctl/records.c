/* records.c - the field table of each record the daemon sends. */
#include <stddef.h>

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
        default:
                return NULL;
        }
}
