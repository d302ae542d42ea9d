/* records.h - the records the daemon sends before its reply (MSG_KEY_INFO,
 * MSG_SID_INFO, MSG_AUDIT_RECORD), decoded into plain structs by one table
 * per type, and the list that holds them. Strings are NULL when the daemon
 * left the field out; numbers have .set. */
#ifndef APIKEYCTL_RECORDS_H
#define APIKEYCTL_RECORDS_H

#include "ctl.h"

struct key_info {
        char *id, *kind, *identity, *owner, *name, *description, *state;
        char *created_by, *last_used_from, *last_used_service;
        char *services, *sources, *leak_action, *rotated_to;
        char *scope; /* a fleet key's: its host group, or "host:NAME" */
        struct opt_u64 owner_uid, created_at, last_used_at, use_count;
        struct opt_u64 expires_at, locked, max_uses;
};

struct sid_info {
        char *name, *description, *unix_user, *created_by;
        struct opt_u64 unix_uid, locked, created_at, key_count;
};

struct blocked_info {
        char *kind, *source;
        struct opt_u64 since, failures;
};

struct audit_record {
        char *event, *result, *key_id, *identity, *user, *service, *rhost, *tty, *caller, *action, *detail;
        struct opt_u64 seq, time, peer_uid, peer_pid;
};

/* audit --verify: one break, gap or changed row. */
struct audit_break_info {
        char *kind, *message, *key_id, *service_id;
        struct opt_u64 first, last;
};

enum rec_kind { REC_STR, REC_U32, REC_U64 };

struct rec_field {
        uint8_t tag;
        uint8_t kind;  /* enum rec_kind */
        bool required; /* wire_parse checks it too; never trust that twice */
        size_t offset;
};

struct rec_type {
        uint8_t msg_type;
        size_t size;
        const struct rec_field *fields;
        size_t nfields;
};

extern const struct rec_type rec_key_info, rec_sid_info, rec_audit_record, rec_blocked, rec_audit_break;
const struct rec_type *rec_type_of(uint8_t msg_type); /* NULL for other types */

/* Decodes m into *ret (a struct of t's type): 0, -EBADMSG or -ENOMEM. */
int rec_decode(const struct rec_type *t, const struct wire_msg *m, void *ret);
void rec_free(const struct rec_type *t, void *rec);

struct rec_list {
        const struct rec_type *type;
        unsigned char *items;
        size_t n, cap;
};

/* Appends rec (taking its strings): 0 or -ENOMEM. */
int rec_list_add(struct rec_list *l, void *rec);
void rec_list_free(struct rec_list *l);
static inline const void *rec_at(const struct rec_list *l, size_t i)
{
        return l->items + i * l->type->size;
}

#endif
