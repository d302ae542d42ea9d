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
        MSG_SID_INFO = 6,     /* daemon -> CLI, one per service ID, before the reply */
        MSG_AUDIT_RECORD = 7, /* daemon -> CLI, one per audit record; also the hashed form */
        MSG_LEAK_REPORT = 8,  /* module -> daemon, auth socket: a key typed as a user name */
        MSG_BLOCKED = 9,      /* daemon -> CLI (status, admins): a rate-limited source */
        MSG_AUDIT_BREAK = 10, /* daemon -> CLI (audit --verify): one break, gap or changed row */
        MSG_PROGRESS = 11,    /* daemon -> CLI (audit --verify): still working, rows checked so far */
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
        TAG_EXPIRES_AT = 30,  /* u64 unix time, 0: never */
        TAG_LOCKED = 31,      /* u32 0/1 */
        TAG_SERVICES = 32,    /* comma-separated PAM service names; empty: any */
        TAG_SOURCES = 33,     /* comma-separated CIDRs; empty: any */
        TAG_MAX_USES = 34,    /* u64, 0: unlimited */
        TAG_LEAK_ACTION = 35, /* "disable" | "delete" | "none" */
        TAG_SERVICE_ID = 36,  /* service ID name */
        TAG_UNIX_USER = 37,   /* local account a service ID acts as */
        TAG_GRACE = 38,       /* u64 seconds */
        TAG_SINCE = 39,       /* u64 unix time */
        TAG_INACTIVE = 40,    /* u64 seconds */
        TAG_ROTATED_TO = 41,  /* key ID of the successor */
        TAG_SEQ = 42,         /* u64 audit sequence number */
        TAG_TIME = 43,        /* u64 unix time */
        TAG_EVENT = 44,       /* audit event: "auth", "control", "purge", ... */
        TAG_RESULT = 45,      /* verdict or status name, or what was done */
        TAG_DETAIL = 46,
        TAG_PEER_UID = 47,    /* u32 */
        TAG_PEER_PID = 48,    /* u32 */
        TAG_ACTION = 49,      /* control command name */
        TAG_FILTER_USER = 50, /* list --user */
        TAG_UNIX_UID = 51,    /* u32 */
        TAG_PREV_HASH = 52,   /* hex of the previous audit record's hash */
        TAG_MAX_LIFETIME = 53, /* u64 seconds, 0: none */
        TAG_RL_BURST = 54,     /* u32 failures before a source is blocked, 0: no limit */
        TAG_RL_INTERVAL = 55,  /* u64 seconds per failure regained */
        TAG_LIMIT = 56,        /* u32 records per page (list, audit); at most PROTO_PAGE_MAX */
        TAG_CURSOR = 57,       /* request: resume after this record; reply: the next page's cursor
                                * (an audit seq in decimal, a key ID) when more records exist */
        TAG_RETIRES = 58,      /* key ID a key retires at its first use (in a key row's MAC) */
        TAG_SEQ_END = 59,      /* u64 last audit sequence number of a range */
        TAG_SCOPE = 60,        /* a fleet key's scope: the host group, or "host:NAME", whose hosts take it */
        TAG_POLICY = 63,       /* status: "name=value ..." of the daemon's policy options */
        _TAG_MAX
};
_Static_assert(_TAG_MAX <= 64, "tags are kept in 64-bit masks (proto.c)");

/* Field bounds. PAM items are bounded here and checked again by the daemon. */
#define PROTO_USER_MAX 256
#define PROTO_SERVICE_MAX 128
#define PROTO_RHOST_MAX 256
#define PROTO_TTY_MAX 128
#define PROTO_NAME_MAX 64
#define PROTO_DESCRIPTION_MAX 256
#define PROTO_MESSAGE_MAX 512
#define PROTO_IDENTITY_MAX 300
#define PROTO_SERVICES_MAX 512
#define PROTO_SOURCES_MAX 1024
#define PROTO_SERVICE_NAME_MAX 64 /* one PAM service name in a restriction */
#define PROTO_SID_NAME_MAX 64
#define PROTO_CURSOR_MAX 32
#define PROTO_SCOPE_MAX 68 /* STORE_SCOPE_MAX */
/* Records one reply of list or audit carries at most, whatever the request
 * asks: the rest comes in further pages (TAG_CURSOR). apikeyctl accepts this
 * many and more. */
#define PROTO_PAGE_MAX 10000
#define PROTO_POLICY_MAX 2048

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
        VERDICT_NAME_IS_ACCOUNT = 14, /* an unmapped service ID whose name is a local account */
        VERDICT_TAMPERED = 15, /* the key's (or its service ID's) row fails its MAC */
        VERDICT_WRONG_HOST = 16, /* a fleet key whose scope does not include this host */
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
        CTL_LOCK = 8,
        CTL_UNLOCK = 9,
        CTL_ROTATE = 10,
        CTL_SID_CREATE = 11,
        CTL_SID_LIST = 12,
        CTL_SID_SHOW = 13,
        CTL_SID_UPDATE = 14,
        CTL_SID_DELETE = 15,
        CTL_SID_LOCK = 16,
        CTL_SID_UNLOCK = 17,
        CTL_AUDIT = 18,
        CTL_LEAK = 19, /* scan: a key found somewhere; state, and the leak action with CTL_FLAG_APPLY */
        CTL_PURGE_USER = 20, /* the keys of a deleted account (filter_user), or every orphaned key */
        _CTL_MAX
};

#define CTL_FLAG_ALL 0x1u             /* list: every key (admins only) */
#define CTL_FLAG_CLASSIC 0x2u         /* create: a classic key */
#define CTL_FLAG_REPLACE 0x4u         /* create --classic: replace the existing one atomically */
#define CTL_FLAG_FORCE 0x8u           /* service-id delete: also its keys */
#define CTL_FLAG_UNTIL_FIRST_USE 0x10u /* rotate: old key works until the new one is first used */
#define CTL_FLAG_VERIFY 0x20u         /* audit: verify the hash chain */
#define CTL_FLAG_APPLY 0x40u          /* leak: apply the key's leak action */
#define CTL_FLAG_ORPHANED 0x100u      /* purge-user: every key whose account is gone */
#define CTL_FLAGS_KNOWN (0x7fu | CTL_FLAG_ORPHANED)

enum ctl_status {
        STATUS_OK = 0,
        STATUS_INVALID = 1,    /* malformed or unsupported request */
        STATUS_PERMISSION = 2, /* caller may not do this */
        STATUS_NOT_FOUND = 3,
        STATUS_EXISTS = 4,
        STATUS_LIMIT = 5,
        STATUS_INTERNAL = 6,
        STATUS_LOCKED = 7, /* the key or service ID is locked */
        STATUS_ORPHANED = 9, /* the key's account is gone: it is dead for good */
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
