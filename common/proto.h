/* proto.h - message types, field tags, verdicts and status codes of the
 * apikeyd protocol. ARCHITECTURE.md describes the exchanges.
 *
 * Bump WIRE_VERSION (wire.h) when a change makes old peers misread a message;
 * add new tags and types with new numbers, never reuse one. The module and
 * the daemon are upgraded separately. */
#ifndef APIKEY_PROTO_H
#define APIKEY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum msg_type {
        MSG_AUTH_REQUEST = 1, /* module -> daemon, auth socket */
        MSG_AUTH_REPLY = 2,   /* daemon -> module */
        MSG_CTL_REQUEST = 3,  /* CLI -> daemon, control socket */
        MSG_CTL_REPLY = 4,    /* daemon -> CLI, always the last message */
        MSG_KEY_INFO = 5,     /* daemon -> CLI, one per key, before the reply */
        _MSG_TYPE_MAX
};

enum field_kind { KIND_NONE = 0, KIND_STR, KIND_U32, KIND_U64 };

enum tag {
        TAG_USER = 1,
        TAG_SERVICE = 2,
        TAG_RHOST = 3,
        TAG_TTY = 4,
        TAG_KEY = 5,
        TAG_VERDICT = 6,
        TAG_KEY_ID = 7,
        TAG_IDENTITY = 8,
        TAG_COMMAND = 9,
        TAG_NAME = 10,
        TAG_DESCRIPTION = 11,
        TAG_FLAGS = 12,
        TAG_STATUS = 13,
        TAG_MESSAGE = 14,
        TAG_KIND = 15,
        TAG_OWNER_UID = 16,
        TAG_OWNER_NAME = 17,
        TAG_STATE = 18,
        TAG_CREATED_AT = 19,
        TAG_CREATED_BY = 20,
        TAG_LAST_USED_AT = 21,
        TAG_LAST_USED_FROM = 22,
        TAG_USE_COUNT = 23,
        TAG_VERSION = 24,
        TAG_KEY_COUNT = 25,
        TAG_UPTIME = 26,
        TAG_CALLER = 27,
        TAG_IS_ADMIN = 28,
        TAG_LAST_USED_SERVICE = 29,
        _TAG_MAX
};

/* Field bounds. PAM items are bounded here and checked again by the daemon. */
#define PROTO_USER_MAX 256
#define PROTO_SERVICE_MAX 128
#define PROTO_RHOST_MAX 256
#define PROTO_TTY_MAX 128
#define PROTO_NAME_MAX 64
#define PROTO_DESCRIPTION_MAX 256
#define PROTO_MESSAGE_MAX 512
#define PROTO_IDENTITY_MAX 300

/* The daemon's verdict on an authentication; the module maps it to a PAM code
 * in one table. Never raw PAM numbers on the wire. */
enum verdict {
        VERDICT_OK = 0,
        VERDICT_MALFORMED = 1,
        VERDICT_NOT_FOUND = 2,
        VERDICT_BAD_SECRET = 3,
        VERDICT_DISABLED = 4,
        VERDICT_EXPIRED = 5,
        VERDICT_WRONG_USER = 6,
        VERDICT_WRONG_SERVICE = 7,
        VERDICT_WRONG_SOURCE = 8,
        VERDICT_USAGE_EXCEEDED = 9,
        VERDICT_RATE_LIMITED = 10,
        VERDICT_LEAKED = 11,
        VERDICT_ORPHANED = 12,
        VERDICT_INTERNAL = 13, /* the daemon could not decide (store error) */
        _VERDICT_MAX
};

enum ctl_command {
        CTL_CREATE = 1,
        CTL_LIST = 2,
        CTL_SHOW = 3,
        CTL_DISABLE = 4,
        CTL_ENABLE = 5,
        CTL_DELETE = 6,
        CTL_STATUS = 7,
        _CTL_MAX
};

#define CTL_FLAG_ALL 0x1u /* list: every key (admins only) */

enum ctl_status {
        STATUS_OK = 0,
        STATUS_INVALID = 1,    /* malformed or unsupported request */
        STATUS_PERMISSION = 2, /* caller may not do this */
        STATUS_NOT_FOUND = 3,
        STATUS_EXISTS = 4,
        STATUS_LIMIT = 5,
        STATUS_INTERNAL = 6,
        _STATUS_MAX
};

/* Kind and maximum length of a tag; KIND_NONE for unknown tags. */
enum field_kind proto_tag_kind(unsigned tag, size_t *ret_max);
/* Whether msg type allows / requires tag. */
bool proto_tag_allowed(unsigned type, unsigned tag);
bool proto_tag_required(unsigned type, unsigned tag);
bool proto_type_known(unsigned type);

const char *verdict_to_string(unsigned v);   /* "ok", "bad_secret", ... or NULL */
const char *status_to_string(unsigned s);    /* "ok", "permission_denied", ... */
const char *command_to_string(unsigned c);   /* "create", ... */

#endif
