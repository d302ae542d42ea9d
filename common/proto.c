/* proto.c - the schema of every message: which tags, of which kind and size. */
#include "proto.h"

#include "key.h"
#include "wire.h"

struct tag_spec {
        enum field_kind kind;
        size_t max; /* bytes for strings */
};

static const struct tag_spec tag_specs[_TAG_MAX] = {
        [TAG_USER] = { KIND_STR, PROTO_USER_MAX },
        [TAG_SERVICE] = { KIND_STR, PROTO_SERVICE_MAX },
        [TAG_RHOST] = { KIND_STR, PROTO_RHOST_MAX },
        [TAG_TTY] = { KIND_STR, PROTO_TTY_MAX },
        [TAG_KEY] = { KIND_STR, KEY_MAX_INPUT },
        [TAG_VERDICT] = { KIND_U32, 4 },
        [TAG_KEY_ID] = { KIND_STR, KEY_ID_LEN },
        [TAG_IDENTITY] = { KIND_STR, PROTO_IDENTITY_MAX },
        [TAG_COMMAND] = { KIND_U32, 4 },
        [TAG_NAME] = { KIND_STR, PROTO_NAME_MAX },
        [TAG_DESCRIPTION] = { KIND_STR, PROTO_DESCRIPTION_MAX },
        [TAG_FLAGS] = { KIND_U32, 4 },
        [TAG_STATUS] = { KIND_U32, 4 },
        [TAG_MESSAGE] = { KIND_STR, PROTO_MESSAGE_MAX },
        [TAG_KIND] = { KIND_STR, 32 },
        [TAG_OWNER_UID] = { KIND_U32, 4 },
        [TAG_OWNER_NAME] = { KIND_STR, PROTO_USER_MAX },
        [TAG_STATE] = { KIND_STR, 32 },
        [TAG_CREATED_AT] = { KIND_U64, 8 },
        [TAG_CREATED_BY] = { KIND_STR, PROTO_USER_MAX },
        [TAG_LAST_USED_AT] = { KIND_U64, 8 },
        [TAG_LAST_USED_FROM] = { KIND_STR, PROTO_RHOST_MAX },
        [TAG_USE_COUNT] = { KIND_U64, 8 },
        [TAG_VERSION] = { KIND_STR, 32 },
        [TAG_KEY_COUNT] = { KIND_U64, 8 },
        [TAG_UPTIME] = { KIND_U64, 8 },
        [TAG_CALLER] = { KIND_STR, PROTO_USER_MAX },
        [TAG_IS_ADMIN] = { KIND_U32, 4 },
        [TAG_LAST_USED_SERVICE] = { KIND_STR, PROTO_SERVICE_MAX },
        [TAG_EXPIRES_AT] = { KIND_U64, 8 },
        [TAG_LOCKED] = { KIND_U32, 4 },
        [TAG_SERVICES] = { KIND_STR, PROTO_SERVICES_MAX },
        [TAG_SOURCES] = { KIND_STR, PROTO_SOURCES_MAX },
        [TAG_MAX_USES] = { KIND_U64, 8 },
        [TAG_LEAK_ACTION] = { KIND_STR, 16 },
        [TAG_SERVICE_ID] = { KIND_STR, PROTO_SID_NAME_MAX },
        [TAG_UNIX_USER] = { KIND_STR, PROTO_USER_MAX },
        [TAG_GRACE] = { KIND_U64, 8 },
        [TAG_SINCE] = { KIND_U64, 8 },
        [TAG_INACTIVE] = { KIND_U64, 8 },
        [TAG_ROTATED_TO] = { KIND_STR, KEY_ID_LEN },
        [TAG_SEQ] = { KIND_U64, 8 },
        [TAG_TIME] = { KIND_U64, 8 },
        [TAG_EVENT] = { KIND_STR, 32 },
        [TAG_RESULT] = { KIND_STR, 32 },
        [TAG_DETAIL] = { KIND_STR, PROTO_MESSAGE_MAX },
        [TAG_PEER_UID] = { KIND_U32, 4 },
        [TAG_PEER_PID] = { KIND_U32, 4 },
        [TAG_ACTION] = { KIND_STR, 32 },
        [TAG_FILTER_USER] = { KIND_STR, PROTO_USER_MAX },
        [TAG_UNIX_UID] = { KIND_U32, 4 },
        [TAG_PREV_HASH] = { KIND_STR, 64 },
        [TAG_MAX_LIFETIME] = { KIND_U64, 8 },
        [TAG_RL_BURST] = { KIND_U32, 4 },
        [TAG_RL_INTERVAL] = { KIND_U64, 8 },
        [TAG_LIMIT] = { KIND_U32, 4 },
        [TAG_CURSOR] = { KIND_STR, PROTO_CURSOR_MAX },
        [TAG_RETIRES] = { KIND_STR, KEY_ID_LEN },
        [TAG_SCOPE] = { KIND_STR, PROTO_SCOPE_MAX },
        [TAG_SEQ_END] = { KIND_U64, 8 },
        [TAG_POLICY] = { KIND_STR, PROTO_POLICY_MAX },
};

#define BIT(t) (UINT64_C(1) << (t))

struct type_spec {
        uint64_t allowed;
        uint64_t required;
};

static const struct type_spec type_specs[_MSG_TYPE_MAX] = {
        [MSG_AUTH_REQUEST] = {
                .allowed = BIT(TAG_USER) | BIT(TAG_SERVICE) | BIT(TAG_RHOST) | BIT(TAG_TTY) | BIT(TAG_KEY),
                .required = BIT(TAG_USER) | BIT(TAG_KEY),
        },
        [MSG_AUTH_REPLY] = {
                .allowed = BIT(TAG_VERDICT) | BIT(TAG_KEY_ID) | BIT(TAG_IDENTITY),
                .required = BIT(TAG_VERDICT),
        },
        [MSG_CTL_REQUEST] = {
                .allowed = BIT(TAG_COMMAND) | BIT(TAG_KEY_ID) | BIT(TAG_NAME) | BIT(TAG_DESCRIPTION) | BIT(TAG_FLAGS) |
                           BIT(TAG_EXPIRES_AT) | BIT(TAG_SERVICES) | BIT(TAG_SOURCES) | BIT(TAG_MAX_USES) |
                           BIT(TAG_LEAK_ACTION) | BIT(TAG_SERVICE_ID) | BIT(TAG_UNIX_USER) | BIT(TAG_GRACE) |
                           BIT(TAG_SINCE) | BIT(TAG_INACTIVE) | BIT(TAG_FILTER_USER) | BIT(TAG_IDENTITY) |
                           BIT(TAG_KEY) | BIT(TAG_LIMIT) | BIT(TAG_CURSOR),
                .required = BIT(TAG_COMMAND),
        },
        [MSG_CTL_REPLY] = {
                .allowed = BIT(TAG_STATUS) | BIT(TAG_MESSAGE) | BIT(TAG_KEY_ID) | BIT(TAG_KEY) |
                           BIT(TAG_VERSION) | BIT(TAG_KEY_COUNT) | BIT(TAG_UPTIME) | BIT(TAG_CALLER) |
                           BIT(TAG_IS_ADMIN) | BIT(TAG_STATE) | BIT(TAG_RESULT) | BIT(TAG_SEQ) |
                           BIT(TAG_MAX_LIFETIME) | BIT(TAG_ROTATED_TO) | BIT(TAG_RL_BURST) |
                           BIT(TAG_RL_INTERVAL) | BIT(TAG_POLICY) | BIT(TAG_CURSOR),
                .required = BIT(TAG_STATUS),
        },
        [MSG_SID_INFO] = {
                .allowed = BIT(TAG_SERVICE_ID) | BIT(TAG_DESCRIPTION) | BIT(TAG_UNIX_USER) | BIT(TAG_UNIX_UID) |
                           BIT(TAG_LOCKED) | BIT(TAG_CREATED_AT) | BIT(TAG_CREATED_BY) | BIT(TAG_KEY_COUNT),
                .required = BIT(TAG_SERVICE_ID),
        },
        [MSG_AUDIT_RECORD] = {
                .allowed = BIT(TAG_SEQ) | BIT(TAG_TIME) | BIT(TAG_EVENT) | BIT(TAG_RESULT) | BIT(TAG_KEY_ID) |
                           BIT(TAG_IDENTITY) | BIT(TAG_USER) | BIT(TAG_SERVICE) | BIT(TAG_RHOST) | BIT(TAG_TTY) |
                           BIT(TAG_PEER_UID) | BIT(TAG_PEER_PID) | BIT(TAG_CALLER) | BIT(TAG_ACTION) |
                           BIT(TAG_DETAIL) | BIT(TAG_PREV_HASH),
                .required = BIT(TAG_SEQ) | BIT(TAG_TIME) | BIT(TAG_EVENT) | BIT(TAG_RESULT),
        },
        [MSG_BLOCKED] = {
                .allowed = BIT(TAG_EVENT) | BIT(TAG_DETAIL) | BIT(TAG_TIME) | BIT(TAG_USE_COUNT),
                .required = BIT(TAG_EVENT) | BIT(TAG_DETAIL),
        },
        [MSG_AUDIT_BREAK] = {
                .allowed = BIT(TAG_RESULT) | BIT(TAG_SEQ) | BIT(TAG_SEQ_END) | BIT(TAG_MESSAGE) | BIT(TAG_KEY_ID) |
                           BIT(TAG_SERVICE_ID),
                .required = BIT(TAG_RESULT) | BIT(TAG_MESSAGE),
        },
        [MSG_PROGRESS] = {
                .allowed = BIT(TAG_KEY_COUNT),
                .required = BIT(TAG_KEY_COUNT),
        },
        [MSG_LEAK_REPORT] = {
                .allowed = BIT(TAG_KEY) | BIT(TAG_SERVICE) | BIT(TAG_RHOST) | BIT(TAG_TTY),
                .required = BIT(TAG_KEY),
        },
        [MSG_KEY_INFO] = {
                .allowed = BIT(TAG_KEY_ID) | BIT(TAG_KIND) | BIT(TAG_IDENTITY) | BIT(TAG_OWNER_UID) |
                           BIT(TAG_OWNER_NAME) | BIT(TAG_NAME) | BIT(TAG_DESCRIPTION) | BIT(TAG_STATE) |
                           BIT(TAG_CREATED_AT) | BIT(TAG_CREATED_BY) | BIT(TAG_LAST_USED_AT) |
                           BIT(TAG_LAST_USED_FROM) | BIT(TAG_LAST_USED_SERVICE) | BIT(TAG_USE_COUNT) |
                           BIT(TAG_EXPIRES_AT) | BIT(TAG_LOCKED) | BIT(TAG_SERVICES) | BIT(TAG_SOURCES) |
                           BIT(TAG_MAX_USES) | BIT(TAG_LEAK_ACTION) | BIT(TAG_ROTATED_TO) | BIT(TAG_RETIRES) |
                           BIT(TAG_SCOPE),
                .required = BIT(TAG_KEY_ID) | BIT(TAG_IDENTITY) | BIT(TAG_STATE),
        },
};

enum field_kind proto_tag_kind(unsigned tag, size_t *ret_max)
{
        if (tag == 0 || tag >= _TAG_MAX)
                return KIND_NONE;
        if (ret_max)
                *ret_max = tag_specs[tag].max;
        return tag_specs[tag].kind;
}

bool proto_type_known(unsigned type)
{
        return type > 0 && type < _MSG_TYPE_MAX;
}

bool proto_tag_allowed(unsigned type, unsigned tag)
{
        return proto_type_known(type) && tag > 0 && tag < _TAG_MAX && (type_specs[type].allowed & BIT(tag));
}

bool proto_tag_required(unsigned type, unsigned tag)
{
        return proto_type_known(type) && tag > 0 && tag < _TAG_MAX && (type_specs[type].required & BIT(tag));
}

static const char *const verdict_names[_VERDICT_MAX] = {
        [VERDICT_OK] = "ok",
        [VERDICT_MALFORMED] = "malformed",
        [VERDICT_NOT_FOUND] = "not_found",
        [VERDICT_BAD_SECRET] = "bad_secret",
        [VERDICT_DISABLED] = "disabled",
        [VERDICT_EXPIRED] = "expired",
        [VERDICT_WRONG_USER] = "wrong_user",
        [VERDICT_WRONG_SERVICE] = "wrong_service",
        [VERDICT_WRONG_SOURCE] = "wrong_source",
        [VERDICT_USAGE_EXCEEDED] = "usage_exceeded",
        [VERDICT_RATE_LIMITED] = "rate_limited",
        [VERDICT_LEAKED] = "leaked",
        [VERDICT_ORPHANED] = "orphaned",
        [VERDICT_INTERNAL] = "internal",
        [VERDICT_NAME_IS_ACCOUNT] = "name_is_account",
        [VERDICT_TAMPERED] = "tampered",
        [VERDICT_WRONG_HOST] = "wrong_host",
};

static const char *const status_names[_STATUS_MAX] = {
        [STATUS_OK] = "ok",
        [STATUS_INVALID] = "invalid_request",
        [STATUS_PERMISSION] = "permission_denied",
        [STATUS_NOT_FOUND] = "not_found",
        [STATUS_EXISTS] = "exists",
        [STATUS_LIMIT] = "limit_reached",
        [STATUS_INTERNAL] = "internal_error",
        [STATUS_LOCKED] = "locked",
        [STATUS_ORPHANED] = "orphaned",
};

static const char *const command_names[_CTL_MAX] = {
        [CTL_CREATE] = "create",
        [CTL_LIST] = "list",
        [CTL_SHOW] = "show",
        [CTL_DISABLE] = "disable",
        [CTL_ENABLE] = "enable",
        [CTL_DELETE] = "delete",
        [CTL_STATUS] = "status",
        [CTL_LOCK] = "lock",
        [CTL_UNLOCK] = "unlock",
        [CTL_ROTATE] = "rotate",
        [CTL_SID_CREATE] = "service-id create",
        [CTL_SID_LIST] = "service-id list",
        [CTL_SID_SHOW] = "service-id show",
        [CTL_SID_UPDATE] = "service-id update",
        [CTL_SID_DELETE] = "service-id delete",
        [CTL_SID_LOCK] = "service-id lock",
        [CTL_SID_UNLOCK] = "service-id unlock",
        [CTL_AUDIT] = "audit",
        [CTL_LEAK] = "leak",
        [CTL_PURGE_USER] = "purge-user",
};

const char *verdict_to_string(unsigned v)
{
        return v < _VERDICT_MAX ? verdict_names[v] : NULL;
}

const char *status_to_string(unsigned s)
{
        return s < _STATUS_MAX ? status_names[s] : NULL;
}

const char *command_to_string(unsigned c)
{
        return c < _CTL_MAX ? command_names[c] : NULL;
}
